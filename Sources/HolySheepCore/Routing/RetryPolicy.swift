import Foundation

/// How often and how patiently a failed upstream call is tried again, and how long calls may take.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries on the same deployment before falling back to the next (0 = fall back at once).
    public var retries = 2
    public var backoffBase: Duration = .milliseconds(100)
    public var backoffMaximum: Duration = .seconds(2)
    /// The longest `Retry-After` the gateway waits out on one deployment; longer, it falls back instead.
    public var maximumRetryAfter: Duration = .seconds(5)
    /// Until an upstream's response head (and, for a stream, its first bytes) arrives.
    public var firstByteTimeout: Duration = .seconds(120)
    /// One whole attempt, until its full (non-streamed) answer is read.
    public var attemptTimeout: Duration = .seconds(300)
    /// The whole call: every attempt, backoff and fallback, and a stream to its end.
    public var totalTimeout: Duration = .seconds(600)

    public init() {}

    /// The wait before retry number `attempt` (1-based): exponential, with "full jitter" (a uniform draw up
    /// to the exponential bound) so clients retrying together spread out.
    public func backoff(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let bound = min(backoffBase * (1 << exponent), backoffMaximum)
        let nanoseconds = bound.nanoseconds
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &generator))
    }

    /// Parses `Retry-After`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
    public static func retryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }
}

extension Duration {
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    public var seconds: Double { Double(nanoseconds) / 1e9 }
}
