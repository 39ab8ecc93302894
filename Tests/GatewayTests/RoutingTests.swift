import Foundation
import HolySheepCore
import Testing
@testable import Gateway

@Suite struct RoutingTests {
    static let configuration = try! GatewayConfiguration.parse(yaml: """
        providers:
          - { name: fake, kind: openai, base_url: "http://127.0.0.1:9/v1", api_key_env: FAKE_KEY }
          - { name: claude, kind: anthropic, base_url: "https://api.anthropic.com", api_key_env: ANTHROPIC_API_KEY }
          - { name: local, kind: previz }
        models:
          - { name: gpt-4.1, price: { input_per_mtok: 8, output_per_mtok: 8 }, deployments: [ { provider: fake, model: gpt-4.1-2025-04-14 } ] }
          - { name: claude-only, price: { input_per_mtok: 15, output_per_mtok: 15 }, deployments: [ { provider: claude, model: c } ] }
          - { name: video-gen-2.1, kind: video, price: { per_second: 0.05 }, deployments: [ { provider: local } ] }
        """)

    func key(models: [String]? = nil) -> APIKeyRecord {
        APIKeyRecord(
            id: "key_t", digest: APIKeySecret.digest(of: "x"), prefix: "hs_live_xxxx", label: "t", owner: nil, sandbox: false, models: models,
            rpm: nil, tpm: nil, videoConcurrency: nil, monthlyBudgetCNY: nil, expiresAt: nil, revoked: false, revokedAt: nil, createdAt: Date(),
            revision: 1)
    }

    @Test func chatRoute_rewritesToTheDeploymentsModelWithTheProvidersKey() throws {
        let router = ModelRouter(configuration: Self.configuration, environment: ["FAKE_KEY": "sk-upstream"])
        let route = try router.chatRoute(for: router.model(named: "gpt-4.1", for: key()))
        #expect(route.deployment.model == "gpt-4.1-2025-04-14")
        #expect(route.provider.chatCompletionsURL == "http://127.0.0.1:9/v1/chat/completions")
        #expect(route.provider.apiKey == "sk-upstream")
    }

    @Test func missingProviderKey_saysWhichVariableToSet() {
        let router = ModelRouter(configuration: Self.configuration, environment: [:])
        #expect(throws: APIError.providerNotConfigured(provider: "fake", variable: "FAKE_KEY")) {
            try router.chatRoute(for: router.model(named: "gpt-4.1", for: key()))
        }
    }

    @Test func restrictedKey_isToldWhichModelsItMayUse() {
        let router = ModelRouter(configuration: Self.configuration, environment: [:])
        #expect(throws: APIError.modelNotAllowed("gpt-4.1", keyID: "key_t", allowed: ["video-gen-2.1"])) {
            try router.model(named: "gpt-4.1", for: key(models: ["video-gen-2.1"]))
        }
        #expect(throws: APIError.modelNotFound("nope", available: ["video-gen-2.1"])) {
            try router.model(named: "nope", for: key(models: ["video-gen-2.1"]))
        }
    }

    @Test func videoModelOnTheChatEndpoint_pointsToTheVideoEndpoint() throws {
        let router = ModelRouter(configuration: Self.configuration, environment: [:])
        #expect {
            try router.chatRoute(for: router.model(named: "video-gen-2.1", for: key()))
        } throws: { ($0 as? APIError)?.code == "model_not_supported" }
        #expect {
            try router.chatRoute(for: router.model(named: "claude-only", for: key()))
        } throws: { ($0 as? APIError)?.code == "provider_not_supported" }
    }

    @Test func routeTable_tellsWrongMethodFromUnknownPath() {
        var table = RouteTable()
        table.add("/v1/chat/completions", ["POST"])
        table.add("/v1/models/{id}", ["GET"])
        #expect(table.methods(forPath: "/v1/chat/completions") == ["POST"])
        #expect(table.methods(forPath: "/v1/models/gpt-4.1") == ["GET"])
        #expect(table.methods(forPath: "/v1/nope") == nil)
    }

    @Test func requestIDs_areUniqueAndClientIDsAreKeptOnlyIfSane() {
        let ids = (0..<10_000).map { _ in RequestIDGenerator.next() }
        #expect(Set(ids).count == ids.count)
        #expect(RequestIDGenerator.isAcceptable("my-trace-123"))
        #expect(!RequestIDGenerator.isAcceptable("bad id with spaces"))
        #expect(!RequestIDGenerator.isAcceptable(String(repeating: "x", count: 200)))
    }
}
