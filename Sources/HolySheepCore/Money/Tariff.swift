import Foundation

/// A chat price turned into integers once, so a call's amount is computed without `Decimal` on the request path.
///
/// Each rate is in pico-units (10⁻¹²) of the currency per token: a price of $p per million tokens at `rate` is
/// `p × rate` micro-units per token, held × 10⁶. The amount of a call is the exact integer sum of tokens × rates,
/// rounded once, half away from zero, to a micro-unit — the same result as ``Money/init(exactly:_:)`` on
/// ``Price/usd(for:)`` × rate (tested). A price that needs more than 6 decimals after the rate has no tariff
/// (``init(price:rate:currency:)`` is nil) and callers use the `Decimal` path.
public struct Tariff: Sendable, Equatable {
    public let currency: Money.Currency
    let input: Int64
    let cachedInput: Int64
    let output: Int64

    public init?(price: Price, rate: Decimal, currency: Money.Currency) {
        func pico(_ perMTok: Decimal?) -> Int64? {
            var scaled = (perMTok ?? 0) * rate * 1_000_000
            var rounded = Decimal()
            NSDecimalRound(&rounded, &scaled, 0, .plain)
            guard rounded == scaled, rounded >= 0, rounded < 1_000_000_000_000 else { return nil }
            return NSDecimalNumber(decimal: rounded).int64Value
        }
        guard let input = pico(price.inputPerMTok), let cached = pico(price.effectiveCachedInputPerMTok), let output = pico(price.outputPerMTok) else {
            return nil
        }
        self.currency = currency
        self.input = input
        cachedInput = cached
        self.output = output
    }

    /// The amount of `usage` (cached tokens are part of the prompt, as in ``Price/usd(for:)``).
    @inline(__always)
    public func amount(for usage: TokenUsage) -> Money {
        let cached = Int64(min(max(usage.cachedTokens, 0), max(usage.promptTokens, 0)))
        let uncached = Int64(max(usage.promptTokens, 0)) - cached
        let pico = uncached * input + cached * cachedInput + Int64(max(usage.completionTokens, 0)) * output
        // Round pico → micro once, half away from zero (amounts are never negative).
        return Money(micros: (pico + 500_000) / 1_000_000, currency)
    }
}
