import Foundation
import HolySheepCore

/// One line of a key's append-only credit ledger. Entries are never updated or deleted; a key's balance is the
/// sum of its entries' amounts (see ``LedgerRepository/balance(keyID:)``).
public struct LedgerEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Credits bought (manual, WeChat Pay, Alipay or bank transfer; the payment reference is kept).
        case topup
        /// Free credits given when the key was created (`billing.signup_grant_cny`).
        case grant
        /// A redemption code exchanged for credits.
        case redemption
        /// A call's price, settled (negative).
        case charge
        /// Credits given back (positive).
        case refund
    }

    public let id: String
    public let keyID: String
    public let kind: Kind
    /// Positive adds credit, negative spends it; in CNY micro-units.
    public let amount: Money
    /// The payment or code reference (top-ups, redemptions), or the request id (charges, refunds).
    public let reference: String?
    public let createdAt: Date
}
