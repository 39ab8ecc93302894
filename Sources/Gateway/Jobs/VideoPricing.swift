import Foundation
import HolySheepCore

/// A clip's price: the model's per-second price for the resolution × seconds, in list USD, at the official price,
/// and in CNY at `billing.platform_rate` (what the key is charged).
struct VideoPricing: Sendable {
    let model: ModelConfiguration
    let resolution: String
    let platformRate: Decimal

    /// Nil when the model has no per-second price for this resolution.
    init?(model: ModelConfiguration, resolution: String, platformRate: Decimal) {
        guard model.price.perSecond(resolution: resolution) != nil else { return nil }
        self.model = model
        self.resolution = resolution
        self.platformRate = platformRate
    }

    func charge(seconds: Int) -> Money {
        Money(exactly: (model.price.perSecond(resolution: resolution) ?? 0) * Decimal(seconds) * platformRate, .cny)
    }

    func listUSD(seconds: Int) -> Money {
        Money(exactly: (model.price.perSecond(resolution: resolution) ?? 0) * Decimal(seconds), .usd)
    }

    func officialUSD(seconds: Int) -> Money {
        let official = model.officialPrice ?? model.price
        return Money(exactly: (official.perSecond(resolution: resolution) ?? model.price.perSecond(resolution: resolution) ?? 0) * Decimal(seconds), .usd)
    }
}
