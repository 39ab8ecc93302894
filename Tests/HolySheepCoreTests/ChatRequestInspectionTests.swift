import Testing
@testable import HolySheepCore

@Suite struct ChatRequestInspectionTests {
    func inspect(_ text: String) throws -> ChatRequestInspection {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { buffer in try ChatRequestInspection(body: buffer) }
    }

    func rewrite(_ text: String, to model: String) throws -> String {
        let bytes = Array(text.utf8)
        let inspection = try inspect(text)
        return String(decoding: bytes.withUnsafeBytes { inspection.upstreamBody(from: $0, upstreamModel: model) }, as: UTF8.self)
    }

    @Test func upstreamBody_rewritesOnlyTheModel() throws {
        let body = #"{ "model" : "gpt-4.1", "messages":[{"role":"user","content":"hé \"model\": x"}], "temperature": 0.2, "tools": [] }"#
        #expect(try rewrite(body, to: "gpt-4.1-2025-04-14")
            == #"{ "model" : "gpt-4.1-2025-04-14", "messages":[{"role":"user","content":"hé \"model\": x"}], "temperature": 0.2, "tools": [] }"#)
    }

    @Test func streamWithoutUsage_asksUpstreamForUsage() throws {
        let body = #"{"model":"m","messages":[],"stream":true}"#
        #expect(try inspect(body).injectsUsage)
        #expect(try rewrite(body, to: "u") == #"{"model":"u","messages":[],"stream":true,"stream_options":{"include_usage":true}}"#)
    }

    @Test func streamOptionsWithoutIncludeUsage_keepsTheOtherOptions() throws {
        let body = #"{"model":"m","messages":[],"stream":true,"stream_options":{"include_obfuscation":false,"include_usage":false}}"#
        #expect(try rewrite(body, to: "u")
            == #"{"model":"u","messages":[],"stream":true,"stream_options":{"include_obfuscation":false,"include_usage":true}}"#)
    }

    @Test func streamWithUsageRequested_isLeftAsIs() throws {
        let body = #"{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true}}"#
        let inspection = try inspect(body)
        #expect(inspection.includeUsage && !inspection.injectsUsage)
        #expect(try rewrite(body, to: "m") == body)
    }

    @Test func maxTokens_prefersMaxCompletionTokens() throws {
        #expect(try inspect(#"{"model":"m","messages":[],"max_tokens":10,"max_completion_tokens":20}"#).maxTokens == 20)
        #expect(try inspect(#"{"model":"m","messages":[],"max_tokens":10}"#).maxTokens == 10)
    }

    @Test(arguments: [
        (#"{"messages":[]}"#, "missing_required_field", "model"),
        (#"{"model":"m"}"#, "missing_required_field", "messages"),
        (#"{"model":3,"messages":[]}"#, "invalid_field", "model"),
        (#"{"model":"m","messages":"hi"}"#, "invalid_field", "messages"),
        (#"{"model":"m","messages":[],"stream":"yes"}"#, "invalid_field", "stream"),
        (#"{"model":"m","messages":[],"max_tokens":-1}"#, "invalid_field", "max_tokens"),
        (#"{"model":"m","messages":[}"#, "invalid_json", nil),
    ] as [(String, String, String?)])
    func badRequests_sayWhichField(body: String, code: String, param: String?) {
        #expect {
            _ = try inspect(body)
        } throws: { error in
            let error = error as! APIError
            return error.status == 400 && error.code == code && error.param == param
        }
    }
}
