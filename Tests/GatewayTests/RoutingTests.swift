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

    @Test func plan_goesToTheDeploymentsModelWithTheProvidersKey() throws {
        let router = ModelRouter(configuration: Self.configuration, environment: ["FAKE_KEY": "sk-upstream"])
        var generator = SystemRandomNumberGenerator()
        let route = try #require(router.plan(for: router.model(named: "gpt-4.1", for: key()), using: &generator).first)
        #expect(route.deployment.model == "gpt-4.1-2025-04-14")
        #expect((route.provider.chat as? OpenAIChatProvider)?.url.description == "http://127.0.0.1:9/v1/chat/completions")
        #expect(route.provider.apiKey == "sk-upstream")
    }

    @Test func missingProviderKey_saysWhichVariableToSet() {
        let router = ModelRouter(configuration: Self.configuration, environment: [:])
        #expect(throws: APIError.providerNotConfigured(provider: "fake", variable: "FAKE_KEY")) {
            try router.checkChatServable(router.model(named: "gpt-4.1", for: key()))
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
            try router.checkChatServable(router.model(named: "video-gen-2.1", for: key()))
        } throws: { ($0 as? APIError)?.code == "model_not_supported" }
        #expect {
            try router.checkChatServable(router.model(named: "claude-only", for: key()))
        } throws: { ($0 as? APIError)?.code == "provider_not_configured" && ($0 as? APIError)?.message.contains("ANTHROPIC_API_KEY") == true }
    }

    @Test func plan_putsAnOpenBreakerLastAndSharesBreakersAcrossModels() throws {
        let configuration = try GatewayConfiguration.parse(yaml: """
            providers:
              - { name: a, kind: openai, base_url: "http://127.0.0.1:9/v1" }
              - { name: b, kind: openai, base_url: "http://127.0.0.1:10/v1" }
            routing: { breaker: { failure_threshold: 2 } }
            models:
              - { name: m1, price: { input_per_mtok: 1, output_per_mtok: 1 }, deployments: [ { provider: a, model: x, weight: 100 }, { provider: b, model: y, weight: 1 } ] }
              - { name: m2, price: { input_per_mtok: 1, output_per_mtok: 1 }, deployments: [ { provider: a, model: x } ] }
            """)
        let router = ModelRouter(configuration: configuration, environment: [:])
        let m1 = try router.model(named: "m1", for: key())
        let m2 = try router.model(named: "m2", for: key())
        #expect(m1.routes[0].health === m2.routes[0].health)
        m2.routes[0].health.recordFailure()
        m2.routes[0].health.recordFailure()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            #expect(router.plan(for: m1, using: &generator).map(\.label) == ["b/y", "a/x"])
        }
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
        // OpenAI's shape: `req_` and 32 lowercase hex digits; one process's ids share the prefix and count up.
        for id in ids.prefix(3) {
            #expect(id.utf8.count == 36 && id.hasPrefix("req_"))
            #expect(id.dropFirst(4).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
        #expect(ids[0].dropLast(16) == ids[1].dropLast(16))
        #expect(UInt64(ids[1].suffix(16), radix: 16)! == UInt64(ids[0].suffix(16), radix: 16)! + 1)
        #expect(RequestIDGenerator.isAcceptable("my-trace-123"))
        #expect(!RequestIDGenerator.isAcceptable("bad id with spaces"))
        #expect(!RequestIDGenerator.isAcceptable(String(repeating: "x", count: 200)))
    }
}
