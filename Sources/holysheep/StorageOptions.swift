import ArgumentParser
import Foundation
import Gateway
import HolySheepCore
import Logging

/// `--config` and `--storage`, shared by every command that opens the platform's storage.
struct StorageOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (default: $HOLYSHEEP_CONFIG, else built-in defaults).")
    var config: String?

    @Option(name: .long, help: "Storage URL: sqlite:PATH or postgres://user:pass@host:5432/db (overrides the configuration).")
    var storage: String?

    /// The configuration from the file (if any) with command-line overrides applied.
    func loadConfiguration() throws -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        if let path = config ?? ProcessInfo.processInfo.environment["HOLYSHEEP_CONFIG"] {
            configuration = try GatewayConfiguration.load(path: path)
        }
        if let storage {
            guard StorageURL(storage) != nil else {
                throw ValidationError("--storage must be sqlite:PATH or postgres://user:pass@host:5432/db, got \(storage)")
            }
            configuration.storage.url = storage
        }
        return configuration
    }

    /// Opens the storage, runs `body` with it, and closes it however `body` ends.
    func withStore<R>(_ configuration: GatewayConfiguration, logger: Logger, _ body: (SQLStore) async throws -> R) async throws -> R {
        guard let url = StorageURL(configuration.storage.url) else { throw ValidationError("invalid storage URL \(configuration.storage.url)") }
        let store = try await SQLStore.open(url, logger: logger)
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

enum CommandLogging {
    /// Logs go to standard error; the level comes from $HOLYSHEEP_LOG_LEVEL (default info).
    static func bootstrap(defaultLevel: Logger.Level = .info) -> Logger {
        let level = ProcessInfo.processInfo.environment["HOLYSHEEP_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, level: level) }
        return Logger(label: "holysheep")
    }
}

extension ConfigurationError: LocalizedError {
    public var errorDescription: String? { "configuration error: \(description)" }
}

extension StorageError: LocalizedError {
    public var errorDescription: String? { "storage error: \(description)" }
}
