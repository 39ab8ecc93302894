import Foundation

/// An amount of money in whole micro-units (10⁻⁶ of the currency: µ¥ or µ$), held as an integer.
///
/// **Rounding rule.** A call's price is computed exactly in decimal (tokens × USD per million tokens, or seconds ×
/// USD per second, then × the platform rate), and only the final amount is rounded, once, half away from zero, to
/// 1 micro-unit (¥0.000001). Ledger entries are these integers, so every sum — in memory, in SQL on SQLite or
/// PostgreSQL — is exact; a bill in yuan is its micro-yuan sum shown to the fen, rounded the same way.
/// Per call the rounding error is at most ¥0.0000005, so no bill of fewer than 10 000 calls can be off by a fen
/// even before rounding the total; the total itself is exact.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Currency: String, Sendable { case cny = "CNY", usd = "USD" }

    public let micros: Int64
    public let currency: Currency

    public init(micros: Int64, _ currency: Currency) {
        self.micros = micros
        self.currency = currency
    }

    /// Rounds an exact decimal amount (in whole currency units) to micro-units, half away from zero.
    public init(exactly amount: Decimal, _ currency: Currency) {
        var scaled = amount * 1_000_000
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)  // .plain: half away from zero
        micros = NSDecimalNumber(decimal: rounded).int64Value
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(micros: 0, currency) }

    /// The exact decimal value in whole units.
    public var decimal: Decimal { Decimal(micros) / 1_000_000 }

    /// Rounded to the cent/fen (half away from zero), for display: `12.35`.
    public var centsString: String {
        var value = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .plain)
        let text = rounded.plainString
        guard let dot = text.firstIndex(of: ".") else { return text + ".00" }
        let fraction = text[text.index(after: dot)...]
        return fraction.count == 1 ? text + "0" : text
    }

    /// Exact, to the micro-unit: `0.000016`.
    public var exactString: String { decimal.plainString }

    public var description: String { "\(currency == .cny ? "¥" : "$")\(exactString)" }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        return Money(micros: lhs.micros + rhs.micros, lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(micros: lhs.micros - rhs.micros, lhs.currency)
    }

    public static prefix func - (value: Money) -> Money { Money(micros: -value.micros, value.currency) }

    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "comparing \(lhs.currency) with \(rhs.currency)")
        return lhs.micros < rhs.micros
    }
}
