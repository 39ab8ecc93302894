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
        var header: String
        let isAuthorization: Bool
        if let value = request.headers.first(.authorization) {
            (header, isAuthorization) = (value, true)
        } else if let value = request.headers.first(.xAPIKey) {
            (header, isAuthorization) = (value, false)
        } else {
            throw APIError.missingAPIKey
        }
        // The key's bytes are checked and hashed where the header holds them: no copies, no lowercasing.
        let found = header.withUTF8 { bytes -> Result<APIKeyRecord, APIError> in
            let presented = isAuthorization ? Self.bearerToken(UnsafeRawBufferPointer(bytes)) : UnsafeRawBufferPointer(bytes)
            guard !presented.isEmpty else { return .failure(.missingAPIKey) }
            switch APIKeySecret.checkFormat(utf8: presented) {
            case .foreign: return .failure(.foreignAPIKey)
            case .malformed: return .failure(.malformedAPIKey)
            case nil: break
            }
            guard let record = keys.key(for: APIKeySecret.digest(utf8: presented)) else { return .failure(.unknownAPIKey) }
            return .success(record)
        }
        let record = try found.get()
        guard !record.revoked else { throw APIError.revokedAPIKey(id: record.id) }
        if let expiry = record.expiresAt, expiry <= Date() {
            throw APIError(
                status: 401, type: "authentication_error", code: "api_key_expired",
                message: "The API key \(record.id) expired at \(expiry). Ask your HolySheep operator for a new key.")
        }
        return record
    }

    /// The token of an `Authorization: Bearer <token>` value (the scheme in any case, extra spaces allowed); any
    /// other value whole — a bare key, whose format check will say what is wrong.
    static func bearerToken(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let scheme = "bearer ".utf8
        guard value.count > scheme.count, zip(value, scheme).allSatisfy({ ($0 | 0x20) == $1 }) else { return value }
        let token = value.dropFirst(scheme.count).drop(while: { $0 == UInt8(ascii: " ") })
        return UnsafeRawBufferPointer(rebasing: token)
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
