/// The `400` errors the request translations answer. Each names the field (also in `param`), the model, and
/// what to do instead.
extension AnthropicTranslation {
    /// A field Anthropic's Messages API has no way to honour.
    static func unsupported(_ field: String, model: String, advice: String) -> APIError {
        APIError(
            status: 400, type: "invalid_request_error", code: "unsupported_parameter",
            message: "The model \(model.jsonQuoted) is served by Anthropic, which cannot honour `\(field)`. \(advice)",
            param: field)
    }

    /// A value of a field that Anthropic cannot honour, although the field itself is fine.
    static func unsupportedValue(_ field: String, model: String, problem: String, advice: String) -> APIError {
        APIError(
            status: 400, type: "invalid_request_error", code: "unsupported_value",
            message: "The model \(model.jsonQuoted) is served by Anthropic, where `\(field)` \(problem). \(advice)",
            param: field)
    }

    /// A field whose value is malformed whatever the upstream.
    static func invalid(_ field: String, _ problem: String) -> APIError {
        APIError.invalidField(field, problem)
    }

    /// A field of an Anthropic Messages request (inbound) that our OpenAI-shaped pipeline cannot honour.
    static func unsupportedInbound(_ field: String, advice: String) -> APIError {
        APIError(
            status: 400, type: "invalid_request_error", code: "unsupported_parameter",
            message: "This gateway's Messages API cannot honour `\(field)`. \(advice)", param: field)
    }
}
