import ArgumentParser
import Foundation
import HolySheepCore

extension Money {
    /// A positive amount of yuan given on the command line (`500`, `99.90`), exact to ¥0.000001: `what` names it in
    /// the error (`--credits`), `example` shows a valid value.
    static func cny(parsing text: String, what: String, example: String) throws -> Money {
        guard let amount = Decimal(exactly: text), amount > 0, Money(exactly: amount, .cny).decimal == amount else {
            throw ValidationError("\(what) must be a positive number of yuan with at most 6 decimals such as \(example), got \(text)")
        }
        return Money(exactly: amount, .cny)
    }
}
