import HolySheepCore
import Hummingbird
import NIOCore

/// `GET /v1/balance`: the calling key's credit balance, derived from its ledger. A report, not the request path:
/// it reads storage.
struct BalanceController: Sendable {
    let ledger: LedgerRepository

    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.get("balance") { _, context in
            let key = context.apiKey
            let balance = try await ledger.balance(keyID: key.id)
            // Money as an exact decimal string (and integer micro-yuan), never a binary float.
            let body =
                "{\"object\":\"balance\",\"key_id\":\(key.id.jsonQuoted),\"currency\":\"CNY\",\"balance\":\(balance.exactString.jsonQuoted),"
                + "\"balance_micros\":\(balance.micros),\"sandbox\":\(key.sandbox)}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return routes
    }
}
