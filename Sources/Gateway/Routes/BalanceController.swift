import HolySheepCore
import Hummingbird
import NIOCore

/// `GET /v1/balance`: the calling key's credit balance, derived from its ledger (plus charges settled on this
/// instance and not yet written), and what calls in flight hold.
struct BalanceController: Sendable {
    let ledger: LedgerRepository
    let credits: CreditBook

    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.get("balance") { _, context in
            let key = context.apiKey
            var (balance, held) = (Money.zero(.cny), Money.zero(.cny))
            if let view = credits.view(keyID: key.id) {
                (balance, held) = view
            } else {
                balance = try await ledger.balance(keyID: key.id)
            }
            // Money as an exact decimal string (and integer micro-yuan), never a binary float.
            let body =
                "{\"object\":\"balance\",\"key_id\":\(key.id.jsonQuoted),\"currency\":\"CNY\",\"balance\":\(balance.exactString.jsonQuoted),"
                + "\"balance_micros\":\(balance.micros),\"held\":\(held.exactString.jsonQuoted),\"held_micros\":\(held.micros),"
                + "\"sandbox\":\(key.sandbox)}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return routes
    }
}
