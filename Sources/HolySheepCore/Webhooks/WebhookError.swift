/// Why a webhook secret or a signed delivery was refused. The message says what was wrong and what to do; it never
/// contains a secret.
///
/// Match on ``code`` (new codes may be added without breaking callers):
///
/// ```swift
/// catch let error as WebhookError where error.code == .timestampTooOld { … }
/// ```
public struct WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case invalidSecret = "invalid_secret"
            case missingHeader = "missing_header"
            case invalidTimestamp = "invalid_timestamp"
            case timestampTooOld = "timestamp_too_old"
            case timestampInFuture = "timestamp_in_future"
            case noMatchingSignature = "no_matching_signature"
            case invalidPayload = "invalid_payload"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The secret is not `whsec_` followed by base64 of 24 to 64 bytes.
        public static let invalidSecret = Code(.invalidSecret)
        /// `webhook-id`, `webhook-timestamp` or `webhook-signature` is absent.
        public static let missingHeader = Code(.missingHeader)
        /// `webhook-timestamp` is not an integer number of seconds since 1970.
        public static let invalidTimestamp = Code(.invalidTimestamp)
        /// The delivery was signed longer ago than the tolerance allows (a replay, or a clock far behind).
        public static let timestampTooOld = Code(.timestampTooOld)
        /// The delivery claims to be signed further in the future than the tolerance allows.
        public static let timestampInFuture = Code(.timestampInFuture)
        /// No `v1` signature in `webhook-signature` matches the payload under this secret.
        public static let noMatchingSignature = Code(.noMatchingSignature)
        /// The signature is valid but the payload is not the event it should be.
        public static let invalidPayload = Code(.invalidPayload)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
