import Synchronization

/// A requests-per-minute budget shared by the producer's tasks: a token bucket refilled at `rpm / 60` tokens per
/// second holding at most `burst` tokens, plus a pause that a `429` answer's `Retry-After` imposes on everyone.
///
/// ```swift
/// let budget = RequestBudget(requestsPerMinute: 30)
/// try await budget.acquire()     // waits for a token
/// ```
public final class RequestBudget: Sendable {
    private struct State {
        var tokens: Double
        var updated: ContinuousClock.Instant
        var pausedUntil: ContinuousClock.Instant
    }

    public let requestsPerMinute: Int
    public let burst: Int
    private let clock = ContinuousClock()
    private let state: Mutex<State>

    /// - Parameters:
    ///   - requestsPerMinute: the sustained rate (at least 1).
    ///   - burst: tokens available at once; default the smaller of the rate and 5.
    public init(requestsPerMinute: Int, burst: Int? = nil) {
        self.requestsPerMinute = max(1, requestsPerMinute)
        self.burst = max(1, burst ?? min(self.requestsPerMinute, 5))
        let now = ContinuousClock().now
        state = Mutex(State(tokens: Double(self.burst), updated: now, pausedUntil: now))
    }

    private var ratePerSecond: Double { Double(requestsPerMinute) / 60 }

    /// Takes a token, waiting until one is available and any pause has passed. Tokens are reserved in order, so
    /// waiters are served first come, first served.
    public func acquire() async throws {
        let wait = state.withLock { state -> Duration in
            let now = clock.now
            let elapsed = now - state.updated
            state.tokens = min(Double(burst), state.tokens + elapsed.asSeconds * ratePerSecond)
            state.updated = now
            state.tokens -= 1
            let refill = state.tokens >= 0 ? Duration.zero : .seconds(-state.tokens / ratePerSecond)
            let pause = state.pausedUntil > now ? state.pausedUntil - now : .zero
            return max(refill, pause)
        }
        if wait > .zero { try await Task.sleep(for: wait) }
    }

    /// Holds every caller of ``acquire()`` for `duration` from now (a `429`'s `Retry-After`).
    public func pause(for duration: Duration) {
        state.withLock { state in
            state.pausedUntil = max(state.pausedUntil, clock.now + duration)
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var asSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
