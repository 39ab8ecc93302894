import Foundation
import HolySheepKit

/// Generates an episode's clips: every shot not yet completed, in parallel under ``ProducerOptions/concurrency``
/// and a ``RequestBudget`` of submits per minute, saving each shot's state in `state.json` after every change.
///
/// Resuming is the normal case: a shot with a job id is polled, never submitted again; a shot without one is
/// submitted with its deterministic idempotency key (see ``ShotRecord/idempotencyKey(episodeID:)``), so a submit
/// that reached the platform before the run died returns the same job. A `429` pauses every submit for its
/// `Retry-After` (HolySheepKit has already retried it with backoff); other failures back off with jitter and
/// retry, a job that ended without a video is replaced by a new job.
///
/// ```swift
/// let producer = try Producer.open(folder: folder, storyboard: board, model: "video-gen-2.1", format: format, source: source)
/// let state = try await producer.run()
/// ```
public final class Producer: Sendable {
    public let folder: EpisodeFolder
    public let storyboard: Storyboard
    public let source: any ClipSource
    public let options: ProducerOptions
    public let progress: ProgressDisplay?
    let store: EpisodeStateStore
    let budget: RequestBudget

    public init(folder: EpisodeFolder, storyboard: Storyboard, state: EpisodeState, source: any ClipSource, options: ProducerOptions = .init(), progress: ProgressDisplay? = nil) {
        self.folder = folder
        self.storyboard = storyboard
        self.source = source
        self.options = options
        self.progress = progress
        var state = state
        state.align(with: storyboard.shots.map(\.id))
        self.store = EpisodeStateStore(state, file: folder.state)
        self.budget = RequestBudget(requestsPerMinute: options.requestsPerMinute)
    }

    /// A producer for `folder`: its `state.json` if there is one, else a new state (saved at once).
    public static func open(
        folder: EpisodeFolder, storyboard: Storyboard, model: String, resolution: String, aspectRatio: String, source: any ClipSource,
        options: ProducerOptions = .init(), pricing: Pricing? = nil, progress: ProgressDisplay? = nil
    ) throws -> Producer {
        try folder.create()
        var state = FileManager.default.fileExists(atPath: folder.state.path)
            ? try folder.loadState()
            : EpisodeState(shotIDs: storyboard.shots.map(\.id), model: model, resolution: resolution, aspectRatio: aspectRatio)
        if let pricing { state.pricing = pricing }
        let producer = Producer(folder: folder, storyboard: storyboard, state: state, source: source, options: options, progress: progress)
        try producer.store.save()
        return producer
    }

    /// The state as it is now.
    public var state: EpisodeState { store.current }

    /// Produces every shot that is not completed; returns the final state (some shots may have failed).
    /// - Throws: `CancellationError` when cancelled (the state saved so far stays valid for a resume); a file error
    ///   when `state.json` cannot be written.
    @discardableResult
    public func run() async throws -> EpisodeState {
        // A completed shot whose clip is gone (deleted, or the folder copied without clips) is downloaded again from
        // its job: no new job, no second charge.
        for record in store.current.shots {
            guard case .completed(_, _, _, let jobID) = record.status, !FileManager.default.fileExists(atPath: folder.clip(record.shotID).path) else { continue }
            let key = record.idempotencyKey(episodeID: store.current.episodeID)
            try store.update(record.shotID) { $0.status = .submitted(jobID: jobID, idempotencyKey: key) }
        }
        let records = store.current.shots
        let submittedFirst = records.filter { if case .submitted = $0.status { true } else { false } }
            + records.filter { switch $0.status { case .pending, .failed: true; default: false } }
        let todo = submittedFirst.compactMap { storyboard.shot($0.shotID) }
        progress?.start(total: records.count, alreadyDone: records.count - todo.count)
        defer { progress?.finish() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = todo.makeIterator()
            for _ in 0..<options.concurrency {
                guard let shot = pending.next() else { break }
                group.addTask { try await self.produce(shot) }
            }
            while try await group.next() != nil {
                if let shot = pending.next() { group.addTask { try await self.produce(shot) } }
            }
        }
        return store.current
    }

    /// Makes a new clip for one shot: a new generation (regeneration count + 1, so a new idempotency key and a new
    /// job), replacing the old clip when done. Its cost is added to the shot's spend.
    /// - Throws: ``DramaError`` for an unknown shot id.
    @discardableResult
    public func regenerate(_ shotID: String) async throws -> ShotRecord {
        guard let shot = storyboard.shot(shotID) else {
            throw DramaError("There is no shot \(shotID) in the storyboard. Shot ids look like s01-03; see storyboard.json.")
        }
        try store.update(shotID) { record in
            record.regenerations += 1
            record.failedJobs = 0
            record.status = .pending
            record.latencySeconds = nil
        }
        progress?.start(total: 1, alreadyDone: 0)
        defer { progress?.finish() }
        try await produce(shot)
        return store.record(shotID)!
    }

    /// A refusal that asking again cannot change: a `4xx` other than `408`, `409` and `429` (a bad request, a key
    /// without credits or access, an unknown route or model).
    static func isPermanent(_ error: any Error) -> Bool {
        guard let error = error as? HolySheepError, error.kind == .api, let status = error.status else { return false }
        return (400..<500).contains(status) && ![408, 409, 429].contains(status)
    }

    /// Drives one shot to completed or failed. Throws only on cancellation or when the state cannot be saved.
    func produce(_ shot: Shot) async throws {
        var attempts = 0
        var rateLimited = 0
        while true {
            try Task.checkCancellation()
            guard let record = store.record(shot.id) else { return }
            do {
                switch record.status {
                case .completed:
                    return
                case .pending, .failed:
                    let key = record.idempotencyKey(episodeID: store.current.episodeID)
                    try await budget.acquire()
                    let submitted = Date()
                    let jobID = try await source.submit(shot, idempotencyKey: key)
                    try store.update(shot.id) {
                        $0.status = .submitted(jobID: jobID, idempotencyKey: key)
                        $0.submittedAt = submitted
                    }
                case .submitted(let jobID, _):
                    let result = try await source.finish(jobID: jobID, shot: shot, to: folder.clip(shot.id))
                    let updated = try store.update(shot.id) {
                        $0.status = .completed(file: "clips/\(shot.id).mp4", seconds: result.seconds, costCNY: result.costCNY, jobID: jobID)
                        if $0.chargedJobID != jobID {
                            $0.spentCNY += result.costCNY
                            $0.generations += 1
                            $0.chargedJobID = jobID
                        }
                        $0.latencySeconds = $0.submittedAt.map { Date().timeIntervalSince($0) }
                    }
                    let latency = updated?.latencySeconds.map { String(format: " in %.1f s", $0) } ?? ""
                    progress?.finished(shot.id, ok: true, detail: "\(shot.durationSeconds) s clip\(latency)")
                    return
                }
            } catch let error where error is CancellationError || Task.isCancelled {
                throw CancellationError()
            } catch let error as ClipRateLimited where rateLimited < 20 {
                rateLimited += 1
                budget.pause(for: error.retryAfter)
                if case .submitted = record.status { try await Task.sleep(for: error.retryAfter) }  // polls wait too
            } catch {
                attempts += 1
                let jobFailed = error is ClipJobFailure
                let giveUp = attempts >= options.maxAttempts || Self.isPermanent(error)
                try store.update(shot.id) {
                    if jobFailed { $0.failedJobs += 1 }
                    if jobFailed || giveUp { $0.status = giveUp ? .failed(error: "\(error)", attempts: attempts) : .pending }
                }
                if giveUp {
                    progress?.finished(shot.id, ok: false, detail: "\(error)")
                    return
                }
                try await Task.sleep(for: options.backoff(attempt: attempts))
            }
        }
    }
}
