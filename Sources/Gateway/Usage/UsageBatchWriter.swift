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

    /// Rows per INSERT statement. Each sends its rows as one JSON text (≈ 300 bytes a row); kept near 150 KB, so a
    /// large batch after a slow flush does not leave the allocator's high-water mark (RSS) megabytes higher.
    static let statementRows = 500

    static func write(_ batch: [UsageRecord], instanceID: String?, on database: any SQLDatabase) async throws -> [Charged] {
        // Rows already stored (a retried batch) are skipped by the primary key; the ids inserted come back, so only
        // their calls are charged. No read first; one statement per `statementRows` rows.
        var inserted = Set<String>()
        for chunk in batch.chunks(of: statementRows) {
            var rows = JSONRows(reservingBytesPerRow: 256, rows: chunk.count)
            for record in chunk { rows.row { usageValues(record, into: &$0) } }
            let insert = JSONRows.insert(
                into: "usage_records", columns: usageColumns, rows: rows, tail: "ON CONFLICT (request_id) DO NOTHING RETURNING request_id",
                on: database)
            for row in try await database.raw(insert).all() {
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
                var rows = JSONRows(reservingBytesPerRow: 160, rows: chunk.count)
                for charge in chunk { rows.row { charge.values(into: &$0) } }
                try await database.raw(JSONRows.insert(into: "ledger_entries", columns: LedgerRepository.Row.columns, rows: rows, on: database)).run()
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

    /// The columns of `usage_records`, in the order of ``usageValues(_:into:)``.
    static let usageColumns: [(name: String, kind: JSONRows.Kind)] = [
        ("request_id", .text), ("key_id", .text), ("model", .text), ("deployment", .text), ("provider", .text), ("endpoint", .text),
        ("status", .integer), ("stream", .boolean), ("prompt_tokens", .bigint), ("completion_tokens", .bigint), ("cached_tokens", .bigint),
        ("latency_ms", .double), ("upstream_latency_ms", .double), ("attempts", .integer), ("usage_estimated", .boolean),
        ("cost_micros", .bigint), ("list_usd_micros", .bigint), ("official_usd_micros", .bigint), ("video_seconds", .bigint),
        ("created_at", .bigint),
    ]

    static func usageValues(_ record: UsageRecord, into row: inout JSONRows) {
        row.add(record.request_id)
        row.add(record.key_id)
        row.add(record.model)
        row.add(record.deployment)
        row.add(record.provider)
        row.add(record.endpoint)
        row.add(record.status)
        row.add(record.stream)
        row.add(record.prompt_tokens)
        row.add(record.completion_tokens)
        row.add(record.cached_tokens)
        row.add(record.latency_ms)
        row.add(record.upstream_latency_ms)
        row.add(record.attempts)
        row.add(record.usage_estimated)
        row.add(record.cost_micros)
        row.add(record.list_usd_micros)
        row.add(record.official_usd_micros)
        row.add(record.video_seconds)
        row.add(record.created_at)
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

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
