import Testing
@testable import HolySheepCore

@Suite struct GeminiResponseTests {
    static let id = "chatcmpl-gem123"

    func complete(_ response: JSON) -> JSON {
        GeminiTranslation.chatCompletion(fromGenerateContent: response, model: "gemini-2.5-flash", id: Self.id, created: 1_760_000_000)
    }

    @Test func textAnswer_becomesAChatCompletionWithTheTextJoined() throws {
        let completion = complete(try GeminiFixtures.json("generate-content-text.json"))
        #expect(completion == [
            "id": "chatcmpl-gem123",
            "object": "chat.completion",
            "created": 1_760_000_000,
            "model": "gemini-2.5-flash",
            "choices": [[
                "index": 0,
                "message": ["role": "assistant", "content": "AI learns patterns from examples, then uses them to make predictions.", "refusal": .null],
                "logprobs": .null,
                "finish_reason": "stop",
            ]],
            "usage": [
                "prompt_tokens": 8, "completion_tokens": 12, "total_tokens": 20,
                "prompt_tokens_details": ["cached_tokens": 0], "completion_tokens_details": ["reasoning_tokens": 0],
            ],
        ])
    }

    @Test func parallelFunctionCalls_becomeToolCallsWithStableIDsAndFinishReasonToolCalls() throws {
        let choice = try #require(complete(try GeminiFixtures.json("generate-content-parallel-function-calls.json"))["choices"]?[0])
        #expect(choice["finish_reason"] == "tool_calls")
        #expect(choice["message"]?["content"] == .null)
        let ids = (0..<3).map { GeminiToolCalls.id(completionID: Self.id, choiceIndex: 0, callIndex: $0) }
        #expect(choice["message"]?["tool_calls"] == [
            ["id": .string(ids[0]), "type": "function", "function": ["name": "power_disco_ball", "arguments": #"{"power":true}"#],
             "extra_content": ["google": ["thought_signature": "CiQBVKhc7example-signature-of-the-first-call"]]],
            ["id": .string(ids[1]), "type": "function", "function": ["name": "start_music", "arguments": #"{"energetic":true,"loud":true}"#]],
            ["id": .string(ids[2]), "type": "function", "function": ["name": "dim_lights", "arguments": #"{"brightness":0.5}"#]],
        ])
    }

    @Test func toolCallIDs_lookLikeOpenAIs_areStable_andDifferPerCallChoiceAndCompletion() {
        let id = GeminiToolCalls.id(completionID: "chatcmpl-a", choiceIndex: 0, callIndex: 0)
        #expect(id.hasPrefix("call_") && id.count == 29)
        #expect(id.dropFirst(5).allSatisfy { $0.isHexDigit })
        #expect(id == GeminiToolCalls.id(completionID: "chatcmpl-a", choiceIndex: 0, callIndex: 0))
        let others = [
            GeminiToolCalls.id(completionID: "chatcmpl-a", choiceIndex: 0, callIndex: 1),
            GeminiToolCalls.id(completionID: "chatcmpl-a", choiceIndex: 1, callIndex: 0),
            GeminiToolCalls.id(completionID: "chatcmpl-b", choiceIndex: 0, callIndex: 0),
        ]
        #expect(Set(others + [id]).count == 4)
    }

    @Test func toolCallsAnswered_thenReplayed_comeBackAsTheSameFunctionCalls() throws {
        let gemini = try GeminiFixtures.json("generate-content-parallel-function-calls.json")
        let message = try #require(complete(gemini)["choices"]?[0]?["message"])
        let toolCalls = try #require(message["tool_calls"]?.arrayValue)
        var messages: [JSON] = [["role": "user", "content": "Turn this place into a party!"], message]
        for call in toolCalls {
            let callID = try #require(call["id"])
            messages.append(["role": "tool", "tool_call_id": callID, "content": #"{"ok":true}"#])
        }
        let request = try GeminiTranslation.generateContentRequest(fromChat: ["model": "gemini-2.5-flash", "messages": .array(messages)])
        let originalParts = try #require(gemini["candidates"]?[0]?["content"]?["parts"])
        #expect(request["contents"]?[1] == ["role": "model", "parts": originalParts])
        #expect(request["contents"]?[2]?["parts"]?.arrayValue?.compactMap { $0["functionResponse"]?["name"]?.stringValue }
            == ["power_disco_ball", "start_music", "dim_lights"])
    }

    @Test func thoughtParts_areDropped_andUsageCountsCachedAndThinkingTokens() throws {
        let response = try GeminiFixtures.json("generate-content-thinking-cached.json")
        let completion = complete(response)
        #expect(completion["choices"]?[0]?["message"]?["content"] == "The capital of France is Paris.")
        #expect(completion["usage"] == [
            "prompt_tokens": 2100, "completion_tokens": 80, "total_tokens": 2180,
            "prompt_tokens_details": ["cached_tokens": 2048], "completion_tokens_details": ["reasoning_tokens": 72],
        ])
        #expect(GeminiTranslation.tokenUsage(fromUsageMetadata: response["usageMetadata"])
            == TokenUsage(promptTokens: 2100, completionTokens: 80, cachedTokens: 2048))
    }

    @Test func toolUsePromptTokens_countAsPromptTokens() {
        let usage = GeminiTranslation.tokenUsage(fromUsageMetadata: ["promptTokenCount": 10, "toolUsePromptTokenCount": 5, "candidatesTokenCount": 3])
        #expect(usage == TokenUsage(promptTokens: 15, completionTokens: 3))
        #expect(GeminiTranslation.tokenUsage(fromUsageMetadata: nil) == nil)
    }

    @Test(arguments: [
        ("STOP", "stop"), ("MAX_TOKENS", "length"), ("SAFETY", "content_filter"), ("RECITATION", "content_filter"),
        ("BLOCKLIST", "content_filter"), ("PROHIBITED_CONTENT", "content_filter"), ("SPII", "content_filter"),
        ("IMAGE_SAFETY", "content_filter"), ("LANGUAGE", "stop"), ("OTHER", "stop"), ("MALFORMED_FUNCTION_CALL", "stop"),
        ("FINISH_REASON_UNSPECIFIED", "stop"),
    ])
    func finishReason_isMappedToOpenAIs(gemini: String, openAI: String) {
        let response: JSON = ["candidates": [["content": ["role": "model", "parts": [["text": "…"]]], "finishReason": .string(gemini)]]]
        #expect(complete(response)["choices"]?[0]?["finish_reason"] == .string(openAI))
    }

    @Test(arguments: [("STOP", "tool_calls"), ("MAX_TOKENS", "length"), ("SAFETY", "content_filter"), ("OTHER", "tool_calls")])
    func finishReason_withFunctionCalls_isToolCallsUnlessTruncatedOrFiltered(gemini: String, openAI: String) {
        let response: JSON = ["candidates": [[
            "content": ["role": "model", "parts": [["functionCall": ["name": "f", "args": [:]]]]], "finishReason": .string(gemini),
        ]]]
        #expect(complete(response)["choices"]?[0]?["finish_reason"] == .string(openAI))
    }

    @Test func severalCandidates_becomeChoicesByIndex() {
        let response: JSON = ["candidates": [
            ["content": ["role": "model", "parts": [["text": "Second"]]], "finishReason": "STOP", "index": 1],
            ["content": ["role": "model", "parts": [["text": "First"]]], "finishReason": "MAX_TOKENS"],
        ]]
        let choices = complete(response)["choices"]?.arrayValue ?? []
        #expect(choices.map { $0["index"] } == [0, 1])
        #expect(choices.map { $0["message"]?["content"] } == ["First", "Second"])
        #expect(choices.map { $0["finish_reason"] } == ["length", "stop"])
    }

    @Test func blockedPrompt_isA400ContentFilterNamingTheReasonAndTheFlaggedCategory() throws {
        let response = try GeminiFixtures.json("generate-content-prompt-blocked.json")
        let error = try #require(GeminiTranslation.promptBlocked(response))
        #expect(error.status == 400)
        #expect(error.code == "content_filter")
        #expect(error.param == "messages")
        #expect(error.message.contains("blockReason SAFETY"))
        #expect(error.message.contains("HARM_CATEGORY_DANGEROUS_CONTENT HIGH"))
        #expect(!error.message.contains("HARM_CATEGORY_HARASSMENT"))
        #expect(error.message.contains("Rephrase"))
    }

    @Test func blockedPrompt_translatedAnyway_isOneEmptyChoiceFinishedByContentFilter() throws {
        let completion = complete(try GeminiFixtures.json("generate-content-prompt-blocked.json"))
        #expect(completion["choices"] == [[
            "index": 0, "message": ["role": "assistant", "content": .null, "refusal": .null], "logprobs": .null, "finish_reason": "content_filter",
        ]])
        #expect(completion["usage"]?["prompt_tokens"] == 11)
    }

    @Test func answerThatWasNotBlocked_isNoPromptError() throws {
        #expect(GeminiTranslation.promptBlocked(try GeminiFixtures.json("generate-content-text.json")) == nil)
        #expect(GeminiTranslation.promptBlocked(["promptFeedback": ["blockReason": "BLOCK_REASON_UNSPECIFIED"]]) == nil)
    }
}
