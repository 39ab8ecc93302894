import Foundation
import HolySheepCore
import SQLKit

/// The credit ledger in SQL storage: append-only entries in integer CNY micro-units, so sums are exact on both
/// engines. An entry's `(kind, reference)` is unique where a reference is given: the same payment reference or
/// request id can never be booked twice (a retried top-up or settlement is a no-op).
public struct LedgerRepository: Sendable {
    let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
    }

    /// Appends an entry and applies it to the key's account (balance, month's spend) in the same transaction.
    /// Returns nil when an entry of this kind with this reference already exists (nothing is booked twice).
    @discardableResult
    public func append(keyID: String, kind: LedgerEntry.Kind, amount: Money, reference: String?) async throws -> LedgerEntry? {
        precondition(amount.currency == .cny, "the ledger is kept in CNY")
        let entry = LedgerEntry(
            id: LedgerEntry.newID(), keyID: keyID, kind: kind, amount: amount, reference: reference,
            createdAt: Clock.date(unixMilliseconds: Clock.unixMilliseconds()))
        let booked = try await store.transaction { database in try await Self.append(entry, on: database) }
        return booked ? entry : nil
    }

    /// Appends `entry` inside the caller's transaction; false when its `(kind, reference)` is already booked.
    static func append(_ entry: LedgerEntry, on database: any SQLDatabase) async throws -> Bool {
        let inserted = try await database.insert(into: "ledger_entries")
            .model(Row(entry), nilEncodingStrategy: .asNil)
            .ignoringConflicts(with: ["kind", "dedupe_reference"])
            .returning("id")
            .first()
        guard inserted != nil else { return false }
        try await CreditAccountStore.apply(
            database, keyID: entry.keyID, delta: entry.amount.micros, spent: entry.kind == .charge ? -entry.amount.micros : 0,
            month: CreditAccountStore.month(of: entry.createdAt))
        return true
    }

    /// The key's balance: the exact sum of its entries.
    public func balance(keyID: String) async throws -> Money {
        // PostgreSQL sums BIGINT as NUMERIC: cast back (exact while the sum fits 64 bits, ¥9.2 trillion).
        let row = try await store.database.raw(
            "SELECT CAST(COALESCE(SUM(amount_micros), 0) AS BIGINT) AS balance FROM ledger_entries WHERE key_id = \(bind: keyID)"
        ).first()
        return Money(micros: try row?.decode(column: "balance", as: Int64.self) ?? 0, .cny)
    }

    /// The key's entries, oldest first.
    public func entries(keyID: String) async throws -> [LedgerEntry] {
        try await store.database.select().column("*").from("ledger_entries").where("key_id", .equal, keyID)
            .orderBy("created_at").orderBy("id").all(decoding: Row.self).compactMap(\.entry)
    }

    /// The `ledger_entries` row.
    struct Row: Codable {
        var id: String
        var key_id: String
        var kind: String
        var amount_micros: Int64
        var reference: String?
        /// `reference`, or the entry id when there is none: a unique key that never blocks reference-less entries.
        var dedupe_reference: String
        var created_at: Int64

        init(_ entry: LedgerEntry) {
            id = entry.id
            key_id = entry.keyID
            kind = entry.kind.rawValue
            amount_micros = entry.amount.micros
            reference = entry.reference
            dedupe_reference = entry.reference ?? entry.id
            created_at = Clock.unixMilliseconds(entry.createdAt)
        }

        /// The columns of `ledger_entries`, in the order of ``values(into:)``.
        static let columns: [(name: String, kind: JSONRows.Kind)] = [
            ("id", .text), ("key_id", .text), ("kind", .text), ("amount_micros", .bigint), ("reference", .text), ("dedupe_reference", .text),
            ("created_at", .bigint),
        ]

        func values(into row: inout JSONRows) {
            row.add(id)
            row.add(key_id)
            row.add(kind)
            row.add(amount_micros)
            row.add(reference)
            row.add(dedupe_reference)
            row.add(created_at)
        }

        var entry: LedgerEntry? {
            guard let kind = LedgerEntry.Kind(rawValue: kind) else { return nil }
            return LedgerEntry(
                id: id, keyID: key_id, kind: kind, amount: Money(micros: amount_micros, .cny), reference: reference,
                createdAt: Clock.date(unixMilliseconds: created_at))
        }
    }
}
