/// How the ``Producer`` paces itself.
public struct ProducerOptions: Sendable, Hashable {
    /// Shots in progress at once. Default 4.
    public var concurrency: Int
    /// Submits per minute, across all shots. Default 240 (a key allows 500 requests a minute by default; polls count too).
    public var requestsPerMinute: Int
    /// Failures a shot may have in one run before it is marked failed. Default 3.
    public var maxAttempts: Int
    /// Backoff after a failure: exponential from this, with full jitter. Default 1 s.
    public var backoffBase: Duration
    /// The longest backoff. Default 30 s.
    public var backoffMax: Duration

    public init(
        concurrency: Int = 4, requestsPerMinute: Int = 240, maxAttempts: Int = 3, backoffBase: Duration = .seconds(1),
        backoffMax: Duration = .seconds(30)
    ) {
        self.concurrency = max(1, concurrency)
        self.requestsPerMinute = max(1, requestsPerMinute)
        self.maxAttempts = max(1, maxAttempts)
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
    }

    /// The wait before retry `attempt` (1-based): a uniform draw below `min(max, base × 2^(attempt-1))`.
    func backoff(attempt: Int) -> Duration {
        let bound = min(backoffMax.asSeconds, backoffBase.asSeconds * Double(1 << min(attempt - 1, 20)))
        return .seconds(Double.random(in: 0...max(bound, 0.001)))
    }
}
