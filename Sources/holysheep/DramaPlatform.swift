import ArgumentParser
import Foundation
import Gateway
import HolySheepCore
import HolySheepKit
import Logging

/// How a `drama` command reaches the platform: the one named by `HOLYSHEEP_BASE_URL` / `HOLYSHEEP_API_KEY`, or, with
/// `--embedded`, one started in this process on a free loopback port with the embedded default configuration (its
/// SQLite file in the episode folder) and a sandbox key (kept in `embedded-key.txt` there, reused on resume) (video on the previz renderer, never charged), stopped when
/// the command ends or is interrupted.
struct DramaPlatform: ParsableArguments {
    @Flag(help: "Start the platform in this process (embedded default, SQLite in the episode folder, a sandbox key) instead of using HOLYSHEEP_BASE_URL/HOLYSHEEP_API_KEY.")
    var embedded = false

    /// Runs `body` with a client. With `--embedded` the platform runs beside `body`; SIGINT/SIGTERM stop it and
    /// cancel `body` (whose state is saved as it goes, so a later run resumes).
    func withClient<R: Sendable>(folder: URL, logger: Logger, _ body: @escaping @Sendable (HolySheepClient) async throws -> R) async throws -> R {
        guard embedded else {
            return try await body(try HolySheepClient(environment: ProcessInfo.processInfo.environment))
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = GatewayConfiguration()
        configuration.storage.url = "sqlite:" + folder.appendingPathComponent("holysheep.db").path
        configuration.artifacts.path = folder.appendingPathComponent("artifacts").path
        configuration.server.host = "127.0.0.1"
        configuration.server.port = 0
        // The in-process platform logs only what is critical (unless HOLYSHEEP_LOG_LEVEL asks for more): its
        // shutdown by cancellation at the end of the command is expected, and errors reach the command as answers.
        var gatewayLogger = Logger(label: "holysheep.embedded")
        if ProcessInfo.processInfo.environment["HOLYSHEEP_LOG_LEVEL"] == nil { gatewayLogger.logLevel = .critical }
        let gateway = try await GatewayServer.open(configuration: configuration, logger: gatewayLogger)
        // One sandbox key per episode folder, kept beside its database: a resumed run polls its jobs (and repeats its
        // idempotency keys) as the same caller, which is what lets the platform answer with the jobs it already has.
        let keyFile = folder.appendingPathComponent("embedded-key.txt")
        let secret: String
        do {
            if let saved = try? String(contentsOf: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !saved.isEmpty {
                secret = saved
            } else {
                secret = try await APIKeyRepository(store: gateway.store).create(.init(label: "drama-embedded", sandbox: true)).secret.value
                try Data(secret.utf8).write(to: keyFile, options: .atomic)
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
                try await gateway.keys.refresh()
            }
        } catch {
            await gateway.store.close()
            throw error
        }
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                defer { listening.finish() }
                try await gateway.run { _, port in listening.yield(port) }
                return nil  // stopped by a signal
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                throw ValidationError("The embedded platform stopped before it listened; see the log above.")
            }
            logger.info("embedded platform listening on http://127.0.0.1:\(port)/v1 (sandbox key, previz video)")
            let client = HolySheepClient(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, apiKey: secret)
            group.addTask { try await body(client) }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let result = next { return result }
                throw DramaInterrupted()  // the platform stopped first: SIGINT/SIGTERM
            }
            throw DramaInterrupted()
        }
    }
}

/// The command was interrupted; the episode's state is saved.
struct DramaInterrupted: Error, LocalizedError {
    var errorDescription: String? {
        "interrupted. Every shot's state is saved in the episode folder: run the same command again to resume without paying twice."
    }
}
