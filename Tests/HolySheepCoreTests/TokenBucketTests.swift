import Testing
@testable import HolySheepCore

@Suite struct TokenBucketTests {
    @Test func fullBucket_letsTheWholeLimitThroughThenRefillsSteadily() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(capacity: 60, now: start)  // 60 per minute: one per second
        for _ in 0..<60 { #expect(take(&bucket, 1, start) == nil) }
        #expect(take(&bucket, 1, start) == .milliseconds(1000))
        #expect(take(&bucket, 1, start + .milliseconds(999)) == .milliseconds(1))
        #expect(take(&bucket, 1, start + .seconds(1)) == nil)
        #expect(bucket.remaining(at: start + .seconds(1)) == 0)
        #expect(bucket.resetAfter(at: start + .seconds(1)) == .seconds(60))
    }

    @Test func settlingGivesBackWhatWasNotUsedButNeverOverfills() {
        let now = ContinuousClock.now
        var bucket = TokenBucket(capacity: 1000, now: now)
        #expect(take(&bucket, 800, now) == nil)
        bucket.adjust(by: 800 - 100, at: now)  // reserved 800, used 100
        #expect(bucket.remaining(at: now) == 900)
        bucket.adjust(by: 10_000, at: now)
        #expect(bucket.remaining(at: now) == 1000)
    }

    @Test func anAmountOverCapacity_needsAFullBucketAndLeavesADebt() {
        let now = ContinuousClock.now
        var bucket = TokenBucket(capacity: 100, now: now)
        #expect(take(&bucket, 250, now) == nil)
        #expect(bucket.remaining(at: now) == 0)
        #expect(take(&bucket, 1, now + .seconds(60)) != nil, "150 tokens of debt still being repaid after a minute")
    }

    @Test(arguments: [
        (Duration.milliseconds(20), "20ms"), (.seconds(1), "1s"), (.milliseconds(1500), "1.5s"), (.seconds(360), "6m0s"),
        (.seconds(3723), "1h2m3s"),
    ])
    func resetStrings_followOpenAIsFormat(duration: Duration, text: String) {
        #expect(duration.openAIResetString == text)
    }
}

/// `take` mutates, which `#expect` cannot do inline.
private func take(_ bucket: inout TokenBucket, _ amount: Double, _ at: ContinuousClock.Instant) -> Duration? {
    bucket.take(amount, at: at)
}
