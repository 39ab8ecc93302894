import Foundation
import Logging
import Media
import ServiceLifecycle

/// Runs video jobs: ``workerCount`` workers claim queued jobs from the ``JobStore`` with a lease, drive the
/// job's ``VideoProvider``, store the video in the ``ArtifactStore`` and end the job exactly once; a reclaimer
/// puts jobs whose worker died (lease expired) back in the queue.
///
/// While a job runs its worker heartbeats every `min(lease / 3, 1 s)`: the heartbeat extends the lease, records
/// progress, and tells the worker when the job is no longer its to run (cancelled by the caller, or reclaimed),
/// which cancels the provider task (for previz, stops ffmpeg). On graceful shutdown the workers stop and the jobs
/// they held go straight back to the queue; after a `kill -9` they are reclaimed once their lease expires.
/// A key's `video_concurrency` caps its jobs in `processing`; its other jobs wait in the queue.
public final class JobWorkers: Service, Sendable {
    /// A job claimed this many times (its workers kept dying) fails instead of being tried again.
    static let maxAttempts = 5

    let service: VideoJobService
    let artifacts: any ArtifactStore
    let previz: PrevizVideoProvider?
    let probe: MediaProbe?
    let workerCount: Int
    let lease: Duration
    let owner: String
    private let logger: Logger

    /// - Parameters:
    ///   - previz: nil when ffmpeg is missing: previz jobs then fail saying so.
    public init(
        service: VideoJobService, artifacts: any ArtifactStore, previz: PrevizVideoProvider?, probe: MediaProbe?, workers: Int = 2,
        lease: Duration = .seconds(30), logger: Logger,
        owner: String = "wrk_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    ) {
        self.service = service
        self.artifacts = artifacts
        self.previz = previz
        self.probe = probe
        workerCount = max(1, workers)
        self.lease = lease
        self.owner = owner
        self.logger = logger
    }

    var heartbeatInterval: Duration { min(lease / 3, .seconds(1)) }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for _ in 0..<self.workerCount {
                    group.addTask { await self.workLoop() }
                }
                group.addTask { await self.reclaimLoop() }
                if let previz = self.previz {
                    group.addTask { await previz.run() }
                }
            }
        }
        // Shielded from cancellation: the jobs this instance held go back to the queue now, not after their lease.
        await Task.detached { [service, owner, logger] in
            do {
                let released = try await service.jobs.release(owner: owner)
                if released > 0 { logger.info("video jobs given back to the queue at shutdown", metadata: ["jobs": "\(released)"]) }
            } catch {
                logger.warning("could not give video jobs back at shutdown; they are reclaimed when their lease expires", metadata: ["error": "\(error)"])
            }
        }.value
    }

    private func workLoop() async {
        let bell = Doorbell()
        service.workerBells.withLock { $0.append(bell) }
        while !Task.isCancelled {
            let job: VideoJobRecord?
            do {
                job = try await service.jobs.claim(owner: owner, lease: lease)
            } catch is CancellationError {
                break  // shutting down
            } catch {
                logger.warning("could not claim video jobs; retrying", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard let job else {
                await bell.wait(upTo: .milliseconds(500))
                continue
            }
            await run(job)
        }
    }

    private func reclaimLoop() async {
        while !Task.isCancelled {
            do {
                let reclaimed = try await service.jobs.reclaimExpired()
                if reclaimed > 0 {
                    logger.notice("video jobs whose worker stopped went back to the queue", metadata: ["jobs": "\(reclaimed)"])
                    for bell in service.workerBells.withLock({ $0 }) { bell.ring() }
                }
            } catch {
                logger.warning("could not reclaim expired video jobs", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: min(lease / 2, .seconds(5)))
        }
    }

    /// Runs one claimed job to its end (or until it is no longer ours).
    func run(_ job: VideoJobRecord) async {
        guard let spec = job.spec else {
            await fail(job, code: "invalid_request", message: "The job's stored request could not be read.")
            return
        }
        guard job.attempts <= Self.maxAttempts else {
            await fail(job, code: "too_many_attempts", message: "The job was started \(job.attempts - 1) times and its worker stopped each time.")
            return
        }
        guard job.provider_kind == "previz" else {
            let error = VideoProviderError.notSupported(kind: job.provider_kind, deployment: job.deployment)
            await fail(job, code: error.code, message: error.message)
            return
        }
        guard let provider = previz else {
            await fail(job, code: "renderer_unavailable", message: "The previz renderer needs ffmpeg, which this server cannot find. Ask the operator to install FFmpeg.")
            return
        }
        var taskID: String?
        do {
            let submitted = try await provider.submit(VideoTask(jobID: job.id, model: job.model, upstreamModel: service.deployment(of: job)?.model, spec: spec))
            taskID = submitted
            try await service.jobs.setProviderTask(id: job.id, owner: owner, taskID: submitted)
            let clock = ContinuousClock()
            var lastBeat = clock.now
            polling: while true {
                try await Task.sleep(for: .milliseconds(100))
                let state = try await provider.poll(taskID: submitted)
                switch state {
                case .succeeded:
                    break polling
                case .failed(let code, let message):
                    await fail(job, code: code, message: message)
                    return
                case .running(let progress):
                    if clock.now - lastBeat >= heartbeatInterval {
                        lastBeat = clock.now
                        guard try await service.jobs.heartbeat(id: job.id, owner: owner, lease: lease, progress: progress) else {
                            await provider.cancel(taskID: submitted)  // cancelled or reclaimed: stop the work
                            return
                        }
                    }
                }
            }
            let staging = try artifacts.stagingURL(jobID: job.id)
            try await provider.download(taskID: submitted, to: staging)
            var seconds = spec.duration
            if let probe {
                seconds = Int(try await probe.info(for: staging).duration.rounded())
            }
            let path = try artifacts.store(jobID: job.id, from: staging)
            let ended = try await service.end(
                id: job.id, owner: owner,
                outcome: .init(status: .completed, costMicros: service.actualCost(job, seconds: seconds), deliveredSeconds: seconds, artifactPath: path))
            if ended == nil {
                logger.info("video job ended elsewhere before it completed here", metadata: ["job": "\(job.id)"])
            }
        } catch is CancellationError {
            if let taskID { await provider.cancel(taskID: taskID) }
        } catch {
            if Task.isCancelled {
                if let taskID { await provider.cancel(taskID: taskID) }
                return
            }
            logger.warning("video job failed", metadata: ["job": "\(job.id)", "error": "\(String(reflecting: error))"])
            await fail(job, code: "generation_failed", message: "The video could not be generated: \(error)")
        }
    }

    private func fail(_ job: VideoJobRecord, code: String, message: String) async {
        do {
            _ = try await service.end(id: job.id, owner: owner, outcome: .init(status: .failed, errorCode: code, errorMessage: message))
        } catch {
            logger.error("could not record a failed video job; it is retried after its lease", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }
}
