import Foundation
import SQLKit

/// One event in the outbox, as `holysheep webhooks list` shows it.
public struct WebhookDelivery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for its next attempt (or being attempted, when leased).
        case pending
        /// A receiver answered 2xx.
        case delivered
        /// Every attempt failed, or the target is forbidden; `webhooks replay` queues it again.
        case failed
    }

    /// The `webhook-id` (`msg_…`), the same on every attempt.
    public let id: String
    public let keyID: String
    public let eventType: String
    public let url: String
    /// The signed body, byte for byte.
    public let payload: String
    public let status: Status
    /// Attempts made (or begun) so far.
    public let attempts: Int
    public let nextAttemptAt: Date
    /// The HTTP status of the last answer, if there was one.
    public let lastStatus: Int?
    public let lastError: String?
    public let createdAt: Date
    public let deliveredAt: Date?

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: String.self)
        keyID = try row.decode(column: "key_id", as: String.self)
        eventType = try row.decode(column: "event_type", as: String.self)
        url = try row.decode(column: "url", as: String.self)
        payload = try row.decode(column: "payload", as: String.self)
        let status = try row.decode(column: "status", as: String.self)
        self.status = Status(rawValue: status) ?? .pending
        attempts = try row.decode(column: "attempts", as: Int.self)
        nextAttemptAt = Clock.date(unixMilliseconds: try row.decode(column: "next_attempt_at", as: Int64.self))
        lastStatus = try row.decode(column: "last_status", as: Int?.self)
        lastError = try row.decode(column: "last_error", as: String?.self)
        createdAt = Clock.date(unixMilliseconds: try row.decode(column: "created_at", as: Int64.self))
        deliveredAt = try row.decode(column: "delivered_at", as: Int64?.self).map { Clock.date(unixMilliseconds: $0) }
    }
}

/// One recorded attempt of a delivery.
public struct WebhookAttempt: Sendable, Equatable {
    public let deliveryID: String
    public let attempt: Int
    public let startedAt: Date
    public let duration: Duration
    /// The receiver's HTTP status; nil when there was no answer (timeout, refused connection, forbidden target).
    public let statusCode: Int?
    public let error: String?

    init(row: any SQLRow) throws {
        deliveryID = try row.decode(column: "delivery_id", as: String.self)
        attempt = try row.decode(column: "attempt", as: Int.self)
        startedAt = Clock.date(unixMilliseconds: try row.decode(column: "started_at", as: Int64.self))
        duration = .milliseconds(try row.decode(column: "duration_ms", as: Int64.self))
        statusCode = try row.decode(column: "status_code", as: Int?.self)
        error = try row.decode(column: "error", as: String?.self)
    }
}
