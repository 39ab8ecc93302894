import Testing
@testable import Gateway

/// The per-key credit state machine, without storage.
@Suite struct CreditAccountTests {
    private func leased(balance: Int64, lease: Int64, others: Int64 = 0) -> CreditAccount {
        var account = CreditAccount()
        account.renewed(.init(account: .init(keyID: "k", balance: balance, month: "2026-11", monthSpent: 0, revision: 1), othersLeased: others, lease: lease))
        return account
    }

    @Test func aHoldWithinTheLease_isGrantedAndReducesWhatIsSpendable() {
        var account = leased(balance: 100, lease: 60)
        #expect(account.hold(50, budget: nil, month: "2026-11") == .granted)
        #expect(account.spendable == 10)
        #expect(account.hold(20, budget: nil, month: "2026-11") == .needsLease)  // 40 unleased
        #expect(account.hold(60, budget: nil, month: "2026-11") == .insufficient)  // beyond lease + unleased
    }

    @Test func aKeyNotYetLeased_alwaysAsksForALeaseFirst() {
        var account = CreditAccount()
        #expect(account.hold(1, budget: nil, month: "2026-11") == .needsLease)
    }

    @Test func creditLeasedByAnotherInstance_isNotSpendableHere() {
        var account = leased(balance: 100, lease: 0, others: 100)
        #expect(account.hold(1, budget: nil, month: "2026-11") == .insufficient)
    }

    @Test func settling_chargesAtMostTheHold_andReleasesTheRest() {
        var account = leased(balance: 100, lease: 100)
        _ = account.hold(30, budget: nil, month: "2026-11")
        #expect(account.settle(hold: 30, cost: 45) == 30)
        #expect(account.holds == 0 && account.pending == 30 && account.available == 70)
        _ = account.hold(30, budget: nil, month: "2026-11")
        #expect(account.settle(hold: 30, cost: 0) == 0)
        #expect(account.holds == 0 && account.pending == 30)
    }

    @Test func aFlush_movesPendingChargesIntoBalanceLeaseAndMonth() {
        var account = leased(balance: 100, lease: 80)
        _ = account.hold(30, budget: nil, month: "2026-11")
        _ = account.settle(hold: 30, cost: 12)
        let spendableBefore = account.spendable
        account.flushed(12, month: "2026-11")
        #expect(account.balance == 88 && account.lease == 68 && account.pending == 0 && account.monthSpent == 12)
        #expect(account.spendable == spendableBefore)  // a flush changes where the money is, not what may be spent
    }

    @Test func theMonthlyBudget_countsSpendPendingChargesAndHolds_andResetsWithTheMonth() {
        var account = leased(balance: 1_000, lease: 1_000)
        account.monthSpent = 70
        _ = account.hold(10, budget: 100, month: "2026-11")
        _ = account.settle(hold: 10, cost: 10)
        #expect(account.hold(15, budget: 100, month: "2026-11") == .granted)  // 70 + 10 + 15 = 95
        #expect(account.hold(6, budget: 100, month: "2026-11") == .overBudget)  // 101
        #expect(account.hold(6, budget: 100, month: "2026-12") == .granted)  // a new month: only pending + holds count
    }

    @Test func theLeaseTarget_coversPromisesPlusTheLargerOfSliceAndRecentSpend() {
        var account = leased(balance: 1_000, lease: 100)
        _ = account.hold(40, budget: nil, month: "2026-11")
        #expect(account.leaseTarget(slice: 10, waiting: 5) == 40 + 5 + 10)
        _ = account.settle(hold: 40, cost: 40)
        #expect(account.leaseTarget(slice: 10, waiting: 0) == 40 + 400)
    }
}
