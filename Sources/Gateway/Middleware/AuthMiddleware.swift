import Foundation
import HolySheepCore
import HTTPTypes
import Hummingbird

/// Finds the caller's key — `Authorization: Bearer hs_…` (OpenAI clients) or `x-api-key: hs_…` (Anthropic
/// clients) — admits the request against the key's requests-per-minute, and puts OpenAI's `x-ratelimit-*`
/// headers on every answer to the key, errors included. Keys and limits live in memory; nothing touches storage
/// on the request path.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let keys: KeyDirectory
    let limiter: RateLimiter
    let errors: ErrorResponder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let key = try authenticate(request)
        context.apiKey = key
        var response: Response
        do {
            try limiter.admitRequest(key)
            response = try await next(request, context)
        } catch {
            response = errors.response(for: error, request: request, requestID: context.requestID, logger: context.logger)
        }
        limiter.snapshot(for: key).write(to: &response.headers)
        return response
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

extension RateLimiter.Snapshot {
    /// OpenAI's headers: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`.
    func write(to headers: inout HTTPFields) {
        headers[.rateLimitLimitRequests] = String(limits.requestsPerMinute)
        headers[.rateLimitRemainingRequests] = String(remainingRequests)
        headers[.rateLimitResetRequests] = resetRequests.openAIResetString
        headers[.rateLimitLimitTokens] = String(limits.tokensPerMinute)
        headers[.rateLimitRemainingTokens] = String(remainingTokens)
        headers[.rateLimitResetTokens] = resetTokens.openAIResetString
    }
}

extension HTTPField.Name {
    static let rateLimitLimitRequests = HTTPField.Name("x-ratelimit-limit-requests")!
    static let rateLimitRemainingRequests = HTTPField.Name("x-ratelimit-remaining-requests")!
    static let rateLimitResetRequests = HTTPField.Name("x-ratelimit-reset-requests")!
    static let rateLimitLimitTokens = HTTPField.Name("x-ratelimit-limit-tokens")!
    static let rateLimitRemainingTokens = HTTPField.Name("x-ratelimit-remaining-tokens")!
    static let rateLimitResetTokens = HTTPField.Name("x-ratelimit-reset-tokens")!
}
