import HolySheepCore
import Logging
import NIOCore
import NIOSSL

/// The HTTP leg to every upstream: pooled connections, one pool per event loop (``UpstreamHTTPClient``); deadlines;
/// cancellation; network failures turned into retryable ``UpstreamFailure``s. What to send and how to read answers is each ``ChatProvider``'s business.
struct UpstreamClient: Sendable {
    static let maxResponseBytes = 64 << 20
    static let maxErrorBytes = 1 << 20

    let client: UpstreamHTTPClient
    let logger: Logger

    /// Sends a request and returns once the response head arrived.
    /// - Throws: ``UpstreamFailure`` (retryable) when the upstream cannot be reached or misses `deadline`;
    ///   `CancellationError` when the client went away first.
    func execute(_ request: UpstreamRequest, route: Route, deadline: ContinuousClock.Instant) async throws -> UpstreamResponse {
        let remaining = deadline - ContinuousClock.now
        do {
            return try await client.execute(request, deadline: .now() + .nanoseconds(max(0, remaining.nanoseconds)))
        } catch {
            throw classify(error, route: route)
        }
    }

    /// Reads a whole (non-streamed) answer.
    func collect(_ response: UpstreamResponse, route: Route, limit: Int = UpstreamClient.maxResponseBytes) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: limit)
        } catch {
            throw classify(error, route: route)
        }
    }

    /// Reads a non-2xx answer and lets the provider say what it means.
    func failure(from response: UpstreamResponse, provider: any ChatProvider, route: Route) async throws -> UpstreamFailure {
        let body = try await collect(response, route: route, limit: Self.maxErrorBytes)
        let retryAfter = response.headers.first(name: "retry-after").flatMap { RetryPolicy.retryAfter($0) }
        return provider.failure(status: Int(response.status.code), retryAfter: retryAfter, body: body, route: route)
    }

    /// Network-level failures: every one is retryable (nothing reached the client yet).
    private func classify(_ error: any Error, route: Route) -> any Error {
        if error is CancellationError || Task.isCancelled { return CancellationError() }
        if let error = error as? UpstreamHTTPError {
            if error.isTimeout { return UpstreamFailure(error: APIError.upstreamTimeout(deployment: route.label), retryable: true) }
            if error.isTooLarge {
                return UpstreamFailure(error: APIError.upstreamInvalidResponse(deployment: route.label, problem: error.description), retryable: false)
            }
            return UpstreamFailure(error: APIError.upstreamUnreachable(deployment: route.label, reason: error.description), retryable: true)
        }
        if error is NIOSSLError {
            logger.warning("upstream TLS failed", metadata: ["deployment": "\(route.label)", "error": "\(String(reflecting: error))"])
            return UpstreamFailure(error: APIError.upstreamUnreachable(deployment: route.label, reason: "TLS handshake failed"), retryable: true)
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

extension UpstreamFailure {
    /// The usual reading of an upstream status: 408/409/429/5xx retryable (the deployment counts as failing);
    /// 401/403 the provider refusing the gateway's own credentials (502, not retried, counts as failing);
    /// other 4xx the request's fault (passed on, not retried, the deployment is healthy).
    static func forStatus(_ status: Int, error: APIError, retryAfter: Duration?, route: Route) -> UpstreamFailure {
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
}
