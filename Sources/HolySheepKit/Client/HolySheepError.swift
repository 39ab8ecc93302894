import AsyncHTTPClient
import Foundation
import HolySheepCore

/// An error from the HolySheep platform or from reaching it. API errors carry what the server said: the HTTP
/// ``status``, OpenAI's ``type``, ``code`` and ``param``, and a ``message`` that says what to do.
///
/// ```swift
/// do {
///     _ = try await client.chat(request)
/// } catch let error as HolySheepError where error.status == 429 {
///     print("over the limit; retry in", error.retryAfter ?? .seconds(1))
/// }
/// ```
///
/// Neither ``message`` nor ``description`` ever contains the client's API key.
public struct HolySheepError: Error, Sendable, CustomStringConvertible {
    /// What failed. Compare with the static members; new kinds may be added.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case api, stream, connection, invalidResponse = "invalid response", configuration
            case videoFailed = "video failed", videoCancelled = "video cancelled", timeout
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The server answered with an error status.
        public static let api = Kind(.api)
        /// A stream that had begun ended with an error event (`data: {"error": …}`) or before its end (`[DONE]`).
        public static let stream = Kind(.stream)
        /// The server could not be reached, or the connection failed; ``underlyingError`` says how.
        public static let connection = Kind(.connection)
        /// The server's answer is not what the API sends.
        public static let invalidResponse = Kind(.invalidResponse)
        /// The client is not set up right (no API key, a bad base URL, a file that cannot be written).
        public static let configuration = Kind(.configuration)
        /// A video job ended `failed`; ``job`` is the job, ``code`` and ``message`` its error.
        public static let videoFailed = Kind(.videoFailed)
        /// A video job was cancelled; ``job`` is the job.
        public static let videoCancelled = Kind(.videoCancelled)
        /// Waiting took longer than allowed; ``job`` is the job's last known state.
        public static let timeout = Kind(.timeout)

        public var description: String { base.rawValue }
    }

    public let kind: Kind
    /// The HTTP status, or for an in-stream error the status the server gave in `error_code`.
    public let status: Int?
    /// OpenAI's error type (`invalid_request_error`, `authentication_error`, `rate_limit_error`, …).
    public let type: String?
    /// The machine-readable error code (`invalid_api_key_format`, `model_not_found`, …).
    public let code: String?
    /// The request field at fault, if any.
    public let param: String?
    public let message: String
    /// How long the server asked to wait before retrying (`Retry-After`).
    public let retryAfter: Duration?
    /// The server's `x-request-id`, to quote to the operator.
    public let requestID: String?
    /// The video job, for ``Kind/videoFailed``, ``Kind/videoCancelled`` and ``Kind/timeout``.
    public let job: VideoJob?
    /// The transport error behind a ``Kind/connection`` error.
    public let underlyingError: (any Error)?

    init(
        _ kind: Kind, message: String, status: Int? = nil, type: String? = nil, code: String? = nil, param: String? = nil,
        retryAfter: Duration? = nil, requestID: String? = nil, job: VideoJob? = nil, underlyingError: (any Error)? = nil
    ) {
        self.kind = kind
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.retryAfter = retryAfter
        self.requestID = requestID
        self.job = job
        self.underlyingError = underlyingError
    }

    public var description: String {
        var text = "HolySheep \(kind) error"
        if let status { text += " \(status)" }
        if let code { text += " \(code)" }
        text += ": \(message)"
        if let requestID { text += " (request \(requestID))" }
        return text
    }
}

extension HolySheepError {
    /// The error an OpenAI-shaped error body describes: `{"error": {"message", "type", "code", "param"}, "error_code": N}`.
    init(_ kind: Kind, errorBody: JSON?, status: Int?, retryAfter: Duration? = nil, requestID: String? = nil, redacting secret: String) {
        let error = errorBody?["error"]
        func text(_ value: JSON?) -> String? { value?.stringValue ?? value?.intValue.map(String.init) }
        let message = text(error?["message"]) ?? error?.stringValue ?? "The server answered HTTP \(status.map(String.init) ?? "?") without an error message."
        self.init(
            kind, message: secret.isEmpty ? message : message.replacingOccurrences(of: secret, with: "hs_…"), status: errorBody?["error_code"]?.intValue ?? status,
            type: text(error?["type"]), code: text(error?["code"]), param: text(error?["param"]), retryAfter: retryAfter, requestID: requestID)
    }

    /// Reads an error response (its body up to 1 MiB).
    static func from(_ response: HTTPClientResponse, redacting secret: String) async -> HolySheepError {
        let body = try? await response.body.collect(upTo: 1 << 20)
        let json = body.flatMap { try? JSON(parsing: $0.readableBytesView) }
        return HolySheepError(
            .api, errorBody: json, status: Int(response.status.code),
            retryAfter: response.headers.first(name: "retry-after").flatMap { RetryPolicy.retryAfter($0) },
            requestID: response.headers.first(name: "x-request-id"), redacting: secret)
    }

    static func connection(_ error: any Error, url: String) -> HolySheepError {
        HolySheepError(
            .connection, message: "The request to \(url) failed (\(error)). Check that the platform is running at the base URL and reachable.",
            underlyingError: error)
    }

    static func invalidResponse(_ problem: String, requestID: String? = nil) -> HolySheepError {
        HolySheepError(.invalidResponse, message: "The server's answer could not be read: \(problem). Check that the base URL points at a HolySheep platform.", requestID: requestID)
    }
}
