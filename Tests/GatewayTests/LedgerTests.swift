import Foundation
import HolySheepCore
import SQLKit
import Testing
@testable import Gateway

/// The credit ledger, the same on SQLite and PostgreSQL.
@Suite struct LedgerTests {
    @Test(arguments: TestStorage.engines)
    func balance_isTheExactSumOfTheEntries(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let ledger = LedgerRepository(store: store)
        try await ledger.append(keyID: "key_a", kind: .grant, amount: Money(micros: 10_000_000, .cny), reference: "signup:key_a")
        try await ledger.append(keyID: "key_a", kind: .topup, amount: Money(exactly: Decimal(string: "99.90")!, .cny), reference: "wechat:1")
        for index in 0..<1_000 {  // a thousand calls at ¥0.000016 each
            try await ledger.append(keyID: "key_a", kind: .charge, amount: Money(micros: -16, .cny), reference: "req_\(index)")
        }
        try await ledger.append(keyID: "key_b", kind: .topup, amount: Money(micros: 5, .cny), reference: "wechat:2")
        #expect(try await ledger.balance(keyID: "key_a") == Money(micros: 109_884_000, .cny))
        #expect(try await ledger.balance(keyID: "key_a").exactString == "109.884")
        #expect(try await ledger.balance(keyID: "key_none") == .zero(.cny))
        #expect(try await ledger.entries(keyID: "key_a").count == 1_002)
    }

    @Test(arguments: TestStorage.engines)
    func theSameReference_isNeverBookedTwice(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let ledger = LedgerRepository(store: store)
        let first = try await ledger.append(keyID: "key_a", kind: .topup, amount: Money(micros: 1_000_000, .cny), reference: "alipay:7")
        let again = try await ledger.append(keyID: "key_a", kind: .topup, amount: Money(micros: 1_000_000, .cny), reference: "alipay:7")
        #expect(first != nil && again == nil)
        // The same request id may be both a charge and a refund, but each once.
        #expect(try await ledger.append(keyID: "key_a", kind: .charge, amount: Money(micros: -3, .cny), reference: "req_1") != nil)
        #expect(try await ledger.append(keyID: "key_a", kind: .refund, amount: Money(micros: 3, .cny), reference: "req_1") != nil)
        #expect(try await ledger.append(keyID: "key_a", kind: .charge, amount: Money(micros: -3, .cny), reference: "req_1") == nil)
        #expect(try await ledger.balance(keyID: "key_a") == Money(micros: 1_000_000, .cny))
    }

    @Test(arguments: TestStorage.engines)
    func concurrentBookings_fromTwoConnectionPools_allLand(engine: SQLStore.Engine) async throws {
        let url = try await TestStorage.freshURL(engine)
        let stores = [try await SQLStore.open(url, logger: TestStorage.logger), try await SQLStore.open(url, logger: TestStorage.logger)]
        defer { Task { for store in stores { await store.close() } } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await LedgerRepository(store: stores[index % 2])
                        .append(keyID: "key_c", kind: .topup, amount: Money(micros: 250_000, .cny), reference: "bank:\(index)")
                }
            }
            try await group.waitForAll()
        }
        #expect(try await LedgerRepository(store: stores[0]).balance(keyID: "key_c") == Money(micros: 10_000_000, .cny))
    }
}
