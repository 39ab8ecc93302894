import Foundation
import HolySheepCore

/// One API call as metered: who, which model and deployment, tokens, outcome and time taken.
public struct UsageRecord: Sendable, Equatable, Codable {
    public var request_id: String
    public var key_id: String
    public var model: String
    public var deployment: String?
    public var provider: String?
    public var endpoint: String
    /// The HTTP status the client got (499 when it went away first).
    public var status: Int
    public var stream: Bool
    public var prompt_tokens: Int64
    public var completion_tokens: Int64
    public var cached_tokens: Int64
    public var latency_ms: Double
    public var upstream_latency_ms: Double?
    /// Upstream attempts made (retries and fallbacks included); 0 when the call never went upstream.
    public var attempts: Int
    /// True when the upstream never reported usage (a stream cut short) and the tokens are the gateway's estimate.
    public var usage_estimated: Bool
    public var created_at: Int64

    public init(
        requestID: String, keyID: String, model: String, deployment: String?, provider: String?, endpoint: String, status: Int,
        stream: Bool, usage: TokenUsage?, latency: Duration, upstreamLatency: Duration?, attempts: Int = 0, usageEstimated: Bool = false,
        createdAt: Date = Date()
    ) {
        self.attempts = attempts
        usage_estimated = usageEstimated
        request_id = requestID
        key_id = keyID
        self.model = model
        self.deployment = deployment
        self.provider = provider
        self.endpoint = endpoint
        self.status = status
        self.stream = stream
        prompt_tokens = Int64(usage?.promptTokens ?? 0)
        completion_tokens = Int64(usage?.completionTokens ?? 0)
        cached_tokens = Int64(usage?.cachedTokens ?? 0)
        latency_ms = latency.milliseconds
        upstream_latency_ms = upstreamLatency?.milliseconds
        created_at = Clock.unixMilliseconds(createdAt)
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
