import Foundation
import HolySheepCore
import SQLKit
import Synchronization
import Testing
@testable import Gateway

/// Holds, charges and leases against real storage, on SQLite and PostgreSQL: what the request path does, with the
/// usage recorder's loop running as it does in the server.
@Suite struct CreditBookTests {
    /// One gateway instance's billing: a credit book and its recorder loop.
    final class Instance: Sendable {
        let book: CreditBook
        let recorder: UsageRecorder
        let loop: Task<Void, Never>

        init(
            store: SQLStore, slice: Int64 = 10_000_000, leaseTTL: Duration = .seconds(10), leaseWait: Duration = .seconds(30),
            onWait: @escaping @Sendable () -> Void = {}
        ) {
            // A loaded CI host can take longer than the production 2 s for a lease round (two instances on one
            // SQLite file wait on each other's locks): a test refusal must mean no credit, not a slow round.
            book = CreditBook(store: store, slice: Money(micros: slice, .cny), logger: TestStorage.logger, leaseTTL: leaseTTL, leaseWait: leaseWait,
                onWait: onWait)
            let recorder = UsageRecorder(store: store, credits: book, flushInterval: .milliseconds(20), syncInterval: .milliseconds(20), logger: TestStorage.logger)
            self.recorder = recorder
            loop = Task { try? await recorder.run() }
        }

        /// Stops the loop: a last flush, leases given back.
        func stop() async {
            loop.cancel()
            await loop.value
        }

        /// One call as ChatService makes it: hold the maximum, settle the real cost (0 when it failed), record usage.
        /// - Returns: what was charged, or nil when the hold was refused (402).
        func call(_ key: APIKeyRecord, hold: Int64, cost: Int64, requestID: String = "req_" + UUID().uuidString) async -> Int64? {
            let granted: CreditBook.Hold?
            do {
                granted = try await book.hold(Money(micros: hold, .cny), for: key, purpose: "a test call")
            } catch {
                #expect(error.status == 402)
                recorder.record(record(requestID, key: key, status: 402, cost: 0))
                return nil
            }
            await Task.yield()
            let charged = granted.map { book.settle($0, cost: cost) } ?? 0
            recorder.record(record(requestID, key: key, status: cost > 0 ? 200 : 502, cost: charged))
            return charged
        }

        private func record(_ id: String, key: APIKeyRecord, status: Int, cost: Int64) -> UsageRecord {
            UsageRecord(
                requestID: id, keyID: key.id, model: "gpt-4.1", deployment: "fake/gpt-4.1", provider: "fake", endpoint: "chat.completions",
                status: status, stream: false, usage: TokenUsage(promptTokens: 10, completionTokens: 5), latency: .milliseconds(1),
                upstreamLatency: nil, cost: Money(micros: cost, .cny))
        }
    }

    static func key(_ id: String, sandbox: Bool = false, budget: Decimal? = nil) -> APIKeyRecord {
        APIKeyRecord(
            id: id, digest: APIKeySecret.digest(of: "hs_live_\(id)"), prefix: "hs_live_", label: id, owner: nil, sandbox: sandbox, models: nil,
            rpm: nil, tpm: nil, videoConcurrency: nil, monthlyBudgetCNY: budget, expiresAt: nil, revoked: false, revokedAt: nil, createdAt: Date(),
            revision: 1)
    }

    /// The ledger's sum, its charges, and the usage table's charged total, straight from storage.
    static func totals(_ store: SQLStore, keyID: String) async throws -> (balance: Int64, charges: Int64, usage: Int64, rollup: Int64) {
        func sum(_ column: String, _ table: String, _ condition: String = "") async throws -> Int64 {
            try await store.database.raw(
                "SELECT CAST(COALESCE(SUM(\(unsafeRaw: column)), 0) AS BIGINT) AS total FROM \(unsafeRaw: table) WHERE \(unsafeRaw: condition)key_id = \(bind: keyID)"
            ).first()!.decode(column: "total", as: Int64.self)
        }
        return (
            try await sum("amount_micros", "ledger_entries"), try await sum("amount_micros", "ledger_entries", "kind = 'charge' AND "),
            try await sum("cost_micros", "usage_records"), try await sum("cost_micros", "usage_daily")
        )
    }

    @Test(arguments: TestStorage.engines)
    func callsRacingForTheLastCredits_getExactlyWhatTheBalanceCovers(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        try await LedgerRepository(store: store).append(keyID: "key_race", kind: .grant, amount: Money(micros: 1_000_000, .cny), reference: "g")
        let instance = Instance(store: store)
        let key = Self.key("key_race")
        let charged = await withTaskGroup(of: Int64?.self) { group in
            for _ in 0..<40 { group.addTask { await instance.call(key, hold: 100_000, cost: 100_000) } }
            return await group.reduce(into: [Int64?]()) { $0.append($1) }
        }
        await instance.stop()
        #expect(charged.compactMap { $0 }.count == 10)
        let totals = try await Self.totals(store, keyID: "key_race")
        #expect(totals.balance == 0)
        #expect(totals.charges == -1_000_000 && totals.usage == 1_000_000 && totals.rollup == 1_000_000)
    }

    @Test(arguments: TestStorage.engines)
    func twoInstancesOnOneStorage_neverSpendTheSameCreditTwice(engine: SQLStore.Engine) async throws {
        let url = try await TestStorage.freshURL(engine)
        let stores = [try await SQLStore.open(url, logger: TestStorage.logger), try await SQLStore.open(url, logger: TestStorage.logger)]
        defer { Task { for store in stores { await store.close() } } }
        try await LedgerRepository(store: stores[0]).append(keyID: "key_two", kind: .grant, amount: Money(micros: 1_000_000, .cny), reference: "g")
        // Small slices, so the two instances really share the balance.
        let instances = stores.map { Instance(store: $0, slice: 200_000) }
        let key = Self.key("key_two")
        let charged = await withTaskGroup(of: Int64?.self) { group in
            for index in 0..<60 { group.addTask { await instances[index % 2].call(key, hold: 100_000, cost: 100_000) } }
            return await group.reduce(into: [Int64?]()) { $0.append($1) }
        }
        for instance in instances { await instance.stop() }
        let spent = charged.compactMap { $0 }.reduce(0, +)
        #expect(spent <= 1_000_000)
        let totals = try await Self.totals(stores[0], keyID: "key_two")
        #expect(totals.balance == 1_000_000 - spent && totals.balance >= 0)
        #expect(totals.usage == spent && totals.charges == -spent)
        let leases = try await stores[0].database.raw("SELECT COUNT(*) AS n FROM credit_leases WHERE amount_micros <> 0").first()!.decode(column: "n", as: Int.self)
        #expect(leases == 0)  // both gave their leases back at shutdown
    }

    @Test(arguments: TestStorage.engines)
    func aDeadInstancesLease_stopsCountingAfterItsTTL(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        try await LedgerRepository(store: store).append(keyID: "key_dead", kind: .grant, amount: Money(micros: 1_000_000, .cny), reference: "g")
        let key = Self.key("key_dead")
        // The first instance leases the whole balance, then "dies": no flush, no goodbye.
        let dead = CreditBook(store: store, slice: Money(micros: 10_000_000, .cny), logger: TestStorage.logger, leaseTTL: .seconds(3))
        // Lease rounds until the hold is answered (a round answers only holds that waited before it started).
        let firstRound = ContinuousClock.now  // every lease the dead instance takes runs to at least this + TTL
        let rounds = Task {
            while !Task.isCancelled {
                await dead.sync()
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        let deadHold = try? await dead.hold(Money(micros: 1, .cny), for: key, purpose: "x")
        rounds.cancel()
        await rounds.value
        #expect(deadHold != nil)
        let survivor = Instance(store: store, leaseTTL: .seconds(3))
        #expect(await survivor.call(key, hold: 500_000, cost: 1) == nil)  // all leased by the dead instance
        // Asked again until the credit frees: never before the TTL, and soon after it (the bound is loose for a
        // loaded CI host, where a lease round can start well before the call it answers).
        var charged: Int64?
        while charged == nil, ContinuousClock.now - firstRound < .seconds(15) {
            try await Task.sleep(for: .milliseconds(250))
            charged = await survivor.call(key, hold: 500_000, cost: 1)
            if charged != nil { #expect(ContinuousClock.now - firstRound >= .seconds(3)) }
        }
        #expect(charged == 1)
        await survivor.stop()
    }

    /// The server makes its bookkeeping threads fair then (they renew the lease): BookkeepingScheduling.insist().
    @Test func aCallWaitingForItsKeysLease_tellsWhoeverSchedulesTheSync_onceTheLeaseIsHeldNoMore() async throws {
        let store = try await TestStorage.open(.sqlite)
        defer { Task { await store.close() } }
        try await LedgerRepository(store: store).append(keyID: "key_wait", kind: .grant, amount: Money(micros: 1_000_000, .cny), reference: "g")
        let waits = Atomic<Int>(0)
        let instance = Instance(store: store, onWait: { waits.add(1, ordering: .relaxed) })
        let key = Self.key("key_wait")
        #expect(await instance.call(key, hold: 1_000, cost: 1_000) == 1_000)
        #expect(waits.load(ordering: .relaxed) == 1)  // the key's first call on this instance waited for its lease
        #expect(await instance.call(key, hold: 1_000, cost: 1_000) == 1_000)
        #expect(waits.load(ordering: .relaxed) == 1)  // the lease covers the next one
        await instance.stop()
    }

    @Test(arguments: TestStorage.engines)
    func sandboxKeys_areNeverHeldNorCharged(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let instance = Instance(store: store)
        #expect(await instance.call(Self.key("key_sandbox", sandbox: true), hold: 1_000_000_000, cost: 5) == 0)
        await instance.stop()
        let totals = try await Self.totals(store, keyID: "key_sandbox")
        #expect(totals.balance == 0 && totals.usage == 0)
    }

    @Test(arguments: TestStorage.engines)
    func aMonthlyBudget_refusesTheCallThatWouldExceedIt(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        try await LedgerRepository(store: store).append(keyID: "key_budget", kind: .grant, amount: Money(micros: 100_000_000, .cny), reference: "g")
        let instance = Instance(store: store)
        let key = Self.key("key_budget", budget: 1)  // ¥1 a month
        #expect(await instance.call(key, hold: 600_000, cost: 600_000) == 600_000)
        do {
            _ = try await instance.book.hold(Money(micros: 500_000, .cny), for: key, purpose: "a call")
            Issue.record("a hold over the monthly budget was granted")
        } catch {
            #expect(error.code == "monthly_budget_exceeded")
            #expect(error.message.contains("¥1") && error.message.contains("¥0.6"))
        }
        await instance.stop()
    }

    @Test(arguments: TestStorage.engines)
    func firstCallsOfManyKeysArrivingDuringARenewal_allGetTheirLease(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let ledger = LedgerRepository(store: store)
        let keys = (0..<40).map { Self.key("key_many_\($0)") }
        for key in keys { try await ledger.append(keyID: key.id, kind: .grant, amount: Money(micros: 1_000_000, .cny), reference: "g:\(key.id)") }
        let instance = Instance(store: store)
        let charged = await withTaskGroup(of: Int64?.self) { group in
            for (index, key) in keys.enumerated() {
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(index * 7))  // spread over several sync rounds
                    return await instance.call(key, hold: 10_000, cost: 10_000)
                }
            }
            return await group.reduce(into: [Int64?]()) { $0.append($1) }
        }
        await instance.stop()
        #expect(charged.allSatisfy { $0 == 10_000 })
    }

    @Test func storageDown_whenAKeyWasNeverLeased_is503NotA402() async throws {
        let store = try await TestStorage.open(.sqlite)
        try await LedgerRepository(store: store).append(keyID: "key_down", kind: .grant, amount: Money(micros: 1_000_000, .cny), reference: "g")
        let instance = Instance(store: store, leaseWait: .seconds(2))
        await store.close()  // storage gone before the key's first call
        do {
            _ = try await instance.book.hold(Money(micros: 1, .cny), for: Self.key("key_down"), purpose: "a call")
            Issue.record("a hold was granted without any lease")
        } catch {
            #expect(error.status == 503 && error.code == "credit_check_unavailable")
        }
        await instance.stop()
    }

    /// Random calls, failures, cut streams and top-ups, several at once: afterwards the ledger, the usage table and
    /// the rollups agree to the micro-yuan, no call is charged twice or more than its hold, and the balance is never
    /// below zero.
    @Test(arguments: TestStorage.engines)
    func randomTraffic_leavesLedgerUsageAndRollupsInExactAgreement(engine: SQLStore.Engine) async throws {
        let store = try await TestStorage.open(engine)
        defer { Task { await store.close() } }
        let ledger = LedgerRepository(store: store)
        try await ledger.append(keyID: "key_rand", kind: .grant, amount: Money(micros: 3_000_000, .cny), reference: "g")
        let instance = Instance(store: store, slice: 500_000)
        let key = Self.key("key_rand")
        var generator = SeededGenerator(seed: 0x5EED)
        var plan: [(hold: Int64, cost: Int64)] = []
        for _ in 0..<300 {
            let hold = Int64.random(in: 1...80_000, using: &generator)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<6: plan.append((hold, Int64.random(in: 1...hold, using: &generator)))  // success
            case 6..<8: plan.append((hold, 0))  // upstream failure: costs nothing
            case 8: plan.append((hold, hold + 5_000))  // used more than the hold: charged the hold only
            default: plan.append((hold, Int64.random(in: 0...hold / 2, using: &generator)))  // stream cut by the client
            }
        }
        var toppedUp: Int64 = 3_000_000
        var charged: Int64 = 0
        for batch in stride(from: 0, to: plan.count, by: 30) {
            let results = await withTaskGroup(of: (Int64?, Int64).self) { group in
                for entry in plan[batch..<min(batch + 30, plan.count)] {
                    group.addTask { (await instance.call(key, hold: entry.hold, cost: entry.cost), min(entry.cost, entry.hold)) }
                }
                return await group.reduce(into: [(Int64?, Int64)]()) { $0.append($1) }
            }
            for (result, expected) in results {
                if let result { #expect(result == expected) }
                charged += result ?? 0
            }
            if batch % 90 == 0 {
                try await ledger.append(keyID: "key_rand", kind: .topup, amount: Money(micros: 250_000, .cny), reference: "wechat:\(batch)")
                toppedUp += 250_000
            }
        }
        await instance.stop()
        let totals = try await Self.totals(store, keyID: "key_rand")
        #expect(totals.usage == charged && totals.charges == -charged && totals.rollup == charged)
        #expect(totals.balance == toppedUp - charged && totals.balance >= 0)
        let duplicates = try await store.database.raw(
            "SELECT COUNT(*) AS n FROM (SELECT reference FROM ledger_entries WHERE kind = 'charge' GROUP BY reference HAVING COUNT(*) > 1) AS d"
        ).first()!.decode(column: "n", as: Int.self)
        #expect(duplicates == 0)
        let account = try #require(try await CreditAccountStore(store: store).account(keyID: "key_rand"))
        #expect(account.balance == totals.balance)
    }
}

/// A deterministic generator (SplitMix64), so a failing random sequence can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
