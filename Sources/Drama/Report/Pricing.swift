import Foundation

/// What video costs and how money converts: the price per second of video in CNY (the `pricing.cny.per_second`
/// of `GET /v1/models/{id}`), the platform rate (CNY charged per USD of list price, ¥1 = $1 by default) and the
/// market rate reports compare against (7.3 by default).
public struct Pricing: Sendable, Hashable, Codable {
    public var pricePerSecondCNY: Decimal
    public var platformRate: Decimal
    public var marketRate: Decimal

    public init(pricePerSecondCNY: Decimal, platformRate: Decimal = 1, marketRate: Decimal = Decimal(string: "7.3")!) {
        self.pricePerSecondCNY = pricePerSecondCNY
        self.platformRate = platformRate
        self.marketRate = marketRate
    }

    /// A shot's estimated cost: its duration × the price per second.
    public func estimate(_ shot: Shot) -> Decimal { Decimal(shot.durationSeconds) * pricePerSecondCNY }

    /// USD for a CNY amount: CNY ÷ platform rate.
    public func usd(_ cny: Decimal) -> Decimal { platformRate == 0 ? 0 : cny / platformRate }

    /// What the same spend costs bought at list price in USD with yuan at the market rate, minus what was paid.
    public func savings(_ cny: Decimal) -> Decimal { usd(cny) * marketRate - cny }

    enum CodingKeys: String, CodingKey {
        case pricePerSecondCNY = "price_per_second_cny", platformRate = "platform_rate", marketRate = "market_rate"
    }
}

extension Decimal {
    /// Rounded to `places` decimals, as plain text: `1.25`.
    func text(places: Int = 2) -> String {
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, places, .plain)
        return NSDecimalNumber(decimal: rounded).stringValue
    }
}
