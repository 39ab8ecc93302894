import HolySheepCore
import Synchronization

/// One deployment's circuit breaker, shared by every request. The lock is held only to read or update the
/// state machine, never across I/O.
final class DeploymentHealth: Sendable {
    let label: String
    private let breaker: Mutex<CircuitBreaker>
    private let onChange: @Sendable (CircuitBreaker.State) -> Void

    init(label: String, policy: CircuitBreaker.Policy, onChange: @escaping @Sendable (CircuitBreaker.State) -> Void = { _ in }) {
        self.label = label
        breaker = Mutex(CircuitBreaker(policy: policy))
        self.onChange = onChange
    }

    /// Whether a call may go to this deployment now (an open breaker lets one probe through after its cooldown).
    func acquire() -> Bool {
        let now = ContinuousClock.now
        let (allowed, before, after) = breaker.withLock { breaker in
            let before = breaker.state
            let allowed = breaker.acquire(at: now)
            return (allowed, before, breaker.state)
        }
        if before != after { onChange(after) }
        return allowed
    }

    func recordSuccess() { update { $0.recordSuccess(at: $1) } }
    func recordFailure() { update { $0.recordFailure(at: $1) } }
    func release() { update { breaker, _ in breaker.release() } }

    var state: CircuitBreaker.State { breaker.withLock { $0.state(at: .now) } }

    /// When an open breaker will let a probe through.
    var retryAt: ContinuousClock.Instant? { breaker.withLock { $0.retryAt() } }

    private func update(_ body: (inout CircuitBreaker, ContinuousClock.Instant) -> Void) {
        let now = ContinuousClock.now
        let (before, after) = breaker.withLock { breaker in
            let before = breaker.state
            body(&breaker, now)
            return (before, breaker.state)
        }
        if before != after { onChange(after) }
    }
}
