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
    /// CNY charged to the key, micro-yuan (0 for sandbox keys and failed calls); booked as a ledger charge with the
    /// request id as reference, in the same transaction as this row.
    public var cost_micros: Int64
    /// The call's list price in USD micro-dollars (sandbox calls too): what reports convert at the market rate.
    public var list_usd_micros: Int64
    /// The same usage at the model's official provider price, USD micro-dollars.
    public var official_usd_micros: Int64
    public var video_seconds: Int64
    public var created_at: Int64

    public init(
        requestID: String, keyID: String, model: String, deployment: String?, provider: String?, endpoint: String, status: Int,
        stream: Bool, usage: TokenUsage?, latency: Duration, upstreamLatency: Duration?, attempts: Int = 0, usageEstimated: Bool = false,
        cost: Money = .zero(.cny), listUSD: Money = .zero(.usd), officialUSD: Money = .zero(.usd), videoSeconds: Int64 = 0, createdAt: Date = Date()
    ) {
        cost_micros = cost.micros
        list_usd_micros = listUSD.micros
        official_usd_micros = officialUSD.micros
        video_seconds = videoSeconds
        self.attempts = attempts
        usage_estimated = usageEstimated
        request_id = requestID
        key_id = keyID
        self.model = model.replacingNUL  // the client's text: NUL is valid JSON, but PostgreSQL text refuses it
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

extension String {
    /// NUL replaced by U+FFFD. PostgreSQL text can't hold NUL, and a usage batch it refuses would be retried (and
    /// block every later record) forever.
    var replacingNUL: String {
        utf8.contains(0) ? replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : self
    }
}
