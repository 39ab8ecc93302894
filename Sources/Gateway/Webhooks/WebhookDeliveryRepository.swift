import Foundation
import HolySheepCore
import SQLKit

/// The outbox's rows: claiming due deliveries under a lease, recording attempts, listing and replaying.
///
/// A claim leases a row to one sender instance until `lease_until` and counts the attempt at once
/// (`attempts + 1`), so two instances never make the same attempt: on PostgreSQL the due rows are picked with
/// `FOR UPDATE SKIP LOCKED`, on SQLite one `UPDATE … RETURNING` statement runs under the single writer lock. A
/// sender that dies mid-attempt leaves its lease to expire; the row is then claimed again as the next attempt.
/// Finishing an attempt is fenced on the lease owner and the attempt number, so a sender whose lease ran out
/// cannot overwrite a newer attempt's result.
public struct WebhookDeliveryRepository: Sendable {
    let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
    }

    /// A delivery leased for one attempt.
    struct Claim: Sendable {
        let id: String
        let keyID: String
        let url: String
        let payload: String
        /// The number of this attempt (1 for the first).
        let attempt: Int
    }

    /// Leases up to `limit` due deliveries to `owner` until `now + lease`.
    func claim(owner: String, limit: Int, lease: Duration, now: Date = Date()) async throws -> [Claim] {
        let nowMillis = Clock.unixMilliseconds(now)
        let until = nowMillis + Int64(lease.seconds * 1000)
        let lock = store.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let rows = try await store.database.raw(
            """
            UPDATE webhook_deliveries SET lease_owner = \(bind: owner), lease_until = \(bind: until), attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM webhook_deliveries
                WHERE status = 'pending' AND next_attempt_at <= \(bind: nowMillis) AND (lease_until IS NULL OR lease_until <= \(bind: nowMillis))
                ORDER BY next_attempt_at LIMIT \(bind: limit)\(unsafeRaw: lock)
            )
            RETURNING id, key_id, url, payload, attempts
            """
        ).all()
        return try rows.map { row in
            Claim(
                id: try row.decode(column: "id", as: String.self), keyID: try row.decode(column: "key_id", as: String.self),
                url: try row.decode(column: "url", as: String.self), payload: try row.decode(column: "payload", as: String.self),
                attempt: try row.decode(column: "attempts", as: Int.self))
        }
    }

    /// What an attempt came to.
    struct Outcome: Sendable {
        enum Next: Sendable, Equatable {
            case delivered
            case retry(at: Date)
            case failed
        }

        var next: Next
        var startedAt: Date
        var duration: Duration
        var statusCode: Int?
        var error: String?
    }

    /// Records attempt `claim.attempt` and moves the delivery on, releasing the lease.
    /// - Returns: false when the lease was lost (the attempt is still recorded).
    @discardableResult
    func finish(_ claim: Claim, owner: String, outcome: Outcome, now: Date = Date()) async throws -> Bool {
        let status: String
        var nextAt: Int64 = Clock.unixMilliseconds(now)
        var deliveredAt: Int64?
        switch outcome.next {
        case .delivered:
            status = WebhookDelivery.Status.delivered.rawValue
            deliveredAt = nextAt
        case .retry(let at):
            status = WebhookDelivery.Status.pending.rawValue
            nextAt = Clock.unixMilliseconds(at)
        case .failed:
            status = WebhookDelivery.Status.failed.rawValue
        }
        let (nextAttemptAt, deliveredAtMillis) = (nextAt, deliveredAt)
        let durationMillis = Int64(outcome.duration.seconds * 1000)
        let error = outcome.error.map { String($0.prefix(1000)) }
        return try await store.transaction { database in
            try await database.raw(
                """
                INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
                VALUES (\(bind: claim.id), \(bind: claim.attempt), \(bind: Clock.unixMilliseconds(outcome.startedAt)), \(bind: durationMillis),
                    \(bind: outcome.statusCode), \(bind: error))
                ON CONFLICT (delivery_id, attempt) DO NOTHING
                """
            ).run()
            let updated = try await database.raw(
                """
                UPDATE webhook_deliveries SET status = \(bind: status), next_attempt_at = \(bind: nextAttemptAt), last_status = \(bind: outcome.statusCode),
                    last_error = \(bind: error), delivered_at = \(bind: deliveredAtMillis), lease_owner = NULL, lease_until = NULL
                WHERE id = \(bind: claim.id) AND lease_owner = \(bind: owner) AND attempts = \(bind: claim.attempt)
                RETURNING id
                """
            ).all()
            return !updated.isEmpty
        }
    }

    /// Deliveries, newest first.
    public func list(keyID: String? = nil, status: WebhookDelivery.Status? = nil, limit: Int = 50) async throws -> [WebhookDelivery] {
        var query = store.database.select().column("*").from("webhook_deliveries")
        if let keyID { query = query.where("key_id", .equal, keyID) }
        if let status { query = query.where("status", .equal, status.rawValue) }
        return try await query.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit).all().map(WebhookDelivery.init(row:))
    }

    public func find(id: String) async throws -> WebhookDelivery? {
        try await store.database.select().column("*").from("webhook_deliveries").where("id", .equal, id).first().map(WebhookDelivery.init(row:))
    }

    /// The recorded attempts of a delivery, in order.
    public func attempts(deliveryID: String) async throws -> [WebhookAttempt] {
        try await store.database.select().column("*").from("webhook_attempts").where("delivery_id", .equal, deliveryID).orderBy("attempt").all()
            .map(WebhookAttempt.init(row:))
    }

    /// Why a replay did not happen.
    public enum ReplayError: Error, CustomStringConvertible {
        case notFound(String)
        case inFlight(String)

        public var description: String {
            switch self {
            case .notFound(let id): "no webhook delivery has the id \(id); `holysheep webhooks list` shows the ids"
            case .inFlight(let id): "webhook \(id) is being attempted right now; replay it once that attempt has finished"
            }
        }
    }

    /// Queues a delivery again, due now, with the same webhook id; its attempt count continues (a failed delivery
    /// replayed gets one more attempt, then the schedule's remaining retries, if any).
    /// - Throws: ``ReplayError`` when there is no such delivery or an attempt holds its lease.
    @discardableResult
    public func replay(id: String, now: Date = Date()) async throws -> WebhookDelivery {
        let nowMillis = Clock.unixMilliseconds(now)
        let rows = try await store.database.raw(
            """
            UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = \(bind: nowMillis), delivered_at = NULL, lease_owner = NULL, lease_until = NULL
            WHERE id = \(bind: id) AND (lease_until IS NULL OR lease_until <= \(bind: nowMillis))
            RETURNING id
            """
        ).all()
        guard let delivery = try await find(id: id) else { throw ReplayError.notFound(id) }
        guard !rows.isEmpty else { throw ReplayError.inFlight(id) }
        return delivery
    }
}

