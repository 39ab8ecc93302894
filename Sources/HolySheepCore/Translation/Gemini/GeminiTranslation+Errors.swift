extension GeminiTranslation {
    /// Translates a Gemini error answer into the error HolySheep answers, keeping Gemini's message.
    ///
    /// Gemini answers `{"error": {"code": 429, "message": "…", "status": "RESOURCE_EXHAUSTED", "details": […]}}`
    /// (https://ai.google.dev/gemini-api/docs/troubleshooting). The gRPC `status` decides when present, else the
    /// HTTP status:
    ///
    /// | Gemini | answered |
    /// | --- | --- |
    /// | 429 `RESOURCE_EXHAUSTED` | 429 `upstream_rate_limited`, with `Retry-After` from a `RetryInfo` detail |
    /// | 400 `INVALID_ARGUMENT` | 400 `upstream_invalid_argument` |
    /// | 400 `FAILED_PRECONDITION` | 400 `upstream_failed_precondition` (billing or region of the operator's project) |
    /// | 401 `UNAUTHENTICATED`, 403 `PERMISSION_DENIED`, 400 with reason `API_KEY_INVALID` | 502 `upstream_auth_failed`: the operator's key, not the client's |
    /// | 404 `NOT_FOUND` | 404 `upstream_not_found` |
    /// | 500 `INTERNAL`, 503 `UNAVAILABLE` | 503 `upstream_unavailable` |
    /// | 504 `DEADLINE_EXCEEDED` | 504 `upstream_timeout` |
    /// | any other | the same status, `upstream_<status>` |
    ///
    /// Anything shaped like a Google API key in Gemini's message is redacted.
    ///
    /// - Parameters:
    ///   - status: The HTTP status Gemini answered.
    ///   - body: The parsed answer body, if it was JSON (an array, as `streamGenerateContent` without `alt=sse`
    ///     sends, is read from its first element).
    /// - Returns: The error to answer the client.
    public static func error(status: Int, body: JSON?) -> APIError {
        let error = body?["error"] ?? body?[0]?["error"]
        let grpcStatus = error?["status"]?.stringValue ?? ""
        let upstreamMessage = error?["message"]?.stringValue.map(redactingAPIKeys) ?? error?.stringValue.map(redactingAPIKeys)
        let label = grpcStatus.isEmpty ? "\(status)" : "\(status) \(grpcStatus)"
        let said = upstreamMessage.map { $0.isEmpty ? label : "\(label): \($0)" } ?? "\(label), with no error message"
        let details = error?["details"]?.arrayValue ?? []
        let keyRejected = details.contains { $0["reason"]?.stringValue == "API_KEY_INVALID" }

        if grpcStatus == "UNAUTHENTICATED" || grpcStatus == "PERMISSION_DENIED" || status == 401 || status == 403 || keyRejected {
            return APIError(
                status: 502, type: "upstream_error", code: "upstream_auth_failed",
                message: "Google Gemini refused this gateway's API key for the provider (\(said)). This is not a problem with "
                    + "your HolySheep key: the operator must check the Gemini key the provider's `api_key_env` names (and that "
                    + "the Generative Language API is enabled for it) and restart the gateway. Until then, use another model.")
        }
        switch (grpcStatus, status) {
        case ("RESOURCE_EXHAUSTED", _), (_, 429):
            let headers = retryDelaySeconds(in: details).map { [(name: "Retry-After", value: String($0))] } ?? []
            return APIError(
                status: 429, type: "rate_limit_error", code: "upstream_rate_limited",
                message: "Google Gemini is rate-limiting this gateway's deployment (\(said)). Retry after a short wait"
                    + (headers.isEmpty ? "" : " (see Retry-After)") + "; if it keeps happening, the operator should raise the "
                    + "Gemini project's quota or add another deployment for this model.",
                headers: headers)
        case ("FAILED_PRECONDITION", _):
            return APIError(
                status: 400, type: "invalid_request_error", code: "upstream_failed_precondition",
                message: "Google Gemini refused the request (\(said)). This usually means the operator's Gemini project needs "
                    + "billing enabled or is used from an unsupported region; tell the operator, or use another model.")
        case ("INVALID_ARGUMENT", _), ("", 400):
            return APIError(
                status: 400, type: "invalid_request_error", code: "upstream_invalid_argument",
                message: "Google Gemini rejected the request as invalid (\(said)). Check the fields it names: the gateway "
                    + "translated your OpenAI request into Gemini's format, so a value this Gemini model does not accept (a "
                    + "sampling parameter, a tool schema, an image type) also shows up here.")
        case ("NOT_FOUND", _), ("", 404):
            return APIError(
                status: 404, type: "invalid_request_error", code: "upstream_not_found",
                message: "Google Gemini does not know what was asked for (\(said)). The model this gateway's catalog maps to "
                    + "may not exist or not be available to the operator's key: try another model (`GET /v1/models`) and tell the operator.")
        case ("INTERNAL", _), ("UNAVAILABLE", _), ("", 500), ("", 503):
            return APIError(
                status: 503, type: "upstream_error", code: "upstream_unavailable",
                message: "Google Gemini is temporarily unavailable (\(said)). Retry in a few seconds; if it persists with long "
                    + "prompts, shorten the input, which Gemini also answers this way when it is too long.")
        case ("DEADLINE_EXCEEDED", _), ("", 504):
            return APIError(
                status: 504, type: "upstream_error", code: "upstream_timeout",
                message: "Google Gemini did not finish in time (\(said)). Retry, with a shorter prompt or a smaller `max_tokens`.")
        default:
            let isServerError = status >= 500
            return APIError(
                status: status, type: isServerError ? "upstream_error" : "invalid_request_error", code: "upstream_\(status)",
                message: "Google Gemini answered \(said)." + (isServerError ? " Retry later." : " Check the request."))
        }
    }

    /// Whether a Gemini HTTP status is worth retrying, on this deployment or the next: 429, 500, 503, 504
    /// (https://ai.google.dev/gemini-api/docs/troubleshooting).
    public static func isRetryable(status: Int) -> Bool {
        [429, 500, 503, 504].contains(status)
    }

    /// Whole seconds of a `google.rpc.RetryInfo` detail's `retryDelay` (`"37s"`, `"0.5s"`), rounded up.
    static func retryDelaySeconds(in details: [JSON]) -> Int? {
        for detail in details where detail["@type"]?.stringValue?.hasSuffix("google.rpc.RetryInfo") == true {
            guard let delay = detail["retryDelay"]?.stringValue, delay.hasSuffix("s"), let seconds = Double(delay.dropLast()) else {
                continue
            }
            return max(1, Int(seconds.rounded(.up)))
        }
        return nil
    }

    /// `text` with every Google API key (`AIza` + 35 characters) replaced by `AIza…[redacted]`.
    static func redactingAPIKeys(_ text: String) -> String {
        guard text.contains("AIza") else { return text }
        let characters = Array(text)
        var result = ""
        var index = 0
        while index < characters.count {
            if index + 39 <= characters.count, String(characters[index..<(index + 4)]) == "AIza",
                characters[(index + 4)..<(index + 39)].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            {
                result += "AIza…[redacted]"
                index += 39
            } else {
                result.append(characters[index])
                index += 1
            }
        }
        return result
    }
}
