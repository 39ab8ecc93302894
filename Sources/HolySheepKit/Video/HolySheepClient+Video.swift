import Foundation
import HolySheepCore

extension HolySheepClient {
    /// Submits a video generation job (`POST /v1/video/generate`); the answer comes at once, `queued`.
    ///
    /// Every submit carries an `Idempotency-Key`: the server answers a repeated key with the original job instead of
    /// starting (and billing) a second one, which is what makes retrying a submit safe. Without `idempotencyKey` a
    /// fresh key is made for this call, covering its own retries; pass a stable key of your own (a shot id, say) to
    /// make a submit safe to repeat across restarts of your program.
    /// - Parameters:
    ///   - wait: hold the answer until the job ends or this long passes (`Prefer: wait=N`, at most 60 s).
    /// - Throws: ``HolySheepError``, e.g. `400` for a `callback_url` that points at a private address.
    public func submitVideo(_ request: VideoRequest, idempotencyKey: String? = nil, wait: Duration? = nil) async throws -> VideoJob {
        var call = try Call.post("/video/generate", json: request, idempotent: true)
        call.headers.append(("Idempotency-Key", idempotencyKey ?? "idem_" + Base62.random(count: 24)))
        if let wait {
            let seconds = min(60, max(0, Int(wait.seconds.rounded(.up))))
            call.headers.append(("Prefer", "wait=\(seconds)"))
            call.timeout = .seconds(seconds + 60)
        }
        return try await send(call, decoding: VideoJob.self)
    }

    /// The job's current state (`GET /v1/video/generations/{id}`).
    public func videoJob(id: String) async throws -> VideoJob {
        try await send(.get(Self.jobPath(id)), decoding: VideoJob.self)
    }

    /// One page of the caller's jobs, newest first (`GET /v1/video/generations`).
    /// - Parameters:
    ///   - after: the ``VideoJobPage/lastID`` of the previous page.
    ///   - limit: jobs per page (the server caps it).
    public func listVideoJobs(after: String? = nil, limit: Int? = nil) async throws -> VideoJobPage {
        var query: [(name: String, value: String)] = []
        if let after { query.append(("after", after)) }
        if let limit { query.append(("limit", String(limit))) }
        return try await send(.get("/video/generations", query: query), decoding: VideoJobPage.self)
    }

    /// Cancels a job that has not ended (`POST /v1/video/generations/{id}/cancel`); returns it as it is now.
    public func cancelVideo(id: String) async throws -> VideoJob {
        try await send(Call(method: .POST, path: Self.jobPath(id) + "/cancel", idempotent: true), decoding: VideoJob.self)
    }

    /// Polls a job until it ends.
    /// - Returns: the completed job.
    /// - Throws: ``HolySheepError`` of kind ``HolySheepError/Kind/videoFailed`` (with the job's error code and
    ///   message) or ``HolySheepError/Kind/videoCancelled``, or ``HolySheepError/Kind/timeout`` when `timeout`
    ///   passes first; each carries the job.
    public func waitForVideo(id: String, pollInterval: Duration = .seconds(2), timeout: Duration = .seconds(900)) async throws -> VideoJob {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let job = try await videoJob(id: id)
            switch job.status {
            case .completed:
                return job
            case .failed:
                throw HolySheepError(
                    .videoFailed, message: "The video job \(id) failed: \(job.error?.message ?? "no reason given").", code: job.error?.code, job: job)
            case .cancelled:
                throw HolySheepError(.videoCancelled, message: "The video job \(id) was cancelled before it completed.", job: job)
            default:
                let remaining = deadline - clock.now
                guard remaining > .zero else {
                    throw HolySheepError(
                        .timeout,
                        message: "The video job \(id) is still \(job.status) (\(job.progress ?? 0)%) after \(timeout). Wait again, or cancel it with cancelVideo(id:).",
                        job: job)
                }
                try await Task.sleep(for: min(pollInterval, remaining))
            }
        }
    }

    static func jobPath(_ id: String) -> String {
        "/video/generations/" + (id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? id)
    }
}
