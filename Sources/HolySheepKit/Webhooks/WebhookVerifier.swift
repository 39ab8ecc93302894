import Foundation
import HolySheepCore

/// Checks that a video webhook really comes from your HolySheep platform, per the Standard Webhooks specification,
/// and decodes its event.
///
/// ```swift
/// let verifier = try WebhookVerifier(secret: "whsec_…")
/// // in your HTTP handler, with the raw body bytes (before any JSON parsing) and the request headers:
/// let event = try verifier.verify(payload: body, headers: headers)
/// if event.type == .completed { try await client.downloadVideo(id: event.data.id, to: file) }
/// ```
///
/// Use the `webhook-id` header to drop duplicates: a delivery that was not acknowledged is sent again with the same id.
public struct WebhookVerifier: Sendable {
    let signer: StandardWebhookSigner
    /// How far the delivery's `webhook-timestamp` may be from this machine's clock, either way (default 5 minutes).
    public var tolerance: Duration = StandardWebhookSigner.defaultTolerance

    /// - Parameter secret: the `whsec_…` signing secret.
    /// - Throws: ``WebhookError`` when the secret is not one.
    public init(secret: String) throws(WebhookError) {
        signer = StandardWebhookSigner(secret: try WebhookSecret(secret))
    }

    /// Verifies a delivery's signature and timestamp and decodes its event.
    /// - Parameters:
    ///   - payload: the request body exactly as received.
    ///   - headers: the request headers (names in any case).
    /// - Throws: ``WebhookError``: a missing header, a timestamp out of tolerance, no matching signature, or a
    ///   payload that is not a video event. Answer such a request `400` and ignore it.
    public func verify(payload: some Collection<UInt8>, headers: [String: String], now: Date = Date()) throws(WebhookError) -> VideoWebhookEvent {
        try signer.verify(payload: payload, headers: headers, now: now, tolerance: tolerance)
        do {
            return try KitJSON.decoder.decode(VideoWebhookEvent.self, from: Data(payload))
        } catch {
            throw WebhookError(.invalidPayload, "The signed payload is not a video webhook event (\(error)).")
        }
    }
}
