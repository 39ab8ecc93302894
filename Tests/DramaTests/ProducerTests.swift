import Foundation
import Testing
@testable import Drama

/// State saving, resume, regeneration and failure handling of the producer, with previz clips rendered locally.
@Suite(.serialized) struct ProducerTests {
    static let fast = ProducerOptions(concurrency: 2, requestsPerMinute: 6000, maxAttempts: 3, backoffBase: .milliseconds(10))

    static func producer(_ folder: TemporaryFolder, _ board: Storyboard, _ source: any ClipSource) throws -> Producer {
        try Producer.open(
            folder: EpisodeFolder(folder.url), storyboard: board, model: "video-gen-2.1", resolution: "720p", aspectRatio: "9:16",
            source: source, options: fast)
    }

    @Test("a run cancelled mid-way resumes: every shot is submitted once per key and generated exactly once")
    func cancelledRun_resumesWithoutPayingTwice() async throws {
        let folder = try TemporaryFolder()
        let board = Storyboard.short(6)
        let first = try PrevizClipSource(hangAfter: 2)
        let producer = try Self.producer(folder, board, first)
        let run = Task { try await producer.run() }
        let episode = EpisodeFolder(folder.url)
        var saved = try episode.loadState()
        func submittedCount() -> Int { saved.shots.count { if case .submitted = $0.status { true } else { false } } }
        var polls = 0
        while !(saved.completedCount == 2 && submittedCount() == 2), polls < 600 {
            try await Task.sleep(for: .milliseconds(50))
            saved = try episode.loadState()
            polls += 1
        }
        run.cancel()
        await #expect(throws: CancellationError.self) { try await run.value }

        // What a killed run leaves on disk: two clips done, two jobs submitted (ids saved), two shots not started.
        saved = try episode.loadState()
        #expect(saved.shots.map(\.status.name) == ["completed", "completed", "submitted", "submitted", "pending", "pending"])

        let second = try PrevizClipSource()
        let state = try await Self.producer(folder, board, second).run()
        #expect(state.completedCount == 6)
        let (one, two) = (first.counts.withLock { $0 }, second.counts.withLock { $0 })
        let submits = one.submitsPerKey.merging(two.submitsPerKey, uniquingKeysWith: +)
        #expect(submits.count == 6 && submits.values.allSatisfy { $0 == 1 }, "\(submits)")
        let renders = one.rendersPerJob.merging(two.rendersPerJob, uniquingKeysWith: +)
        #expect(renders.count == 6 && renders.values.allSatisfy { $0 == 1 }, "\(renders)")
        #expect(two.submitsPerKey.count == 2, "the submitted shots were polled, not submitted again")
        for shot in board.shots { #expect(FileManager.default.fileExists(atPath: episode.clip(shot.id).path)) }
    }

    @Test("a submit whose answer was never saved is repeated with the same key, so the platform returns the same job")
    func crashBetweenSubmitAndSave_reusesTheJob() async throws {
        let folder = try TemporaryFolder()
        let board = Storyboard.short(2)
        let source = try PrevizClipSource()
        let producer = try Self.producer(folder, board, source)
        let key = producer.state.shots[0].idempotencyKey(episodeID: producer.state.episodeID)
        _ = try await source.submit(board.shots[0], idempotencyKey: key)  // reached the platform, then the run died
        let resumed = try Self.producer(folder, board, source)
        #expect(resumed.state.episodeID == producer.state.episodeID)
        try await resumed.run()
        let counts = source.counts.withLock { $0 }
        #expect(counts.submitsPerKey[key] == 2)
        #expect(counts.jobsPerShot[board.shots[0].id]?.count == 1)
        #expect(counts.rendersPerJob.values.allSatisfy { $0 == 1 } && counts.rendersPerJob.count == 2)
    }

    @Test("regenerate makes a new job under a new key, replaces the clip and adds its cost")
    func regenerate_usesANewKeyAndCountsTheCost() async throws {
        let folder = try TemporaryFolder()
        let board = Storyboard.short(2)
        let source = try PrevizClipSource()
        let producer = try Self.producer(folder, board, source)
        try await producer.run()
        let before = producer.state[board.shots[1].id]!
        let after = try await producer.regenerate(board.shots[1].id)
        #expect(after.regenerations == 1 && after.generations == 2)
        #expect(after.spentCNY == before.spentCNY * 2)
        let keys = source.counts.withLock { Array($0.submitsPerKey.keys) }.filter { $0.contains(board.shots[1].id) }.sorted()
        #expect(keys.count == 2 && keys[1].hasSuffix("-r1"))
        await #expect(throws: DramaError.self) { try await producer.regenerate("s09-09") }
    }

    @Test("a completed shot whose clip was deleted is fetched again from its job, not paid twice")
    func missingClip_isFetchedAgainFromItsJob() async throws {
        let folder = try TemporaryFolder()
        let board = Storyboard.short(2)
        let source = try PrevizClipSource()
        let producer = try Self.producer(folder, board, source)
        try await producer.run()
        let before = producer.state.shots[0]
        try FileManager.default.removeItem(at: EpisodeFolder(folder.url).clip(board.shots[0].id))
        let state = try await Self.producer(folder, board, source).run()
        #expect(FileManager.default.fileExists(atPath: EpisodeFolder(folder.url).clip(board.shots[0].id).path))
        #expect(state.shots[0].spentCNY == before.spentCNY && state.shots[0].generations == 1)
        #expect(source.counts.withLock { $0.submitsPerKey.values.allSatisfy { $0 == 1 } })
    }

    @Test("a job that fails is replaced by a new job; the shot completes")
    func failedJob_isReplaced() async throws {
        let folder = try TemporaryFolder()
        let board = Storyboard.short(2)
        let probe = try Self.producer(folder, board, try PrevizClipSource())
        let key = probe.state.shots[0].idempotencyKey(episodeID: probe.state.episodeID)
        let source = try PrevizClipSource(failingJobs: ["job-\(key)"])
        let state = try await Self.producer(folder, board, source).run()
        #expect(state.completedCount == 2)
        #expect(state.shots[0].failedJobs == 1)
        #expect(source.counts.withLock { $0.jobsPerShot[board.shots[0].id] } == ["job-\(key)", "job-\(key)-f1"])
    }

    @Test("429s pause every submit for Retry-After and lose nothing")
    func rateLimited_pausesAndLosesNothing() async throws {
        let folder = try TemporaryFolder()
        let board = Storyboard.short(4)
        let source = try PrevizClipSource(rateLimited: 3, retryAfter: .milliseconds(300))
        let clock = ContinuousClock()
        let start = clock.now
        let state = try await Self.producer(folder, board, source).run()
        #expect(clock.now - start >= .milliseconds(300))
        #expect(state.completedCount == 4 && state.failedCount == 0)
        let counts = source.counts.withLock { $0 }
        #expect(counts.rateLimited == 3)
        #expect(counts.submitsPerKey.count == 4 && counts.submitsPerKey.values.allSatisfy { $0 == 1 })
        #expect(counts.rendersPerJob.values.allSatisfy { $0 == 1 })
    }

    @Test("state.json round-trips every status")
    func state_roundTrips() throws {
        var state = EpisodeState(shotIDs: ["s01-01", "s01-02", "s01-03", "s01-04"], model: "m", resolution: "720p", aspectRatio: "9:16")
        state.shots[1].status = .submitted(jobID: "vgen_1", idempotencyKey: "k")
        state.shots[2].status = .completed(file: "clips/s01-03.mp4", seconds: 5, costCNY: Decimal(string: "0.25")!, jobID: "vgen_2")
        state.shots[3].status = .failed(error: "boom", attempts: 3)
        let data = try AtomicFile.encoder.encode(state)
        #expect(try AtomicFile.decoder.decode(EpisodeState.self, from: data) == state)
        #expect(String(decoding: data, as: UTF8.self).contains("\"status\" : \"submitted\""))
    }

    @Test("the request budget spaces submits at the per-minute rate after the burst")
    func budget_spacesRequests() async throws {
        let budget = RequestBudget(requestsPerMinute: 600, burst: 2)  // 10 per second
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<5 { try await budget.acquire() }
        let elapsed = clock.now - start
        #expect(elapsed >= .milliseconds(280) && elapsed < .seconds(5), "\(elapsed)")  // paced, not stalled
        budget.pause(for: .milliseconds(300))
        let paused = clock.now
        try await budget.acquire()
        #expect(clock.now - paused >= .milliseconds(280))
    }
}
