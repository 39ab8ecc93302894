import ArgumentParser
import Foundation
import Gateway
import HolySheepCore

struct Credits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Book credits (CNY) on a key's append-only ledger and read balances.",
        subcommands: [Topup.self, Balance.self, Codes.self])

    struct Topup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add credits bought by a key's owner; the payment reference (WeChat Pay, Alipay, bank) is booked once only.")

        @OptionGroup var storage: StorageOptions
        @Argument(help: "The key's id (key_…).") var keyID: String
        @Argument(help: "Amount in CNY, e.g. 500 or 99.90.") var cny: String
        @Option(help: "The payment's reference, e.g. wechat:4200001234 or alipay:2026112522001 or bank:FT2611250012.") var reference: String

        func run() async throws {
            let logger = CommandLogging.bootstrap(defaultLevel: .warning)
            let money = try Money.cny(parsing: cny, what: "the amount", example: "500 or 99.90")
            let configuration = try storage.loadConfiguration()
            try await storage.withStore(configuration, logger: logger) { store in
                guard try await APIKeyRepository(store: store).find(id: keyID) != nil else {
                    throw ValidationError("no key has the id \(keyID); `holysheep keys list` shows the ids")
                }
                let ledger = LedgerRepository(store: store)
                guard try await ledger.append(keyID: keyID, kind: .topup, amount: money, reference: reference) != nil else {
                    throw ValidationError("the reference \(reference) is already booked; a payment is credited once only")
                }
                print("Booked top-up of ¥\(money.centsString) on \(keyID) (reference \(reference)). Balance: ¥\(try await ledger.balance(keyID: keyID).exactString)")
            }
        }
    }

    struct Balance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A key's balance and ledger.")

        @OptionGroup var storage: StorageOptions
        @Argument(help: "The key's id (key_…).") var keyID: String

        func run() async throws {
            let logger = CommandLogging.bootstrap(defaultLevel: .warning)
            let configuration = try storage.loadConfiguration()
            let (entries, balance) = try await storage.withStore(configuration, logger: logger) { store in
                let ledger = LedgerRepository(store: store)
                return (try await ledger.entries(keyID: keyID), try await ledger.balance(keyID: keyID))
            }
            let formatter = ISO8601DateFormatter()
            for entry in entries {
                print("\(formatter.string(from: entry.createdAt))  \(entry.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  "
                    + "\(entry.amount.exactString.padding(toLength: 14, withPad: " ", startingAt: 0))  \(entry.reference ?? "")")
            }
            print("Balance of \(keyID): ¥\(balance.exactString)")
        }
    }
}

extension Credits {
    struct Codes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prepaid redemption codes, redeemed by a key with POST /v1/credits/redeem.", subcommands: [Create.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create codes worth CNY each; prints one code per line (they are stored only as hashes and cannot be shown again).")

            @OptionGroup var storage: StorageOptions
            @Option(help: "How many codes (1–10000).") var count: Int
            @Option(help: "What each code is worth, in CNY, e.g. 50.") var cny: String
            @Option(help: "A name for the batch (default: the creation time).") var batch: String?

            func run() async throws {
                let logger = CommandLogging.bootstrap(defaultLevel: .warning)
                guard (1...10_000).contains(count) else { throw ValidationError("--count must be from 1 to 10000, got \(count)") }
                let amount = try Money.cny(parsing: cny, what: "--cny", example: "50")
                let configuration = try storage.loadConfiguration()
                let name = batch ?? "batch-\(ISO8601DateFormatter().string(from: Date()))"
                let codes = try await storage.withStore(configuration, logger: logger) { store in
                    try await RedemptionCodeRepository(store: store).create(count: count, amount: amount, batch: name)
                }
                FileHandle.standardError.write(Data("Created \(count) code(s) worth ¥\(amount.centsString) each (batch \(name)):\n".utf8))
                print(codes.joined(separator: "\n"))
            }
        }
    }
}
