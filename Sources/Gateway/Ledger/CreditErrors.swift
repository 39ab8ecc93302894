import HolySheepCore

extension APIError {
    /// 402: the key's balance does not cover the most this call can cost.
    static func insufficientCredits(keyID: String, balance: Money, held: Money, estimate: Money, purpose: String) -> APIError {
        let inFlight = held.micros > 0 ? " (¥\(held.exactString) of it held by calls in flight)" : ""
        return APIError(
            status: 402, type: "insufficient_credits", code: "insufficient_credits",
            message: "Not enough credits on key \(keyID): the balance is ¥\(balance.exactString)\(inFlight), and \(purpose) may cost up to "
                + "¥\(estimate.exactString). Top up (`holysheep credits topup \(keyID) AMOUNT --reference REF`), redeem a code "
                + "(POST /v1/credits/redeem), or lower `max_tokens` to lower the estimate.")
    }

    /// 402: the call would take the key over its monthly budget.
    static func monthlyBudgetExceeded(keyID: String, budget: Money, spent: Money, estimate: Money, purpose: String) -> APIError {
        APIError(
            status: 402, type: "insufficient_credits", code: "monthly_budget_exceeded",
            message: "Key \(keyID) has a monthly budget of ¥\(budget.exactString) and has spent or holds ¥\(spent.exactString) this month (UTC); "
                + "\(purpose) may cost up to ¥\(estimate.exactString). Wait for the next month, lower `max_tokens`, or ask the operator to "
                + "raise the key's monthly budget.")
    }
}
