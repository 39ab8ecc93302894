import Foundation
import HolySheepCore
import SQLKit

/// Keys in SQL storage. Every change bumps the `api_keys_revision` counter in the same transaction and stamps the
/// row with it, so a running gateway can poll for "what changed since revision N" cheaply and miss nothing (the
/// counter row serialises writers, so revisions become visible in order).
public struct APIKeyRepository: Sendable {
    let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
    }

    public struct NewKey: Sendable {
        public var label: String
        public var owner: String? = nil
        public var sandbox = false
        public var models: [String]? = nil
        public var rpm: Int? = nil
        public var tpm: Int? = nil
        public var expiresAt: Date? = nil
        public var monthlyBudgetCNY: Decimal? = nil
        public var videoConcurrency: Int? = nil

        public init(
            label: String, owner: String? = nil, sandbox: Bool = false, models: [String]? = nil, rpm: Int? = nil, tpm: Int? = nil, expiresAt: Date? = nil,
            monthlyBudgetCNY: Decimal? = nil, videoConcurrency: Int? = nil
        ) {
            self.monthlyBudgetCNY = monthlyBudgetCNY
            self.videoConcurrency = videoConcurrency
            self.label = label
            self.owner = owner
            self.sandbox = sandbox
            self.models = models
            self.rpm = rpm
            self.tpm = tpm
            self.expiresAt = expiresAt
        }
    }

    /// Creates a key; returns its record and the secret, which is never stored and cannot be shown again.
    public func create(_ new: NewKey) async throws -> (record: APIKeyRecord, secret: APIKeySecret) {
        let secret = APIKeySecret.generate(sandbox: new.sandbox)
        let id = APIKeyRecord.newID()
        let now = Clock.date(unixMilliseconds: Clock.unixMilliseconds())  // stored to the millisecond
        let record = try await store.transaction { database in
            let revision = try await Self.nextRevision(database)
            let record = APIKeyRecord(
                id: id, digest: secret.digest, prefix: secret.displayPrefix, label: new.label, owner: new.owner, sandbox: new.sandbox,
                models: new.models, rpm: new.rpm, tpm: new.tpm, videoConcurrency: new.videoConcurrency, monthlyBudgetCNY: new.monthlyBudgetCNY,
                expiresAt: new.expiresAt,
                revoked: false, revokedAt: nil, createdAt: now, revision: revision)
            try await database.insert(into: "api_keys").model(Row(record), nilEncodingStrategy: .asNil).run()
            return record
        }
        return (record, secret)
    }

    /// Revokes a key. Returns the record, or nil when no key has that id.
    @discardableResult
    public func revoke(id: String) async throws -> APIKeyRecord? {
        try await store.transaction { database in
            guard var record = try await Self.fetch(id: id, database) else { return nil }
            guard !record.revoked else { return record }
            record.revoked = true
            record.revokedAt = Date()
            record.revision = try await Self.nextRevision(database)
            try await database.update("api_keys")
                .set("revoked", to: true)
                .set("revoked_at", to: record.revokedAt.map { Clock.unixMilliseconds($0) })
                .set("revision", to: record.revision)
                .where("id", .equal, id)
                .run()
            return record
        }
    }

    public func list() async throws -> [APIKeyRecord] {
        try await store.database.select().column("*").from("api_keys").orderBy("created_at").orderBy("id")
            .all(decoding: Row.self).map(\.record)
    }

    public func find(id: String) async throws -> APIKeyRecord? {
        try await Self.fetch(id: id, store.database)
    }

    /// Keys changed after `revision`, oldest change first.
    public func changes(after revision: Int64) async throws -> [APIKeyRecord] {
        try await store.database.select().column("*").from("api_keys").where("revision", .greaterThan, revision)
            .orderBy("revision").all(decoding: Row.self).map(\.record)
    }

    private static func fetch(id: String, _ database: any SQLDatabase) async throws -> APIKeyRecord? {
        try await database.select().column("*").from("api_keys").where("id", .equal, id).first(decoding: Row.self)?.record
    }

    private static func nextRevision(_ database: any SQLDatabase) async throws -> Int64 {
        guard
            let row = try await database.raw("UPDATE counters SET value = value + 1 WHERE name = 'api_keys_revision' RETURNING value").first()
        else { throw StorageError("the api_keys_revision counter is missing; the schema is damaged") }
        return try row.decode(column: "value", as: Int64.self)
    }

    /// The `api_keys` row.
    struct Row: Codable {
        var id: String
        var digest: String
        var prefix: String
        var label: String
        var owner: String?
        var sandbox: Bool
        var models: String?
        var rpm: Int?
        var tpm: Int?
        var video_concurrency: Int?
        var monthly_budget_cny: String?
        var expires_at: Int64?
        var revoked: Bool
        var revoked_at: Int64?
        var created_at: Int64
        var revision: Int64

        init(_ record: APIKeyRecord) {
            id = record.id
            digest = record.digest.hex
            prefix = record.prefix
            label = record.label
            owner = record.owner
            sandbox = record.sandbox
            models = record.models?.joined(separator: ",")
            rpm = record.rpm
            tpm = record.tpm
            video_concurrency = record.videoConcurrency
            monthly_budget_cny = record.monthlyBudgetCNY?.plainString
            expires_at = record.expiresAt.map { Clock.unixMilliseconds($0) }
            revoked = record.revoked
            revoked_at = record.revokedAt.map { Clock.unixMilliseconds($0) }
            created_at = Clock.unixMilliseconds(record.createdAt)
            revision = record.revision
        }

        var record: APIKeyRecord {
            APIKeyRecord(
                id: id, digest: APIKeySecret.Digest(hex: digest) ?? APIKeySecret.digest(of: "invalid:\(id)"), prefix: prefix, label: label,
                owner: owner, sandbox: sandbox, models: models.map { $0.split(separator: ",").map(String.init) }, rpm: rpm, tpm: tpm,
                videoConcurrency: video_concurrency, monthlyBudgetCNY: monthly_budget_cny.flatMap { Decimal(exactly: $0) },
                expiresAt: expires_at.map { Clock.date(unixMilliseconds: $0) }, revoked: revoked,
                revokedAt: revoked_at.map { Clock.date(unixMilliseconds: $0) }, createdAt: Clock.date(unixMilliseconds: created_at),
                revision: revision)
        }
    }
}
