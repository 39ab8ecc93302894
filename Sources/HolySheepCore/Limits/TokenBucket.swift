/// A token bucket: holds up to `capacity`, refills continuously at `capacity` per `period` (a limit of N per
/// minute lets N through at once, then one every 60/N s). The caller supplies the time.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let period: Duration
    public private(set) var level: Double
    private var updated: ContinuousClock.Instant

    public init(capacity: Int, period: Duration = .seconds(60), now: ContinuousClock.Instant) {
        self.capacity = Double(capacity)
        self.period = period
        level = Double(capacity)
        updated = now
    }

    private var ratePerSecond: Double { capacity / period.seconds }

    private mutating func refill(_ now: ContinuousClock.Instant) {
        guard now > updated else { return }
        level = min(capacity, level + (now - updated).seconds * ratePerSecond)
        updated = now
    }

    /// Takes `amount` if the bucket holds it (an amount over capacity needs a full bucket and empties it).
    /// - Returns: nil when taken; otherwise how long until it would be.
    public mutating func take(_ amount: Double, at now: ContinuousClock.Instant) -> Duration? {
        refill(now)
        let needed = min(amount, capacity)
        guard level >= needed else {
            return .milliseconds(Self.wholeMilliseconds((needed - level) / ratePerSecond))
        }
        level -= amount  // may go below zero when the amount exceeded capacity: later calls wait it out
        return nil
    }

    /// Gives back (positive) or takes more (negative) after the real amount is known; may go below zero.
    public mutating func adjust(by amount: Double, at now: ContinuousClock.Instant) {
        refill(now)
        level = min(capacity, level + amount)
    }

    /// Seconds rounded up to whole milliseconds, ignoring floating-point dust (0.0010000001 s is 1 ms).
    private static func wholeMilliseconds(_ seconds: Double) -> Int64 {
        Int64((seconds * 1000 - 1e-6).rounded(.up))
    }

    /// What is left now (never negative).
    public mutating func remaining(at now: ContinuousClock.Instant) -> Int {
        refill(now)
        return max(0, Int(level.rounded(.down)))
    }

    /// How long until the bucket is full again.
    public mutating func resetAfter(at now: ContinuousClock.Instant) -> Duration {
        refill(now)
        return .milliseconds(Self.wholeMilliseconds((capacity - level) / ratePerSecond))
    }
}

extension Duration {
    /// OpenAI's reset format: `1s`, `6m0s`, `1h2m3s`, `20ms`.
    public var openAIResetString: String {
        let milliseconds = max(0, nanoseconds / 1_000_000)
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let totalSeconds = Double(milliseconds) / 1000
        let hours = Int(totalSeconds) / 3600
        let minutes = (Int(totalSeconds) % 3600) / 60
        let seconds = totalSeconds - Double(hours * 3600 + minutes * 60)
        let secondsText = seconds == seconds.rounded() ? "\(Int(seconds))s" : "\((seconds * 1000).rounded() / 1000)s"
        if hours > 0 { return "\(hours)h\(minutes)m\(secondsText)" }
        if minutes > 0 { return "\(minutes)m\(secondsText)" }
        return secondsText
    }
}
