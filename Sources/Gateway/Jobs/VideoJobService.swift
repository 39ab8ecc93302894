import Foundation
import HolySheepCore
import Logging
import SQLKit
import Synchronization

/// Accepts, cancels and settles video jobs: the billing and bookkeeping around ``JobStore`` shared by the HTTP
/// routes and the ``JobWorkers``.
///
/// **Billing.** At submit a non-sandbox key's estimate (price × duration × platform rate) is held in memory by the
/// ``CreditBook`` and, in the transaction that inserts the job, booked as a `hold` ledger entry. When the job ends,
/// the same transaction that sets its final status books a `release` of the hold and writes the usage row with the
/// real cost (price × seconds delivered, capped at the estimate; 0 when failed or cancelled), which books the
/// `charge`. So each job has exactly one hold, one release and at most one charge, whatever crashes in between.
/// Sandbox keys hold nothing and are charged 0, but still get a usage row.
public final class VideoJobService: Sendable {
    /// Called in the job-finish transaction, after the status update and the ledger and usage writes, with the job
    /// as it ended and its JSON (`object: "video.generation"`): the seam where the webhook outbox enqueues the event.
    public typealias JobFinishedHook = @Sendable (any SQLDatabase, VideoJobRecord, Data) async throws -> Void

    let jobs: JobStore
    let credits: CreditBook
    let configuration: GatewayConfiguration
    let onJobFinished: JobFinishedHook
    /// Idle workers' bells, rung when a job is queued so they claim it at once.
    let workerBells = Mutex<[Doorbell]>([])
    private let models: [String: ModelConfiguration]
    private let providerKinds: [String: ProviderKind]
    let logger: Logger

    public init(
        store: SQLStore, credits: CreditBook, configuration: GatewayConfiguration, logger: Logger,
        onJobFinished: @escaping JobFinishedHook = { _, _, _ in }
    ) {
        jobs = JobStore(store: store)
        self.credits = credits
        self.configuration = configuration
        self.onJobFinished = onJobFinished
        self.logger = logger
        models = Dictionary(configuration.models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        providerKinds = Dictionary(configuration.providers.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
    }

    /// The base of `video_url`s in webhook payloads (no request Host there): the configured listen address.
    var defaultBaseURL: String { "http://\(configuration.server.host):\(configuration.server.port)" }

    // MARK: - Submit

    /// A validated submit.
    struct Submission: Sendable {
        var key: APIKeyRecord
        var model: ModelConfiguration
        var spec: VideoJobSpec
        var idempotencyKey: String?
        var callbackURL: String?
    }

    /// The model's price for `resolution`, or a 400 naming the model and resolution.
    func pricing(_ model: ModelConfiguration, resolution: String) throws(APIError) -> VideoPricing {
        guard let pricing = VideoPricing(model: model, resolution: resolution, platformRate: configuration.billing.platformRate) else {
            throw APIError(
                status: 400, type: "invalid_request_error", code: "resolution_not_priced",
                message: "The model \(model.name) has no price for resolution \(resolution), so it cannot be generated there. "
                    + "Ask for another resolution (720p, 1080p or 4k), or ask the operator to price it.",
                param: "resolution")
        }
        return pricing
    }

    /// Writes the job durably (with its credit hold) and returns it; with an idempotency key already used by the
    /// caller, returns the original job instead.
    /// - Throws: 402 when the key's credit does not cover the estimate; 400 for an unpriced resolution.
    func submit(_ submission: Submission) async throws -> VideoJobRecord {
        let key = submission.key
        if let idempotencyKey = submission.idempotencyKey, let existing = try await jobs.find(keyID: key.id, idempotencyKey: idempotencyKey) {
            return existing
        }
        let price = try pricing(submission.model, resolution: submission.spec.resolution)
        let estimate = key.sandbox ? Money.zero(.cny) : price.charge(seconds: submission.spec.duration)
        let (deployment, kind) = route(submission.model, sandbox: key.sandbox)
        let id = VideoJobRecord.newID()
        let now = Clock.unixMilliseconds()
        let job = VideoJobRecord(
            id: id, key_id: key.id, model: submission.model.name, status: JobLifecycle.Status.queued.rawValue,
            request: String(decoding: try JSONEncoder().encode(submission.spec), as: UTF8.self), progress: 0,
            estimated_micros: estimate.micros, cost_micros: nil, seconds: submission.spec.duration, delivered_seconds: nil,
            resolution: submission.spec.resolution, aspect_ratio: submission.spec.aspectRatio, error_code: nil, error_message: nil,
            idempotency_key: submission.idempotencyKey, dedupe_idempotency: submission.idempotencyKey ?? id, callback_url: submission.callbackURL,
            deployment: deployment, provider_kind: kind, provider_task_id: nil, attempts: 0, lease_owner: nil, lease_until: nil, created_at: now,
            started_at: nil, completed_at: nil, artifact_path: nil, sandbox: key.sandbox)
        let spec = submission.spec
        let hold = try await credits.hold(
            estimate, for: key, purpose: "a \(spec.duration)-second \(spec.resolution) video from \(submission.model.name)")
        let inserted: Bool
        do {
            let credits = self.credits
            inserted = try await jobs.store.transaction { database in
                guard try await JobStore.insert(job, on: database) else { return false }
                if let hold { try await credits.writeHold(hold, reference: id, on: database) }
                return true
            }
        } catch {
            if let hold { _ = credits.settle(hold, cost: 0) }
            throw error
        }
        guard inserted else {
            // Another submit with the same idempotency key won the race: answer with its job.
            if let hold { _ = credits.settle(hold, cost: 0) }
            if let idempotencyKey = submission.idempotencyKey, let existing = try await jobs.find(keyID: key.id, idempotencyKey: idempotencyKey) {
                return existing
            }
            throw APIError.internalError(requestID: id)
        }
        if let hold { credits.holdWritten(hold) }
        for bell in workerBells.withLock({ $0 }) { bell.ring() }
        return job
    }

    /// The deployment a job runs on: sandbox keys always render previz; others the model's first deployment.
    private func route(_ model: ModelConfiguration, sandbox: Bool) -> (label: String, kind: String) {
        if sandbox { return ("previz", ProviderKind.previz.rawValue) }
        guard let deployment = model.deployments.first else { return ("none", "none") }
        return (deployment.label, providerKinds[deployment.provider]?.rawValue ?? "unknown")
    }

    // MARK: - Ending

    /// Cancels the caller's job if it has not ended; returns the job as it is now (nil: not the caller's).
    func cancel(id: String, keyID: String) async throws -> VideoJobRecord? {
        if let cancelled = try await end(id: id, owner: nil, keyID: keyID, outcome: .init(status: .cancelled)) {
            return cancelled
        }
        guard let job = try await jobs.get(id: id), job.key_id == keyID else { return nil }
        return job
    }

    /// Ends a job exactly once: status, hold release, usage (and charge) and the finish hook in one transaction.
    /// Nil when the job was no longer this caller's to end.
    func end(id: String, owner: String?, keyID: String? = nil, outcome: JobStore.Outcome) async throws -> VideoJobRecord? {
        let models = self.models
        let platformRate = configuration.billing.platformRate
        let hook = onJobFinished
        let base = defaultBaseURL
        return try await jobs.finish(id: id, owner: owner, keyID: keyID, outcome: outcome) { database, job in
            if job.estimated_micros > 0, !job.sandbox {
                let release = LedgerEntry(
                    id: LedgerEntry.newID(), keyID: job.key_id, kind: .release, amount: Money(micros: job.estimated_micros, .cny), reference: job.id,
                    createdAt: Date())
                _ = try await LedgerRepository.append(release, on: database)
            }
            let seconds = job.delivered_seconds ?? 0
            let pricing = models[job.model].flatMap { VideoPricing(model: $0, resolution: job.resolution, platformRate: platformRate) }
            let status: Int =
                switch job.lifecycleStatus {
                case .completed: 200
                case .cancelled: 499
                default: 500
                }
            let elapsed = Duration.milliseconds((job.completed_at ?? job.created_at) - job.created_at)
            let record = UsageRecord(
                requestID: job.id, keyID: job.key_id, model: job.model, deployment: job.deployment, provider: job.provider_kind,
                endpoint: "video.generate", status: status, stream: false, usage: nil, latency: elapsed, upstreamLatency: nil,
                attempts: job.attempts, cost: Money(micros: job.cost_micros ?? 0, .cny), listUSD: pricing?.listUSD(seconds: seconds) ?? .zero(.usd),
                officialUSD: pricing?.officialUSD(seconds: seconds) ?? .zero(.usd), videoSeconds: Int64(seconds))
            _ = try await UsageBatchWriter.write([record], instanceID: nil, on: database)
            try await hook(database, job, VideoJobJSON.guide(job, baseURL: base))
        }
    }

    /// The actual charge for `seconds` delivered: price × seconds × rate, capped at the estimate; 0 for sandbox.
    func actualCost(_ job: VideoJobRecord, seconds: Int) -> Int64 {
        guard !job.sandbox, let model = models[job.model],
            let pricing = VideoPricing(model: model, resolution: job.resolution, platformRate: configuration.billing.platformRate)
        else { return 0 }
        return min(pricing.charge(seconds: seconds).micros, job.estimated_micros)
    }

    func deployment(of job: VideoJobRecord) -> Deployment? {
        models[job.model]?.deployments.first { $0.label == job.deployment }
    }
}
