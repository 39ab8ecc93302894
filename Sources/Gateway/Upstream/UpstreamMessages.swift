import HolySheepCore
import NIOCore
import NIOHTTP1

/// One request to an upstream: always a whole body (chat requests are small and already in memory).
struct UpstreamRequest: Sendable {
    var method: HTTPMethod = .POST
    let url: HTTPURL
    /// The provider's headers; `host` and `content-length` are the client's.
    var headers: HTTPHeaders = [:]
    var body: ByteBuffer = ByteBuffer()

    init(url: HTTPURL) {
        self.url = url
    }
}

/// An upstream's answer once its head arrived; the body follows as it is received.
struct UpstreamResponse: Sendable {
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    let body: UpstreamBody
}

/// The response body: read it once, as chunks (`for try await chunk in body`) or whole (``collect(upTo:)``).
/// Dropping it before the end closes the connection (an unread body cannot be skipped on a kept-alive one); over
/// HTTP/2 it resets the call's stream.
struct UpstreamBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let reader: UpstreamBodyReader

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }

    struct AsyncIterator: AsyncIteratorProtocol {
        let reader: UpstreamBodyReader

        mutating func next() async throws -> ByteBuffer? { try await reader.next() }
    }

    /// The whole body. - Throws: ``UpstreamHTTPError/tooLarge`` past `limit` bytes (the connection is closed).
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        var whole: ByteBuffer?
        while var chunk = try await reader.next() {
            guard (whole?.readableBytes ?? 0) + chunk.readableBytes <= limit else {
                reader.abandon()
                throw UpstreamHTTPError.tooLarge(limit: limit)
            }
            if whole == nil { whole = chunk } else { whole!.writeBuffer(&chunk) }
        }
        return whole ?? ByteBuffer()
    }
}

/// Why an upstream exchange failed below HTTP (statuses are answers, not errors).
struct UpstreamHTTPError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case headTimeout, readTimeout, remoteClosed, streamReset, invalidResponse, tooLarge(Int), shutDown, invalidHeader
    }
    private let code: Code

    /// No response head before the attempt's deadline.
    static let headTimeout = UpstreamHTTPError(code: .headTimeout)
    /// No byte of the body for the read timeout.
    static let readTimeout = UpstreamHTTPError(code: .readTimeout)
    /// The upstream closed the connection before its answer was complete.
    static let remoteClosed = UpstreamHTTPError(code: .remoteClosed)
    /// The upstream reset the call's HTTP/2 stream (or refused it, going away) before its answer was complete.
    static let streamReset = UpstreamHTTPError(code: .streamReset)
    /// The answer is not valid HTTP (a parse error).
    static let invalidResponse = UpstreamHTTPError(code: .invalidResponse)
    /// The gateway is stopping.
    static let shutDown = UpstreamHTTPError(code: .shutDown)
    /// A header value holds a line break (it would split the request).
    static let invalidHeader = UpstreamHTTPError(code: .invalidHeader)
    static func tooLarge(limit: Int) -> UpstreamHTTPError { UpstreamHTTPError(code: .tooLarge(limit)) }

    var isTimeout: Bool { code == .headTimeout || code == .readTimeout }
    var isTooLarge: Bool { if case .tooLarge = code { true } else { false } }

    var description: String {
        switch code {
        case .headTimeout: "no response head before the deadline"
        case .readTimeout: "no data from the upstream for the read timeout"
        case .remoteClosed: "the upstream closed the connection"
        case .streamReset: "the upstream reset the stream"
        case .invalidResponse: "the answer is not valid HTTP"
        case .tooLarge(let limit): "the answer is larger than \(limit) bytes"
        case .shutDown: "the gateway is shutting down"
        case .invalidHeader: "a header name or value has characters HTTP does not allow (a line break, a control character)"
        }
    }
}
