/// One key's credit as one gateway instance sees it: a plain state machine, no I/O (``CreditBook`` is its shell).
///
/// All amounts are CNY micro-units. Storage's view (`balance`, `monthSpent`, `lease`, `othersLeased`) is refreshed
/// by the sync loop; the request path only moves `holds` and `pending`:
///
/// - **spendable** = `lease − pending − holds`: what this instance may still promise without asking storage.
///   The lease covers the charges settled here but not yet written (`pending`), so other instances never lend
///   out the same credit.
/// - a hold that does not fit the lease but fits what nobody has leased (`balance − othersLeased − lease`) waits
///   for a lease extension; one that fits neither is refused (402).
/// - settling moves a hold's real cost (never more than the hold) to `pending`; a flush moves `pending` into
///   `balance`, `monthSpent` and out of `lease`, exactly as the flush transaction does in storage.
struct CreditAccount: Sendable, Equatable {
    var balance: Int64 = 0
    var month = ""
    var monthSpent: Int64 = 0
    var lease: Int64 = 0
    var othersLeased: Int64 = 0
    /// Settled charges not yet written to storage.
    var pending: Int64 = 0
    /// Pre-authorised amounts of calls in flight.
    var holds: Int64 = 0
    /// Charges settled since the last lease renewal: sizes the next lease.
    var spentSinceRenewal: Int64 = 0
    /// Whether storage's view has been loaded (a lease renewal has run for the key).
    var leased = false
    /// Sync rounds since the key last asked for a hold; an idle key's lease is returned.
    var idleRounds = 0

    enum HoldDecision: Equatable {
        case granted
        /// Storage has unleased credit: extend the lease, then try again.
        case needsLease
        case insufficient
        case overBudget
    }

    var spendable: Int64 { lease - pending - holds }
    var unleased: Int64 { max(0, balance - othersLeased - lease) }
    /// The balance the caller sees: storage's, less what was charged here and not yet written.
    var available: Int64 { balance - pending }

    /// Tries to pre-authorise `amount` against the lease and the monthly budget (nil: none).
    mutating func hold(_ amount: Int64, budget: Int64?, month currentMonth: String) -> HoldDecision {
        if let budget {
            let spentThisMonth = (month == currentMonth ? monthSpent : 0) + pending + holds
            if spentThisMonth + amount > budget { return .overBudget }
        }
        idleRounds = 0
        if amount <= spendable {
            holds += amount
            return .granted
        }
        return !leased || amount <= spendable + unleased ? .needsLease : .insufficient
    }

    /// Ends a hold: `cost` (capped at the hold) becomes a pending charge, the rest is released.
    /// - Returns: the amount charged.
    mutating func settle(hold amount: Int64, cost: Int64) -> Int64 {
        let charged = min(max(cost, 0), amount)
        holds -= amount
        pending += charged
        spentSinceRenewal += charged
        return charged
    }

    /// Charges written to storage: the same moves the flush transaction made there.
    mutating func flushed(_ amount: Int64, month chargeMonth: String) {
        pending -= amount
        balance -= amount
        lease -= amount
        if month == chargeMonth {
            monthSpent += amount
        } else if chargeMonth > month {
            month = chargeMonth
            monthSpent = amount
        }
    }

    /// The lease to ask for: what is promised here already plus a slice for what comes next — the larger of
    /// `slice` and ten times what was spent since the last renewal.
    func leaseTarget(slice: Int64, waiting: Int64) -> Int64 {
        pending + holds + waiting + max(slice, 10 * spentSinceRenewal)
    }

    /// Storage's view after a renewal.
    mutating func renewed(_ lease: CreditAccountStore.Lease) {
        balance = lease.account.balance
        month = lease.account.month
        monthSpent = lease.account.monthSpent
        self.lease = lease.lease
        othersLeased = lease.othersLeased
        spentSinceRenewal = 0
        leased = true
    }

    /// Storage's view of the account after someone else changed it (a top-up, another instance's charges).
    mutating func refreshed(_ account: CreditAccountStore.Account) {
        balance = account.balance
        month = account.month
        monthSpent = account.monthSpent
    }
}
