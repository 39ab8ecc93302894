import Crypto
import Foundation
import HolySheepCore
import SQLKit

/// Prepaid redemption codes: `HSR-XXXX-XXXX-XXXX-XXXX` (80 random bits in Crockford base32, no look-alike
/// letters; dashes, spaces and case ignored when redeemed). Stored only as SHA-256 digests, like keys. A code is
/// redeemed once: the claim and its ledger entry are one transaction.
public struct RedemptionCodeRepository: Sendable {
    let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
    }

    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// Creates `count` codes worth `amount` each, in one batch. The codes are returned once and never stored.
    public func create(count: Int, amount: Money, batch: String) async throws -> [String] {
        precondition(amount.currency == .cny && amount.micros > 0 && count > 0)
        var generator = SystemRandomNumberGenerator()
        let codes = (0..<count).map { _ in
            "HSR-" + (0..<4).map { _ in String((0..<4).map { _ in Self.alphabet[Int(generator.next(upperBound: UInt64(32)))] }) }.joined(separator: "-")
        }
        let now = Clock.unixMilliseconds()
        let rows = codes.map { Row(digest: Self.digest($0), prefix: String($0.prefix(8)), amount_micros: amount.micros, batch: batch, created_at: now) }
        try await store.transaction { database in
            for chunk in stride(from: 0, to: rows.count, by: 500) {
                try await database.insert(into: "redemption_codes").models(Array(rows[chunk..<min(chunk + 500, rows.count)])).run()
            }
        }
        return codes
    }

    public enum RedeemError: Error, Equatable {
        case unknown
        case alreadyRedeemed(at: Date, byCaller: Bool)
    }

    /// Redeems `code` for `keyID`: the code's value is booked on the key's ledger (kind `redemption`).
    public func redeem(_ code: String, keyID: String) async throws -> LedgerEntry {
        let digest = Self.digest(code)
        let now = Clock.unixMilliseconds()
        return try await store.transaction { database in
            let claimed = try await database.raw(
                """
                UPDATE redemption_codes SET redeemed_by = \(bind: keyID), redeemed_at = \(bind: now)
                WHERE digest = \(bind: digest) AND redeemed_by IS NULL RETURNING amount_micros, prefix
                """
            ).first()
            guard let claimed else {
                let existing = try await database.raw("SELECT redeemed_by, redeemed_at FROM redemption_codes WHERE digest = \(bind: digest)").first()
                guard let existing else { throw RedeemError.unknown }
                throw RedeemError.alreadyRedeemed(
                    at: Clock.date(unixMilliseconds: try existing.decode(column: "redeemed_at", as: Int64.self)),
                    byCaller: try existing.decode(column: "redeemed_by", as: String.self) == keyID)
            }
            let entry = LedgerEntry(
                id: LedgerEntry.newID(), keyID: keyID, kind: .redemption, amount: Money(micros: try claimed.decode(column: "amount_micros", as: Int64.self), .cny),
                reference: "code:" + digest.prefix(16), createdAt: Clock.date(unixMilliseconds: now))
            _ = try await LedgerRepository.append(entry, on: database)
            return entry
        }
    }

    /// The digest of a code in its canonical form (upper case, dashes and spaces removed).
    static func digest(_ code: String) -> String {
        let canonical = code.uppercased().filter { $0 != "-" && $0 != " " }
        return SHA256.hash(data: Data(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    struct Row: Codable {
        var digest: String
        var prefix: String
        var amount_micros: Int64
        var batch: String
        var created_at: Int64
    }
}
