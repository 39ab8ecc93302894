import Foundation

/// A model of the platform's catalog (`GET /v1/models/{id}`), with its prices.
public struct ModelInfo: Codable, Sendable, Equatable {
    /// Prices per unit: `input_per_mtok`, `output_per_mtok`, `cached_input_per_mtok` (chat, per million tokens),
    /// `per_second` (video). Only the units the model is billed by are present.
    public struct Prices: Codable, Sendable, Equatable {
        public var inputPerMTok: Decimal?
        public var outputPerMTok: Decimal?
        public var cachedInputPerMTok: Decimal?
        public var perSecond: Decimal?

        enum CodingKeys: String, CodingKey {
            case inputPerMTok = "input_per_mtok", outputPerMTok = "output_per_mtok"
            case cachedInputPerMTok = "cached_input_per_mtok", perSecond = "per_second"
        }
    }

    /// List prices in USD, what the key is charged in CNY, and the platform rate between them.
    public struct Pricing: Codable, Sendable, Equatable {
        public var usd: Prices
        public var cny: Prices
        /// CNY charged per USD of list price.
        public var platformRate: Decimal

        enum CodingKeys: String, CodingKey {
            case usd, cny, platformRate = "platform_rate"
        }
    }

    public var id: String
    /// `chat` or `video`.
    public var kind: String?
    public var pricing: Pricing?
}
