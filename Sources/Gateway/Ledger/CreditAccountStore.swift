import Foundation
import HolySheepCore
import SQLKit

/// The SQL side of credit accounting: `credit_accounts` (a key's balance and month's spend, kept in the same
/// transaction as every ledger append) and `credit_leases` (the slice of a balance each gateway instance may spend
/// from memory). See ``CreditBook`` for how the two are used on the request path.
struct CreditAccountStore: Sendable {
    let store: SQLStore

    /// An account as storage has it.
    struct Account: Sendable, Equatable {
        var keyID: String
        var balance: Int64
        var month: String
        var monthSpent: Int64
        var revision: Int64
    }

    /// What an instance holds for a key after a lease renewal.
    struct Lease: Sendable, Equatable {
        var account: Account
        /// Live leases of the other instances.
        var othersLeased: Int64
        /// This instance's lease after the renewal.
        var lease: Int64
    }

    /// Calendar month (UTC) of a moment, `2026-11`: monthly budgets reset on the first of the month, UTC.
    static func month(of date: Date) -> String {
        Clock.utcMonth(unixMilliseconds: Clock.unixMilliseconds(date))
    }

    /// Adds `delta` to a key's balance and `spent` to its spend in `month`, and bumps the account's revision. Runs
    /// inside the caller's transaction, next to the ledger rows it accounts for.
    static func apply(_ database: any SQLDatabase, keyID: String, delta: Int64, spent: Int64, month: String) async throws {
        let revision = try await nextRevision(database)
        try await database.raw(
            """
            INSERT INTO credit_accounts (key_id, balance_micros, month, month_spent_micros, revision)
            VALUES (\(bind: keyID), \(bind: delta), \(bind: month), \(bind: spent), \(bind: revision))
            ON CONFLICT (key_id) DO UPDATE SET
                balance_micros = credit_accounts.balance_micros + excluded.balance_micros,
                month_spent_micros = CASE WHEN credit_accounts.month = excluded.month
                    THEN credit_accounts.month_spent_micros + excluded.month_spent_micros
                    ELSE excluded.month_spent_micros END,
                month = excluded.month,
                revision = excluded.revision
            """
        ).run()
    }

    static func nextRevision(_ database: any SQLDatabase) async throws -> Int64 {
        guard
            let row = try await database.raw("UPDATE counters SET value = value + 1 WHERE name = 'credit_accounts_revision' RETURNING value").first()
        else { throw StorageError("the counter credit_accounts_revision is missing; the schema is damaged") }
        return try row.decode(column: "value", as: Int64.self)
    }

    /// Accounts changed after `revision`, in revision order.
    func changes(after revision: Int64) async throws -> [Account] {
        try await store.database.raw(
            "SELECT key_id, balance_micros, month, month_spent_micros, revision FROM credit_accounts WHERE revision > \(bind: revision) ORDER BY revision"
        ).all().map(Self.account)
    }

    func account(keyID: String) async throws -> Account? {
        try await store.database.raw(
            "SELECT key_id, balance_micros, month, month_spent_micros, revision FROM credit_accounts WHERE key_id = \(bind: keyID)"
        ).first().map(Self.account)
    }

    /// Sets this instance's lease on each key to `min(target, balance − other instances' live leases)` (never below
    /// zero), in one transaction that locks the accounts, and refreshes the heartbeat of all of its leases.
    /// A lease whose heartbeat is older than `ttl` belongs to an instance presumed dead and no longer counts.
    func renew(instanceID: String, targets: [String: Int64], ttl: Duration, now: Date = Date()) async throws -> [String: Lease] {
        let engine = store.engine
        let nowMillis = Clock.unixMilliseconds(now)
        let liveAfter = nowMillis - ttl.components.seconds * 1000 - ttl.components.attoseconds / 1_000_000_000_000_000
        return try await store.transaction { database in
            if engine == .postgres {  // never wait forever on a lock: this runs on the loop that also writes usage
                try await database.raw("SET LOCAL lock_timeout = '3s'").run()
            }
            var leases: [String: Lease] = [:]
            for (keyID, target) in targets.sorted(by: { $0.key < $1.key }) {  // one lock order: no deadlock between instances
                let lock = engine == .postgres ? " FOR UPDATE" : ""
                let account =
                    try await database.raw(
                        SQLQueryString("SELECT key_id, balance_micros, month, month_spent_micros, revision FROM credit_accounts WHERE key_id = ")
                            + "\(bind: keyID)" + SQLQueryString(lock)
                    ).first().map(Self.account) ?? Account(keyID: keyID, balance: 0, month: "", monthSpent: 0, revision: 0)
                let others =
                    try await database.raw(
                        """
                        SELECT CAST(COALESCE(SUM(amount_micros), 0) AS BIGINT) AS leased FROM credit_leases
                        WHERE key_id = \(bind: keyID) AND instance_id <> \(bind: instanceID) AND heartbeat_at > \(bind: liveAfter)
                        """
                    ).first()?.decode(column: "leased", as: Int64.self) ?? 0
                let lease = max(0, min(target, account.balance - others))
                try await database.raw(
                    """
                    INSERT INTO credit_leases (key_id, instance_id, amount_micros, heartbeat_at)
                    VALUES (\(bind: keyID), \(bind: instanceID), \(bind: lease), \(bind: nowMillis))
                    ON CONFLICT (key_id, instance_id) DO UPDATE SET amount_micros = excluded.amount_micros, heartbeat_at = excluded.heartbeat_at
                    """
                ).run()
                leases[keyID] = Lease(account: account, othersLeased: others, lease: lease)
            }
            try await database.raw("UPDATE credit_leases SET heartbeat_at = \(bind: nowMillis) WHERE instance_id = \(bind: instanceID)").run()
            return leases
        }
    }

    /// Reduces this instance's lease on a key by what it just charged (inside the flush transaction).
    static func spendLease(_ database: any SQLDatabase, instanceID: String, keyID: String, amount: Int64) async throws {
        try await database.raw(
            "UPDATE credit_leases SET amount_micros = amount_micros - \(bind: amount) WHERE key_id = \(bind: keyID) AND instance_id = \(bind: instanceID)"
        ).run()
    }

    /// Returns every lease of this instance (at shutdown, after the last flush).
    func releaseAll(instanceID: String) async throws {
        try await store.database.raw("DELETE FROM credit_leases WHERE instance_id = \(bind: instanceID)").run()
    }

    private static func account(_ row: any SQLRow) throws -> Account {
        Account(
            keyID: try row.decode(column: "key_id", as: String.self), balance: try row.decode(column: "balance_micros", as: Int64.self),
            month: try row.decode(column: "month", as: String.self), monthSpent: try row.decode(column: "month_spent_micros", as: Int64.self),
            revision: try row.decode(column: "revision", as: Int64.self))
    }
}
