import Foundation
import HolySheepCore
import Logging
import SQLKit
import Synchronization

/// Keys' credit in memory: the request path pre-authorises (holds), settles and releases here without touching
/// storage; ``sync()`` (run by the ``UsageRecorder`` loop, right after each flush) brings in storage's view and
/// renews this instance's leases.
///
/// **Leases.** Each instance leases a slice of a key's balance in `credit_leases` and promises only what its lease
/// covers; renewing locks the account and never leases what other live instances hold, so instances sharing one
/// PostgreSQL cannot spend the same credit twice. A settled charge stays in the lease until the flush writes it
/// (usage row, ledger charge, account and lease in one transaction). A lease is sized to what is promised plus
/// ``slice`` or ten rounds' worth of recent spend, and given back after a minute idle or at shutdown; a killed
/// instance's lease stops counting after `leaseTTL`.
///
/// **Bounds.** A key's balance never goes below zero by more than the holds in flight (a call is charged at most
/// its hold). A `kill -9` loses the charges settled and not yet flushed — at most one flush interval of calls —
/// together with their usage rows (so the ledger and the usage table always agree): the loss is revenue, never a
/// double charge. A hold that does not fit the lease waits for one renewal (one storage round trip, bounded by
/// ``leaseWait``): that happens for a key's first call on an instance and when spend outruns the slice.
public final class CreditBook: Sendable {
    /// An instance's heartbeat must be this recent for its leases to count (default 10 s).
    let leaseTTL: Duration
    /// The longest a call waits for a lease before it is refused with a 503 (default 2 s).
    let leaseWait: Duration
    /// How often the usage recorder runs a sync round (sooner when a call waits for a lease).
    public static let roundInterval: Duration = .milliseconds(200)
    /// Sync rounds without a hold after which a key's lease is given back (300 × 200 ms = 1 min).
    static let idleRoundsBeforeRelease = 300

    /// A pre-authorised amount for one call in flight.
    public struct Hold: Sendable {
        public let keyID: String
        public let amount: Int64
    }

    let instanceID: String
    private let slice: Int64
    private let accounts: AccountTable
    private let waiters = Mutex<[Waiter]>([])
    private let currentMonth = Mutex<String>(CreditAccountStore.month(of: Date()))
    private let lastRevision = Atomic<Int64>(0)
    let doorbell = Doorbell()
    private let storage: CreditAccountStore
    private let logger: Logger
    /// Called when a call starts waiting for a lease: whoever schedules the sync should not let it wait behind others.
    private let onWait: @Sendable () -> Void

    private struct Waiter {
        let id: UUID
        let keyID: String
        let amount: Int64
        let continuation: CheckedContinuation<Void, Never>
    }

    public init(
        store: SQLStore, slice: Money, logger: Logger, leaseTTL: Duration = .seconds(10), leaseWait: Duration = .seconds(2),
        instanceID: String = "inst_" + UUID().uuidString.prefix(13).lowercased(), onWait: @escaping @Sendable () -> Void = {}
    ) {
        self.onWait = onWait
        self.instanceID = instanceID
        self.leaseTTL = leaseTTL
        self.leaseWait = leaseWait
        self.slice = slice.micros
        accounts = AccountTable()
        storage = CreditAccountStore(store: store)
        self.logger = logger
    }

    // MARK: - Request path

    /// Pre-authorises `amount` for a call by `key`. Sandbox keys are never charged: nil.
    /// - Throws: 402 `insufficient_credits` or `monthly_budget_exceeded`, with the balance, the estimate and what to do.
    func hold(_ amount: Money, for key: APIKeyRecord, purpose: @autoclosure () -> String) async throws(APIError) -> Hold? {
        guard !key.sandbox else { return nil }
        let budget = key.monthlyBudgetCNY.map { Money(exactly: $0, .cny).micros }
        let month = currentMonth.withLock { $0 }
        var decision = accounts.update(key.id) { $0.hold(amount.micros, budget: budget, month: month) }
        if decision == .needsLease {
            await waitForLease(keyID: key.id, amount: amount.micros)
            decision = accounts.update(key.id) { $0.hold(amount.micros, budget: budget, month: month) }
        }
        switch decision {
        case .granted:
            return Hold(keyID: key.id, amount: amount.micros)
        case .overBudget:
            let account = accounts.read(key.id)
            let spent = Money(micros: (account.month == month ? account.monthSpent : 0) + account.pending + account.holds, .cny)
            throw APIError.monthlyBudgetExceeded(keyID: key.id, budget: Money(micros: budget ?? 0, .cny), spent: spent, estimate: amount, purpose: purpose())
        case .needsLease where !accounts.read(key.id).leased:
            throw APIError(
                status: 503, type: "service_unavailable", code: "credit_check_unavailable",
                message: "The key's credit could not be checked because storage did not answer in time; nothing was charged. Retry in a few seconds.",
                headers: [("Retry-After", "2")])
        case .insufficient, .needsLease:
            let account = accounts.read(key.id)
            throw APIError.insufficientCredits(
                keyID: key.id, balance: Money(micros: account.available, .cny), held: Money(micros: account.holds, .cny), estimate: amount,
                purpose: purpose())
        }
    }

    /// Ends a call: its real cost, capped at the hold, becomes a charge to be written with the usage record.
    /// - Returns: the amount charged (0 for a failed call).
    func settle(_ hold: Hold, cost: Int64) -> Int64 {
        accounts.update(hold.keyID) { $0.settle(hold: hold.amount, cost: cost) }
    }

    /// For calls that outlive a process (video jobs): books an in-memory hold as a `hold` ledger entry inside the
    /// caller's transaction (with the job row), taking it out of this instance's lease there too. After the commit,
    /// call ``holdWritten(_:)``. The job's end books a `release` of the same amount and its real charge.
    func writeHold(_ hold: Hold, reference: String, on database: any SQLDatabase) async throws {
        let entry = LedgerEntry(
            id: LedgerEntry.newID(), keyID: hold.keyID, kind: .hold, amount: Money(micros: -hold.amount, .cny), reference: reference,
            createdAt: Date())
        guard try await LedgerRepository.append(entry, on: database) else { return }
        try await CreditAccountStore.spendLease(database, instanceID: instanceID, keyID: hold.keyID, amount: hold.amount)
    }

    /// The hold's ledger entry is committed: it now lives in storage's balance, not in memory. (Should a sync read
    /// the new balance first, the next lease renewal, within one round, corrects the double subtraction; it only
    /// ever errs on the safe side.)
    func holdWritten(_ hold: Hold) {
        accounts.update(hold.keyID) { account in
            account.holds -= hold.amount
            account.balance -= hold.amount
            account.lease -= hold.amount
        }
    }

    /// The key's balance as the caller should see it (storage's less unflushed charges), and its holds in flight.
    /// Nil when this instance has not loaded the key.
    func view(keyID: String) -> (balance: Money, held: Money)? {
        let account = accounts.read(keyID)
        guard account.leased else { return nil }
        return (Money(micros: account.available, .cny), Money(micros: account.holds, .cny))
    }

    // MARK: - Sync loop

    /// Called after a flush committed `charges`.
    func flushed(_ charges: [UsageBatchWriter.Charged]) {
        for charge in charges {
            accounts.updateIfPresent(charge.keyID) { $0.flushed(charge.amount, month: charge.month) }
        }
    }

    /// Settled charges whose usage records storage refused (never written): they leave the pending amounts.
    func dropped(_ charges: [(keyID: String, amount: Int64)]) {
        for charge in charges {
            accounts.updateIfPresent(charge.keyID) { $0.pending -= charge.amount }
        }
    }

    /// Brings in accounts changed by others (top-ups, other instances' charges) and renews leases of keys in use,
    /// of keys calls are waiting for, and gives back idle keys' leases. Never runs concurrently with a flush.
    func sync(now: Date = Date()) async {
        currentMonth.withLock { $0 = CreditAccountStore.month(of: now) }
        do {
            let changed = try await storage.changes(after: lastRevision.load(ordering: .relaxed))
            for account in changed {
                accounts.updateIfPresent(account.keyID) { $0.refreshed(account) }
            }
            if let last = changed.last { lastRevision.store(last.revision, ordering: .relaxed) }
        } catch {
            logger.warning("could not read credit accounts; balances may lag", metadata: ["error": "\(String(reflecting: error))"])
        }
        // Only the calls waiting now are answered by this round; one that arrives during the renewal waits for
        // the next round (its key may not be in this one).
        let (waiting, waiterIDs) = waiters.withLock { waiters in
            (Dictionary(waiters.map { ($0.keyID, $0.amount) }, uniquingKeysWith: +), Set(waiters.map(\.id)))
        }
        let targets = accounts.leaseTargets(slice: slice, waiting: waiting, idleRounds: Self.idleRoundsBeforeRelease)
        if !targets.isEmpty {
            do {
                let leases = try await storage.renew(instanceID: instanceID, targets: targets, ttl: leaseTTL, now: now)
                for (keyID, lease) in leases {
                    accounts.updateIfPresent(keyID) { $0.renewed(lease) }
                }
            } catch {
                // Calls waiting for a lease keep waiting: the next round (or their own time limit) decides.
                logger.warning("could not renew credit leases; retrying next round", metadata: ["error": "\(String(reflecting: error))"])
                return
            }
        }
        resumeWaiters { waiterIDs.contains($0.id) }
        if isAwaitingLease { doorbell.ring() }
    }

    /// A call is waiting for a lease: the next round should not wait for its time.
    var isAwaitingLease: Bool { waiters.withLock { !$0.isEmpty } }

    /// Gives every lease back (shutdown, after the last flush) and wakes any call still waiting.
    func close() async {
        resumeWaiters { _ in true }
        try? await storage.releaseAll(instanceID: instanceID)
    }

    /// Wakes (and forgets) the waiting calls that `selected` picks; each then tries its hold again.
    private func resumeWaiters(_ selected: (Waiter) -> Bool) {
        let served = waiters.withLock { waiters in
            defer { waiters.removeAll(where: selected) }
            return waiters.filter(selected)
        }
        for waiter in served { waiter.continuation.resume() }
    }

    private func waitForLease(keyID: String, amount: Int64) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let id = UUID()
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let cancelled = self.waiters.withLock { waiters -> Bool in
                            guard !Task.isCancelled else { return true }
                            waiters.append(Waiter(id: id, keyID: keyID, amount: amount, continuation: continuation))
                            return false
                        }
                        if cancelled {
                            continuation.resume()
                        } else {
                            self.onWait()
                            self.doorbell.ring()
                        }
                    }
                } onCancel: {
                    // Timed out: stop waiting (a waiter nobody resumes would hold the call forever).
                    let waiter = self.waiters.withLock { waiters -> Waiter? in
                        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
                        return waiters.remove(at: index)
                    }
                    waiter?.continuation.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: self.leaseWait) }
            await group.next()
            group.cancelAll()
        }
    }
}

extension CreditBook {
    /// Keys' accounts in shards, so concurrent keys rarely share a lock; never held across an await.
    final class AccountTable: Sendable {
        private final class Shard: Sendable {
            let accounts = Mutex<[String: CreditAccount]>([:])
        }

        private let shards = (0..<16).map { _ in Shard() }

        private func shard(_ keyID: String) -> Shard {
            shards[Int(UInt(bitPattern: keyID.hashValue) % UInt(shards.count))]
        }

        func update<R>(_ keyID: String, _ body: (inout CreditAccount) -> R) -> R {
            shard(keyID).accounts.withLock { body(&$0[keyID, default: CreditAccount()]) }
        }

        func updateIfPresent(_ keyID: String, _ body: (inout CreditAccount) -> Void) {
            shard(keyID).accounts.withLock { accounts in
                if accounts[keyID] != nil { body(&accounts[keyID]!) }
            }
        }

        func read(_ keyID: String) -> CreditAccount {
            shard(keyID).accounts.withLock { $0[keyID] ?? CreditAccount() }
        }

        /// Each key's lease target this round; a key idle long enough with nothing promised gets 0 (its lease is
        /// given back) and is forgotten.
        func leaseTargets(slice: Int64, waiting: [String: Int64], idleRounds limit: Int) -> [String: Int64] {
            var targets = waiting.mapValues { _ in Int64(0) }
            for shard in shards {
                shard.accounts.withLock { accounts in
                    for keyID in Array(accounts.keys) {
                        accounts[keyID]!.idleRounds += 1
                        let account = accounts[keyID]!
                        if account.idleRounds > limit, account.holds == 0, account.pending == 0, waiting[keyID] == nil {
                            targets[keyID] = 0
                            accounts[keyID] = nil
                        } else {
                            targets[keyID] = account.leaseTarget(slice: slice, waiting: waiting[keyID] ?? 0)
                        }
                    }
                }
            }
            return targets
        }
    }
}
