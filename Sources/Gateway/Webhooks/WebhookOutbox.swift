import Foundation
import HolySheepCore
import SQLKit

/// The webhook outbox: events to deliver, written as rows in the same transaction as the change they report, so an
/// event exists if and only if the change was committed. ``WebhookSender`` delivers them.
///
/// ```swift
/// try await store.transaction { database in
///     // … finish the job …
///     let webhookID = try await WebhookOutbox.enqueue(
///         database, keyID: job.keyID, url: callbackURL, eventType: WebhookOutbox.EventType.completed, data: jobJSON)
/// }
/// sender.wake()  // optional: deliver now rather than at the next poll
/// ```
public enum WebhookOutbox {
    /// The event types of video jobs. A cancelled job reports `video.generation.failed`, with the job's `error`
    /// saying it was cancelled: receivers handle one terminal failure event, whatever the cause.
    public enum EventType {
        public static let completed = "video.generation.completed"
        public static let failed = "video.generation.failed"
    }

    /// Writes one delivery, due at once, on `database` — the caller's transaction (the one that finishes the job).
    ///
    /// The payload is `{"type":eventType,"timestamp":"2026-11-25T05:52:46.123Z","data":<data>}`, stored and signed
    /// byte for byte as written here.
    /// - Parameters:
    ///   - database: the caller's transaction (or any database, for a standalone event).
    ///   - keyID: the key whose webhook secret signs the event.
    ///   - url: the `callback_url` (checked again by ``CallbackTargetPolicy`` before every attempt).
    ///   - eventType: ``EventType/completed`` or ``EventType/failed``.
    ///   - data: the job, a JSON object, embedded verbatim.
    ///   - now: the event's timestamp.
    /// - Returns: the webhook id (`msg_…`), the `webhook-id` header of every attempt.
    /// - Throws: ``StorageError`` when `data` is not a JSON object; the database's error when the insert fails.
    @discardableResult
    public static func enqueue(
        _ database: any SQLDatabase, keyID: String, url: String, eventType: String, data: Data, now: Date = Date()
    ) async throws -> String {
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            throw StorageError("the data of a `\(eventType)` webhook must be a JSON object (the job)")
        }
        let id = StandardWebhookSigner.newMessageID()
        let payload = payload(eventType: eventType, timestamp: now, data: data)
        let millis = Clock.unixMilliseconds(now)
        try await database.raw(
            """
            INSERT INTO webhook_deliveries (id, key_id, event_type, url, payload, status, attempts, next_attempt_at, created_at)
            VALUES (\(bind: id), \(bind: keyID), \(bind: eventType), \(bind: url), \(bind: payload), 'pending', 0, \(bind: millis), \(bind: millis))
            """
        ).run()
        return id
    }

    /// The event body: type, ISO 8601 timestamp with milliseconds (UTC), and the data object verbatim.
    static func payload(eventType: String, timestamp: Date, data: Data) -> String {
        let time = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(timestamp)
        return "{\"type\":\(eventType.jsonQuoted),\"timestamp\":\(time.jsonQuoted),\"data\":\(String(decoding: data, as: UTF8.self))}"
    }
}
