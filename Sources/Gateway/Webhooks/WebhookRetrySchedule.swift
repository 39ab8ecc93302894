/// When a failed webhook attempt is tried again.
///
/// ``standard`` follows the Standard Webhooks specification's suggested schedule: after the first attempt fails,
/// retries come 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the previous one — 8 attempts spread over about
/// 27 h 35 min, so a receiver down for a day still gets the event. Each delay is varied by ±``jitter`` (10 %) so
/// deliveries that failed together do not all come back at the same instant. After the last attempt the delivery
/// is `failed`; `holysheep webhooks replay` queues it again.
public struct WebhookRetrySchedule: Sendable, Equatable {
    /// The delay before attempt 2, 3, …: `delays[n - 1]` follows a failed attempt `n`.
    public var delays: [Duration]
    /// The fraction (0…1) by which each delay may be randomly shortened or lengthened.
    public var jitter: Double

    public init(delays: [Duration], jitter: Double = 0.1) {
        self.delays = delays
        self.jitter = min(max(jitter, 0), 1)
    }

    public static let standard = WebhookRetrySchedule(delays: [
        .seconds(5), .seconds(5 * 60), .seconds(30 * 60), .seconds(2 * 3600), .seconds(5 * 3600), .seconds(10 * 3600), .seconds(10 * 3600),
    ])

    /// How many attempts a delivery gets in all.
    public var maximumAttempts: Int { delays.count + 1 }

    /// The nominal time from the first attempt to the last (without jitter).
    public var span: Duration { delays.reduce(.zero, +) }

    /// The wait after failed attempt `attempt` (1-based), jitter applied; nil when that was the last attempt.
    public func delay(afterAttempt attempt: Int) -> Duration? {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &generator)
    }

    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let base = delays[attempt - 1]
        guard jitter > 0 else { return base }
        return base * Double.random(in: (1 - jitter)...(1 + jitter), using: &generator)
    }
}
