import Foundation
import HolySheepCore
import SQLKit
import Testing
@testable import Gateway

/// The same behaviour on SQLite and PostgreSQL.
@Suite struct StorageTests {
    @Test(arguments: TestStorage.engines)
    func migrations_runOnceAndAreIdempotentAcrossRestarts(engine: SQLStore.Engine) async throws {
        let url = try await TestStorage.freshURL(engine)
        let first = try await SQLStore.open(url, logger: TestStorage.logger)
        await first.close()
        let second = try await SQLStore.open(url, logger: TestStorage.logger)
        let versions = try await second.database.select().column("version").from("holysheep_migrations").all()
        await second.close()
        #expect(versions.count == Migrations.all.count)
    }

    @Test(arguments: TestStorage.engines)
    func aSnapshot_readsTheSameDataThroughout_whateverCommitsMeanwhile(engine: SQLStore.Engine) async throws {
        let url = try await TestStorage.freshURL(engine)
        let reader = try await SQLStore.open(url, logger: TestStorage.logger)
        let writer = try await SQLStore.open(url, logger: TestStorage.logger)
        @Sendable func requests(_ database: any SQLDatabase) async throws -> Int64 {
            let row = try await database.raw("SELECT CAST(COALESCE(SUM(requests), 0) AS BIGINT) AS n FROM usage_daily").first()
            return try row?.decode(column: "n", as: Int64.self) ?? -1
        }
        @Sendable func addRequests(_ count: Int64) async throws {
            try await writer.transaction { database in
                try await database.raw(
                    """
                    INSERT INTO usage_daily (key_id, day, model, requests, failed, prompt_tokens, completion_tokens, cached_tokens,
                        video_seconds, cost_micros, list_usd_micros, official_usd_micros)
                    VALUES ('key_1', \(bind: "2026-12-0\(count)"), 'gpt-4.1', \(bind: count), 0, 0, 0, 0, 0, 0, 0, 0)
                    """
                ).run()
            }
        }
        try await addRequests(1)
        // A usage flush commits between a report's two reads: the snapshot still reads what it read first.
        let (first, second) = try await reader.snapshot { database in
            let first = try await requests(database)
            try await addRequests(2)
            return (first, try await requests(database))
        }
        let afterwards = try await reader.withConnection { try await requests($0) }
        await reader.close()
        await writer.close()
        #expect(first == 1 && second == 1)
        #expect(afterwards == 3)
    }

    @Test(arguments: TestStorage.engines)
    func createdKey_isStoredOnlyAsItsDigest(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let (record, secret) = try await APIKeyRepository(store: store).create(.init(label: "studio", models: ["gpt-4.1"], rpm: 60))
        let row = try #require(try await store.database.select().column("*").from("api_keys").where("id", .equal, record.id).first())
        #expect(try row.decode(column: "digest", as: String.self) == secret.digest.hex)
        #expect(try row.decode(column: "prefix", as: String.self) == String(secret.value.prefix(12)))
        for column in row.allColumns {
            if let text = try? row.decode(column: column, as: String.self) {
                #expect(!text.contains(secret.value.dropFirst(12)), "column \(column) holds the secret")
            }
        }
        let found = try #require(try await APIKeyRepository(store: store).find(id: record.id))
        #expect(found == record)
        #expect(found.models == ["gpt-4.1"] && found.rpm == 60 && !found.sandbox)
    }

    @Test(arguments: TestStorage.engines)
    func revoke_marksTheKeyAndPublishesTheChange(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let repository = APIKeyRepository(store: store)
        let (record, _) = try await repository.create(.init(label: "a"))
        let revoked = try #require(try await repository.revoke(id: record.id))
        #expect(revoked.revoked && revoked.revision > record.revision)
        #expect(try await repository.changes(after: record.revision).map(\.id) == [record.id])
        #expect(try await repository.changes(after: revoked.revision).isEmpty)
        #expect(try await repository.revoke(id: "key_doesNotExist") == nil)
    }

    @Test(arguments: TestStorage.engines)
    func keyDirectory_seesKeysCreatedAndRevokedThroughAnotherConnectionPool(engine: SQLStore.Engine) async throws {
        let url = try await TestStorage.freshURL(engine)
        let serverStore = try await SQLStore.open(url, logger: TestStorage.logger)
        let cliStore = try await SQLStore.open(url, logger: TestStorage.logger)
        defer { Task { await serverStore.close(); await cliStore.close() } }
        let directory = KeyDirectory(repository: APIKeyRepository(store: serverStore), logger: TestStorage.logger)
        try await directory.refresh()
        let cli = APIKeyRepository(store: cliStore)
        let (record, secret) = try await cli.create(.init(label: "cli"))
        #expect(directory.key(for: secret.digest) == nil)
        try await directory.refresh()
        #expect(directory.key(for: secret.digest)?.id == record.id)
        try await cli.revoke(id: record.id)
        try await directory.refresh()
        #expect(directory.key(for: secret.digest)?.revoked == true)
    }

    @Test(arguments: TestStorage.engines)
    func concurrentKeyChanges_getDistinctRevisionsAndNoneIsMissed(engine: SQLStore.Engine) async throws {
        let url = try await TestStorage.freshURL(engine)
        let stores = [try await SQLStore.open(url, logger: TestStorage.logger), try await SQLStore.open(url, logger: TestStorage.logger)]
        defer { Task { for store in stores { await store.close() } } }
        let directory = KeyDirectory(repository: APIKeyRepository(store: stores[0]), logger: TestStorage.logger)
        let digests = try await withThrowingTaskGroup(of: APIKeySecret.Digest.self) { group in
            for index in 0..<24 {
                group.addTask {
                    let (_, secret) = try await APIKeyRepository(store: stores[index % 2]).create(.init(label: "k\(index)"))
                    try await directory.refresh()  // polls interleaved with writers
                    return secret.digest
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await directory.refresh()
        #expect(digests.allSatisfy { directory.key(for: $0) != nil })
        let revisions = try await APIKeyRepository(store: stores[0]).list().map(\.revision)
        #expect(Set(revisions).count == 24)
    }

    @Test(arguments: TestStorage.engines)
    func usageRecorder_writesBatchesAndNeverTheSameCallTwice(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let recorder = UsageRecorder(store: store, credits: CreditBook(store: store, slice: Money(micros: 10_000_000, .cny), logger: TestStorage.logger), logger: TestStorage.logger)
        func record(_ id: String, tokens: Int) -> UsageRecord {
            UsageRecord(
                requestID: id, keyID: "key_x", model: "gpt-4.1", deployment: "fake/gpt-4.1", provider: "fake", endpoint: "chat.completions",
                status: 200, stream: false, usage: TokenUsage(promptTokens: tokens, completionTokens: 2, cachedTokens: 1),
                latency: .milliseconds(12), upstreamLatency: .milliseconds(10))
        }
        for index in 0..<1_200 { recorder.record(record("req_\(index)", tokens: index)) }
        recorder.record(record("req_5", tokens: 999))  // a retried batch must not double-count
        // A failed call (no deployment chosen, no upstream latency) in the same batch as complete ones.
        recorder.record(
            UsageRecord(
                requestID: "req_failed", keyID: "key_x", model: "nope", deployment: nil, provider: nil, endpoint: "chat.completions",
                status: 404, stream: false, usage: nil, latency: .milliseconds(1), upstreamLatency: nil))
        await recorder.flush()
        #expect(recorder.pendingCount == 0)
        let count = try #require(try await store.database.raw("SELECT COUNT(*) AS n FROM usage_records").first())
        #expect(try count.decode(column: "n", as: Int.self) == 1_201)
        let failed = try #require(try await store.database.select().column("*").from("usage_records").where("request_id", .equal, "req_failed").first())
        #expect(try failed.decode(column: "status", as: Int.self) == 404)
        #expect(try failed.decode(column: "deployment", as: String?.self) == nil)
        let row = try #require(try await store.database.select().column("*").from("usage_records").where("request_id", .equal, "req_7").first())
        #expect(try row.decode(column: "prompt_tokens", as: Int.self) == 7)
        #expect(try row.decode(column: "cached_tokens", as: Int.self) == 1)
        #expect(try row.decode(column: "stream", as: Bool.self) == false)
        #expect(try row.decode(column: "latency_ms", as: Double.self) == 12)
    }

    @Test func usageRecorder_keepsRecordsWhileStorageIsDown() async throws {
        let store = try await TestStorage.open(.sqlite)
        let recorder = UsageRecorder(store: store, credits: CreditBook(store: store, slice: Money(micros: 10_000_000, .cny), logger: TestStorage.logger), logger: TestStorage.logger)
        await store.close()  // storage gone
        recorder.record(
            UsageRecord(
                requestID: "req_down", keyID: "k", model: "m", deployment: nil, provider: nil, endpoint: "chat.completions", status: 200,
                stream: true, usage: nil, latency: .zero, upstreamLatency: nil))
        await recorder.flush()
        #expect(recorder.pendingCount == 1)
    }
}

extension SQLStore.Engine: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}
