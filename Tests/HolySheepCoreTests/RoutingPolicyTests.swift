import Foundation
import Testing
@testable import HolySheepCore

/// `acquire` mutates, which `#expect` cannot do inline.
private func acquire(_ breaker: inout CircuitBreaker, at instant: ContinuousClock.Instant) -> Bool {
    breaker.acquire(at: instant)
}

@Suite struct CircuitBreakerTests {
    var policy: CircuitBreaker.Policy {
        var policy = CircuitBreaker.Policy()
        policy.failureThreshold = 3
        policy.minimumRequests = 10
        policy.errorRateThreshold = 0.5
        policy.cooldown = .seconds(10)
        policy.maximumCooldown = .seconds(40)
        return policy
    }

    @Test func consecutiveFailures_openTheBreakerUntilTheCooldownPasses() {
        var breaker = CircuitBreaker(policy: policy)
        let start = ContinuousClock.now
        for _ in 0..<3 {
            #expect(acquire(&breaker, at: start))
            breaker.recordFailure(at: start)
        }
        #expect(breaker.state(at: start) == .open)
        #expect(!acquire(&breaker, at: start + .seconds(9)))
        #expect(breaker.state(at: start + .seconds(10)) == .halfOpen)
    }

    @Test func halfOpen_letsOneProbeThroughAndClosesOnItsSuccess() {
        var breaker = CircuitBreaker(policy: policy)
        let start = ContinuousClock.now
        for _ in 0..<3 { breaker.recordFailure(at: start) }
        let later = start + .seconds(11)
        #expect(acquire(&breaker, at: later))
        #expect(!acquire(&breaker, at: later), "only one probe at a time")
        breaker.recordSuccess(at: later)
        #expect(breaker.state(at: later) == .closed)
        #expect(acquire(&breaker, at: later))
    }

    @Test func failedProbe_reopensWithADoubledCooldownUpToTheMaximum() {
        var breaker = CircuitBreaker(policy: policy)
        var now = ContinuousClock.now
        for _ in 0..<3 { breaker.recordFailure(at: now) }
        for expected in [20, 40, 40] {
            now += .seconds(41)
            #expect(acquire(&breaker, at: now))
            breaker.recordFailure(at: now)
            #expect(breaker.state(at: now + .seconds(expected - 1)) == .open)
            #expect(breaker.state(at: now + .seconds(expected)) == .halfOpen)
        }
    }

    @Test func errorRateOverTheWindow_opensEvenWithoutAStreak() {
        var breaker = CircuitBreaker(policy: policy)
        let now = ContinuousClock.now
        for index in 0..<10 {  // success, failure, success, … : never two failures in a row
            if index % 2 == 1 { breaker.recordFailure(at: now) } else { breaker.recordSuccess(at: now) }
        }
        #expect(breaker.state(at: now) == .open, "5 of 10 failed, the threshold is 50 %")
    }

    @Test func oldOutcomes_leaveTheWindow() {
        var breaker = CircuitBreaker(policy: policy)
        let now = ContinuousClock.now
        for index in 0..<9 {
            if index % 2 == 0 { breaker.recordFailure(at: now) } else { breaker.recordSuccess(at: now) }
        }
        breaker.recordFailure(at: now + .seconds(60))  // the earlier nine are out of the 30 s window
        #expect(breaker.state(at: now + .seconds(60)) == .closed)
    }

    @Test func releasedProbe_canBeTakenAgain() {
        var breaker = CircuitBreaker(policy: policy)
        let now = ContinuousClock.now
        for _ in 0..<3 { breaker.recordFailure(at: now) }
        #expect(acquire(&breaker, at: now + .seconds(10)))
        breaker.release()
        #expect(acquire(&breaker, at: now + .seconds(10)))
    }
}

@Suite struct WeightedPickerTests {
    @Test func picks_followTheWeightsWithinStatisticalTolerance() {
        var generator = SystemRandomNumberGenerator()
        let weights = [70, 20, 10, 0]
        var counts = [0, 0, 0, 0]
        let picks = 10_000
        for _ in 0..<picks { counts[WeightedPicker.pick(weights: weights, using: &generator)!] += 1 }
        #expect(counts[3] == 0)
        for (index, weight) in weights.enumerated() where weight > 0 {
            let p = Double(weight) / 100
            let sigma = (Double(picks) * p * (1 - p)).squareRoot()
            // 4.5 sigma: a false alarm about once in 150 000 runs per weight.
            #expect(abs(Double(counts[index]) - Double(picks) * p) < 4.5 * sigma, "weight \(weight): \(counts[index]) picks")
        }
    }

    @Test func allZeroWeights_pickNothing() {
        var generator = SystemRandomNumberGenerator()
        #expect(WeightedPicker.pick(weights: [0, 0], using: &generator) == nil)
    }
}

@Suite struct RetryPolicyTests {
    @Test func backoff_growsExponentiallyWithJitterUpToTheMaximum() {
        var policy = RetryPolicy()
        policy.backoffBase = .milliseconds(100)
        policy.backoffMaximum = .milliseconds(500)
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...6 {
            let bound = min(100 * (1 << (attempt - 1)), 500)
            let waits = (0..<200).map { _ in policy.backoff(attempt: attempt, using: &generator) }
            #expect(waits.allSatisfy { $0 >= .zero && $0 <= .milliseconds(bound) })
            #expect(Set(waits).count > 1, "jittered")
        }
    }

    @Test func retryAfter_readsSecondsAndHTTPDates() {
        #expect(RetryPolicy.retryAfter("2") == .seconds(2))
        #expect(RetryPolicy.retryAfter("0.5") == .milliseconds(500))
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:13:30 GMT", now: now) == .seconds(10))
        #expect(RetryPolicy.retryAfter("soon") == nil)
    }

    @Test func routingConfiguration_setsDefaultsAndPerModelOverrides() throws {
        let configuration = try GatewayConfiguration.parse(yaml: """
            routing:
              retries: 1
              timeouts: { first_byte_seconds: 0.5, total_seconds: 30 }
              breaker: { failure_threshold: 2, cooldown_seconds: 1.5 }
            providers: [ { name: p, kind: openai, base_url: "http://127.0.0.1:9/v1" } ]
            models:
              - { name: a, price: { input_per_mtok: 1, output_per_mtok: 1 }, deployments: [ { provider: p, model: x } ] }
              - name: b
                price: { input_per_mtok: 1, output_per_mtok: 1 }
                deployments: [ { provider: p, model: x } ]
                routing: { retries: 0, timeouts: { first_byte_seconds: 2 } }
            """)
        #expect(configuration.routing.retry.retries == 1)
        #expect(configuration.routing.retry.firstByteTimeout == .milliseconds(500))
        #expect(configuration.routing.breaker.failureThreshold == 2)
        #expect(configuration.routing.breaker.cooldown == .milliseconds(1500))
        #expect(configuration.models[0].retry == nil)
        #expect(configuration.models[1].retry?.retries == 0)
        #expect(configuration.models[1].retry?.firstByteTimeout == .seconds(2))
        #expect(configuration.models[1].retry?.totalTimeout == .seconds(30), "inherits the routing defaults")
    }

    @Test func badRoutingValues_nameTheField() throws {
        #expect(throws: ConfigurationError.self) { try GatewayConfiguration.parse(yaml: "routing: { retries: 99 }") }
        do {
            _ = try GatewayConfiguration.parse(yaml: "routing:\n  breaker: { error_rate: 2 }\n")
            Issue.record("accepted an error rate of 2")
        } catch {
            #expect(error.field == "routing.breaker.error_rate" && error.line == 2)
        }
    }
}
