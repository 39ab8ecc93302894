import ArgumentParser
import Foundation
import Gateway
import HolySheepCore
import Logging

struct Webhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and replay webhook deliveries (works beside a running server on the same storage).",
        subcommands: [List.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List webhook deliveries, newest first.")

        @OptionGroup var storage: StorageOptions
        @Option(help: "Only this key's deliveries (key_…).") var key: String?
        @Option(help: "Only deliveries in this state: pending, delivered or failed.") var status: String?
        @Option(help: "At most this many deliveries.") var limit = 50

        func run() async throws {
            let logger = CommandLogging.bootstrap(defaultLevel: .warning)
            let configuration = try storage.loadConfiguration()
            let state = try status.map { text throws -> WebhookDelivery.Status in
                guard let state = WebhookDelivery.Status(rawValue: text) else {
                    throw ValidationError("--status must be pending, delivered or failed, got \(text)")
                }
                return state
            }
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
            let deliveries = try await storage.withStore(configuration, logger: logger) { store in
                try await WebhookDeliveryRepository(store: store).list(keyID: key, status: state, limit: limit)
            }
            print(WebhookListing.table(deliveries), terminator: "")
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a delivery again, due now, with the same webhook-id (receivers can still drop duplicates).")

        @OptionGroup var storage: StorageOptions
        @Argument(help: "The delivery's id (msg_…), as `webhooks list` shows it.") var id: String

        func run() async throws {
            let logger = CommandLogging.bootstrap(defaultLevel: .warning)
            let configuration = try storage.loadConfiguration()
            let delivery = try await storage.withStore(configuration, logger: logger) { store in
                do {
                    return try await WebhookDeliveryRepository(store: store).replay(id: id)
                } catch let error as WebhookDeliveryRepository.ReplayError {
                    throw ValidationError(error.description)
                }
            }
            print("Queued webhook \(delivery.id) (\(delivery.eventType) to \(delivery.url)) again; attempt \(delivery.attempts + 1) is due now.")
        }
    }
}

enum WebhookListing {
    static func table(_ deliveries: [WebhookDelivery]) -> String {
        let header = ["ID", "KEY", "EVENT", "URL", "STATUS", "ATTEMPTS", "LAST", "NEXT ATTEMPT"]
        let formatter = ISO8601DateFormatter()
        let rows = deliveries.map { delivery in
            let last = [delivery.lastStatus.map(String.init), delivery.lastError.map { String($0.prefix(60)) }].compactMap { $0 }.joined(separator: " ")
            return [
                delivery.id, delivery.keyID, delivery.eventType, delivery.url, delivery.status.rawValue, String(delivery.attempts),
                last.isEmpty ? "-" : last, delivery.status == .pending ? formatter.string(from: delivery.nextAttemptAt) : "-",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n"
        }
        return ([header] + rows).map(line).joined()
    }
}
