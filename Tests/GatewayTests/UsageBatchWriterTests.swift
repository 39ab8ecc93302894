import Foundation
import HolySheepCore
import SQLKit
import Testing
@testable import Gateway

/// A usage batch goes to storage as one JSON text per statement: every field must come back exactly as recorded,
/// on both engines, and a retried batch must charge only the calls it had not written before.
@Suite struct UsageBatchWriterTests {
    static func record(
        _ id: String, key: String = "key_w", model: String = "gpt-4.1", cost: Int64 = 0, listUSD: Int64 = 0, latency: Duration = .milliseconds(12),
        upstream: Duration? = .milliseconds(10), createdAt: Date = Date(timeIntervalSince1970: 1_795_000_000.123)
    ) -> UsageRecord {
        UsageRecord(
            requestID: id, keyID: key, model: model, deployment: "fake/\(model)", provider: "fake", endpoint: "chat.completions", status: 200,
            stream: true, usage: TokenUsage(promptTokens: 11, completionTokens: 7, cachedTokens: 3), latency: latency, upstreamLatency: upstream,
            attempts: 2, usageEstimated: true, cost: Money(micros: cost, .cny), listUSD: Money(micros: listUSD, .usd),
            officialUSD: Money(micros: 5, .usd), videoSeconds: 4, createdAt: createdAt)
    }

    static func write(_ batch: [UsageRecord], _ store: SQLStore) async throws -> [UsageBatchWriter.Charged] {
        try await store.transaction { database in try await UsageBatchWriter.write(batch, instanceID: nil, on: database) }
    }

    static func stored(_ store: SQLStore) async throws -> [String: UsageRecord] {
        let rows = try await store.database.select().column("*").from("usage_records").all(decoding: UsageRecord.self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.request_id, $0) })
    }

    @Test(arguments: TestStorage.engines)
    func everyField_readsBackExactly_oddTextAndLargeNumbersIncluded(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        var failed = Self.record("req_failed", model: "nope", upstream: nil)
        failed.deployment = nil
        failed.provider = nil
        failed.status = 404
        failed.stream = false
        failed.usage_estimated = false
        let batch = [
            Self.record("req_quote", model: #"a "quoted" \back\slash/ model"#),
            Self.record("req_ctl", model: "tab\there\nline\r\u{1}\u{1f}end"),
            Self.record("req_text", model: "通义千问-max 🐑 e\u{301} ünïcödé"),
            // 2^53 + 1: the first integer a Double can't hold; a float on the way would round it.
            Self.record("req_big", cost: 9_007_199_254_740_993, listUSD: 4_611_686_018_427_387_903),
            Self.record("req_fractions", latency: .nanoseconds(123_456_789_012), upstream: .nanoseconds(100)),
            Self.record("req_whole", latency: .seconds(3), upstream: .zero),
            failed,
        ]
        _ = try await Self.write(batch, store)
        let stored = try await Self.stored(store)
        #expect(stored.count == batch.count)
        for record in batch {
            #expect(stored[record.request_id] == record, "\(record.request_id)")
        }
    }

    @Test(arguments: TestStorage.engines)
    func aNULInTheModelName_isStoredAsReplacementCharacter_notRefusedForever(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        _ = try await Self.write([Self.record("req_nul", model: "bad\u{0}model")], store)
        #expect(try await Self.stored(store)["req_nul"]?.model == "bad\u{FFFD}model")
    }

    @Test(arguments: TestStorage.engines)
    func aRetriedBatch_chargesOnlyTheCallsItHadNotWritten(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let first = [Self.record("req_a", cost: 1_500), Self.record("req_b", key: "key_v", cost: 250_001), Self.record("req_free")]
        #expect(try await Self.write(first, store).map(\.amount).sorted() == [1_500, 250_001])
        // The same batch again, after an unclear failure, with one new call and one duplicated inside the batch.
        let retried = first + [Self.record("req_c", cost: 7), Self.record("req_c", cost: 7)]
        let charged = try await Self.write(retried, store)
        #expect(charged == [UsageBatchWriter.Charged(keyID: "key_w", month: "2026-11", amount: 7)])

        let ledger = LedgerRepository(store: store)
        #expect(try await ledger.balance(keyID: "key_w") == Money(micros: -1_507, .cny))
        #expect(try await ledger.balance(keyID: "key_v") == Money(micros: -250_001, .cny))
        let charges = try await ledger.entries(keyID: "key_w").filter { $0.kind == .charge }
        #expect(charges.compactMap(\.reference).sorted() == ["req_a", "req_c"])
        #expect(try await Self.stored(store).count == 4)
        let rollup = try #require(
            try await store.database.raw(
                "SELECT requests, cost_micros FROM usage_daily WHERE key_id = 'key_w' AND model = 'gpt-4.1'"
            ).first())
        #expect(try rollup.decode(column: "requests", as: Int64.self) == 3)
        #expect(try rollup.decode(column: "cost_micros", as: Int64.self) == 1_507)
    }

    /// Makes storage refuse any usage row for the model `poison`, as a constraint would.
    static func refusePoison(_ store: SQLStore) async throws {
        switch store.engine {
        case .sqlite:
            try await store.database.raw(
                "CREATE TRIGGER refuse_poison BEFORE INSERT ON usage_records WHEN NEW.model = 'poison' BEGIN SELECT RAISE(ABORT, 'poison record'); END"
            ).run()
        case .postgres:
            try await store.database.raw(
                "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'poison record' USING ERRCODE = 'check_violation'; END $$"
            ).run()
            try await store.database.raw(
                "CREATE TRIGGER refuse_poison BEFORE INSERT ON usage_records FOR EACH ROW WHEN (NEW.model = 'poison') EXECUTE FUNCTION refuse_poison()"
            ).run()
        }
    }

    @Test(arguments: TestStorage.engines)
    func recordsStorageRefuses_areSetAside_andTheRestOfTheBatchLandsAndIsCharged(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        try await Self.refusePoison(store)
        let metrics = GatewayMetrics()
        let recorder = UsageRecorder(
            store: store, credits: CreditBook(store: store, slice: Money(micros: 10_000_000, .cny), logger: TestStorage.logger),
            logger: TestStorage.logger, metrics: metrics)
        var expected: Int64 = 0
        for index in 0..<60 {
            let poison = index == 7 || index == 41
            recorder.record(Self.record("req_\(index)", model: poison ? "poison" : "gpt-4.1", cost: Int64(index + 1)))
            if !poison { expected += Int64(index + 1) }
        }
        await recorder.flush()
        #expect(recorder.pendingCount == 0)  // nothing left to block later records
        let stored = try await Self.stored(store)
        #expect(stored.count == 58 && stored["req_7"] == nil && stored["req_41"] == nil)
        let exposition = String(decoding: metrics.render(), as: UTF8.self)
        #expect(exposition.contains("holysheep_usage_records_refused_total 2"))  // an operator can alert on it
        #expect(try await LedgerRepository(store: store).balance(keyID: "key_w") == Money(micros: -expected, .cny))

        // Later records are not held up by the refused ones.
        recorder.record(Self.record("req_later", cost: 5))
        await recorder.flush()
        let later = try await Self.stored(store)["req_later"]
        #expect(recorder.pendingCount == 0 && later != nil)
        #expect(try await LedgerRepository(store: store).balance(keyID: "key_w") == Money(micros: -(expected + 5), .cny))
    }

    @Test func storageBeingDown_isNotMistakenForRefusedData() async throws {
        let store = try await TestStorage.open(.sqlite)
        await store.close()
        do {
            _ = try await store.database.raw("SELECT 1").all()
            Issue.record("a closed store answered")
        } catch {
            #expect(!SQLStore.refusesData(error))
        }
    }

    @Test func jsonRows_escapeWhatJSONRequires() throws {
        var rows = JSONRows(reservingBytesPerRow: 64, rows: 2)
        rows.row {
            $0.add("q\"b\\n\n\u{7}")
            $0.add(nil as String?)
            $0.add(Int64.min)
            $0.add(true)
        }
        rows.row {
            $0.add(0.1)
            $0.add(Double.nan)
            $0.add(1e-7)
        }
        #expect(rows.text == #"[["q\"b\\n\u000a\u0007",null,-9223372036854775808,true],[0.1,null,1e-07]]"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(rows.text.utf8)) as? [[Any]]
        #expect(parsed?.first?.first as? String == "q\"b\\n\n\u{7}")
    }
}
