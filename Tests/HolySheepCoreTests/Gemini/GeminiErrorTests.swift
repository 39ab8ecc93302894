import Testing
@testable import HolySheepCore

@Suite struct GeminiErrorTests {
    func body(code: Int, status: String, message: String = "Something went wrong.") -> JSON {
        ["error": ["code": .integer(Int64(code)), "message": .string(message), "status": .string(status)]]
    }

    @Test(arguments: [
        (429, "RESOURCE_EXHAUSTED", 429, "rate_limit_error", "upstream_rate_limited"),
        (400, "INVALID_ARGUMENT", 400, "invalid_request_error", "upstream_invalid_argument"),
        (400, "FAILED_PRECONDITION", 400, "invalid_request_error", "upstream_failed_precondition"),
        (403, "PERMISSION_DENIED", 502, "upstream_error", "upstream_auth_failed"),
        (401, "UNAUTHENTICATED", 502, "upstream_error", "upstream_auth_failed"),
        (404, "NOT_FOUND", 404, "invalid_request_error", "upstream_not_found"),
        (500, "INTERNAL", 503, "upstream_error", "upstream_unavailable"),
        (503, "UNAVAILABLE", 503, "upstream_error", "upstream_unavailable"),
        (504, "DEADLINE_EXCEEDED", 504, "upstream_error", "upstream_timeout"),
        (409, "ABORTED", 409, "invalid_request_error", "upstream_409"),
        (502, "", 502, "upstream_error", "upstream_502"),
    ])
    func geminiError_isMappedToOurStatusTypeAndCode_keepingGeminisMessage(
        status: Int, grpcStatus: String, answered: Int, type: String, code: String
    ) {
        let error = GeminiTranslation.error(status: status, body: body(code: status, status: grpcStatus, message: "Gemini says why."))
        #expect(error.status == answered)
        #expect(error.type == type)
        #expect(error.code == code)
        #expect(error.message.contains("Gemini says why."))
    }

    @Test(arguments: [(429, 429), (400, 400), (401, 502), (403, 502), (404, 404), (500, 503), (503, 503), (504, 504)])
    func errorWithoutABody_isMappedByItsHTTPStatus(status: Int, answered: Int) {
        let error = GeminiTranslation.error(status: status, body: nil)
        #expect(error.status == answered)
        #expect(error.message.contains("no error message"))
    }

    @Test func quotaError_keepsTheMessageAndTurnsRetryInfoIntoRetryAfter() throws {
        let error = GeminiTranslation.error(status: 429, body: try GeminiFixtures.json("error-429-resource-exhausted.json"))
        #expect(error.status == 429)
        #expect(error.message.contains("You exceeded your current quota"))
        #expect(error.message.contains("Retry-After"))
        #expect(error.headers.map(\.name) == ["Retry-After"])
        #expect(error.headers.map(\.value) == ["37"])
    }

    @Test func invalidAPIKey_isA502BlamingTheOperatorsKeyNotTheClients() throws {
        let error = GeminiTranslation.error(status: 400, body: try GeminiFixtures.json("error-400-api-key-invalid.json"))
        #expect(error.status == 502)
        #expect(error.code == "upstream_auth_failed")
        #expect(error.message.contains("API key not valid"))
        #expect(error.message.contains("not a problem with your HolySheep key"))
        #expect(error.message.contains("api_key_env"))
    }

    @Test func anAPIKeyInGeminisMessage_isRedacted() {
        let key = "AIzaSyD-1234567890abcdefghijklmnopqrstu"
        #expect(key.count == 39)
        let error = GeminiTranslation.error(status: 403, body: body(code: 403, status: "PERMISSION_DENIED", message: "Key \(key) is suspended."))
        #expect(!error.message.contains(key))
        #expect(error.message.contains("AIza…[redacted] is suspended."))
        #expect(!error.description.contains(key))
    }

    @Test func streamedArrayBody_isReadFromItsFirstElement() {
        let error = GeminiTranslation.error(status: 503, body: [body(code: 503, status: "UNAVAILABLE", message: "The model is overloaded.")])
        #expect(error.status == 503)
        #expect(error.message.contains("The model is overloaded."))
    }

    @Test(arguments: [(429, true), (500, true), (503, true), (504, true), (400, false), (401, false), (403, false), (404, false), (502, false)])
    func retryable_areRateLimitsAndTransientServerErrors(status: Int, retryable: Bool) {
        #expect(GeminiTranslation.isRetryable(status: status) == retryable)
    }
}
