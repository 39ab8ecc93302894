import ArgumentParser
import Foundation
import Gateway
import HolySheepCore
import Logging

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys (works beside a running server on the same storage).",
        subcommands: [Create.self, List.self, Revoke.self, WebhookSecretCommand.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key. The key is printed once, alone on the last line.")

        @OptionGroup var storage: StorageOptions
        @Option(help: "A name for the key (who or what uses it).") var label: String
        @Flag(help: "A sandbox key (hs_test_…): never charged, video goes to the local previz renderer.") var sandbox = false
        @Option(help: "Requests per minute allowed (default: limits.default_rpm).") var rpm: Int?
        @Option(help: "Tokens per minute allowed, prompt and completion (default: limits.default_tpm).") var tpm: Int?
        @Option(help: "Comma-separated models the key may use (default: all).") var models: String?
        @Option(help: "Owner of the key (a person or team).") var owner: String?
        @Option(help: "Credits (CNY) to book on the new key at once, on top of the sign-up grant.") var credits: String?
        @Option(help: "Most the key may spend per calendar month (UTC), in CNY.") var monthlyBudget: String?
        @Option(help: "When the key stops working: a date (2026-12-31, UTC midnight) or an ISO 8601 time.") var expires: String?
        @Option(help: "Video jobs the key may have running at once (default: unlimited); more are queued.") var videoConcurrency: Int?

        func run() async throws {
            let logger = CommandLogging.bootstrap(defaultLevel: .warning)
            let configuration = try storage.loadConfiguration()
            if let rpm, rpm < 1 { throw ValidationError("--rpm must be at least 1") }
            if let tpm, tpm < 1 { throw ValidationError("--tpm must be at least 1") }
            let modelList = models.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            if let modelList {
                let known = Set(configuration.models.map(\.name))
                let unknown = modelList.filter { !known.contains($0) }
                guard unknown.isEmpty else {
                    throw ValidationError("unknown model(s) \(unknown.joined(separator: ", ")); the models are \(configuration.models.map(\.name).joined(separator: ", "))")
                }
            }
            if let videoConcurrency, videoConcurrency < 1 { throw ValidationError("--video-concurrency must be at least 1") }
            let budget = try monthlyBudget.map { try Money.cny(parsing: $0, what: "--monthly-budget", example: "300").decimal }
            let expiry = try expires.map { text throws -> Date in
                guard let date = ISO8601DateFormatter().date(from: text) ?? Date.utcDay(text) else {
                    throw ValidationError("--expires must be a date such as 2026-12-31 or a time such as 2026-12-31T18:00:00Z, got \(text)")
                }
                return date
            }
            if let expiry, expiry <= Date() { throw ValidationError("--expires is in the past: \(expires ?? "")") }
            let initialCredits = try credits.map { try Money.cny(parsing: $0, what: "--credits", example: "100") }
            try await storage.withStore(configuration, logger: logger) { store in
                let (record, secret) = try await APIKeyRepository(store: store).create(
                    .init(
                        label: label, owner: owner, sandbox: sandbox, models: modelList, rpm: rpm, tpm: tpm, expiresAt: expiry, monthlyBudgetCNY: budget,
                        videoConcurrency: videoConcurrency))
                let ledger = LedgerRepository(store: store)
                let grant = Money(exactly: configuration.billing.signupGrantCNY, .cny)
                if grant.micros > 0 {
                    try await ledger.append(keyID: record.id, kind: .grant, amount: grant, reference: "signup:\(record.id)")
                }
                if let initialCredits {
                    try await ledger.append(keyID: record.id, kind: .topup, amount: initialCredits, reference: "initial:\(record.id)")
                }
                print("Created key \(record.id) (label \"\(record.label)\", \(record.sandbox ? "sandbox" : "live"), rpm \(record.rpm ?? configuration.limits.defaultRPM), tpm \(record.tpm ?? configuration.limits.defaultTPM), models: \(record.models?.joined(separator: ",") ?? "all"))")
                print("Credits: ¥\(try await ledger.balance(keyID: record.id).centsString) (sign-up grant ¥\(grant.centsString)\(initialCredits.map { " + ¥\($0.centsString)" } ?? "")).")
                let webhookSecret = try await WebhookSecretRepository(store: store).secret(keyID: record.id)
                print("Webhook secret: \(webhookSecret.value)")
                print("Store this key now: it is kept only as a hash and cannot be shown again.")
                print(secret.value)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

        @OptionGroup var storage: StorageOptions
        @Option(help: "table or json.") var format: Format = .table

        func run() async throws {
            let logger = CommandLogging.bootstrap(defaultLevel: .warning)
            let configuration = try storage.loadConfiguration()
            let keys = try await storage.withStore(configuration, logger: logger) { store in try await APIKeyRepository(store: store).list() }
            switch format {
            case .json: print(KeyListing.json(keys))
            case .table: print(KeyListing.table(keys, defaultRPM: configuration.limits.defaultRPM), terminator: "")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key; running servers refuse it within a second.")

        @OptionGroup var storage: StorageOptions
        @Argument(help: "The key's id (key_…), as `keys list` shows it.") var id: String

        func run() async throws {
            let logger = CommandLogging.bootstrap(defaultLevel: .warning)
            let configuration = try storage.loadConfiguration()
            let record = try await storage.withStore(configuration, logger: logger) { store in try await APIKeyRepository(store: store).revoke(id: id) }
            guard let record else { throw ValidationError("no key has the id \(id); `holysheep keys list` shows the ids") }
            print("Revoked key \(record.id) (label \"\(record.label)\").")
        }
    }
}

struct WebhookSecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook-secret",
        abstract: "Show a key's webhook signing secret (whsec_…), creating it if needed; --rotate replaces it.")

    @OptionGroup var storage: StorageOptions
    @Argument(help: "The key's id (key_…), as `keys list` shows it.") var id: String
    @Flag(help: "Replace the secret: deliveries signed from now on use the new one.") var rotate = false

    func run() async throws {
        let logger = CommandLogging.bootstrap(defaultLevel: .warning)
        let configuration = try storage.loadConfiguration()
        let secret = try await storage.withStore(configuration, logger: logger) { store -> WebhookSecret in
            guard try await APIKeyRepository(store: store).find(id: id) != nil else {
                throw ValidationError("no key has the id \(id); `holysheep keys list` shows the ids")
            }
            let secrets = WebhookSecretRepository(store: store)
            return try await rotate ? secrets.rotate(keyID: id) : secrets.secret(keyID: id)
        }
        print(secret.value)
    }
}

enum KeyListing {
    static func json(_ keys: [APIKeyRecord]) -> String {
        let formatter = ISO8601DateFormatter()
        let entries = keys.map { key in
            "{\"id\":\(key.id.jsonQuoted),\"label\":\(key.label.jsonQuoted),\"prefix\":\(key.prefix.jsonQuoted),"
                + "\"owner\":\(key.owner?.jsonQuoted ?? "null"),\"sandbox\":\(key.sandbox),\"revoked\":\(key.revoked),"
                + "\"models\":\(key.models.map { "[" + $0.map(\.jsonQuoted).joined(separator: ",") + "]" } ?? "null"),"
                + "\"rpm\":\(key.rpm.map(String.init) ?? "null"),\"created_at\":\(formatter.string(from: key.createdAt).jsonQuoted)}"
        }
        return "[" + entries.joined(separator: ",") + "]"
    }

    static func table(_ keys: [APIKeyRecord], defaultRPM: Int) -> String {
        let header = ["ID", "LABEL", "KEY", "KIND", "STATE", "RPM", "MODELS", "CREATED"]
        let formatter = ISO8601DateFormatter()
        let rows = keys.map { key in
            [
                key.id, key.label, key.prefix + "…", key.sandbox ? "sandbox" : "live", key.revoked ? "revoked" : "active",
                String(key.rpm ?? defaultRPM), key.models?.joined(separator: ",") ?? "all", formatter.string(from: key.createdAt),
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n"
        }
        return ([header] + rows).map(line).joined()
    }
}
