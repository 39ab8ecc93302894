import HolySheepCore

/// When the client sends a request again.
///
/// Retried: `429`, `502`, `503` and `504` answers, and failures to connect. A `Retry-After` answer waits exactly
/// that long; one asking for longer than ``maxDelay`` is not retried but thrown, its ``HolySheepError/retryAfter``
/// set, for the caller to schedule. Otherwise the wait is exponential from ``baseDelay`` up to ``maxDelay``, with
/// full jitter (a uniform draw below the bound) so clients that failed together do not retry together.
///
/// A connection that fails after the request was sent is retried only when repeating it is harmless: reads,
/// cancellations, and video submits, which always carry an `Idempotency-Key`. Chat completions are not repeated
/// then, since the first one may have run (and been billed).
public struct RetryOptions: Sendable, Equatable {
    /// Attempts in all, the first included (1 = never retry). Default 4.
    public var maxAttempts: Int
    /// The backoff bound before the first retry; it doubles with each retry. Default 0.5 s.
    public var baseDelay: Duration
    /// The longest wait between two attempts, `Retry-After` included. Default 30 s.
    public var maxDelay: Duration

    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let `default` = RetryOptions()
    /// One attempt only.
    public static let never = RetryOptions(maxAttempts: 1)

    static let retryableStatuses: Set<Int> = [429, 502, 503, 504]

    /// The wait before retry number `attempt` (1-based) after `error`, or nil when it should not be retried.
    func delay(after error: HolySheepError, attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        if let retryAfter = error.retryAfter { return retryAfter <= maxDelay ? retryAfter : nil }
        var policy = RetryPolicy()
        policy.backoffBase = baseDelay
        policy.backoffMaximum = maxDelay
        return policy.backoff(attempt: attempt, using: &generator)
    }
}
