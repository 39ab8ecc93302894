import AsyncHTTPClient
import HolySheepCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Calls OpenAI-compatible upstreams (OpenAI, DeepSeek, vLLM, Ollama, llama.cpp server) over one shared,
/// pooled HTTP client.
struct OpenAICompatibleUpstream: Sendable {
    static let maxResponseBytes = 64 << 20
    static let maxErrorBytes = 1 << 20

    let client: HTTPClient
    let logger: Logger

    /// Sends a Chat Completions body to the route's deployment and returns once the response head arrived.
    /// - Throws: ``UpstreamFailure`` (retryable) when the upstream cannot be reached or misses `deadline`;
    ///   `CancellationError` when the client went away first.
    func send(body: [UInt8], stream: Bool, route: Route, requestID: String, deadline: ContinuousClock.Instant) async throws -> HTTPClientResponse {
        guard let url = route.provider.chatCompletionsURL else {
            throw APIError.noSupportedDeployment(model: route.label, kinds: [route.provider.configuration.kind.rawValue])
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: stream ? "text/event-stream" : "application/json")
        if let apiKey = route.provider.apiKey {
            request.headers.add(name: "authorization", value: "Bearer \(apiKey)")
        }
        request.headers.add(name: "x-request-id", value: requestID)
        request.body = .bytes(ByteBuffer(bytes: body))
        let remaining = deadline - ContinuousClock.now
        do {
            return try await client.execute(request, deadline: .now() + .nanoseconds(max(0, remaining.nanoseconds)), logger: logger)
        } catch {
            throw classify(error, route: route)
        }
    }

    /// Reads a whole (non-streamed) answer.
    func collect(_ response: HTTPClientResponse, route: Route) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: Self.maxResponseBytes)
        } catch {
            throw classify(error, route: route)
        }
    }

    /// Turns an upstream's non-2xx answer into the error passed on to the client, with the same status and the
    /// upstream's own message, type and code (OpenAI's error shape, as compatible servers answer), and says
    /// whether to try again: 408, 409, 429 and 5xx are retryable (honouring `Retry-After`); 401/403 mean the
    /// provider refused the gateway's own credentials (502 for the client, the deployment counts as failing);
    /// other 4xx are the request's fault and return at once.
    func failure(from response: HTTPClientResponse, route: Route) async -> UpstreamFailure {
        let error = await error(from: response, route: route)
        let status = Int(response.status.code)
        let retryAfter = response.headers.first(name: "retry-after").flatMap { RetryPolicy.retryAfter($0) }
        switch status {
        case 401, 403:
            let credentials = APIError(
                status: 502, type: "upstream_error", code: "upstream_auth_failed",
                message: "The provider \(route.provider.configuration.name) refused the gateway's credentials for deployment \(route.label) "
                    + "(\(status)). The operator must check \(route.provider.configuration.apiKeyEnv ?? "the provider's API key").")
            return UpstreamFailure(error: credentials, retryable: false)
        case 408, 409, 429, 500...599:
            return UpstreamFailure(error: error, retryable: true, retryAfter: retryAfter)
        default:
            return UpstreamFailure(error: error, retryable: false, countsAgainstDeployment: false)
        }
    }

    private func error(from response: HTTPClientResponse, route: Route) async -> any Error {
        let status = Int(response.status.code)
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: Self.maxErrorBytes)
        } catch {
            return (classify(error, route: route) as? UpstreamFailure)?.error ?? error
        }
        let fields = body.withUnsafeReadableBytes { bytes -> (type: String?, code: String?, message: String?, param: String?) in
            guard let members = try? JSONScanner.objectMembers(in: bytes) else { return (nil, nil, nil, nil) }
            var errorMembers = members
            if let nested = members[member: "error"], nested.kind == .object {
                errorMembers = JSONScanner.objectMembers(of: nested, in: bytes)
            } else if let text = members[member: "error"]?.string(in: bytes) {
                return (nil, nil, text, nil)
            }
            let code: String? =
                errorMembers[member: "code"].flatMap { value in
                    value.kind == .number ? String(decoding: value.raw(in: bytes), as: UTF8.self) : value.string(in: bytes)
                }
            return (
                errorMembers[member: "type"]?.string(in: bytes), code, errorMembers[member: "message"]?.string(in: bytes),
                errorMembers[member: "param"]?.string(in: bytes)
            )
        }
        var message = fields.message
        if message == nil, body.readableBytes > 0 {
            message = String(decoding: body.readableBytesView.prefix(300), as: UTF8.self)
        }
        var error = APIError.upstream(status: status, deployment: route.label, type: fields.type, code: fields.code, message: message, param: fields.param)
        if let retryAfter = response.headers.first(name: "retry-after") {
            error = APIError(status: error.status, type: error.type, code: error.code, message: error.message, param: error.param, headers: [("Retry-After", retryAfter)])
        }
        return error
    }

    /// Network-level failures: every one is retryable (nothing reached the client yet).
    private func classify(_ error: any Error, route: Route) -> any Error {
        if error is CancellationError || Task.isCancelled { return CancellationError() }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return UpstreamFailure(error: APIError.upstreamTimeout(deployment: route.label), retryable: true)
            case .cancelled: return CancellationError()
            case .connectTimeout:
                return UpstreamFailure(error: APIError.upstreamUnreachable(deployment: route.label, reason: "connection timed out"), retryable: true)
            case .remoteConnectionClosed:
                return UpstreamFailure(
                    error: APIError.upstreamUnreachable(deployment: route.label, reason: "the upstream closed the connection"), retryable: true)
            default: break
            }
        }
        if error is NIOTooManyBytesError {
            return UpstreamFailure(
                error: APIError.upstreamInvalidResponse(deployment: route.label, problem: "the answer is larger than \(Self.maxResponseBytes) bytes"),
                retryable: false)
        }
        logger.warning("upstream call failed", metadata: ["deployment": "\(route.label)", "error": "\(String(reflecting: error))"])
        return UpstreamFailure(error: APIError.upstreamUnreachable(deployment: route.label, reason: Self.reason(error)), retryable: true)
    }

    /// A short, secret-free reason: "connection refused", "host not found", …
    static func reason(_ error: any Error) -> String {
        let text = String(describing: error).lowercased()
        if text.contains("refused") { return "connection refused" }
        if text.contains("reset") { return "connection reset" }
        if text.contains("resolve") || text.contains("dns") || text.contains("lookup") { return "the host name could not be resolved" }
        if text.contains("timeout") || text.contains("timed out") { return "connection timed out" }
        if text.contains("tls") || text.contains("ssl") || text.contains("certificate") { return "TLS handshake failed" }
        return "network error"
    }
}
