import AsyncHTTPClient
import Foundation
import HolySheepCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Delivers the outbox's webhooks: claims due deliveries under a lease, signs each attempt per Standard Webhooks
/// with the key's secret, and POSTs it to the callback URL.
///
/// - Before each attempt the target is checked again with ``CallbackTargetPolicy`` (DNS answers change): a forbidden
///   or invalid URL fails the delivery for good; an unresolvable host is retried. For `http://` targets the request
///   goes to the addresses that passed the check, in DNS order (the next only when connecting fails; the URL's host
///   stays in `Host`), so DNS cannot be switched between check and connect; for `https://` the connection uses the
///   host name, as certificate checking needs, and a rebinding attacker would still have to present a certificate
///   for its own name from the private address.
/// - The receiver has `webhooks.timeout_seconds` (default 5) for its whole answer; no redirect is followed.
/// - A 2xx answer delivers the event; anything else (another status, a timeout, a refused connection) is retried on
///   the ``WebhookRetrySchedule`` (by default 8 attempts over about 27 h). Every attempt is a `webhook_attempts` row.
/// - Deliveries are rows, so they survive restarts; several instances share the outbox without sending one
///   attempt twice (see ``WebhookDeliveryRepository``).
/// - On graceful shutdown the sender stops claiming and lets attempts in flight finish (each is bounded by the
///   timeout); an attempt cut short keeps its lease until it expires and is then retried.
public final class WebhookSender: Service, Sendable {
    public static let userAgent = "HolySheep-Webhooks/1"
    /// The most of a receiver's answer body that is read (the rest is dropped).
    static let maxResponseBytes = 64 * 1024

    let deliveries: WebhookDeliveryRepository
    let secrets: WebhookSecretRepository
    let httpClient: HTTPClient
    let policy: CallbackTargetPolicy
    let timeout: Duration
    let schedule: WebhookRetrySchedule
    let pollInterval: Duration
    let batchSize: Int
    /// This instance's name on the leases it takes.
    let instanceID: String
    let logger: Logger
    private let doorbell = Doorbell()
    private let stopping = Atomic<Bool>(false)
    private let inFlight = Atomic<Int>(0)
    /// The most attempts running at once.
    let maxInFlight: Int

    /// - Parameters:
    ///   - httpClient: the gateway's client (its redirect configuration must be `.disallow`).
    ///   - configuration: `webhooks.allow_private_targets` and `webhooks.timeout_seconds`.
    ///   - schedule: when failed attempts are retried (tests pass short delays).
    ///   - pollInterval: how often storage is asked for due deliveries when nobody calls ``wake()``.
    ///   - batchSize: the most deliveries claimed by one query.
    ///   - maxInFlight: the most attempts running at once.
    public init(
        store: SQLStore, httpClient: HTTPClient, configuration: GatewayConfiguration.Webhooks, schedule: WebhookRetrySchedule = .standard,
        pollInterval: Duration = .seconds(1), batchSize: Int = 16, maxInFlight: Int = 64, logger: Logger
    ) {
        deliveries = WebhookDeliveryRepository(store: store)
        secrets = WebhookSecretRepository(store: store)
        self.httpClient = httpClient
        policy = CallbackTargetPolicy(allowPrivateTargets: configuration.allowPrivateTargets)
        timeout = .seconds(configuration.timeoutSeconds)
        self.schedule = schedule
        self.pollInterval = pollInterval
        self.batchSize = max(1, batchSize)
        self.maxInFlight = max(1, maxInFlight)
        instanceID = "whs_" + UUID().uuidString.lowercased()
        self.logger = logger
    }

    /// How long a claimed attempt keeps its lease: the timeout, plus time for DNS and storage.
    var lease: Duration { timeout + .seconds(60) }

    /// Whether graceful shutdown began (no more claims).
    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Looks for due deliveries now instead of at the next poll (call it after committing an enqueue).
    public func wake() {
        doorbell.ring()
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            // Attempts run side by side, up to `maxInFlight`; a slow receiver holds one slot, not the whole loop.
            // Leaving the group waits for the attempts in flight (each bounded by the timeout).
            await withDiscardingTaskGroup { group in
                while !self.stopping.load(ordering: .relaxed), !Task.isCancelled {
                    let free = self.maxInFlight - self.inFlight.load(ordering: .relaxed)
                    let claimed = free > 0 ? await self.claim(limit: min(free, self.batchSize)) : []
                    if claimed.isEmpty {
                        await self.doorbell.wait(upTo: self.pollInterval)
                        continue
                    }
                    for claim in claimed {
                        self.inFlight.add(1, ordering: .relaxed)
                        group.addTask {
                            await self.deliver(claim)
                            self.inFlight.subtract(1, ordering: .relaxed)
                            self.doorbell.ring()
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            self.doorbell.ring()
        }
    }

    private func claim(limit: Int) async -> [WebhookDeliveryRepository.Claim] {
        do {
            return try await deliveries.claim(owner: instanceID, limit: limit, lease: lease)
        } catch {
            logger.error("could not claim webhook deliveries; retrying", metadata: ["error": "\(String(reflecting: error))"])
            return []
        }
    }

    /// Makes one attempt and records it.
    func deliver(_ claim: WebhookDeliveryRepository.Claim) async {
        let startedAt = Date()
        let started = ContinuousClock.now
        let (statusCode, error, retryable) = await attempt(claim)
        let next: WebhookDeliveryRepository.Outcome.Next
        if let statusCode, (200..<300).contains(statusCode) {
            next = .delivered
        } else if retryable, let delay = schedule.delay(afterAttempt: claim.attempt) {
            next = .retry(at: Date().addingTimeInterval(delay.seconds))
        } else {
            next = .failed
        }
        let outcome = WebhookDeliveryRepository.Outcome(
            next: next, startedAt: startedAt, duration: ContinuousClock.now - started, statusCode: statusCode, error: error)
        var metadata: Logger.Metadata = ["webhook_id": "\(claim.id)", "key_id": "\(claim.keyID)", "attempt": "\(claim.attempt)"]
        if let statusCode { metadata["status"] = "\(statusCode)" }
        if let error { metadata["error"] = "\(error)" }
        switch next {
        case .delivered: logger.info("webhook delivered", metadata: metadata)
        case .retry(let at):
            metadata["next_attempt_at"] = "\(at)"
            logger.warning("webhook attempt failed; it will be retried", metadata: metadata)
        case .failed: logger.error("webhook failed for good (`holysheep webhooks replay` queues it again)", metadata: metadata)
        }
        do {
            let kept = try await deliveries.finish(claim, owner: instanceID, outcome: outcome)
            if !kept {
                logger.warning("webhook lease was lost during the attempt; another attempt supersedes this one", metadata: metadata)
            }
        } catch {
            logger.error(
                "could not record a webhook attempt; the delivery is retried once its lease expires",
                metadata: metadata.merging(["storage_error": "\(String(reflecting: error))"]) { $1 })
        }
    }

    /// Checks the target, signs and posts. Returns the status (if the receiver answered), what went wrong, and
    /// whether trying again could help.
    private func attempt(_ claim: WebhookDeliveryRepository.Claim) async -> (Int?, String?, Bool) {
        let target: CallbackTargetPolicy.Target
        do {
            target = try await policy.check(claim.url)
        } catch {
            return (nil, error.message, error.code == "callback_host_unresolvable")
        }
        let signer: StandardWebhookSigner
        do {
            signer = StandardWebhookSigner(secret: try await secrets.secret(keyID: claim.keyID))
        } catch {
            return (nil, "could not read the key's webhook secret: \(error)", true)
        }
        let body = Array(claim.payload.utf8)
        let headers = [(name: "content-type", value: "application/json"), (name: "user-agent", value: Self.userAgent)]
            + signer.headers(id: claim.id, timestamp: Date(), payload: body)
        // The checked addresses in the order DNS gave them (the next one only when connecting to one fails), or
        // the URL itself for https and address literals.
        let pinned = Self.pinned(target)
        let candidates = pinned.isEmpty ? [(url: target.url.absoluteString, host: String?.none)] : pinned.map { (url: $0.url, host: Optional($0.host)) }
        let requests = candidates.map { candidate in
            var request = HTTPClientRequest(url: candidate.url)
            request.method = .POST
            if let host = candidate.host { request.headers.add(name: "host", value: host) }
            for header in headers { request.headers.add(name: header.name, value: header.value) }
            request.body = .bytes(ByteBuffer(bytes: body))
            return request
        }
        let timeout = self.timeout
        do {
            let status = try await Self.withTimeout(timeout) { [httpClient, logger] in
                let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout.nanoseconds))
                for (index, request) in requests.enumerated() {
                    let response: HTTPClientResponse
                    do {
                        response = try await httpClient.execute(request, deadline: deadline, logger: logger)
                    } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                        throw error
                    } catch where index < requests.count - 1 && !Task.isCancelled {
                        continue  // could not connect to this address: try the next one
                    }
                    var read = 0
                    for try await chunk in response.body {
                        read += chunk.readableBytes
                        if read > Self.maxResponseBytes { break }
                    }
                    return Int(response.status.code)
                }
                throw HTTPClientError.connectTimeout  // unreachable: the last request returns or throws
            }
            return (status, (200..<300).contains(status) ? nil : "the receiver answered \(status)", true)
        } catch is TimeoutError {
            return (nil, "no answer within \(Int(timeout.seconds)) s", true)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return (nil, "no answer within \(Int(timeout.seconds)) s", true)
        } catch {
            return (nil, "could not reach the receiver: \(error)", true)
        }
    }

    /// For `http://` with a host name: the URL with its host replaced by each checked address (at most 4), and the
    /// `Host` header to send. Empty for `https://` and address literals.
    static func pinned(_ target: CallbackTargetPolicy.Target) -> [(url: String, host: String)] {
        guard target.url.scheme?.lowercased() == "http", IPAddress(target.host) == nil,
            var components = URLComponents(url: target.url, resolvingAgainstBaseURL: false)
        else { return [] }
        let host = target.host + (components.port.map { ":\($0)" } ?? "")
        return target.addresses.prefix(4).compactMap { address in
            switch address {
            case .v4: components.percentEncodedHost = address.description
            case .v6: components.percentEncodedHost = "[\(address.description)]"
            }
            return components.string.map { ($0, host) }
        }
    }

    struct TimeoutError: Error {}

    /// Runs `body`, cancelling it when `timeout` passes first.
    static func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimeoutError() }
            return value
        }
    }
}
