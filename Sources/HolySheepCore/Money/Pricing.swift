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

extension Price {
    /// Completion tokens a chat hold allows for when the request sets no `max_tokens` / `max_completion_tokens`.
    public static let defaultCompletionAllowance = 4096

    /// The most a chat call is pre-authorised for (USD, exact): the prompt at one token per two bytes of request
    /// body (more tokens than any tokenizer makes of text, in any language) at the input price, plus `maxTokens`
    /// (default ``defaultCompletionAllowance``) at the output price. A call is never charged more than its hold.
    public func maximumChatUSD(requestBytes: Int, maxTokens: Int?) -> Decimal {
        usd(for: TokenUsage(promptTokens: (requestBytes + 1) / 2, completionTokens: maxTokens ?? Self.defaultCompletionAllowance))
    }
}
