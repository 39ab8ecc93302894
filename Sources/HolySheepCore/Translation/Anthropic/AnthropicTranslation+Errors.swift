/// Errors between Anthropic's shape, `{"type": "error", "error": {"type": …, "message": …}}`
/// (https://platform.claude.com/docs/en/api/errors), and ours.
extension AnthropicTranslation {
    /// Translates an Anthropic error answer into the error the gateway gives its client, keeping Anthropic's message.
    ///
    /// | Anthropic | ours |
    /// | --- | --- |
    /// | 529 `overloaded_error` | 503 `upstream_overloaded` |
    /// | 429 `rate_limit_error` | 429 `upstream_rate_limited` |
    /// | 401 / 403 (the operator's provider key) | 502 `upstream_auth_failed` |
    /// | 402 `billing_error` (the operator's account) | 502 `upstream_billing` |
    /// | 400 and other 4xx | 400 `upstream_invalid_request` |
    /// | 404 | 404 `upstream_not_found` |
    /// | 413 | 413 `request_too_large` |
    /// | 5xx | 502 `upstream_error` |
    ///
    /// - Parameters:
    ///   - status: the HTTP status Anthropic answered.
    ///   - body: the parsed body, when it was JSON.
    public static func error(status: Int, body: JSON?) -> APIError {
        let anthropicType = body?["error"]?["type"]?.stringValue
        let said = body?["error"]?["message"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "no message"
        let detail = "Anthropic answered \(status) \(anthropicType ?? "error"): \(said)"
        switch status {
        case 529:
            return APIError(
                status: 503, type: "upstream_error", code: "upstream_overloaded",
                message: "\(detail). Anthropic is temporarily overloaded for all its users; retry in a few seconds with "
                    + "backoff, or use another model.")
        case 429:
            return APIError(
                status: 429, type: "rate_limit_error", code: "upstream_rate_limited",
                message: "\(detail). The gateway's Anthropic account is over its rate limit; retry after a short wait, or "
                    + "use another model.")
        case 401, 403:
            return APIError(
                status: 502, type: "upstream_error", code: "upstream_auth_failed",
                message: "\(detail). Anthropic refused the gateway's own provider key: this is the operator's "
                    + "configuration, not your HolySheep key. The operator must set a valid Anthropic key (one with access "
                    + "to this model) in the provider's `api_key_env` variable and restart the gateway.")
        case 402:
            return APIError(
                status: 502, type: "upstream_error", code: "upstream_billing",
                message: "\(detail). The operator's Anthropic account has a billing problem; the operator must fix it in "
                    + "the Claude Console. Meanwhile, use another model.")
        case 404:
            return APIError(
                status: 404, type: "invalid_request_error", code: "upstream_not_found",
                message: "\(detail). If the message names the model, the operator's deployment points at an Anthropic "
                    + "model that does not exist; use another model and tell the operator.")
        case 413:
            return APIError(
                status: 413, type: "invalid_request_error", code: "request_too_large",
                message: "\(detail). Send a smaller request: fewer or smaller messages, images or documents.")
        case 400..<500:
            return APIError(
                status: 400, type: "invalid_request_error", code: "upstream_invalid_request",
                message: "\(detail). Anthropic refused the request as sent; correct what the message names and retry.")
        default:
            return APIError(
                status: 502, type: "upstream_error", code: "upstream_error",
                message: "\(detail). Anthropic failed to answer; retry in a moment, or use another model if it persists.")
        }
    }

    /// The error of an Anthropic stream's `error` event, which carries no HTTP status: the status is the one
    /// Anthropic documents for the error's type (an `overloaded_error` "would normally correspond to an HTTP 529").
    static func error(streamEvent data: JSON) -> APIError {
        let statuses = [
            "invalid_request_error": 400, "authentication_error": 401, "billing_error": 402, "permission_error": 403,
            "not_found_error": 404, "request_too_large": 413, "rate_limit_error": 429, "api_error": 500,
            "timeout_error": 504, "overloaded_error": 529,
        ]
        let status = data["error"]?["type"]?.stringValue.flatMap { statuses[$0] } ?? 500
        return error(status: status, body: data)
    }

    /// Whether an Anthropic answer with this status is worth retrying (on this deployment or the next): rate limits,
    /// server errors, and 529 overload.
    public static func isRetryable(status: Int) -> Bool {
        [429, 500, 502, 503, 504, 529].contains(status)
    }

    /// Our error in Anthropic's shape, for the gateway's own Messages API: the type is chosen from the status as
    /// Anthropic documents it, the message is ours.
    public static func errorBody(for error: APIError) -> JSON {
        let type: String
        switch error.status {
        case 401: type = "authentication_error"
        case 402: type = "billing_error"
        case 403: type = "permission_error"
        case 404: type = "not_found_error"
        case 413: type = "request_too_large"
        case 429: type = "rate_limit_error"
        case 503, 529: type = "overloaded_error"
        case 500...: type = "api_error"
        default: type = "invalid_request_error"
        }
        return ["type": "error", "error": ["type": .string(type), "message": .string(error.message)]]
    }
}
