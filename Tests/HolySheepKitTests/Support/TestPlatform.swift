import Foundation
import Gateway
import HolySheepCore
import HolySheepKit
import Hummingbird
import HummingbirdTesting
import Logging

/// A real gateway, in process on a loopback port, in front of a ``FakeUpstream``, on a fresh SQLite file.
struct TestPlatform {
    static let logger = makeLogger(.warning)
    /// The gateway is stopped by cancellation, which its server logs as errors: only critical lines are kept.
    static let gatewayLogger = makeLogger(.critical)

    static func makeLogger(_ level: Logger.Level) -> Logger {
        var logger = Logger(label: "holysheep.kit-tests")
        logger.logLevel = level
        return logger
    }

    let gateway: GatewayServer
    let upstream: FakeUpstream
    let baseURL: URL

    /// Creates a key and makes the gateway load it.
    func createKey(rpm: Int? = nil, sandbox: Bool = false) async throws -> String {
        let (record, secret) = try await APIKeyRepository(store: gateway.store).create(.init(label: "kit-test", sandbox: sandbox, rpm: rpm))
        try await LedgerRepository(store: gateway.store).append(keyID: record.id, kind: .grant, amount: Money(micros: 10_000_000, .cny), reference: "test:\(record.id)")
        try await gateway.keys.refresh()
        return secret.value
    }

    func client(key: String, retry: RetryOptions = .init(baseDelay: .milliseconds(10))) -> HolySheepClient {
        HolySheepClient(baseURL: baseURL, apiKey: key, retry: retry)
    }

    /// Runs `body` against a platform started for it, and stops the platform afterwards.
    static func run(_ body: @Sendable (TestPlatform) async throws -> Void) async throws {
        let upstream = FakeUpstream()
        try await upstream.application().test(.live) { upstreamClient in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hs-kit-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var configuration = try GatewayConfiguration.parse(yaml: """
                routing: { retries: 0 }
                providers:
                  - { name: fake, kind: openai, base_url: "http://127.0.0.1:\(upstreamClient.port!)/v1", api_key_env: FAKE_UPSTREAM_KEY }
                  - { name: local, kind: previz }
                models:
                  - { name: gpt-4.1, kind: chat, price: { input_per_mtok: 8, output_per_mtok: 8 }, deployments: [ { provider: fake, model: gpt-4.1-fake } ] }
                  - { name: video-gen-2.1, kind: video, price: { per_second: 0.05 }, deployments: [ { provider: local } ] }
                """)
            configuration.artifacts.path = folder.appendingPathComponent("artifacts").path
            configuration.server.port = 0
            configuration.storage.url = "sqlite:" + folder.appendingPathComponent("holysheep.db").path
            let gateway = try await GatewayServer.open(configuration: configuration, logger: gatewayLogger)
            let (ports, listening) = AsyncStream.makeStream(of: Int.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await gateway.run(environment: ["FAKE_UPSTREAM_KEY": "sk-upstream"]) { _, port in listening.yield(port) }
                }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else { return }
                try await body(TestPlatform(gateway: gateway, upstream: upstream, baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!))
                group.cancelAll()
            }
        }
    }
}
