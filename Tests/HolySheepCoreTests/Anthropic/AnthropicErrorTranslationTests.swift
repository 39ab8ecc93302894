import Testing
@testable import HolySheepCore

/// Anthropic error answers → our errors, and our errors in Anthropic's shape.
@Suite struct AnthropicErrorTranslationTests {
    func translated(_ status: Int) throws -> APIError {
        AnthropicTranslation.error(status: status, body: try AnthropicFixtures.json("errors.json")[String(status)])
    }

    @Test(arguments: [
        (529, 503, "upstream_overloaded", "Overloaded"),
        (429, 429, "upstream_rate_limited", "per-minute rate limit"),
        (401, 502, "upstream_auth_failed", "invalid x-api-key"),
        (403, 502, "upstream_auth_failed", "does not have permission"),
        (400, 400, "upstream_invalid_request", "roles must alternate"),
        (404, 404, "upstream_not_found", "claude-sonnet-9"),
        (413, 413, "request_too_large", "maximum allowed number of bytes"),
        (500, 502, "upstream_error", "Internal server error"),
    ])
    func error_fromAnthropicStatus_mapsToOurStatusAndKeepsAnthropicsMessage(status: Int, ours: Int, code: String, said: String) throws {
        let error = try translated(status)
        #expect(error.status == ours)
        #expect(error.code == code)
        #expect(error.message.contains(said))
        #expect(error.message.contains("\(status)"))
    }

    @Test func error_whenAnthropicRefusesTheProviderKey_blamesTheOperatorsConfigurationNotTheClient() throws {
        let error = AnthropicTranslation.error(
            status: 401, body: ["type": "error", "error": ["type": "authentication_error", "message": "invalid x-api-key"]])
        #expect(error.status == 502)
        #expect(error.type == "upstream_error")
        #expect(error.message.contains("operator"))
        #expect(error.message.contains("not your HolySheep key"))
        #expect(error.message.contains("api_key_env"))
        #expect(!error.message.contains("sk-ant"))
    }

    @Test func error_withOverload_isAnUpstreamErrorTheClientMayRetry() throws {
        let error = try translated(529)
        #expect(error.type == "upstream_error")
        #expect(error.message.contains("retry"))
    }

    @Test(arguments: [502, 503, 504, 599])
    func error_fromOtherServerErrors_isA502(status: Int) {
        #expect(AnthropicTranslation.error(status: status, body: nil).status == 502)
    }

    @Test func error_withoutABody_stillSaysWhatHappened() {
        let error = AnthropicTranslation.error(status: 500, body: nil)
        #expect(error.message.contains("Anthropic answered 500 error: no message"))
    }

    @Test(arguments: [(429, true), (500, true), (502, true), (503, true), (504, true), (529, true), (400, false), (401, false), (403, false), (404, false), (413, false)])
    func isRetryable_isTrueForRateLimitsServerErrorsAndOverload(status: Int, retryable: Bool) {
        #expect(AnthropicTranslation.isRetryable(status: status) == retryable)
    }

    @Test(arguments: [
        (400, "invalid_request_error"), (401, "authentication_error"), (403, "permission_error"), (404, "not_found_error"),
        (413, "request_too_large"), (429, "rate_limit_error"), (500, "api_error"), (502, "api_error"), (503, "overloaded_error"),
        (409, "invalid_request_error"),
    ])
    func errorBody_forOurError_hasAnthropicsShapeWithTheTypeOfItsStatus(status: Int, type: String) {
        let error = APIError(status: status, type: "x", code: "y", message: "What went wrong, and what to do.")
        #expect(AnthropicTranslation.errorBody(for: error) == [
            "type": "error", "error": ["type": .string(type), "message": "What went wrong, and what to do."],
        ])
    }

    @Test func errorBody_forAForeignKey_isAnAuthenticationErrorWithOurMessage() {
        let body = AnthropicTranslation.errorBody(for: .foreignAPIKey)
        #expect(body["error"]?["type"] == "authentication_error")
        #expect(body["error"]?["message"]?.stringValue?.contains("hs_live_") == true)
    }
}
