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
        /// Credits given back by the operator (positive).
        case refund
        /// Credits set aside for a long call in flight (a video job), negative; undone by a `release` when the job
        /// ends. (Chat calls last seconds: their holds live in memory only, see ``CreditBook``.)
        case hold
        /// A hold given back when its job ended (positive, the hold's amount).
        case release
    }

    public let id: String
    public let keyID: String
    public let kind: Kind
    /// Positive adds credit, negative spends it; in CNY micro-units.
    public let amount: Money
    /// The payment or code reference (top-ups, redemptions), or the request id (charges, refunds).
    public let reference: String?
    public let createdAt: Date

    static func newID() -> String {
        UniqueID.next("le_")
    }
}
