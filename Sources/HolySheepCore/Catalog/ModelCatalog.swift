import Foundation

/// What kind of upstream a provider is, which decides the wire format spoken to it.
public enum ProviderKind: String, Sendable, CaseIterable {
    case openai, anthropic, gemini, seedance, kling, wan, minimax, veo, fal, previz

    /// Chat providers answer `/v1/chat/completions`-style calls; the others make videos.
    public var servesChat: Bool { self == .openai || self == .anthropic || self == .gemini }
}

/// An upstream the gateway can call: where it is and which environment variable holds its secret.
public struct ProviderConfiguration: Sendable, Equatable {
    public var name: String
    public var kind: ProviderKind
    public var baseURL: String?
    /// Name of the environment variable holding the provider's API key (never the key itself).
    public var apiKeyEnv: String?

    public init(name: String, kind: ProviderKind, baseURL: String? = nil, apiKeyEnv: String? = nil) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.apiKeyEnv = apiKeyEnv
    }
}

public enum ModelKind: String, Sendable, CaseIterable {
    case chat, video
}

/// One place a public model is served: a provider and the model's name there.
public struct Deployment: Sendable, Equatable {
    public var provider: String
    /// The upstream model name; nil for providers that need none (previz).
    public var model: String?
    public var weight: Int
    public var region: String?

    public init(provider: String, model: String? = nil, weight: Int = 1, region: String? = nil) {
        self.provider = provider
        self.model = model
        self.weight = weight
        self.region = region
    }

    /// How the deployment is named in messages and usage records: `provider/model`.
    public var label: String { model.map { "\(provider)/\($0)" } ?? provider }
}

/// A public model name and the ordered deployments that serve it.
public struct ModelConfiguration: Sendable, Equatable {
    public var name: String
    public var kind: ModelKind
    public var price: Price
    /// The model's price at its official provider (USD), what reports compare against; nil: the same as `price`.
    public var officialPrice: Price?
    public var deployments: [Deployment]
    /// Retries and timeouts for this model; nil means the `routing:` defaults.
    public var retry: RetryPolicy?

    public init(name: String, kind: ModelKind, price: Price, officialPrice: Price? = nil, deployments: [Deployment], retry: RetryPolicy? = nil) {
        self.name = name
        self.kind = kind
        self.price = price
        self.officialPrice = officialPrice
        self.deployments = deployments
        self.retry = retry
    }

    /// The fields a model entry may have in YAML.
    public static let yamlFields = ["name", "kind", "price", "official_price", "deployments", "routing"]
}

extension ProviderConfiguration {
    /// The providers of the default catalog. Their keys come from the environment; without one a call says which
    /// variable to set.
    public static let defaults: [ProviderConfiguration] = [
        .init(name: "openai", kind: .openai, baseURL: "https://api.openai.com/v1", apiKeyEnv: "OPENAI_API_KEY"),
        .init(name: "deepseek", kind: .openai, baseURL: "https://api.deepseek.com/v1", apiKeyEnv: "DEEPSEEK_API_KEY"),
        .init(name: "anthropic", kind: .anthropic, baseURL: "https://api.anthropic.com", apiKeyEnv: "ANTHROPIC_API_KEY"),
        .init(name: "google", kind: .gemini, baseURL: "https://generativelanguage.googleapis.com", apiKeyEnv: "GEMINI_API_KEY"),
        .init(name: "local", kind: .previz),
    ]
}

extension ModelConfiguration {
    /// The guide's models at the guide's list prices (SPEC §2, §3). `officialPrice` is each model's price at its
    /// own provider as published on the provider's pricing page (late 2025): what reports compare against.
    public static let defaults: [ModelConfiguration] = [
        .init(
            name: "deepseek-v3.2", kind: .chat, price: Price(inputPerMTok: Decimal(string: "0.42"), outputPerMTok: Decimal(string: "0.42")),
            officialPrice: Price(inputPerMTok: Decimal(string: "0.28"), outputPerMTok: Decimal(string: "0.42"), cachedInputPerMTok: Decimal(string: "0.028")),
            deployments: [.init(provider: "deepseek", model: "deepseek-chat")]),
        .init(
            name: "gemini-2.5-flash", kind: .chat, price: Price(inputPerMTok: Decimal(string: "2.50"), outputPerMTok: Decimal(string: "2.50")),
            officialPrice: Price(inputPerMTok: Decimal(string: "0.30"), outputPerMTok: Decimal(string: "2.50"), cachedInputPerMTok: Decimal(string: "0.03")),
            deployments: [.init(provider: "google", model: "gemini-2.5-flash")]),
        .init(
            name: "claude-sonnet-4.5", kind: .chat, price: Price(inputPerMTok: 15, outputPerMTok: 15),
            officialPrice: Price(inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: Decimal(string: "0.30")),
            deployments: [.init(provider: "anthropic", model: "claude-sonnet-4-5")]),
        .init(
            name: "gpt-4.1", kind: .chat, price: Price(inputPerMTok: 8, outputPerMTok: 8),
            officialPrice: Price(inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: Decimal(string: "0.50")),
            deployments: [.init(provider: "openai", model: "gpt-4.1")]),
        .init(
            name: "video-gen-2.1", kind: .video, price: Price(perSecond: Decimal(string: "0.05")),
            deployments: [.init(provider: "local")]),
    ]
}
