import HolySheepCore

/// A provider with its secret resolved from the environment at start.
struct ResolvedProvider: Sendable {
    let configuration: ProviderConfiguration
    /// The provider's API key, read once from `api_key_env`. Never logged.
    let apiKey: String?
    /// `api_key_env` when it is named but not set.
    let missingKeyVariable: String?
    /// `{base_url}/chat/completions` for OpenAI-compatible providers.
    let chatCompletionsURL: String?

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
        chatCompletionsURL = configuration.kind == .openai ? configuration.baseURL.map { $0 + "/chat/completions" } : nil
    }
}

/// One deployment of a model, ready to call.
struct Route: Sendable {
    let deployment: Deployment
    let provider: ResolvedProvider

    var label: String { deployment.label }
}

/// A public model with its resolved deployments.
struct ResolvedModel: Sendable {
    let configuration: ModelConfiguration
    let routes: [Route]

    var name: String { configuration.name }
}

/// Maps public model names to deployments. Built once at start; reads are lock-free (immutable).
///
/// Routing policy (weights, retries, fallback, circuit breaking) comes with the routing issue; today a chat call
/// goes to the first deployment whose provider this build can call.
final class ModelRouter: Sendable {
    let models: [String: ResolvedModel]
    /// Model names in catalog order, for listings and error messages.
    let names: [String]

    init(configuration: GatewayConfiguration, environment: [String: String]) {
        let providers = Dictionary(
            configuration.providers.map { ($0.name, ResolvedProvider($0, environment: environment)) }, uniquingKeysWith: { first, _ in first })
        var models: [String: ResolvedModel] = [:]
        for model in configuration.models {
            let routes = model.deployments.compactMap { deployment in providers[deployment.provider].map { Route(deployment: deployment, provider: $0) } }
            models[model.name] = ResolvedModel(configuration: model, routes: routes)
        }
        self.models = models
        names = configuration.models.map(\.name)
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

    /// The deployment a chat call goes to.
    func chatRoute(for model: ResolvedModel) throws(APIError) -> Route {
        guard model.configuration.kind == .chat else {
            throw APIError.wrongModelKind(model.name, kind: "video", endpoint: "/v1/chat/completions", use: "/v1/video/generate")
        }
        guard let route = model.routes.first(where: { $0.provider.chatCompletionsURL != nil }) else {
            throw APIError.noSupportedDeployment(model: model.name, kinds: model.routes.map(\.provider.configuration.kind.rawValue))
        }
        if let variable = route.provider.missingKeyVariable {
            throw APIError.providerNotConfigured(provider: route.provider.configuration.name, variable: variable)
        }
        return route
    }
}
