import Crypto
import Foundation

/// Signs and verifies webhook deliveries per the Standard Webhooks specification 1.0.0
/// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md, "Signature scheme",
/// "Webhook headers" and "Verifying signatures"):
///
/// - headers `webhook-id` (unique per event, the same on every retry), `webhook-timestamp` (Unix seconds of the
///   attempt) and `webhook-signature` (a space-separated list of `version,base64` signatures);
/// - a `v1` signature is `base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{payload}"))`;
/// - a receiver compares in constant time and refuses timestamps outside a tolerance, in both directions.
///
/// ```swift
/// let signer = StandardWebhookSigner(secret: try WebhookSecret("whsec_…"))
/// let headers = signer.headers(id: StandardWebhookSigner.newMessageID(), timestamp: .now, payload: body)
/// try signer.verify(payload: body, headers: Dictionary(uniqueKeysWithValues: headers))
/// ```
public struct StandardWebhookSigner: Sendable {
    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"
    /// How far a delivery's timestamp may be from the receiver's clock, either way (the specification's example: 5 minutes).
    public static let defaultTolerance: Duration = .seconds(300)

    public let secret: WebhookSecret

    public init(secret: WebhookSecret) {
        self.secret = secret
    }

    /// A new message id: `msg_` and 24 base62 characters (no `.`, as the signed content requires).
    public static func newMessageID() -> String { "msg_" + Base62.random(count: 24) }

    /// The `v1,…` signature of one delivery.
    public func signature(id: String, timestamp: Int64, payload: some Collection<UInt8>) -> String {
        "v1," + Data(mac(id: id, timestamp: String(timestamp), payload: payload)).base64EncodedString()
    }

    /// The three headers of a delivery signed at `timestamp`.
    public func headers(id: String, timestamp: Date, payload: some Collection<UInt8>) -> [(name: String, value: String)] {
        let seconds = Int64(timestamp.timeIntervalSince1970.rounded(.down))
        return [
            (Self.idHeader, id), (Self.timestampHeader, String(seconds)),
            (Self.signatureHeader, signature(id: id, timestamp: seconds, payload: payload)),
        ]
    }

    /// Verifies a delivery from its headers (names matched case-insensitively).
    /// - Throws: ``WebhookError`` saying which header is missing, that the timestamp is bad or out of tolerance,
    ///   or that no signature matches.
    public func verify(payload: some Collection<UInt8>, headers: [String: String], now: Date = Date(), tolerance: Duration = defaultTolerance) throws(WebhookError) {
        func header(_ name: String) -> String? {
            headers[name] ?? headers.first { $0.key.lowercased() == name }?.value
        }
        try verify(
            payload: payload, id: header(Self.idHeader), timestamp: header(Self.timestampHeader), signatures: header(Self.signatureHeader),
            now: now, tolerance: tolerance)
    }

    /// Verifies a delivery from its header values (nil for an absent header).
    public func verify(
        payload: some Collection<UInt8>, id: String?, timestamp: String?, signatures: String?, now: Date = Date(),
        tolerance: Duration = defaultTolerance
    ) throws(WebhookError) {
        func missing(_ name: String) -> WebhookError {
            WebhookError(.missingHeader, "The `\(name)` header is missing: a Standard Webhooks delivery carries `webhook-id`, `webhook-timestamp` and `webhook-signature`. Pass all the request's headers to the verifier.")
        }
        guard let id, !id.isEmpty else { throw missing(Self.idHeader) }
        guard let timestamp, !timestamp.isEmpty else { throw missing(Self.timestampHeader) }
        guard let signatures, !signatures.isEmpty else { throw missing(Self.signatureHeader) }
        guard timestamp.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let seconds = Int64(timestamp) else {
            throw WebhookError(.invalidTimestamp, "The `webhook-timestamp` header is \(String(timestamp.prefix(32)).jsonQuoted), not a whole number of seconds since 1970.")
        }
        let age = now.timeIntervalSince1970 - Double(seconds)
        let limit = tolerance.seconds
        if age > limit {
            throw WebhookError(
                .timestampTooOld,
                "The delivery was signed \(Int(age)) s ago, more than the tolerance of \(Int(limit)) s: it may be a replay. "
                    + "If it is genuine, check this machine's clock.")
        }
        if -age > limit {
            throw WebhookError(
                .timestampInFuture,
                "The delivery is signed \(Int(-age)) s in the future, more than the tolerance of \(Int(limit)) s. Check this machine's clock.")
        }
        let signed = Self.content(id: id, timestamp: timestamp, payload: payload)
        for candidate in signatures.split(separator: " ") {
            guard candidate.hasPrefix("v1,"), let mac = Data(base64Encoded: String(candidate.dropFirst(3))) else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: secret.key) { return }
        }
        throw WebhookError(
            .noMatchingSignature,
            "No `v1` signature in `webhook-signature` matches the payload: the body was changed (verify the raw bytes "
                + "received, before any JSON parsing), or the secret is not this endpoint's.")
    }

    private func mac(id: String, timestamp: String, payload: some Collection<UInt8>) -> HashedAuthenticationCode<SHA256> {
        HMAC<SHA256>.authenticationCode(for: Self.content(id: id, timestamp: timestamp, payload: payload), using: secret.key)
    }

    /// `{id}.{timestamp}.{payload}`, the signed content.
    private static func content(id: String, timestamp: String, payload: some Collection<UInt8>) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(id.utf8.count + timestamp.utf8.count + payload.count + 2)
        bytes += id.utf8
        bytes.append(UInt8(ascii: "."))
        bytes += timestamp.utf8
        bytes.append(UInt8(ascii: "."))
        bytes += payload
        return bytes
    }
}
