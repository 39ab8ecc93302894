import HTTPTypes
import Hummingbird
import HolySheepCore

/// The context of every request: the request id and, once the auth middleware ran, the caller's key.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID = ""
    public var apiKey: APIKeyRecord?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

/// The context of `/v1` routes: a request only gets here with a valid, unrevoked key.
public struct AuthenticatedContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    public let apiKey: APIKeyRecord

    public init(context: GatewayRequestContext) throws {
        guard let key = context.apiKey else { throw APIError.missingAPIKey }
        coreContext = context.coreContext
        requestID = context.requestID
        apiKey = key
    }
}
