/// An error answered to an API client: the HTTP status plus OpenAI's `error` object, and the status again at
/// top level as `error_code` (the guide's clients read it there):
///
/// ```json
/// {"error": {"message": "...", "type": "invalid_request_error", "code": "model_not_found", "param": "model"},
///  "error_code": 404}
/// ```
///
/// Every message says what was wrong and what to do. A message never contains a secret; the underlying cause of
/// an error is logged by the server, never serialised.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    public let type: String
    public let code: String
    public let message: String
    public let param: String?
    /// Extra response headers (`Allow`, `Retry-After`, …).
    public let headers: [(name: String, value: String)]

    public init(status: Int, type: String, code: String, message: String, param: String? = nil, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.headers = headers
    }

    public static func == (lhs: APIError, rhs: APIError) -> Bool {
        lhs.status == rhs.status && lhs.type == rhs.type && lhs.code == rhs.code && lhs.message == rhs.message
            && lhs.param == rhs.param
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// The OpenAI-shaped JSON body.
    public var jsonBody: String {
        "{\"error\":{\"message\":\(message.jsonQuoted),\"type\":\(type.jsonQuoted),\"code\":\(code.jsonQuoted),"
            + "\"param\":\(param?.jsonQuoted ?? "null")},\"error_code\":\(status)}"
    }
}

// MARK: - The errors of the API

extension APIError {
    static let keyHelp = "Create one with `holysheep keys create --label NAME` and send it as `Authorization: Bearer hs_...`."

    public static let missingAPIKey = APIError(
        status: 401, type: "authentication_error", code: "missing_api_key",
        message: "No API key was sent. \(keyHelp)")

    public static let foreignAPIKey = APIError(
        status: 401, type: "authentication_error", code: "invalid_api_key_format",
        message: "This is not a HolySheep key: HolySheep keys start with `hs_live_` or `hs_test_`. Keys starting with `sk-` "
            + "belong to OpenAI (or another provider) and only work at that provider. Ask your HolySheep operator for an "
            + "`hs_` key; operators create one with `holysheep keys create --label NAME`.")

    public static let malformedAPIKey = APIError(
        status: 401, type: "authentication_error", code: "invalid_api_key_format",
        message: "The API key is malformed: a HolySheep key is `hs_live_` or `hs_test_` followed by 32 letters and digits. "
            + "Check that it was copied whole. \(keyHelp)")

    public static let unknownAPIKey = APIError(
        status: 401, type: "authentication_error", code: "invalid_api_key",
        message: "The API key is not known to this server. Check that it was copied whole and that you are calling the "
            + "right server; list keys with `holysheep keys list`. \(keyHelp)")

    public static func revokedAPIKey(id: String) -> APIError {
        APIError(
            status: 401, type: "authentication_error", code: "api_key_revoked",
            message: "The API key \(id) has been revoked. Ask your HolySheep operator for a new key (`holysheep keys create`).")
    }

    public static func modelNotFound(_ model: String, available: [String]) -> APIError {
        APIError(
            status: 404, type: "invalid_request_error", code: "model_not_found",
            message: "The model \(model.jsonQuoted) does not exist on this server. Available models: "
                + available.joined(separator: ", ") + ". `GET /v1/models` lists them with their prices.",
            param: "model")
    }

    public static func modelNotAllowed(_ model: String, keyID: String, allowed: [String]) -> APIError {
        APIError(
            status: 403, type: "permission_error", code: "model_not_allowed",
            message: "The key \(keyID) may not use the model \(model.jsonQuoted). It may use: "
                + allowed.joined(separator: ", ") + ". Ask your operator to allow the model for this key or to give you another key.",
            param: "model")
    }

    public static func wrongModelKind(_ model: String, kind: String, endpoint: String, use: String) -> APIError {
        APIError(
            status: 400, type: "invalid_request_error", code: "model_not_supported",
            message: "The model \(model.jsonQuoted) is a \(kind) model and cannot be used with \(endpoint). Use \(use) instead.",
            param: "model")
    }

    public static func invalidJSON(_ error: JSONSyntaxError) -> APIError {
        APIError(
            status: 400, type: "invalid_request_error", code: "invalid_json",
            message: "The request body is not valid JSON: \(error.description). Send a JSON object with "
                + "`Content-Type: application/json`.")
    }

    public static func missingField(_ field: String, example: String) -> APIError {
        APIError(
            status: 400, type: "invalid_request_error", code: "missing_required_field",
            message: "The request body has no `\(field)` field, which is required. For example: \(example).",
            param: field)
    }

    public static func invalidField(_ field: String, _ problem: String) -> APIError {
        APIError(
            status: 400, type: "invalid_request_error", code: "invalid_field",
            message: "The field `\(field)` \(problem).", param: field)
    }

    public static func requestTooLarge(limit: Int) -> APIError {
        APIError(
            status: 413, type: "invalid_request_error", code: "request_too_large",
            message: "The request body is larger than this server's limit of \(limit) bytes. Send a smaller request "
                + "(fewer or smaller messages or images), or ask the operator to raise `limits.max_body_bytes`.")
    }

    public static func unknownRoute(method: String, path: String) -> APIError {
        APIError(
            status: 404, type: "invalid_request_error", code: "unknown_route",
            message: "There is no endpoint \(method) \(path). Check the base URL: it should end in `/v1`, for example "
                + "`http://127.0.0.1:8080/v1`, and the path should be one of /v1/chat/completions, /v1/models.")
    }

    public static func methodNotAllowed(method: String, path: String, allowed: [String]) -> APIError {
        APIError(
            status: 405, type: "invalid_request_error", code: "method_not_allowed",
            message: "\(path) does not accept \(method). Use \(allowed.joined(separator: " or ")).",
            headers: [("Allow", allowed.joined(separator: ", "))])
    }

    public static func upstreamUnreachable(deployment: String, reason: String) -> APIError {
        APIError(
            status: 502, type: "upstream_error", code: "upstream_unreachable",
            message: "The upstream deployment \(deployment) could not be reached (\(reason)). Retry later; if it persists, "
                + "the operator should check the provider's `base_url` and network.")
    }

    public static func upstreamTimeout(deployment: String) -> APIError {
        APIError(
            status: 504, type: "upstream_error", code: "upstream_timeout",
            message: "The upstream deployment \(deployment) did not answer in time. Retry later, or with a smaller request.")
    }

    public static func upstreamInvalidResponse(deployment: String, problem: String) -> APIError {
        APIError(
            status: 502, type: "upstream_error", code: "upstream_invalid_response",
            message: "The upstream deployment \(deployment) sent an invalid response (\(problem)). Retry later; the operator "
                + "can find details in the server log.")
    }

    public static func providerNotConfigured(provider: String, variable: String) -> APIError {
        APIError(
            status: 503, type: "server_error", code: "provider_not_configured",
            message: "The provider \(provider) has no API key: the operator must set the environment variable \(variable) "
                + "for the gateway and restart it.")
    }

    public static func noSupportedDeployment(model: String, kinds: [String]) -> APIError {
        APIError(
            status: 501, type: "server_error", code: "provider_not_supported",
            message: "The model \(model.jsonQuoted) is only served by providers of kind \(kinds.joined(separator: ", ")), "
                + "which this build cannot call yet. Use a model served by an OpenAI-compatible provider.")
    }

    public static func internalError(requestID: String) -> APIError {
        APIError(
            status: 500, type: "server_error", code: "internal_error",
            message: "The server failed while handling the request. It has been logged with request id \(requestID); "
                + "retry, and report the id to the operator if it persists.")
    }

    /// An upstream's error passed on with its status; its own message, type and code are kept.
    public static func upstream(status: Int, deployment: String, type: String?, code: String?, message: String?, param: String?) -> APIError {
        let detail = message.map { $0.isEmpty ? "no message" : $0 } ?? "no message"
        return APIError(
            status: status, type: type ?? (status >= 500 ? "upstream_error" : "invalid_request_error"),
            code: code ?? "upstream_\(status)",
            message: "The upstream deployment \(deployment) answered \(status): \(detail)", param: param)
    }
}
