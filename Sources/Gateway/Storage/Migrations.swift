import SQLKit

/// The schema, as numbered migrations applied in order at start and recorded in `holysheep_migrations`.
///
/// Statements use the SQL both engines share (TEXT, BIGINT, INTEGER, BOOLEAN, DOUBLE PRECISION), so the schema
/// and the behaviour are identical on SQLite and PostgreSQL. Never edit a released migration: add a new one.
enum Migrations {
    struct Migration {
        let version: Int
        let name: String
        let statements: [String]
    }

    static let all: [Migration] = [
        Migration(
            version: 1, name: "keys and usage",
            statements: [
                """
                CREATE TABLE counters (
                    name TEXT PRIMARY KEY,
                    value BIGINT NOT NULL
                )
                """,
                "INSERT INTO counters (name, value) VALUES ('api_keys_revision', 0)",
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    digest TEXT NOT NULL UNIQUE,
                    prefix TEXT NOT NULL,
                    label TEXT NOT NULL,
                    owner TEXT,
                    sandbox BOOLEAN NOT NULL,
                    models TEXT,
                    rpm INTEGER,
                    tpm INTEGER,
                    video_concurrency INTEGER,
                    monthly_budget_cny TEXT,
                    expires_at BIGINT,
                    revoked BOOLEAN NOT NULL,
                    revoked_at BIGINT,
                    created_at BIGINT NOT NULL,
                    revision BIGINT NOT NULL
                )
                """,
                "CREATE INDEX api_keys_revision ON api_keys (revision)",
                """
                CREATE TABLE usage_records (
                    request_id TEXT PRIMARY KEY,
                    key_id TEXT NOT NULL,
                    model TEXT NOT NULL,
                    deployment TEXT,
                    provider TEXT,
                    endpoint TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    stream BOOLEAN NOT NULL,
                    prompt_tokens BIGINT NOT NULL,
                    completion_tokens BIGINT NOT NULL,
                    cached_tokens BIGINT NOT NULL,
                    latency_ms DOUBLE PRECISION NOT NULL,
                    upstream_latency_ms DOUBLE PRECISION,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX usage_records_key_time ON usage_records (key_id, created_at)",
            ]),
        Migration(
            version: 2, name: "usage attempts and estimates",
            statements: [
                "ALTER TABLE usage_records ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE usage_records ADD COLUMN usage_estimated BOOLEAN NOT NULL DEFAULT FALSE",
            ]),
        Migration(
            version: 3, name: "credit ledger",
            statements: [
                """
                CREATE TABLE ledger_entries (
                    id TEXT PRIMARY KEY,
                    key_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    amount_micros BIGINT NOT NULL,
                    reference TEXT,
                    dedupe_reference TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    UNIQUE (kind, dedupe_reference)
                )
                """,
                "CREATE INDEX ledger_entries_key_time ON ledger_entries (key_id, created_at)",
            ]),
        Migration(
            version: 4, name: "credit accounts, leases, codes and usage rollups",
            statements: [
                // A key's balance (= the sum of its ledger entries, kept in the same transaction as every append) and
                // its spend in the current month; `revision` tells instances which accounts changed since they looked.
                """
                CREATE TABLE credit_accounts (
                    key_id TEXT PRIMARY KEY,
                    balance_micros BIGINT NOT NULL,
                    month TEXT NOT NULL,
                    month_spent_micros BIGINT NOT NULL,
                    revision BIGINT NOT NULL
                )
                """,
                "CREATE INDEX credit_accounts_revision ON credit_accounts (revision)",
                "INSERT INTO counters (name, value) VALUES ('credit_accounts_revision', 1)",
                """
                INSERT INTO credit_accounts (key_id, balance_micros, month, month_spent_micros, revision)
                SELECT key_id, SUM(amount_micros), '', 0, 1 FROM ledger_entries GROUP BY key_id
                """,
                // The slice of a key's balance an instance may spend without asking storage; see CreditBook.
                """
                CREATE TABLE credit_leases (
                    key_id TEXT NOT NULL,
                    instance_id TEXT NOT NULL,
                    amount_micros BIGINT NOT NULL,
                    heartbeat_at BIGINT NOT NULL,
                    PRIMARY KEY (key_id, instance_id)
                )
                """,
                """
                CREATE TABLE redemption_codes (
                    digest TEXT PRIMARY KEY,
                    prefix TEXT NOT NULL,
                    amount_micros BIGINT NOT NULL,
                    batch TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    redeemed_by TEXT,
                    redeemed_at BIGINT
                )
                """,
                "ALTER TABLE usage_records ADD COLUMN cost_micros BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE usage_records ADD COLUMN list_usd_micros BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE usage_records ADD COLUMN official_usd_micros BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE usage_records ADD COLUMN video_seconds BIGINT NOT NULL DEFAULT 0",
                // Daily totals per key and model, kept in the transaction that writes the usage rows: reports read
                // these, never the raw rows, so they stay fast however many calls there were.
                """
                CREATE TABLE usage_daily (
                    key_id TEXT NOT NULL,
                    day TEXT NOT NULL,
                    model TEXT NOT NULL,
                    requests BIGINT NOT NULL,
                    failed BIGINT NOT NULL,
                    prompt_tokens BIGINT NOT NULL,
                    completion_tokens BIGINT NOT NULL,
                    cached_tokens BIGINT NOT NULL,
                    video_seconds BIGINT NOT NULL,
                    cost_micros BIGINT NOT NULL,
                    list_usd_micros BIGINT NOT NULL,
                    official_usd_micros BIGINT NOT NULL,
                    PRIMARY KEY (key_id, day, model)
                )
                """,
                "CREATE INDEX usage_daily_day ON usage_daily (day, key_id)",
            ]),
        Migration(
            version: 5, name: "video jobs",
            statements: [
                // A durable job queue: workers claim `queued` rows with a lease (`lease_owner`, `lease_until`) and
                // finish them with conditional updates, so each job ends exactly once (see JobStore).
                """
                CREATE TABLE video_jobs (
                    id TEXT PRIMARY KEY,
                    key_id TEXT NOT NULL,
                    model TEXT NOT NULL,
                    status TEXT NOT NULL,
                    request TEXT NOT NULL,
                    progress INTEGER NOT NULL,
                    estimated_micros BIGINT NOT NULL,
                    cost_micros BIGINT,
                    seconds INTEGER NOT NULL,
                    delivered_seconds INTEGER,
                    resolution TEXT NOT NULL,
                    aspect_ratio TEXT NOT NULL,
                    error_code TEXT,
                    error_message TEXT,
                    idempotency_key TEXT,
                    dedupe_idempotency TEXT NOT NULL,
                    callback_url TEXT,
                    deployment TEXT NOT NULL,
                    provider_kind TEXT NOT NULL,
                    provider_task_id TEXT,
                    attempts INTEGER NOT NULL,
                    lease_owner TEXT,
                    lease_until BIGINT,
                    created_at BIGINT NOT NULL,
                    started_at BIGINT,
                    completed_at BIGINT,
                    artifact_path TEXT,
                    sandbox BOOLEAN NOT NULL,
                    UNIQUE (key_id, dedupe_idempotency)
                )
                """,
                "CREATE INDEX video_jobs_claim ON video_jobs (status, lease_until)",
                "CREATE INDEX video_jobs_queue ON video_jobs (status, created_at, id)",
                "CREATE INDEX video_jobs_key_time ON video_jobs (key_id, created_at, id)",
            ]),
        Migration(
            version: 6, name: "webhooks",
            statements: [
                // Each key's Standard Webhooks signing secret (`whsec_…`), stored as is because signing needs the key
                // itself (a hash would not do): protect this storage like the provider API keys.
                """
                CREATE TABLE webhook_secrets (
                    key_id TEXT PRIMARY KEY,
                    secret TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                // The outbox: one row per event, written in the transaction that finishes the job. `id` is the
                // `webhook-id` (msg_…), the same on every attempt; a sender claims a due row by leasing it.
                """
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY,
                    key_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    url TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at BIGINT NOT NULL,
                    last_status INTEGER,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    delivered_at BIGINT,
                    lease_owner TEXT,
                    lease_until BIGINT
                )
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
                "CREATE INDEX webhook_deliveries_key ON webhook_deliveries (key_id, created_at)",
                """
                CREATE TABLE webhook_attempts (
                    delivery_id TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    started_at BIGINT NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    status_code INTEGER,
                    error TEXT,
                    PRIMARY KEY (delivery_id, attempt)
                )
                """,
            ]),
    ]

    /// Applies the migrations not yet recorded, in one transaction. On PostgreSQL an advisory lock taken first
    /// keeps instances starting together from racing (even on creating the bookkeeping table); on SQLite
    /// `BEGIN IMMEDIATE` does the same.
    static func run(on store: SQLStore) async throws {
        try await store.transaction { database in
            if store.engine == .postgres {
                try await database.raw("SELECT pg_advisory_xact_lock(7305020261)").run()
            }
            try await database.raw(
                """
                CREATE TABLE IF NOT EXISTS holysheep_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL
                )
                """
            ).run()
            let applied = Set(try await database.select().column("version").from("holysheep_migrations").all().map { try $0.decode(column: "version", as: Int.self) })
            for migration in all where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await database.raw(SQLQueryString(statement)).run()
                }
                try await database.insert(into: "holysheep_migrations")
                    .columns("version", "name", "applied_at")
                    .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(Clock.unixMilliseconds()))
                    .run()
            }
        }
    }
}
