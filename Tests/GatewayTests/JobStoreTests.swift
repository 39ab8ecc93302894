import Foundation
import SQLKit
import Synchronization
import Testing
@testable import Gateway

/// The durable queue on both engines: claims, leases, finishing once, idempotency and paging.
@Suite struct JobStoreTests {
    static func job(_ id: String, key: String = "key_a", createdAt: Int64 = Clock.unixMilliseconds(), idempotencyKey: String? = nil) -> VideoJobRecord {
        VideoJobRecord(
            id: id, key_id: key, model: "video-gen-2.1", status: "queued",
            request: #"{"prompt":"p","duration":5,"resolution":"720p","aspect_ratio":"9:16"}"#, progress: 0, estimated_micros: 0, cost_micros: nil,
            seconds: 5, delivered_seconds: nil, resolution: "720p", aspect_ratio: "9:16", error_code: nil, error_message: nil,
            idempotency_key: idempotencyKey, dedupe_idempotency: idempotencyKey ?? id, callback_url: nil, deployment: "local", provider_kind: "previz",
            provider_task_id: nil, attempts: 0, lease_owner: nil, lease_until: nil, created_at: createdAt, started_at: nil, completed_at: nil,
            artifact_path: nil, sandbox: true)
    }

    @Test(arguments: TestStorage.engines)
    func twoInstancesRacing_claimEachJobExactlyOnce(engine: SQLStore.Engine) async throws {
        let url = try await TestStorage.freshURL(engine)
        let stores = [try await SQLStore.open(url, logger: TestStorage.logger), try await SQLStore.open(url, logger: TestStorage.logger)]
        defer { Task { for store in stores { await store.close() } } }
        let queues = stores.map { JobStore(store: $0) }
        let base = Clock.unixMilliseconds()
        for index in 0..<30 { #expect(try await queues[0].insert(Self.job("vgen_\(index)", createdAt: base + Int64(index)))) }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mine: [String] = []
                    while let job = try await queues[worker % 2].claim(owner: "w\(worker)", lease: .seconds(30)) {
                        #expect(job.status == "processing" && job.lease_owner == "w\(worker)" && job.attempts == 1)
                        mine.append(job.id)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claimed.count == 30)
        #expect(Set(claimed).count == 30)
        #expect(try await queues[1].count(status: .processing) == 30)
    }

    @Test(arguments: TestStorage.engines)
    func anExpiredLease_isReclaimedAndTheOldWorkerCanNeitherHeartbeatNorFinish(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let queue = JobStore(store: store)
        _ = try await queue.insert(Self.job("vgen_lease"))
        let now = Clock.unixMilliseconds()
        let first = try #require(try await queue.claim(owner: "dead", lease: .seconds(10), now: now))
        #expect(try await queue.reclaimExpired(now: now + 5_000) == 0)
        #expect(try await queue.reclaimExpired(now: now + 10_001) == 1)
        #expect(try await queue.get(id: first.id)?.status == "queued")
        let second = try #require(try await queue.claim(owner: "alive", lease: .seconds(10), now: now + 10_002))
        #expect(second.attempts == 2)
        #expect(try await queue.heartbeat(id: first.id, owner: "dead", lease: .seconds(10), progress: 50) == false)
        #expect(try await queue.finish(id: first.id, owner: "dead", outcome: .init(status: .completed)) == nil)
        #expect(try await queue.heartbeat(id: first.id, owner: "alive", lease: .seconds(10), progress: 50) == true)
        let done = try #require(try await queue.finish(id: first.id, owner: "alive", outcome: .init(status: .completed, deliveredSeconds: 5)))
        #expect(done.status == "completed" && done.progress == 100 && done.delivered_seconds == 5 && done.lease_owner == nil)
    }

    @Test(arguments: TestStorage.engines)
    func aJobEndsExactlyOnce_andItsSettlementRunsOnce(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let queue = JobStore(store: store)
        _ = try await queue.insert(Self.job("vgen_once"))
        _ = try await queue.claim(owner: "w", lease: .seconds(30))
        let settled = Counter()
        let attempts = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<6 {
                group.addTask {
                    let outcome: JobStore.Outcome = index % 2 == 0 ? .init(status: .completed) : .init(status: .cancelled)
                    return try await queue.finish(id: "vgen_once", owner: index % 2 == 0 ? "w" : nil, outcome: outcome) { _, _ in settled.add() } != nil
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(attempts.filter { $0 }.count == 1)
        #expect(settled.value == 1)
        #expect(try await queue.finish(id: "vgen_once", owner: nil, outcome: .init(status: .cancelled)) == nil)
    }

    @Test(arguments: TestStorage.engines)
    func anIdempotencyKey_isUniquePerKey(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let queue = JobStore(store: store)
        #expect(try await queue.insert(Self.job("vgen_1", idempotencyKey: "shot-1")))
        #expect(try await queue.insert(Self.job("vgen_2", idempotencyKey: "shot-1")) == false)
        #expect(try await queue.insert(Self.job("vgen_3", key: "key_b", idempotencyKey: "shot-1")))
        #expect(try await queue.insert(Self.job("vgen_4")))
        #expect(try await queue.insert(Self.job("vgen_5")))
        #expect(try await queue.find(keyID: "key_a", idempotencyKey: "shot-1")?.id == "vgen_1")
    }

    @Test(arguments: TestStorage.engines)
    func listing_pagesNewestFirstByCursor(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let queue = JobStore(store: store)
        for index in 0..<5 { _ = try await queue.insert(Self.job("vgen_\(index)", createdAt: 1_000 + Int64(index / 2))) }
        _ = try await queue.insert(Self.job("vgen_other", key: "key_b"))
        var seen: [String] = []
        var after: String?
        while true {
            let page = try #require(try await queue.list(keyID: "key_a", after: after, limit: 2))
            seen += page.jobs.map(\.id)
            after = page.jobs.last?.id
            if !page.hasMore { break }
        }
        #expect(seen == ["vgen_4", "vgen_3", "vgen_2", "vgen_1", "vgen_0"])
        #expect(try await queue.list(keyID: "key_b", after: "vgen_1", limit: 2) == nil)
    }

    @Test(arguments: TestStorage.engines)
    func aKeyAtItsVideoConcurrencyCap_waitsInTheQueue(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        try await store.database.raw(
            """
            INSERT INTO api_keys (id, digest, prefix, label, sandbox, video_concurrency, revoked, created_at, revision)
            VALUES ('key_a', 'd', 'hs_test_', 'capped', TRUE, 1, FALSE, 0, 1)
            """
        ).run()
        let queue = JobStore(store: store)
        _ = try await queue.insert(Self.job("vgen_a1", createdAt: 1))
        _ = try await queue.insert(Self.job("vgen_a2", createdAt: 2))
        _ = try await queue.insert(Self.job("vgen_b1", key: "key_b", createdAt: 3))
        #expect(try await queue.claim(owner: "w", lease: .seconds(30))?.id == "vgen_a1")
        #expect(try await queue.claim(owner: "w", lease: .seconds(30))?.id == "vgen_b1")
        #expect(try await queue.claim(owner: "w", lease: .seconds(30)) == nil)
        _ = try await queue.finish(id: "vgen_a1", owner: "w", outcome: .init(status: .completed))
        #expect(try await queue.claim(owner: "w", lease: .seconds(30))?.id == "vgen_a2")
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
