import CoreMetrics
import HolySheepCore

/// A provider with its secret resolved from the environment at start.
struct ResolvedProvider: Sendable {
    let configuration: ProviderConfiguration
    /// The provider's API key, read once from `api_key_env`. Never logged.
    let apiKey: String?
    /// `api_key_env` when it is named but not set.
    let missingKeyVariable: String?
    /// The provider's chat wire format; nil for providers that do not serve chat (video).
    let chat: (any ChatProvider)?

    init(_ configuration: ProviderConfiguration, environment: [String: String]) {
        self.configuration = configuration
        if let variable = configuration.apiKeyEnv {
            let value = environment[variable].flatMap { $0.isEmpty ? nil : $0 }
            apiKey = value
            missingKeyVariable = value == nil ? variable : nil
        } else {
            apiKey = nil
            missingKeyVariable = nil
        }
        // The configuration checked the URL (see ``HTTPURL``).
        switch (configuration.kind, configuration.baseURL.flatMap(HTTPURL.init)) {
        case (.openai, let base?): chat = OpenAIChatProvider(url: base.appending("/chat/completions"), apiKey: apiKey)
        case (.anthropic, let base?): chat = AnthropicChatProvider(url: base.appending("/v1/messages"), apiKey: apiKey)
        case (.gemini, let base?): chat = GeminiChatProvider(baseURL: base, apiKey: apiKey)
        default: chat = nil
        }
    }
}

/// One deployment of a model, ready to call. A class: a call's plan and its attempts pass routes around, and a
/// reference is one retain where this many fields were a dozen.
final class Route: Sendable {
    let deployment: Deployment
    let provider: ResolvedProvider
    let health: DeploymentHealth
    let metrics: RouteMetrics

    var label: String { deployment.label }
    /// The provider speaks chat and has its key: a chat call can go here.
    var isCallableForChat: Bool { provider.chat != nil && provider.missingKeyVariable == nil }

    init(deployment: Deployment, provider: ResolvedProvider, health: DeploymentHealth, metrics: RouteMetrics) {
        self.deployment = deployment
        self.provider = provider
        self.health = health
        self.metrics = metrics
    }
}

/// A public model with its resolved deployments and its retry and timeout policy. A class, looked up once per call.
final class ResolvedModel: Sendable {
    let configuration: ModelConfiguration
    let routes: [Route]
    /// The routes a chat call can take (``Route/isCallableForChat``), in configured order; worked out once.
    let chatRoutes: [Route]
    let retry: RetryPolicy
    let addedLatency: CoreMetrics.Timer
    /// Chat prices in integers, computed once (see ``ChatPricing``).
    let pricing: ChatPricing

    var name: String { configuration.name }

    init(configuration: ModelConfiguration, routes: [Route], retry: RetryPolicy, addedLatency: CoreMetrics.Timer, pricing: ChatPricing) {
        self.configuration = configuration
        self.routes = routes
        chatRoutes = routes.filter(\.isCallableForChat)
        self.retry = retry
        self.addedLatency = addedLatency
        self.pricing = pricing
    }
}

/// Maps public model names to deployments. Built once at start; reads are lock-free (immutable).
///
/// A call goes first to a deployment drawn by weight, then falls back through the others in configured order
/// (see ``plan(for:)``); each deployment has a circuit breaker shared by all models that use it.
final class ModelRouter: Sendable {
    let models: [String: ResolvedModel]
    /// Model names in catalog order, for listings and error messages.
    let names: [String]
    /// Every deployment's health, by label, in catalog order.
    let deployments: [(label: String, health: DeploymentHealth)]

    init(configuration: GatewayConfiguration, environment: [String: String], metrics: GatewayMetrics = GatewayMetrics()) {
        let providers = Dictionary(
            configuration.providers.map { ($0.name, ResolvedProvider($0, environment: environment)) }, uniquingKeysWith: { first, _ in first })
        var health: [String: DeploymentHealth] = [:]
        var deployments: [(label: String, health: DeploymentHealth)] = []
        var models: [String: ResolvedModel] = [:]
        for model in configuration.models {
            let routes = model.deployments.compactMap { deployment -> Route? in
                guard let provider = providers[deployment.provider] else { return nil }
                let label = deployment.label
                let shared = health[label] ?? {
                    let created = DeploymentHealth(label: label, policy: configuration.routing.breaker) { state in
                        metrics.breakerChanged(deployment: label, to: state)
                    }
                    health[label] = created
                    deployments.append((label, created))
                    metrics.breakerChanged(deployment: label, to: .closed)  // every deployment has a series from the start
                    return created
                }()
                return Route(
                    deployment: deployment, provider: provider, health: shared, metrics: RouteMetrics(model: model.name, deployment: label, metrics: metrics))
            }
            models[model.name] = ResolvedModel(
                configuration: model, routes: routes, retry: model.retry ?? configuration.routing.retry, addedLatency: metrics.addedLatency(for: model.name),
                pricing: ChatPricing(price: model.price, officialPrice: model.officialPrice, platformRate: configuration.billing.platformRate))
        }
        self.models = models
        self.deployments = deployments
        names = configuration.models.map(\.name)
    }

    /// The order in which a chat call tries deployments: first one drawn by weight among those the gateway can
    /// call, then the others in configured order. Breakers are consulted when each is tried.
    func plan(for model: ResolvedModel, using generator: inout some RandomNumberGenerator) -> [Route] {
        guard model.chatRoutes.count > 1 else { return model.chatRoutes }
        var callable = model.chatRoutes
        let healthy = callable.indices.filter { callable[$0].health.state != .open }
        let pool = healthy.isEmpty ? Array(callable.indices) : healthy
        if let pick = WeightedPicker.pick(weights: pool.map { callable[$0].deployment.weight }, using: &generator) {
            let first = callable.remove(at: pool[pick])
            callable.insert(first, at: 0)
        }
        return callable
    }

    /// The model a key asked for, checked against the key's allowed models.
    func model(named name: String, for key: APIKeyRecord) throws(APIError) -> ResolvedModel {
        guard let model = models[name] else {
            throw APIError.modelNotFound(name, available: names.filter { key.allows(model: $0) })
        }
        guard key.allows(model: name) else {
            throw APIError.modelNotAllowed(name, keyID: key.id, allowed: names.filter { key.allows(model: $0) })
        }
        return model
    }

    /// Checks that a chat call to `model` can go anywhere, saying what the operator must fix when not.
    func checkChatServable(_ model: ResolvedModel) throws(APIError) {
        guard model.configuration.kind == .chat else {
            throw APIError.wrongModelKind(model.name, kind: "video", endpoint: "/v1/chat/completions", use: "/v1/video/generate")
        }
        guard model.chatRoutes.isEmpty else { return }
        let supported = model.routes.filter { $0.provider.chat != nil }
        guard !supported.isEmpty else {
            throw APIError.noSupportedDeployment(model: model.name, kinds: model.routes.map(\.provider.configuration.kind.rawValue))
        }
        // Every deployment that speaks chat lacks its key (otherwise `chatRoutes` would hold it): name the first.
        if let first = supported.first, let variable = first.provider.missingKeyVariable {
            throw APIError.providerNotConfigured(provider: first.provider.configuration.name, variable: variable)
        }
    }
}
