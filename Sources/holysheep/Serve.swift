import ArgumentParser
import Foundation
import Gateway
import HolySheepCore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the platform. Without a configuration: SQLite file holysheep.db here, listening on 127.0.0.1:8080.")

    @OptionGroup var storage: StorageOptions

    @Option(help: "Address to listen on (overrides server.host).")
    var host: String?

    @Option(help: "Port to listen on (overrides server.port; 0 picks a free port).")
    var port: Int?

    func run() async throws {
        let logger = CommandLogging.bootstrap()
        // One thread per request instead of four hops between the event loops and the cooperative pool; opt out with
        // HOLYSHEEP_EXECUTOR=cooperative (to compare, or if a plug-in ever blocks its thread).
        if ProcessInfo.processInfo.environment["HOLYSHEEP_EXECUTOR"] != "cooperative" {
            let installed = EventLoopExecutor.install()
            logger.debug("event loops run Swift concurrency", metadata: ["installed": "\(installed)"])
        }
        var configuration = try storage.loadConfiguration()
        if let host { configuration.server.host = host }
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
            configuration.server.port = port
        }
        let gateway = try await GatewayServer.open(configuration: configuration, logger: logger)
        logger.info(
            "storage ready",
            metadata: ["storage": "\(StorageURL(configuration.storage.url)?.redacted ?? "?")", "keys": "\(gateway.keys.count)", "models": "\(configuration.models.count)"])
        try await gateway.run { host, port in
            logger.info("HolySheep listening on http://\(host):\(port)/v1")
        }
        logger.info("stopped")
    }
}
