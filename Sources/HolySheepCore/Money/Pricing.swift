import Foundation

/// What a call costs: the exact USD list price of its usage, and the CNY charged for it.
public struct Charge: Sendable, Equatable {
    /// The list price, exact (no rounding).
    public let usdExact: Decimal
    /// What the ledger records: USD × platform rate, rounded once to ¥0.000001 (see ``Money``).
    public let cny: Money
    /// The list price rounded the same way, for reports.
    public var usd: Money { Money(exactly: usdExact, .usd) }
}

extension Price {
    /// The exact USD price of a chat call: uncached input, cached input and output tokens each at their price per
    /// million. Cached tokens are part of `promptTokens` (OpenAI's accounting), so they are not counted twice.
    public func usd(for usage: TokenUsage) -> Decimal {
        let cached = min(max(usage.cachedTokens, 0), max(usage.promptTokens, 0))
        let uncached = max(usage.promptTokens, 0) - cached
        let input = Decimal(uncached) * (inputPerMTok ?? 0)
        let cachedCost = Decimal(cached) * (effectiveCachedInputPerMTok ?? 0)
        let output = Decimal(max(usage.completionTokens, 0)) * (outputPerMTok ?? 0)
        return (input + cachedCost + output) / 1_000_000
    }

    /// The exact USD price of `seconds` of video.
    public func usd(videoSeconds seconds: Decimal) -> Decimal {
        seconds * (perSecond ?? 0)
    }

    /// The charge for a chat call at `platformRate` CNY per USD.
    public func charge(for usage: TokenUsage, platformRate: Decimal) -> Charge {
        let usd = usd(for: usage)
        return Charge(usdExact: usd, cny: Money(exactly: usd * platformRate, .cny))
    }
}

/// A chat model's prices as the request path uses them: what a call is charged (CNY at the platform rate), its
/// list price and its official provider price (USD), each through an integer ``Tariff`` when the price allows it
/// and the exact `Decimal` path otherwise — the same amounts either way.
public struct ChatPricing: Sendable {
    /// Completion tokens a chat hold allows for when the request sets no `max_tokens` / `max_completion_tokens`.
    public static let defaultCompletionAllowance = 4096

    let price: Price
    let officialPrice: Price
    let platformRate: Decimal
    let charged: Tariff?
    let listed: Tariff?
    let official: Tariff?

    public init(price: Price, officialPrice: Price?, platformRate: Decimal) {
        self.price = price
        self.officialPrice = officialPrice ?? price
        self.platformRate = platformRate
        charged = Tariff(price: price, rate: platformRate, currency: .cny)
        listed = Tariff(price: price, rate: 1, currency: .usd)
        official = Tariff(price: officialPrice ?? price, rate: 1, currency: .usd)
    }

    /// CNY charged for `usage`.
    public func charge(for usage: TokenUsage) -> Money {
        charged?.amount(for: usage) ?? Money(exactly: price.usd(for: usage) * platformRate, .cny)
    }

    /// The list price of `usage`, USD.
    public func listPrice(for usage: TokenUsage) -> Money {
        listed?.amount(for: usage) ?? Money(exactly: price.usd(for: usage), .usd)
    }

    /// `usage` at the official provider's price, USD.
    public func officialPrice(for usage: TokenUsage) -> Money {
        official?.amount(for: usage) ?? Money(exactly: officialPrice.usd(for: usage), .usd)
    }

    /// The most a chat call is pre-authorised for: the prompt at one token per two bytes of request body (more
    /// tokens than any tokenizer makes of text, in any language) plus `maxTokens` (default
    /// ``defaultCompletionAllowance``). A call is never charged more than its hold.
    public func maximumCharge(requestBytes: Int, maxTokens: Int?) -> Money {
        charge(for: TokenUsage(promptTokens: (requestBytes + 1) / 2, completionTokens: maxTokens ?? Self.defaultCompletionAllowance))
    }
}
