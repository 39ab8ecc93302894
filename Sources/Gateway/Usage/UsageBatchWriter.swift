import Foundation
import HolySheepCore
import SQLKit

/// Writes one batch of usage records in one transaction, together with everything that follows from them: the
/// ledger charge of each charged call (reference = request id), the keys' accounts, this instance's leases and the
/// daily rollups. Records already stored (a batch retried after an unclear failure) are skipped entirely, so
/// nothing is counted or charged twice, and the usage table and the ledger always agree.
enum UsageBatchWriter {
    /// A charge written: per key and month, micro-yuan.
    struct Charged: Sendable, Equatable {
        var keyID: String
        var month: String
        var amount: Int64
    }

    /// Rows per INSERT statement: about 20 binds each, within SQLite's 32 766 and PostgreSQL's 65 535.
    static let statementRows = 1_000

    static func write(_ batch: [UsageRecord], instanceID: String?, on database: any SQLDatabase) async throws -> [Charged] {
        // Rows already stored (a retried batch) are skipped by the primary key; the ids inserted come back, so only
        // their calls are charged. No read first; one statement per `statementRows` rows (the bind limits).
        var inserted = Set<String>()
        for chunk in batch.chunks(of: statementRows) {
            for row in try await database.insert(into: "usage_records").columns(usageColumns).rows(chunk.map(usageValues))
                .ignoringConflicts(with: "request_id").returning("request_id").all()
            {
                inserted.insert(try row.decode(column: "request_id", as: String.self))
            }
        }
        var seen = Set<String>()
        let fresh = batch.filter { inserted.contains($0.request_id) && seen.insert($0.request_id).inserted }
        guard !fresh.isEmpty else { return [] }

        let charges = fresh.filter { $0.cost_micros > 0 }.map { record in
            LedgerRepository.Row(
                LedgerEntry(
                    id: LedgerEntry.newID(), keyID: record.key_id, kind: .charge, amount: Money(micros: -record.cost_micros, .cny),
                    reference: record.request_id, createdAt: Clock.date(unixMilliseconds: record.created_at)))
        }
        var charged: [Charged] = []
        if !charges.isEmpty {
            for chunk in charges.chunks(of: statementRows) {
                try await database.insert(into: "ledger_entries").columns(LedgerRepository.Row.columns).rows(chunk.map(\.values)).run()
            }
            let totals = Dictionary(grouping: fresh.filter { $0.cost_micros > 0 }) { ChargeGroup(keyID: $0.key_id, month: Clock.utcMonth(unixMilliseconds: $0.created_at)) }
                .mapValues { $0.reduce(Int64(0)) { $0 + $1.cost_micros } }
            for (group, amount) in totals.sorted(by: { ($0.key.keyID, $0.key.month) < ($1.key.keyID, $1.key.month) }) {
                try await CreditAccountStore.apply(database, keyID: group.keyID, delta: -amount, spent: amount, month: group.month)
                if let instanceID {
                    try await CreditAccountStore.spendLease(database, instanceID: instanceID, keyID: group.keyID, amount: amount)
                }
                charged.append(Charged(keyID: group.keyID, month: group.month, amount: amount))
            }
        }
        try await addToRollups(fresh, on: database)
        return charged
    }

    /// The columns of `usage_records`, in the order of ``usageValues(_:)``. Rows are bound value by value: a batch of
    /// a thousand through `Encodable` cost more CPU than the inserts themselves.
    static let usageColumns = [
        "request_id", "key_id", "model", "deployment", "provider", "endpoint", "status", "stream", "prompt_tokens", "completion_tokens",
        "cached_tokens", "latency_ms", "upstream_latency_ms", "attempts", "usage_estimated", "cost_micros", "list_usd_micros",
        "official_usd_micros", "video_seconds", "created_at",
    ]

    static func usageValues(_ record: UsageRecord) -> [any SQLExpression] {
        [
            SQLBind(record.request_id), SQLBind(record.key_id), SQLBind(record.model), SQLBind.orNull(record.deployment),
            SQLBind.orNull(record.provider), SQLBind(record.endpoint), SQLBind(record.status), SQLBind(record.stream),
            SQLBind(record.prompt_tokens), SQLBind(record.completion_tokens), SQLBind(record.cached_tokens), SQLBind(record.latency_ms),
            SQLBind.orNull(record.upstream_latency_ms), SQLBind(record.attempts), SQLBind(record.usage_estimated),
            SQLBind(record.cost_micros), SQLBind(record.list_usd_micros), SQLBind(record.official_usd_micros),
            SQLBind(record.video_seconds), SQLBind(record.created_at),
        ]
    }

    private struct ChargeGroup: Hashable {
        var keyID: String
        var month: String
    }

    private struct RollupKey: Hashable {
        var keyID: String
        var day: String
        var model: String
    }

    /// Adds the records to `usage_daily`, one upsert per key, day and model.
    private static func addToRollups(_ records: [UsageRecord], on database: any SQLDatabase) async throws {
        let groups = Dictionary(grouping: records) { RollupKey(keyID: $0.key_id, day: Clock.utcDay(unixMilliseconds: $0.created_at), model: $0.model) }
        for (key, records) in groups.sorted(by: { ($0.key.keyID, $0.key.day, $0.key.model) < ($1.key.keyID, $1.key.day, $1.key.model) }) {
            func sum(_ value: (UsageRecord) -> Int64) -> Int64 { records.reduce(0) { $0 + value($1) } }
            let failed = Int64(records.count { $0.status >= 400 })
            try await database.raw(
                """
                INSERT INTO usage_daily (key_id, day, model, requests, failed, prompt_tokens, completion_tokens, cached_tokens, video_seconds,
                    cost_micros, list_usd_micros, official_usd_micros)
                VALUES (\(bind: key.keyID), \(bind: key.day), \(bind: key.model), \(bind: Int64(records.count)), \(bind: failed),
                    \(bind: sum(\.prompt_tokens)), \(bind: sum(\.completion_tokens)), \(bind: sum(\.cached_tokens)), \(bind: sum(\.video_seconds)),
                    \(bind: sum(\.cost_micros)), \(bind: sum(\.list_usd_micros)), \(bind: sum(\.official_usd_micros)))
                ON CONFLICT (key_id, day, model) DO UPDATE SET
                    requests = usage_daily.requests + excluded.requests,
                    failed = usage_daily.failed + excluded.failed,
                    prompt_tokens = usage_daily.prompt_tokens + excluded.prompt_tokens,
                    completion_tokens = usage_daily.completion_tokens + excluded.completion_tokens,
                    cached_tokens = usage_daily.cached_tokens + excluded.cached_tokens,
                    video_seconds = usage_daily.video_seconds + excluded.video_seconds,
                    cost_micros = usage_daily.cost_micros + excluded.cost_micros,
                    list_usd_micros = usage_daily.list_usd_micros + excluded.list_usd_micros,
                    official_usd_micros = usage_daily.official_usd_micros + excluded.official_usd_micros
                """
            ).run()
        }
    }
}

extension SQLBind {
    /// A bound value, or SQL `NULL`.
    static func orNull(_ value: (some Encodable & Sendable)?) -> any SQLExpression {
        value.map { SQLBind($0) } ?? SQLLiteral.null
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
