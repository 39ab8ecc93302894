import Foundation
import HolySheepCore
import HTTPTypes
import Hummingbird

/// Finds the caller's key: `Authorization: Bearer hs_…` (OpenAI clients) or `x-api-key: hs_…` (Anthropic
/// clients). Keys are looked up by digest in memory; nothing touches storage on the request path.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let keys: KeyDirectory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.apiKey = try authenticate(request)
        return try await next(request, context)
    }

    func authenticate(_ request: Request) throws(APIError) -> APIKeyRecord {
        guard let presented = Self.presentedKey(request), !presented.isEmpty else { throw APIError.missingAPIKey }
        switch APIKeySecret.checkFormat(presented) {
        case .foreign: throw APIError.foreignAPIKey
        case .malformed: throw APIError.malformedAPIKey
        case nil: break
        }
        guard let record = keys.key(for: APIKeySecret.digest(of: presented)) else { throw APIError.unknownAPIKey }
        guard !record.revoked else { throw APIError.revokedAPIKey(id: record.id) }
        if let expiry = record.expiresAt, expiry <= Date() {
            throw APIError(
                status: 401, type: "authentication_error", code: "api_key_expired",
                message: "The API key \(record.id) expired at \(expiry). Ask your HolySheep operator for a new key.")
        }
        return record
    }

    static func presentedKey(_ request: Request) -> Substring? {
        if let authorization = request.headers[.authorization] {
            let value = Substring(authorization)
            if value.count > 7, value.prefix(7).lowercased() == "bearer " {
                return value.dropFirst(7).drop(while: { $0 == " " })
            }
            return value  // a bare key; its format check will say what is wrong
        }
        return request.headers[.xAPIKey].map { Substring($0) }
    }
}
