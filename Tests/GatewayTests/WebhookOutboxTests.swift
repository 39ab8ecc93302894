import Foundation
import HolySheepCore
import SQLKit
import Testing
@testable import Gateway

/// The outbox on SQLite and PostgreSQL: enqueue inside the caller's transaction, leased claims, fenced results,
/// replay, and the per-key secrets.
@Suite struct WebhookOutboxTests {
    static let job = Data(#"{"id":"vid_1","status":"completed","video_url":"https://example.com/v.mp4"}"#.utf8)

    @Test(arguments: TestStorage.engines)
    func enqueue_writesAPendingEventWithTheJobAsData(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let at = Date(timeIntervalSince1970: 1_764_050_000.25)
        let id = try await store.transaction { database in
            try await WebhookOutbox.enqueue(
                database, keyID: "key_a", url: "https://example.com/hook", eventType: WebhookOutbox.EventType.completed, data: Self.job, now: at)
        }
        #expect(id.hasPrefix("msg_"))
        let delivery = try #require(try await WebhookDeliveryRepository(store: store).find(id: id))
        #expect(delivery.status == .pending && delivery.attempts == 0 && delivery.keyID == "key_a")
        #expect(delivery.nextAttemptAt == at && delivery.eventType == "video.generation.completed")
        #expect(
            delivery.payload
                == #"{"type":"video.generation.completed","timestamp":"2025-11-25T05:53:20.250Z","data":{"id":"vid_1","status":"completed","video_url":"https://example.com/v.mp4"}}"#
        )
    }

    @Test(arguments: TestStorage.engines)
    func enqueue_isRolledBackWithTheCallersTransaction(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        struct JobFailed: Error {}
        await #expect(throws: JobFailed.self) {
            try await store.transaction { database -> Void in
                try await WebhookOutbox.enqueue(database, keyID: "key_a", url: "https://example.com/hook", eventType: WebhookOutbox.EventType.failed, data: Self.job)
                throw JobFailed()
            }
        }
        #expect(try await WebhookDeliveryRepository(store: store).list().isEmpty)
    }

    @Test func enqueue_refusesDataThatIsNotAJSONObject() async throws {
        let store = try await TestStorage.open(.sqlite)
        defer { Task { await store.close() } }
        await #expect(throws: StorageError.self) {
            try await WebhookOutbox.enqueue(store.database, keyID: "key_a", url: "https://example.com/hook", eventType: "x", data: Data("[1]".utf8))
        }
    }

    @Test(arguments: TestStorage.engines)
    func twoInstances_neverClaimTheSameDelivery(engine: SQLStore.Engine) async throws {
        let url = try await TestStorage.freshURL(engine)
        let first = try await SQLStore.open(url, logger: TestStorage.logger)
        let second = try await SQLStore.open(url, logger: TestStorage.logger)
        defer {
            Task {
                await first.close()
                await second.close()
            }
        }
        var ids = Set<String>()
        for _ in 0..<40 {
            ids.insert(try await WebhookOutbox.enqueue(first.database, keyID: "key_a", url: "https://example.com/hook", eventType: "e", data: Self.job))
        }
        // Both instances (and two claimers in each) take batches of 3 until nothing is due.
        let claimers = [(first, "a1"), (first, "a2"), (second, "b1"), (second, "b2")]
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for (store, owner) in claimers {
                group.addTask {
                    let repository = WebhookDeliveryRepository(store: store)
                    var mine: [String] = []
                    while true {
                        let batch = try await repository.claim(owner: owner, limit: 3, lease: .seconds(60))
                        if batch.isEmpty { break }
                        #expect(batch.allSatisfy { $0.attempt == 1 })
                        mine += batch.map(\.id)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claimed.count == 40)
        #expect(Set(claimed) == ids)
    }

    @Test(arguments: TestStorage.engines)
    func anExpiredLease_isClaimedAgainAsTheNextAttempt_andTheStaleResultIsRefused(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let repository = WebhookDeliveryRepository(store: store)
        let now = Date()
        let id = try await WebhookOutbox.enqueue(store.database, keyID: "key_a", url: "https://example.com/hook", eventType: "e", data: Self.job, now: now)
        let first = try #require(try await repository.claim(owner: "a", limit: 10, lease: .seconds(30), now: now).first)
        #expect(first.id == id && first.attempt == 1)
        #expect(try await repository.claim(owner: "b", limit: 10, lease: .seconds(30), now: now.addingTimeInterval(29)).isEmpty)
        let second = try #require(try await repository.claim(owner: "b", limit: 10, lease: .seconds(30), now: now.addingTimeInterval(31)).first)
        #expect(second.id == id && second.attempt == 2)
        let failed = WebhookDeliveryRepository.Outcome(next: .retry(at: now), startedAt: now, duration: .milliseconds(5), statusCode: 500, error: "500")
        #expect(try await repository.finish(first, owner: "a", outcome: failed) == false)
        let delivered = WebhookDeliveryRepository.Outcome(next: .delivered, startedAt: now, duration: .milliseconds(7), statusCode: 204, error: nil)
        #expect(try await repository.finish(second, owner: "b", outcome: delivered))
        let delivery = try #require(try await repository.find(id: id))
        #expect(delivery.status == .delivered && delivery.attempts == 2 && delivery.lastStatus == 204 && delivery.deliveredAt != nil)
        let attempts = try await repository.attempts(deliveryID: id)
        #expect(attempts.map(\.attempt) == [1, 2])
        #expect(attempts.map(\.statusCode) == [500, 204])
    }

    @Test(arguments: TestStorage.engines)
    func replay_queuesAFailedDeliveryAgainWithTheSameIDAndContinuesTheCount(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let repository = WebhookDeliveryRepository(store: store)
        let id = try await WebhookOutbox.enqueue(store.database, keyID: "key_a", url: "https://example.com/hook", eventType: "e", data: Self.job)
        let claim = try #require(try await repository.claim(owner: "a", limit: 1, lease: .seconds(30)).first)
        // In flight: not replayable yet.
        await #expect(throws: WebhookDeliveryRepository.ReplayError.self) { try await repository.replay(id: id) }
        let failed = WebhookDeliveryRepository.Outcome(next: .failed, startedAt: Date(), duration: .zero, statusCode: nil, error: "refused")
        try await repository.finish(claim, owner: "a", outcome: failed)
        #expect(try await repository.list(status: .failed).map(\.id) == [id])
        let replayed = try await repository.replay(id: id)
        #expect(replayed.id == id && replayed.status == .pending && replayed.attempts == 1)
        let again = try #require(try await repository.claim(owner: "a", limit: 1, lease: .seconds(30)).first)
        #expect(again.id == id && again.attempt == 2)
        await #expect(throws: WebhookDeliveryRepository.ReplayError.self) { try await repository.replay(id: "msg_nope") }
    }

    @Test(arguments: TestStorage.engines)
    func secrets_areCreatedOnceAndRotated(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let secrets = WebhookSecretRepository(store: store)
        let created = try await secrets.secret(keyID: "key_a")
        #expect(created.value.hasPrefix("whsec_"))
        #expect(try await secrets.secret(keyID: "key_a") == created)
        #expect(try await secrets.secret(keyID: "key_b") != created)
        let rotated = try await secrets.rotate(keyID: "key_a")
        #expect(rotated != created)
        #expect(try await secrets.secret(keyID: "key_a") == rotated)
    }
}

@Suite struct WebhookRetryScheduleTests {
    @Test func standard_coversAtLeastADayInEightAttempts() {
        let schedule = WebhookRetrySchedule.standard
        #expect(schedule.maximumAttempts == 8)
        #expect(schedule.span >= .seconds(24 * 3600))
        let nominal: Int64 = 5 + 300 + 1800 + 7200 + 18000 + 36000 + 36000  // 27 h 35 min 5 s
        #expect(schedule.span == Duration.seconds(nominal))
    }

    @Test func delays_growWithinTheirJitter_andEndAfterTheLastAttempt() throws {
        let schedule = WebhookRetrySchedule.standard
        for attempt in 1...7 {
            let nominal = schedule.delays[attempt - 1]
            for _ in 0..<50 {
                let delay = try #require(schedule.delay(afterAttempt: attempt))
                #expect(delay >= nominal * 0.9 && delay <= nominal * 1.1)
            }
        }
        #expect(schedule.delay(afterAttempt: 8) == nil)
        #expect(schedule.delay(afterAttempt: 0) == nil)
        let exact = WebhookRetrySchedule(delays: [.milliseconds(10)], jitter: 0)
        #expect(exact.delay(afterAttempt: 1) == .milliseconds(10))
        #expect(exact.delay(afterAttempt: 2) == nil)
    }
}
