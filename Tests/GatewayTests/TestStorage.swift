import Foundation
import Gateway
import HolySheepCore
import Logging
import SQLKit
import Testing

/// Fresh, empty storage for one test, on either engine.
///
/// SQLite: a file in a new temporary folder. PostgreSQL: a new database on the throwaway cluster that
/// `scripts/test.sh` starts (its URL in `HOLYSHEEP_TEST_POSTGRES_URL`).
enum TestStorage {
    static let engines: [SQLStore.Engine] = [.sqlite, .postgres]
    static let logger = Logger(label: "test")

    /// A storage URL nobody else uses.
    static func freshURL(_ engine: SQLStore.Engine) async throws -> StorageURL {
        let name = "hs_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        switch engine {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return .sqlite(path: folder.appendingPathComponent("holysheep.db").path)
        case .postgres:
            guard let base = ProcessInfo.processInfo.environment["HOLYSHEEP_TEST_POSTGRES_URL"], let baseURL = StorageURL(base) else {
                throw TestSetupError(
                    "HOLYSHEEP_TEST_POSTGRES_URL is not set: the storage suite runs on PostgreSQL too. Run `bash scripts/test.sh`, "
                        + "which starts a throwaway cluster, or set it to a database you can create databases from.")
            }
            let admin = try await SQLStore.open(baseURL, logger: logger)
            try await admin.database.raw("CREATE DATABASE \(unsafeRaw: name)").run()
            await admin.close()
            let prefix = base[..<base.lastIndex(of: "/")!]
            return StorageURL("\(prefix)/\(name)")!
        }
    }

    static func open(_ engine: SQLStore.Engine) async throws -> SQLStore {
        try await SQLStore.open(freshURL(engine), logger: logger)
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
