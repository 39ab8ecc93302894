import Foundation
import Yams

extension GatewayConfiguration {
    /// Reads a configuration file.
    /// - Throws: ``ConfigurationError`` naming the file, field and line of the first problem.
    public static func load(path: String) throws(ConfigurationError) -> GatewayConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(field: "", line: nil, problem: "cannot read the configuration file", file: path)
        }
        do {
            return try parse(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw error.inFile(path)
        }
    }

    /// Parses configuration YAML (SPEC §7). Unknown fields and bad values are refused with their line.
    public static func parse(yaml: String) throws(ConfigurationError) -> GatewayConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigurationError(field: "", line: error.line, problem: "not valid YAML: \(error.problem)")
        } catch {
            throw ConfigurationError(field: "", line: nil, problem: "not valid YAML: \(error)")
        }
        var configuration = GatewayConfiguration()
        guard let root else { return configuration }
        let top = ConfigNode(node: root, path: "")
        if top.isNull { return configuration }
        let fields = try top.mapping(known: ["server", "storage", "artifacts", "billing", "limits", "webhooks", "video", "routing", "logging", "providers", "models"])

        if let server = try fields["server"]?.mapping(known: ["host", "port"]) {
            if let host = server["host"] { configuration.server.host = try host.nonEmptyString() }
            if let port = server["port"] { configuration.server.port = try port.integer(in: 0...65535) }
        }
        if let storage = try fields["storage"]?.mapping(known: ["url"]), let url = storage["url"] {
            let value = try url.nonEmptyString()
            guard StorageURL(value) != nil else {
                throw url.fail("expected `sqlite:PATH` or `postgres://user:password@host:port/database`, got `\(value)`")
            }
            configuration.storage.url = value
        }
        if let artifacts = try fields["artifacts"]?.mapping(known: ["path"]), let path = artifacts["path"] {
            configuration.artifacts.path = try path.nonEmptyString()
        }
        if let billing = try fields["billing"]?.mapping(known: ["platform_rate", "market_rate", "signup_grant_cny", "lease_slice_cny"]) {
            if let slice = billing["lease_slice_cny"] { configuration.billing.leaseSliceCNY = try slice.decimal(positive: true) }
            if let rate = billing["platform_rate"] { configuration.billing.platformRate = try rate.decimal(positive: true) }
            if let rate = billing["market_rate"] { configuration.billing.marketRate = try rate.decimal(positive: true) }
            if let grant = billing["signup_grant_cny"] { configuration.billing.signupGrantCNY = try grant.decimal() }
        }
        if let limits = try fields["limits"]?.mapping(known: ["default_rpm", "default_tpm", "max_body_bytes"]) {
            if let rpm = limits["default_rpm"] { configuration.limits.defaultRPM = try rpm.integer(in: 1...10_000_000) }
            if let tpm = limits["default_tpm"] { configuration.limits.defaultTPM = try tpm.integer(in: 1...Int(Int32.max)) }
            if let size = limits["max_body_bytes"] { configuration.limits.maxBodyBytes = try size.integer(in: 1024...(1 << 30)) }
        }
        if let webhooks = try fields["webhooks"]?.mapping(known: ["allow_private_targets", "timeout_seconds"]) {
            if let allow = webhooks["allow_private_targets"] { configuration.webhooks.allowPrivateTargets = try allow.bool() }
            if let timeout = webhooks["timeout_seconds"] { configuration.webhooks.timeoutSeconds = try timeout.integer(in: 1...60) }
        }
        if let video = try fields["video"]?.mapping(known: ["workers", "lease_seconds"]) {
            if let workers = video["workers"] { configuration.video.workers = try workers.integer(in: 1...64) }
            if let lease = video["lease_seconds"] { configuration.video.leaseSeconds = try lease.integer(in: 1...3600) }
        }
        if let routing = try fields["routing"]?.mapping(known: ["retries", "backoff_base_ms", "backoff_max_ms", "max_retry_after_seconds", "timeouts", "breaker"]) {
            configuration.routing.retry = try parseRetry(routing, base: configuration.routing.retry)
            if let breaker = try routing["breaker"]?.mapping(known: [
                "failure_threshold", "error_rate", "min_requests", "window_seconds", "cooldown_seconds", "max_cooldown_seconds",
            ]) {
                var policy = configuration.routing.breaker
                if let value = breaker["failure_threshold"] { policy.failureThreshold = try value.integer(in: 1...10_000) }
                if let value = breaker["error_rate"] {
                    let rate = try value.decimal(positive: true)
                    guard rate <= 1 else { throw value.fail("expected a fraction of failed calls between 0 and 1, such as 0.5") }
                    policy.errorRateThreshold = NSDecimalNumber(decimal: rate).doubleValue
                }
                if let value = breaker["min_requests"] { policy.minimumRequests = try value.integer(in: 1...1_000_000) }
                if let value = breaker["window_seconds"] { policy.window = .seconds(try value.integer(in: 1...3600)) }
                if let value = breaker["cooldown_seconds"] { policy.cooldown = try value.duration() }
                if let value = breaker["max_cooldown_seconds"] { policy.maximumCooldown = try value.duration() }
                guard policy.maximumCooldown >= policy.cooldown else {
                    throw (breaker["max_cooldown_seconds"] ?? breaker["cooldown_seconds"]!).fail("max_cooldown_seconds must be at least cooldown_seconds")
                }
                configuration.routing.breaker = policy
            }
        }
        if let logging = try fields["logging"]?.mapping(known: ["access_log"]), let accessLog = logging["access_log"] {
            configuration.logging.accessLog = try accessLog.bool()
        }
        if let providers = fields["providers"] {
            configuration.providers = try providers.sequence().map(parseProvider)
            try checkUnique(configuration.providers.map(\.name), in: providers, what: "provider")
        }
        if let models = fields["models"] {
            let defaults = configuration.routing.retry
            configuration.models = try models.sequence().map { node throws(ConfigurationError) in try parseModel(node, defaultRetry: defaults) }
            try checkUnique(configuration.models.map(\.name), in: models, what: "model")
        }
        try checkReferences(configuration, providersNode: fields["providers"], modelsNode: fields["models"])
        return configuration
    }

    private static func parseProvider(_ node: ConfigNode) throws(ConfigurationError) -> ProviderConfiguration {
        let fields = try node.mapping(known: ["name", "kind", "base_url", "api_key_env"])
        guard let name = fields["name"] else { throw node.fail("a provider needs a `name`") }
        guard let kind = fields["kind"] else { throw node.fail("a provider needs a `kind`") }
        var provider = ProviderConfiguration(name: try name.nonEmptyString(), kind: try kind.oneOf(ProviderKind.self))
        if let baseURL = fields["base_url"] {
            let value = try baseURL.nonEmptyString()
            guard HTTPURL(value) != nil else {
                throw baseURL.fail("expected an http:// or https:// URL, got `\(value)`")
            }
            provider.baseURL = value.hasSuffix("/") ? String(value.dropLast()) : value
        } else if provider.kind != .previz {
            throw node.fail("the provider `\(provider.name)` of kind \(provider.kind.rawValue) needs a `base_url`")
        }
        if let env = fields["api_key_env"] {
            let value = try env.nonEmptyString()
            guard value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw env.fail("expected the NAME of an environment variable (letters, digits, _), not a key itself")
            }
            provider.apiKeyEnv = value
        }
        return provider
    }

    /// Retries and timeouts (the global `routing:` section, or a model's own `routing:`), over `base`.
    private static func parseRetry(_ fields: [String: ConfigNode], base: RetryPolicy) throws(ConfigurationError) -> RetryPolicy {
        var policy = base
        if let value = fields["retries"] { policy.retries = try value.integer(in: 0...10) }
        if let value = fields["backoff_base_ms"] { policy.backoffBase = .milliseconds(try value.integer(in: 0...60_000)) }
        if let value = fields["backoff_max_ms"] { policy.backoffMaximum = .milliseconds(try value.integer(in: 0...600_000)) }
        if let value = fields["max_retry_after_seconds"] { policy.maximumRetryAfter = try value.duration(allowZero: true) }
        if let timeouts = try fields["timeouts"]?.mapping(known: ["first_byte_seconds", "attempt_seconds", "total_seconds"]) {
            if let value = timeouts["first_byte_seconds"] { policy.firstByteTimeout = try value.duration() }
            if let value = timeouts["attempt_seconds"] { policy.attemptTimeout = try value.duration() }
            if let value = timeouts["total_seconds"] { policy.totalTimeout = try value.duration() }
        }
        return policy
    }

    private static func parseModel(_ node: ConfigNode, defaultRetry: RetryPolicy) throws(ConfigurationError) -> ModelConfiguration {
        let fields = try node.mapping(known: ModelConfiguration.yamlFields)
        guard let name = fields["name"] else { throw node.fail("a model needs a `name`") }
        let kind = try fields["kind"]?.oneOf(ModelKind.self) ?? .chat
        guard let priceNode = fields["price"] else {
            throw node.fail("the model needs a `price` (never a silent default): for chat `{ input_per_mtok: 1, output_per_mtok: 2 }`, for video `{ per_second: 0.05 }`")
        }
        let price = try parsePrice(priceNode, kind: kind)
        let officialPrice = try fields["official_price"].map { node throws(ConfigurationError) in try parsePrice(node, kind: kind) }
        guard let deploymentsNode = fields["deployments"] else { throw node.fail("the model needs at least one entry in `deployments`") }
        let deployments = try deploymentsNode.sequence().map(parseDeployment)
        guard !deployments.isEmpty else { throw deploymentsNode.fail("the model needs at least one deployment") }
        var retry: RetryPolicy?
        if let routing = try fields["routing"]?.mapping(known: ["retries", "backoff_base_ms", "backoff_max_ms", "max_retry_after_seconds", "timeouts"]) {
            retry = try parseRetry(routing, base: defaultRetry)
        }
        return ModelConfiguration(
            name: try name.nonEmptyString(), kind: kind, price: price, officialPrice: officialPrice, deployments: deployments, retry: retry)
    }

    private static func parsePrice(_ node: ConfigNode, kind: ModelKind) throws(ConfigurationError) -> Price {
        let fields = try node.mapping(known: ["input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "per_second", "per_second_by_resolution"])
        var price = Price()
        price.inputPerMTok = try fields["input_per_mtok"]?.decimal()
        price.outputPerMTok = try fields["output_per_mtok"]?.decimal()
        price.cachedInputPerMTok = try fields["cached_input_per_mtok"]?.decimal()
        price.perSecond = try fields["per_second"]?.decimal()
        if let byResolution = try fields["per_second_by_resolution"]?.mapping(known: Price.videoResolutions) {
            for (resolution, value) in byResolution { price.perSecondByResolution[resolution] = try value.decimal() }
        }
        switch kind {
        case .chat where price.inputPerMTok == nil || price.outputPerMTok == nil:
            throw node.fail("a chat model's price needs `input_per_mtok` and `output_per_mtok` (USD per million tokens)")
        case .video where price.perSecond == nil && price.perSecondByResolution.isEmpty:
            throw node.fail("a video model's price needs `per_second` (USD per second of video) or `per_second_by_resolution` (720p, 1080p, 4k)")
        default: return price
        }
    }

    private static func parseDeployment(_ node: ConfigNode) throws(ConfigurationError) -> Deployment {
        let fields = try node.mapping(known: ["provider", "model", "weight", "region"])
        guard let provider = fields["provider"] else { throw node.fail("a deployment needs a `provider`") }
        return Deployment(
            provider: try provider.nonEmptyString(),
            model: try fields["model"]?.nonEmptyString(),
            weight: try fields["weight"]?.integer(in: 0...1_000_000) ?? 1,
            region: try fields["region"]?.nonEmptyString())
    }

    private static func checkUnique(_ names: [String], in node: ConfigNode, what: String) throws(ConfigurationError) {
        var seen = Set<String>()
        for (index, name) in names.enumerated() where !seen.insert(name).inserted {
            let entry = try node.sequence()[index]
            throw entry.fail("the \(what) name `\(name)` is used twice")
        }
    }

    private static func checkReferences(_ configuration: GatewayConfiguration, providersNode: ConfigNode?, modelsNode: ConfigNode?) throws(ConfigurationError) {
        let providers = Dictionary(configuration.providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let entries = try modelsNode?.sequence()
        for (modelIndex, model) in configuration.models.enumerated() {
            for (deploymentIndex, deployment) in model.deployments.enumerated() {
                let entry = try entries.map { modelEntry throws(ConfigurationError) -> ConfigNode in
                    let deployments = try modelEntry[modelIndex].mapping(known: ModelConfiguration.yamlFields)["deployments"]!
                    return try deployments.sequence()[deploymentIndex]
                }
                func fail(_ problem: String) -> ConfigurationError {
                    entry?.fail(problem)
                        ?? ConfigurationError(field: "models[\(modelIndex)].deployments[\(deploymentIndex)]", line: nil, problem: problem)
                }
                guard let provider = providers[deployment.provider] else {
                    throw fail("no provider is named `\(deployment.provider)`; the providers are \(providers.keys.sorted().joined(separator: ", "))")
                }
                if model.kind == .chat, !provider.kind.servesChat {
                    throw fail("the chat model `\(model.name)` cannot be served by `\(provider.name)`, a \(provider.kind.rawValue) (video) provider")
                }
                if model.kind == .video, provider.kind.servesChat {
                    throw fail("the video model `\(model.name)` cannot be served by `\(provider.name)`, a \(provider.kind.rawValue) (chat) provider")
                }
                if provider.kind != .previz, deployment.model == nil {
                    throw fail("the deployment needs `model`: the model's name at provider `\(provider.name)`")
                }
            }
        }
    }
}

extension YamlError {
    var line: Int? {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    var problem: String {
        switch self {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(self)"
        }
    }
}
