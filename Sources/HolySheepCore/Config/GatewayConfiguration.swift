import Foundation

/// The whole configuration of a gateway (SPEC §7). Every field is optional; ``init()`` is the embedded
/// default: SQLite file `holysheep.db` in the working folder, listening on `127.0.0.1:8080`.
public struct GatewayConfiguration: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        /// `server.host`, default `127.0.0.1`.
        public var host = "127.0.0.1"
        /// `server.port`, default `8080`.
        public var port = 8080
    }

    public struct Storage: Sendable, Equatable {
        /// `storage.url`: `sqlite:PATH` (default `sqlite:holysheep.db`) or `postgres://user:pass@host:5432/db`.
        public var url = "sqlite:holysheep.db"
    }

    public struct Artifacts: Sendable, Equatable {
        /// `artifacts.path`, default `./artifacts`: where finished videos are kept.
        public var path = "./artifacts"
    }

    public struct Billing: Sendable, Equatable {
        /// `billing.platform_rate`: CNY charged per USD of list price, default 1.0 (¥1 = $1).
        public var platformRate: Decimal = 1
        /// `billing.market_rate`: the market exchange rate reports compare against, default 7.3.
        public var marketRate = Decimal(string: "7.3")!
        /// `billing.signup_grant_cny`: free credits granted to a new key, default 10.
        public var signupGrantCNY: Decimal = 10
        /// `billing.lease_slice_cny`: the least credit an instance leases from a key's balance to spend from memory,
        /// default 10 (see the README's "Credits across instances").
        public var leaseSliceCNY: Decimal = 10
    }

    public struct Limits: Sendable, Equatable {
        /// `limits.default_rpm`: requests per minute per key unless the key says otherwise, default 500.
        public var defaultRPM = 500
        /// `limits.default_tpm`: tokens per minute per key, default 2 000 000.
        public var defaultTPM = 2_000_000
        /// `limits.max_body_bytes`: the largest request body accepted, default 4 MiB.
        public var maxBodyBytes = 4_194_304
    }

    public struct Webhooks: Sendable, Equatable {
        /// `webhooks.allow_private_targets`: allow callbacks to loopback/private/link-local addresses, default false.
        public var allowPrivateTargets = false
        /// `webhooks.timeout_seconds`: how long a receiver has to answer, default 5.
        public var timeoutSeconds = 5
    }

    public struct Video: Sendable, Equatable {
        /// `video.workers`: video jobs run at once by this instance, default 2.
        public var workers = 2
        /// `video.lease_seconds`: how long a claimed job stays a worker's without a heartbeat; a job whose worker died
        /// is run again after this long. Default 30.
        public var leaseSeconds = 30
    }

    public struct Routing: Sendable, Equatable {
        /// `routing.retries`, `routing.backoff_base_ms`, `routing.backoff_max_ms`, `routing.max_retry_after_seconds`,
        /// `routing.timeouts.{first_byte,attempt,total}_seconds`: the defaults for every model (each model may
        /// override them under its own `routing:`).
        public var retry = RetryPolicy()
        /// `routing.breaker.{failure_threshold,error_rate,min_requests,window_seconds,cooldown_seconds,max_cooldown_seconds}`.
        public var breaker = CircuitBreaker.Policy()
    }

    public struct Logging: Sendable, Equatable {
        /// `logging.access_log`: one info line per API call (request id, key id, model, deployment, status,
        /// attempts, latency). Default false. Keys, prompts and completions are never logged.
        public var accessLog = false
    }

    public var server = Server()
    public var storage = Storage()
    public var artifacts = Artifacts()
    public var billing = Billing()
    public var limits = Limits()
    public var webhooks = Webhooks()
    public var video = Video()
    public var routing = Routing()
    public var logging = Logging()
    /// `providers`: the upstreams; default ``ProviderConfiguration/defaults``.
    public var providers = ProviderConfiguration.defaults
    /// `models`: the public catalog; default ``ModelConfiguration/defaults``.
    public var models = ModelConfiguration.defaults

    public init() {}
}
