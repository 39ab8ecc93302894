import AsyncHTTPClient
import Foundation
import HolySheepCore
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing
@testable import Gateway

/// The sender against a real receiver on 127.0.0.1: retries with the same webhook id and valid signatures, the
/// timeout, and the private-target refusal.
@Suite struct WebhookSenderTests {
    struct Received: Sendable {
        let headers: [String: String]
        let body: String
    }

    /// What a receiver got, in order.
    final class Inbox: Sendable {
        private let items = Mutex<[Received]>([])

        /// Adds one delivery; returns how many there are now.
        func append(_ item: Received) -> Int {
            items.withLock { items in
                items.append(item)
                return items.count
            }
        }

        var all: [Received] { items.withLock { $0 } }
    }

    /// A receiver on loopback whose answer to the n-th delivery (1-based) is `answer(n)`, after `delay`.
    static func withReceiver(
        delay: Duration = .zero, answer: @escaping @Sendable (Int) -> HTTPResponse.Status,
        _ body: @escaping @Sendable (_ url: String, _ received: Inbox) async throws -> Void
    ) async throws {
        let received = Inbox()
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            headers["host"] = request.head.authority  // HTTP/1's Host, which HTTPTypes keeps as the authority
            let count = received.append(Received(headers: headers, body: String(buffer: bytes)))
            if delay > .zero { try await Task.sleep(for: delay) }
            return Response(status: answer(count))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)/hook", received)
        }
    }

    /// A sender with its loop running, for the duration of `body`.
    static func withSender(
        store: SQLStore, allowPrivateTargets: Bool = true, timeoutSeconds: Int = 5, schedule: WebhookRetrySchedule,
        _ body: (WebhookSender) async throws -> Void
    ) async throws {
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        var configuration = GatewayConfiguration().webhooks
        configuration.allowPrivateTargets = allowPrivateTargets
        configuration.timeoutSeconds = timeoutSeconds
        let sender = WebhookSender(
            store: store, httpClient: client, configuration: configuration, schedule: schedule, pollInterval: .milliseconds(20), logger: TestStorage.logger)
        let loop = Task { try? await sender.run() }
        do {
            try await body(sender)
        } catch {
            loop.cancel()
            await loop.value
            try? await client.shutdown()
            throw error
        }
        loop.cancel()
        await loop.value
        try await client.shutdown()
    }

    /// Waits until the delivery leaves `pending` (or 20 s pass).
    static func settled(_ id: String, _ store: SQLStore) async throws -> WebhookDelivery {
        let repository = WebhookDeliveryRepository(store: store)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let delivery = try #require(try await repository.find(id: id))
            if delivery.status != .pending { return delivery }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try #require(try await repository.find(id: id))
    }

    static let job = Data(#"{"id":"vid_1","status":"completed"}"#.utf8)

    @Test func aReceiverThatFailsThreeTimes_getsTheEventFourTimesWithTheSameIDAndValidSignatures() async throws {
        let store = try await TestStorage.open(.sqlite)
        defer { Task { await store.close() } }
        let secret = try await WebhookSecretRepository(store: store).secret(keyID: "key_a")
        try await Self.withReceiver(answer: { $0 <= 3 ? .internalServerError : .noContent }) { url, received in
            try await Self.withSender(store: store, schedule: WebhookRetrySchedule(delays: Array(repeating: .milliseconds(30), count: 5), jitter: 0)) { sender in
                let id = try await store.transaction { database in
                    try await WebhookOutbox.enqueue(database, keyID: "key_a", url: url, eventType: WebhookOutbox.EventType.completed, data: Self.job)
                }
                sender.wake()
                let delivery = try await Self.settled(id, store)
                #expect(delivery.status == .delivered && delivery.attempts == 4 && delivery.lastStatus == 204)
                let deliveries = received.all
                #expect(deliveries.count == 4)
                let signer = StandardWebhookSigner(secret: secret)
                for delivery in deliveries {
                    #expect(delivery.headers["webhook-id"] == id)
                    #expect(delivery.headers["content-type"] == "application/json")
                    #expect(delivery.headers["user-agent"] == "HolySheep-Webhooks/1")
                    #expect(delivery.body.contains(#""type":"video.generation.completed""#))
                    #expect(throws: Never.self) { try signer.verify(payload: Array(delivery.body.utf8), headers: delivery.headers) }
                }
                let attempts = try await WebhookDeliveryRepository(store: store).attempts(deliveryID: id)
                #expect(attempts.map(\.attempt) == [1, 2, 3, 4])
                #expect(attempts.map(\.statusCode) == [500, 500, 500, 204])
            }
        }
    }

    @Test func aReceiverSlowerThanTheTimeout_countsAsAFailedAttempt() async throws {
        let store = try await TestStorage.open(.sqlite)
        defer { Task { await store.close() } }
        try await Self.withReceiver(delay: .seconds(5), answer: { _ in .ok }) { url, received in
            try await Self.withSender(store: store, timeoutSeconds: 1, schedule: WebhookRetrySchedule(delays: [], jitter: 0)) { sender in
                let id = try await WebhookOutbox.enqueue(store.database, keyID: "key_a", url: url, eventType: WebhookOutbox.EventType.failed, data: Self.job)
                sender.wake()
                let delivery = try await Self.settled(id, store)
                #expect(delivery.status == .failed && delivery.attempts == 1 && delivery.lastStatus == nil)
                let attempt = try #require(try await WebhookDeliveryRepository(store: store).attempts(deliveryID: id).first)
                #expect(attempt.statusCode == nil && attempt.error == "no answer within 1 s")
                #expect(attempt.duration >= .milliseconds(900) && attempt.duration < .milliseconds(4500))  // the timeout, not the answer at 5 s
                #expect(received.all.count == 1)
            }
        }
    }

    @Test func aPrivateTarget_isRefusedForGoodWhenNotAllowed() async throws {
        let store = try await TestStorage.open(.sqlite)
        defer { Task { await store.close() } }
        try await Self.withReceiver(answer: { _ in .ok }) { url, received in
            let schedule = WebhookRetrySchedule(delays: [.milliseconds(10), .milliseconds(10)], jitter: 0)
            try await Self.withSender(store: store, allowPrivateTargets: false, schedule: schedule) { sender in
                let id = try await WebhookOutbox.enqueue(store.database, keyID: "key_a", url: url, eventType: WebhookOutbox.EventType.completed, data: Self.job)
                sender.wake()
                let delivery = try await Self.settled(id, store)
                #expect(delivery.status == .failed && delivery.attempts == 1)
                #expect(delivery.lastError?.contains("not a public internet address") == true)
                #expect(received.all.count == 0)
            }
        }
    }

    @Test func gracefulShutdown_letsTheAttemptInFlightFinish_andClaimsNothingMore() async throws {
        let store = try await TestStorage.open(.sqlite)
        defer { Task { await store.close() } }
        try await Self.withReceiver(delay: .milliseconds(800), answer: { _ in .noContent }) { url, received in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            var configuration = GatewayConfiguration().webhooks
            configuration.allowPrivateTargets = true
            let sender = WebhookSender(
                store: store, httpClient: client, configuration: configuration, schedule: .standard, pollInterval: .milliseconds(20),
                logger: TestStorage.logger)
            let group = ServiceGroup(configuration: .init(services: [sender], logger: TestStorage.logger))
            let running = Task { try await group.run() }
            let first = try await WebhookOutbox.enqueue(store.database, keyID: "key_a", url: url, eventType: WebhookOutbox.EventType.completed, data: Self.job)
            sender.wake()
            let deadline = ContinuousClock.now + .seconds(10)
            while received.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(received.all.count == 1)
            await group.triggerGracefulShutdown()
            while !sender.isStopping, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(received.all.count == 1, "the first attempt is still in flight")
            let second = try await WebhookOutbox.enqueue(store.database, keyID: "key_a", url: url, eventType: WebhookOutbox.EventType.completed, data: Self.job)
            sender.wake()
            try await running.value
            try await client.shutdown()
            let repository = WebhookDeliveryRepository(store: store)
            let finished = try #require(try await repository.find(id: first))
            #expect(finished.status == .delivered && finished.attempts == 1)
            let untouched = try #require(try await repository.find(id: second))
            #expect(untouched.status == .pending && untouched.attempts == 0)
            #expect(received.all.count == 1)
        }
    }

    @Test func aHostName_isCalledAtItsCheckedAddresses_withItsHostHeader() async throws {
        let store = try await TestStorage.open(.sqlite)
        defer { Task { await store.close() } }
        try await Self.withReceiver(answer: { _ in .ok }) { url, received in
            // The receiver listens on 127.0.0.1 only; `localhost` may resolve to ::1 first, then to 127.0.0.1.
            let named = url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            try await Self.withSender(store: store, schedule: WebhookRetrySchedule(delays: [], jitter: 0)) { sender in
                let id = try await WebhookOutbox.enqueue(store.database, keyID: "key_a", url: named, eventType: WebhookOutbox.EventType.completed, data: Self.job)
                sender.wake()
                let delivery = try await Self.settled(id, store)
                #expect(delivery.status == .delivered && delivery.attempts == 1)
                let port = URL(string: url)!.port!
                #expect(received.all.map { $0.headers["host"] } == ["localhost:\(port)"])
            }
        }
    }

    @Test func anHTTPTarget_isCalledAtTheCheckedAddressWithItsHostHeader() throws {
        let target = CallbackTargetPolicy.Target(
            url: URL(string: "http://hooks.example.com:8080/video?x=1")!, host: "hooks.example.com", addresses: [IPAddress("93.184.216.34")!])
        let pinned = WebhookSender.pinned(target)
        #expect(pinned.map(\.url) == ["http://93.184.216.34:8080/video?x=1"] && pinned.map(\.host) == ["hooks.example.com:8080"])
        let v6 = CallbackTargetPolicy.Target(
            url: URL(string: "http://hooks.example.com/h")!, host: "hooks.example.com", addresses: [IPAddress("2606:2800:220:1::1")!, IPAddress("93.184.216.34")!])
        #expect(WebhookSender.pinned(v6).map(\.url) == ["http://[2606:2800:220:1::1]/h", "http://93.184.216.34/h"])
        let tls = CallbackTargetPolicy.Target(url: URL(string: "https://hooks.example.com/h")!, host: "hooks.example.com", addresses: [IPAddress("93.184.216.34")!])
        #expect(WebhookSender.pinned(tls).isEmpty)
    }
}
