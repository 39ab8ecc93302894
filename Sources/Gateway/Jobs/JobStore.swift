import Foundation
import SQLKit

/// The durable video job queue in SQL storage.
///
/// Workers ``claim(owner:lease:now:)`` a `queued` job with a lease, extend it with
/// ``heartbeat(id:owner:lease:progress:now:)``, and end it with ``finish(id:owner:keyID:outcome:settle:)``, a
/// conditional update that touches the row only while it is still `processing` under the same owner: if anyone
/// else finished, cancelled or reclaimed the job meanwhile, the update matches no row and nothing happens. Jobs
/// whose lease expired (the worker died) go back to the queue with ``reclaimExpired(now:)``.
///
/// On PostgreSQL the claim is `SELECT … FOR UPDATE SKIP LOCKED` then `UPDATE` in one transaction, so instances
/// sharing the database never claim the same job; on SQLite one `UPDATE … WHERE id = (SELECT …) RETURNING *`
/// under `BEGIN IMMEDIATE` does the same.
public struct JobStore: Sendable {
    let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
    }

    /// How a job ended.
    public struct Outcome: Sendable, Equatable {
        public var status: JobLifecycle.Status
        public var costMicros: Int64 = 0
        public var deliveredSeconds: Int?
        public var errorCode: String?
        public var errorMessage: String?
        public var artifactPath: String?

        public init(
            status: JobLifecycle.Status, costMicros: Int64 = 0, deliveredSeconds: Int? = nil, errorCode: String? = nil,
            errorMessage: String? = nil, artifactPath: String? = nil
        ) {
            self.status = status
            self.costMicros = costMicros
            self.deliveredSeconds = deliveredSeconds
            self.errorCode = errorCode
            self.errorMessage = errorMessage
            self.artifactPath = artifactPath
        }
    }

    // MARK: - Submit and read

    /// Inserts `job` inside the caller's transaction. False when the key already has a job with this idempotency key.
    static func insert(_ job: VideoJobRecord, on database: any SQLDatabase) async throws -> Bool {
        try await database.insert(into: "video_jobs").model(job, nilEncodingStrategy: .asNil)
            .ignoringConflicts(with: ["key_id", "dedupe_idempotency"]).returning("id").first() != nil
    }

    /// Inserts `job` in its own transaction. False on an idempotency conflict.
    public func insert(_ job: VideoJobRecord) async throws -> Bool {
        try await store.transaction { try await Self.insert(job, on: $0) }
    }

    public func get(id: String) async throws -> VideoJobRecord? {
        try await store.database.select().column("*").from("video_jobs").where("id", .equal, id).first(decoding: VideoJobRecord.self)
    }

    public func find(keyID: String, idempotencyKey: String) async throws -> VideoJobRecord? {
        try await store.database.select().column("*").from("video_jobs").where("key_id", .equal, keyID)
            .where("idempotency_key", .equal, idempotencyKey).first(decoding: VideoJobRecord.self)
    }

    /// The key's jobs, newest first, after the job `after` (the previous page's last id).
    /// - Returns: up to `limit` jobs and whether more follow; nil when `after` is not one of the key's jobs.
    public func list(keyID: String, after: String?, limit: Int) async throws -> (jobs: [VideoJobRecord], hasMore: Bool)? {
        var query = store.database.select().column("*").from("video_jobs").where("key_id", .equal, keyID)
        if let after {
            guard let cursor = try await get(id: after), cursor.key_id == keyID else { return nil }
            query = query.where(group: { group in
                group.where("created_at", .lessThan, cursor.created_at)
                    .orWhere(group: { $0.where("created_at", .equal, cursor.created_at).where("id", .lessThan, cursor.id) })
            })
        }
        let rows = try await query.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit + 1).all(decoding: VideoJobRecord.self)
        return (Array(rows.prefix(limit)), rows.count > limit)
    }

    /// Jobs by status (tests and operators).
    public func count(status: JobLifecycle.Status) async throws -> Int {
        let row = try await store.database.raw("SELECT COUNT(*) AS n FROM video_jobs WHERE status = \(bind: status.rawValue)").first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    // MARK: - Workers

    /// Jobs of keys already running their `video_concurrency` cap of jobs are skipped (they wait in the queue).
    private static let underKeyCap = """
        NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = j.key_id AND k.video_concurrency IS NOT NULL
            AND k.video_concurrency <= (SELECT COUNT(*) FROM video_jobs p WHERE p.key_id = j.key_id AND p.status = 'processing'))
        """

    /// Claims the oldest queued job for `owner` until `now + lease`; nil when there is none to run.
    func claim(owner: String, lease: Duration, now: Int64 = Clock.unixMilliseconds()) async throws -> VideoJobRecord? {
        let until = now + Int64(lease.milliseconds)
        switch store.engine {
        case .postgres:
            return try await store.transaction { database in
                guard
                    let candidate = try await database.raw(
                        "SELECT id FROM video_jobs j WHERE status = 'queued' AND \(unsafeRaw: Self.underKeyCap) ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
                    ).first()
                else { return nil }
                let id = try candidate.decode(column: "id", as: String.self)
                return try await database.raw(
                    """
                    UPDATE video_jobs SET status = 'processing', lease_owner = \(bind: owner), lease_until = \(bind: until),
                        started_at = COALESCE(started_at, \(bind: now)), attempts = attempts + 1
                    WHERE id = \(bind: id) AND status = 'queued' RETURNING *
                    """
                ).first(decoding: VideoJobRecord.self)
            }
        case .sqlite:
            return try await store.transaction { database in
                try await database.raw(
                    """
                    UPDATE video_jobs SET status = 'processing', lease_owner = \(bind: owner), lease_until = \(bind: until),
                        started_at = COALESCE(started_at, \(bind: now)), attempts = attempts + 1
                    WHERE id = (SELECT j.id FROM video_jobs j WHERE j.status = 'queued' AND \(unsafeRaw: Self.underKeyCap)
                        ORDER BY j.created_at, j.id LIMIT 1) AND status = 'queued'
                    RETURNING *
                    """
                ).first(decoding: VideoJobRecord.self)
            }
        }
    }

    /// Extends `owner`'s lease and records progress. False when the job is no longer `owner`'s to run (cancelled,
    /// finished or reclaimed): the worker must stop.
    func heartbeat(id: String, owner: String, lease: Duration, progress: Int, now: Int64 = Clock.unixMilliseconds()) async throws -> Bool {
        try await store.database.raw(
            """
            UPDATE video_jobs SET lease_until = \(bind: now + Int64(lease.milliseconds)), progress = \(bind: min(100, max(0, progress)))
            WHERE id = \(bind: id) AND status = 'processing' AND lease_owner = \(bind: owner) RETURNING id
            """
        ).first() != nil
    }

    /// Records the provider's task id of a job `owner` runs.
    public func setProviderTask(id: String, owner: String, taskID: String) async throws {
        try await store.database.raw(
            "UPDATE video_jobs SET provider_task_id = \(bind: taskID) WHERE id = \(bind: id) AND status = 'processing' AND lease_owner = \(bind: owner)"
        ).run()
    }

    /// Puts jobs whose lease expired back in the queue (their worker died). Returns how many.
    @discardableResult
    func reclaimExpired(now: Int64 = Clock.unixMilliseconds()) async throws -> Int {
        try await store.database.raw(
            """
            UPDATE video_jobs SET status = 'queued', lease_owner = NULL, lease_until = NULL, progress = 0
            WHERE status = 'processing' AND lease_until < \(bind: now) RETURNING id
            """
        ).all().count
    }

    /// Gives back every job `owner` holds (graceful shutdown): they go back to the queue at once.
    @discardableResult
    public func release(owner: String) async throws -> Int {
        try await store.database.raw(
            """
            UPDATE video_jobs SET status = 'queued', lease_owner = NULL, lease_until = NULL, progress = 0
            WHERE status = 'processing' AND lease_owner = \(bind: owner) RETURNING id
            """
        ).all().count
    }

    // MARK: - Ending

    /// Ends a job exactly once, in one transaction with `settle` (ledger, usage, webhook outbox).
    ///
    /// With an `owner`, the job must be `processing` under that owner (a worker finishing); without one it must be
    /// `queued` or `processing` and, with `keyID`, the key's (a cancel). When the row no longer matches, nothing is
    /// written and nil is returned.
    func finish(
        id: String, owner: String?, keyID: String? = nil, outcome: Outcome, now: Int64 = Clock.unixMilliseconds(),
        settle: @escaping @Sendable (any SQLDatabase, VideoJobRecord) async throws -> Void = { _, _ in }
    ) async throws -> VideoJobRecord? {
        precondition(outcome.status.isTerminal, "a job ends completed, failed or cancelled")
        return try await store.transaction { database in
            var condition: SQLQueryString
            if let owner {
                condition = "status = 'processing' AND lease_owner = \(bind: owner)"
            } else {
                condition = "status IN ('queued', 'processing')"
            }
            if let keyID { condition = condition + " AND key_id = \(bind: keyID)" }
            let progress = outcome.status == .completed ? ", progress = 100" : ""
            guard
                let job = try await database.raw(
                    """
                    UPDATE video_jobs SET status = \(bind: outcome.status.rawValue), cost_micros = \(bind: outcome.costMicros),
                        delivered_seconds = \(bind: outcome.deliveredSeconds), error_code = \(bind: outcome.errorCode),
                        error_message = \(bind: outcome.errorMessage), artifact_path = \(bind: outcome.artifactPath),
                        completed_at = \(bind: now), lease_owner = NULL, lease_until = NULL\(unsafeRaw: progress)
                    WHERE id = \(bind: id) AND \(condition) RETURNING *
                    """
                ).first(decoding: VideoJobRecord.self)
            else { return nil }
            try await settle(database, job)
            return job
        }
    }
}
