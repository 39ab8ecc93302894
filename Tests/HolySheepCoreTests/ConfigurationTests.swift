import Foundation
import Testing
@testable import HolySheepCore

@Suite struct ConfigurationTests {
    /// The example of SPEC §7, whole.
    static let specExample = """
        server:   { host: 127.0.0.1, port: 8080 }
        storage:  { url: "sqlite:holysheep.db" }          # or postgres://user:pass@host:5432/db
        artifacts: { path: ./artifacts }                  # where finished videos are kept
        billing:  { platform_rate: 1.0, market_rate: 7.3, signup_grant_cny: 10 }
        limits:   { default_rpm: 500, default_tpm: 2000000, max_body_bytes: 4194304 }
        webhooks: { allow_private_targets: false, timeout_seconds: 5 }
        providers:
          - { name: deepseek, kind: openai, base_url: "https://api.deepseek.com/v1", api_key_env: DEEPSEEK_API_KEY }
          - { name: anthropic, kind: anthropic, base_url: "https://api.anthropic.com", api_key_env: ANTHROPIC_API_KEY }
          - { name: google, kind: gemini, base_url: "https://generativelanguage.googleapis.com", api_key_env: GEMINI_API_KEY }
          - { name: ark, kind: seedance, base_url: "https://ark.cn-beijing.volces.com/api/v3", api_key_env: ARK_API_KEY }
          - { name: local, kind: previz }
        models:
          - name: deepseek-v3.2
            kind: chat
            price: { input_per_mtok: 0.42, output_per_mtok: 0.42 }
            deployments: [ { provider: deepseek, model: deepseek-chat } ]
          - name: claude-sonnet-4.5
            kind: chat
            price: { input_per_mtok: 15, output_per_mtok: 15 }
            deployments: [ { provider: anthropic, model: claude-sonnet-4-5 }, { provider: deepseek, model: deepseek-chat } ]
          - name: video-gen-2.1
            kind: video
            price: { per_second: 0.05 }
            deployments: [ { provider: ark, model: doubao-seedance-2-0-260128 }, { provider: local } ]
        """

    func failure(_ yaml: String) -> ConfigurationError? {
        do {
            _ = try GatewayConfiguration.parse(yaml: yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test func noConfiguration_isTheEmbeddedDefault() throws {
        let configuration = try GatewayConfiguration.parse(yaml: "")
        #expect(configuration.storage.url == "sqlite:holysheep.db")
        #expect(configuration.server.host == "127.0.0.1" && configuration.server.port == 8080)
        #expect(configuration.limits.defaultRPM == 500)
        #expect(configuration.models.map(\.name) == ["deepseek-v3.2", "gemini-2.5-flash", "claude-sonnet-4.5", "gpt-4.1", "video-gen-2.1"])
    }

    @Test func specExample_parsesWithExactDecimalPrices() throws {
        let configuration = try GatewayConfiguration.parse(yaml: Self.specExample)
        #expect(configuration.providers.count == 5)
        #expect(configuration.models[0].price.inputPerMTok == Decimal(string: "0.42"))
        #expect(configuration.models[0].price.inputPerMTok?.plainString == "0.42")
        #expect(configuration.models[2].price.perSecond?.plainString == "0.05")
        #expect(configuration.billing.marketRate.plainString == "7.3")
        #expect(configuration.models[1].deployments.map(\.label) == ["anthropic/claude-sonnet-4-5", "deepseek/deepseek-chat"])
    }

    @Test(arguments: [
        ("server: { hots: 1 }", "server.hots", 1, "unknown field"),
        ("server:\n  host: x\n  port: abc\n", "server.port", 3, "whole number"),
        ("limits:\n  default_rpm: -5\n", "limits.default_rpm", 2, "whole number"),
        ("billing: { platform_rate: 1e3 }", "billing.platform_rate", 1, "decimal"),
        ("storage: { url: mysql://x }", "storage.url", 1, "sqlite:PATH"),
        ("webhooks: { allow_private_targets: maybe }", "webhooks.allow_private_targets", 1, "true or false"),
        ("colour: blue", "colour", 1, "unknown field"),
        ("providers:\n  - { name: a, kind: openia, base_url: 'http://x' }\n", "providers[0].kind", 2, "expected one of"),
        ("providers:\n  - { name: a, kind: openai }\n", "providers[0]", 2, "base_url"),
        ("providers:\n  - { name: a, kind: openai, base_url: 'http://x', api_key_env: 'sk-123 456' }\n", "providers[0].api_key_env", 2, "NAME of an environment variable"),
    ])
    func badConfiguration_namesTheFieldAndItsLine(yaml: String, field: String, line: Int, problem: String) throws {
        let error = try #require(failure(yaml))
        #expect(error.field == field)
        #expect(error.line == line)
        #expect(error.problem.contains(problem))
        #expect(error.description.contains("line \(line)"))
    }

    @Test func deploymentOfAnUnknownProvider_isRefusedWithItsLine() throws {
        let yaml = """
            providers:
              - { name: p, kind: openai, base_url: "http://127.0.0.1:1/v1" }
            models:
              - name: m
                price: { input_per_mtok: 1, output_per_mtok: 1 }
                deployments:
                  - { provider: nope, model: x }
            """
        let error = try #require(failure(yaml))
        #expect(error.field == "models[0].deployments[0]")
        #expect(error.line == 7)
        #expect(error.problem.contains("no provider is named `nope`"))
    }

    @Test func modelWithoutPrice_isRefused() throws {
        let yaml = """
            providers: [ { name: p, kind: openai, base_url: "http://127.0.0.1:1/v1" } ]
            models: [ { name: m, deployments: [ { provider: p, model: x } ] } ]
            """
        #expect(try #require(failure(yaml)).problem.contains("price"))
    }

    @Test func invalidYAML_saysWhere() throws {
        let error = try #require(failure("server: { host: [ }\n"))
        #expect(error.problem.contains("not valid YAML"))
        #expect(error.line == 1)
    }

    @Test func storageURL_redactsThePassword() {
        #expect(StorageURL("postgres://u:secret@h:5432/db")?.redacted == "postgres://u:***@h:5432/db")
        #expect(StorageURL("sqlite:///tmp/x.db") == .sqlite(path: "/tmp/x.db"))
        #expect(StorageURL("sqlite:") == nil)
    }
}

@Suite struct APIErrorTests {
    @Test func jsonBody_isOpenAIShapedWithTopLevelStatus() throws {
        let body = APIError.modelNotFound("nope", available: ["a", "b"]).jsonBody
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as! [String: Any]
        #expect(object["error_code"] as? Int == 404)
        let error = object["error"] as! [String: Any]
        #expect(error["code"] as? String == "model_not_found")
        #expect(error["type"] as? String == "invalid_request_error")
        #expect(error["param"] as? String == "model")
        #expect((error["message"] as! String).contains("Available models: a, b"))
    }

    @Test func foreignKeyMessage_explainsSkKeysAndWhereToGetAnHSKey() {
        let message = APIError.foreignAPIKey.message
        #expect(message.contains("sk-") && message.contains("hs_") && message.contains("holysheep keys create"))
    }
}
