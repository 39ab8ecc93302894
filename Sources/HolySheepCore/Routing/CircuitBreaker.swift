/// A deployment's circuit breaker, as a plain state machine (the caller supplies the time).
///
/// - **closed**: calls flow. It opens after `failureThreshold` consecutive failures, or when at least
///   `minimumRequests` calls in the last `window` failed at `errorRateThreshold` or more.
/// - **open**: no calls for `cooldown` (doubling, up to `maximumCooldown`, each time a probe fails).
/// - **halfOpen**: after the cooldown one probe call is let through; its success closes the breaker, its
///   failure opens it again.
public struct CircuitBreaker: Sendable {
    public struct Policy: Sendable, Equatable {
        public var failureThreshold = 5
        public var errorRateThreshold = 0.5
        public var minimumRequests = 20
        public var window: Duration = .seconds(30)
        public var cooldown: Duration = .seconds(15)
        public var maximumCooldown: Duration = .seconds(300)

        public init() {}
    }

    public enum State: String, Sendable, Equatable {
        case closed, open, halfOpen = "half_open"
    }

    public let policy: Policy
    public private(set) var state: State = .closed
    private var consecutiveFailures = 0
    private var openedAt: ContinuousClock.Instant?
    private var currentCooldown: Duration
    private var probeInFlight = false
    /// Outcomes in the current window: one bucket per second (successes, failures), oldest first.
    private var buckets: [(second: Int64, successes: Int, failures: Int)] = []

    public init(policy: Policy = Policy()) {
        self.policy = policy
        currentCooldown = policy.cooldown
    }

    /// The state as of `now` (an open breaker whose cooldown has passed reads as half-open).
    public func state(at now: ContinuousClock.Instant) -> State {
        if state == .open, let openedAt, now - openedAt >= currentCooldown { return .halfOpen }
        return state
    }

    /// When an open breaker will let a probe through.
    public func retryAt() -> ContinuousClock.Instant? {
        guard state == .open, let openedAt else { return nil }
        return openedAt + currentCooldown
    }

    /// Asks to send a call now. Closed: yes. Open: no, until the cooldown passed; then one probe (half-open)
    /// and no more until it reports.
    public mutating func acquire(at now: ContinuousClock.Instant) -> Bool {
        switch state(at: now) {
        case .closed:
            return true
        case .open:
            return false
        case .halfOpen:
            guard !probeInFlight else { return false }
            state = .halfOpen
            probeInFlight = true
            return true
        }
    }

    public mutating func recordSuccess(at now: ContinuousClock.Instant) {
        consecutiveFailures = 0
        count(success: true, at: now)
        if state == .halfOpen {
            state = .closed
            probeInFlight = false
            currentCooldown = policy.cooldown
            buckets.removeAll()
        }
    }

    public mutating func recordFailure(at now: ContinuousClock.Instant) {
        consecutiveFailures += 1
        count(success: false, at: now)
        switch state {
        case .halfOpen:
            probeInFlight = false
            currentCooldown = min(currentCooldown * 2, policy.maximumCooldown)
            open(at: now)
        case .closed:
            if consecutiveFailures >= policy.failureThreshold || errorRateExceeded() { open(at: now) }
        case .open:
            break
        }
    }

    /// A call that was let through ended without telling anything about the deployment's health (the client
    /// went away): a probe slot is given back.
    public mutating func release() {
        if state == .halfOpen { probeInFlight = false }
    }

    private mutating func open(at now: ContinuousClock.Instant) {
        state = .open
        openedAt = now
        consecutiveFailures = 0
    }

    private mutating func count(success: Bool, at now: ContinuousClock.Instant) {
        let second = Self.second(now)
        let oldest = second - Int64(policy.window.components.seconds)
        while let first = buckets.first, first.second <= oldest { buckets.removeFirst() }
        if let last = buckets.last, last.second == second {
            buckets[buckets.count - 1].successes += success ? 1 : 0
            buckets[buckets.count - 1].failures += success ? 0 : 1
        } else {
            buckets.append((second, success ? 1 : 0, success ? 0 : 1))
        }
    }

    private func errorRateExceeded() -> Bool {
        var successes = 0
        var failures = 0
        for bucket in buckets {
            successes += bucket.successes
            failures += bucket.failures
        }
        let total = successes + failures
        return total >= policy.minimumRequests && Double(failures) / Double(total) >= policy.errorRateThreshold
    }

    private static func second(_ instant: ContinuousClock.Instant) -> Int64 {
        let (seconds, _) = (instant - ContinuousClock.Instant.zeroReference).components
        return seconds
    }
}

extension ContinuousClock.Instant {
    /// A fixed origin, to turn instants into whole seconds for bucketing.
    static let zeroReference = ContinuousClock.now - .seconds(1_000_000)
}
