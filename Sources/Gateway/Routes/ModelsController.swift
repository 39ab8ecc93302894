import Foundation
import HolySheepCore
import Hummingbird

/// `GET /v1/models`: OpenAI's model list, each entry extended with its kind, providers and prices.
/// Each deployment carries its circuit breaker's `health` (`closed`, `half_open`, `open`), so the list is rendered
/// per request (it is not on the hot path).
struct ModelsController: Sendable {
    let router: ModelRouter
    let billing: GatewayConfiguration.Billing
    let created: Int

    init(router: ModelRouter, configuration: GatewayConfiguration, created: Int = Int(Date().timeIntervalSince1970)) {
        self.router = router
        billing = configuration.billing
        self.created = created
    }

    private var entries: [(name: String, json: String)] {
        router.names.compactMap { name in router.models[name].map { (name, Self.entry($0, billing: billing, created: created)) } }
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.get("models") { _, context in self.list(for: context.apiKey) }
        routes.get("models/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let entry = entries.first(where: { $0.name == id }), context.apiKey.allows(model: id) else {
                throw APIError.modelNotFound(id, available: entries.map(\.name).filter { context.apiKey.allows(model: $0) })
            }
            return Self.json(entry.json)
        }
        return routes
    }

    func list(for key: APIKeyRecord) -> Response {
        let data = entries.filter { key.allows(model: $0.name) }.map(\.json).joined(separator: ",")
        return Self.json("{\"object\":\"list\",\"data\":[\(data)]}")
    }

    private static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func entry(_ model: ResolvedModel, billing: GatewayConfiguration.Billing, created: Int) -> String {
        let price = model.configuration.price
        var usd: [(String, Decimal)] = []
        if let value = price.inputPerMTok { usd.append(("input_per_mtok", value)) }
        if let value = price.outputPerMTok { usd.append(("output_per_mtok", value)) }
        if let value = price.effectiveCachedInputPerMTok, model.configuration.kind == .chat { usd.append(("cached_input_per_mtok", value)) }
        if let value = price.perSecond { usd.append(("per_second", value)) }
        func object(_ pairs: [(String, Decimal)]) -> String {
            "{" + pairs.map { "\($0.0.jsonQuoted):\($0.1.plainString)" }.joined(separator: ",") + "}"
        }
        let cny = usd.map { ($0.0, $0.1 * billing.platformRate) }
        var providers: [String] = []
        for route in model.routes where !providers.contains(route.provider.configuration.name) {
            providers.append(route.provider.configuration.name)
        }
        let deployments = model.routes.map { route in
            "{\"provider\":\(route.provider.configuration.name.jsonQuoted),\"kind\":\(route.provider.configuration.kind.rawValue.jsonQuoted),"
                + "\"model\":\(route.deployment.model?.jsonQuoted ?? "null"),\"weight\":\(route.deployment.weight),"
                + "\"region\":\(route.deployment.region?.jsonQuoted ?? "null"),\"health\":\(route.health.state.rawValue.jsonQuoted)}"
        }
        return "{\"id\":\(model.name.jsonQuoted),\"object\":\"model\",\"created\":\(created),\"owned_by\":\"holysheep\","
            + "\"kind\":\(model.configuration.kind.rawValue.jsonQuoted),\"provider\":\(providers.first?.jsonQuoted ?? "null"),"
            + "\"providers\":[\(providers.map(\.jsonQuoted).joined(separator: ","))],\"deployments\":[\(deployments.joined(separator: ","))],"
            + "\"pricing\":{\"usd\":\(object(usd)),\"cny\":\(object(cny)),\"platform_rate\":\(billing.platformRate.plainString)}}"
    }
}
