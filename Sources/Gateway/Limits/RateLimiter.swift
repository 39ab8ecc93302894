import HolySheepCore
import Synchronization

/// Per-key requests-per-minute and tokens-per-minute, in memory (token buckets), sharded so concurrent keys
/// rarely share a lock; a lock is held only to update a bucket, never across I/O.
///
/// Requests are admitted (one from the request bucket) when the key is authenticated. Tokens are reserved once
/// the body is read — an estimate: request bytes ÷ 4 for the prompt plus `max_tokens` (or
/// ``defaultCompletionEstimate``) — and settled against the real usage when the call ends.
///
/// Limits are per gateway instance: behind a load balancer with N instances a key gets up to N × its limit.
final class RateLimiter: Sendable {
    /// Completion tokens assumed for a request that gives no `max_tokens`.
    static let defaultCompletionEstimate = 1024

    struct Limits: Sendable {
        let requestsPerMinute: Int
        let tokensPerMinute: Int
    }

    /// What the `x-ratelimit-*` headers say.
    struct Snapshot: Sendable {
        let limits: Limits
        let remainingRequests: Int
        let resetRequests: Duration
        let remainingTokens: Int
        let resetTokens: Duration
    }

    private struct Buckets {
        var requests: TokenBucket
        var tokens: TokenBucket
    }

    /// One lock's worth of keys (`Mutex` cannot live in an array itself).
    private final class Shard: Sendable {
        let buckets = Mutex<[String: Buckets]>([:])
    }

    private let shards: [Shard]
    private let defaults: Limits

    init(defaultRPM: Int, defaultTPM: Int, shardCount: Int = 16) {
        shards = (0..<shardCount).map { _ in Shard() }
        defaults = Limits(requestsPerMinute: defaultRPM, tokensPerMinute: defaultTPM)
    }

    func limits(for key: APIKeyRecord) -> Limits {
        Limits(requestsPerMinute: key.rpm ?? defaults.requestsPerMinute, tokensPerMinute: key.tpm ?? defaults.tokensPerMinute)
    }

    /// Admits one request. - Throws: 429 `rate_limit_exceeded` with `Retry-After` when the key is over its RPM.
    func admitRequest(_ key: APIKeyRecord) throws(APIError) {
        let limits = limits(for: key)
        let wait = withBuckets(key, limits) { buckets, now in buckets.requests.take(1, at: now) }
        if let wait {
            throw APIError.rateLimited(
                what: "requests", limit: "\(limits.requestsPerMinute) requests per minute", keyID: key.id, retryAfter: wait, code: "rate_limit_exceeded")
        }
    }

    /// Reserves `estimate` tokens. - Throws: 429 `tokens_rate_limit_exceeded` when the key is over its TPM.
    func reserveTokens(_ estimate: Int, for key: APIKeyRecord) throws(APIError) {
        let limits = limits(for: key)
        let wait = withBuckets(key, limits) { buckets, now in buckets.tokens.take(Double(estimate), at: now) }
        if let wait {
            throw APIError.rateLimited(
                what: "tokens", limit: "\(limits.tokensPerMinute) tokens per minute", keyID: key.id, retryAfter: wait,
                code: "tokens_rate_limit_exceeded")
        }
    }

    /// Settles a reservation with the tokens really used (gives back the difference, or takes the excess).
    func settleTokens(reserved: Int, used: Int, for key: APIKeyRecord) {
        let limits = limits(for: key)
        withBuckets(key, limits) { buckets, now in buckets.tokens.adjust(by: Double(reserved - used), at: now) }
    }

    func snapshot(for key: APIKeyRecord) -> Snapshot {
        let limits = limits(for: key)
        return withBuckets(key, limits) { buckets, now in
            Snapshot(
                limits: limits, remainingRequests: buckets.requests.remaining(at: now), resetRequests: buckets.requests.resetAfter(at: now),
                remainingTokens: buckets.tokens.remaining(at: now), resetTokens: buckets.tokens.resetAfter(at: now))
        }
    }

    @discardableResult
    private func withBuckets<R>(_ key: APIKeyRecord, _ limits: Limits, _ body: (inout Buckets, ContinuousClock.Instant) -> R) -> R {
        let now = ContinuousClock.now
        var hasher = Hasher()
        hasher.combine(key.id)
        let shard = shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(shards.count))]
        return shard.buckets.withLock { buckets in
            var entry =
                buckets[key.id]
                ?? Buckets(requests: TokenBucket(capacity: limits.requestsPerMinute, now: now), tokens: TokenBucket(capacity: limits.tokensPerMinute, now: now))
            // A limit changed by the operator (key edited) takes effect with a fresh bucket.
            if Int(entry.requests.capacity) != limits.requestsPerMinute { entry.requests = TokenBucket(capacity: limits.requestsPerMinute, now: now) }
            if Int(entry.tokens.capacity) != limits.tokensPerMinute { entry.tokens = TokenBucket(capacity: limits.tokensPerMinute, now: now) }
            let result = body(&entry, now)
            buckets[key.id] = entry
            return result
        }
    }
}

extension APIError {
    static func rateLimited(what: String, limit: String, keyID: String, retryAfter: Duration, code: String) -> APIError {
        let seconds = max(1, Int(retryAfter.seconds.rounded(.up)))
        return APIError(
            status: 429, type: "rate_limit_error", code: code,
            message: "The key \(keyID) is over its limit of \(limit). Retry in \(seconds) s (see `Retry-After`), spread requests out, "
                + "or ask the operator for a higher limit.",
            headers: [("Retry-After", String(seconds))])
    }
}
