import Testing
@testable import HolySheepCore

/// Anthropic message → OpenAI `chat.completion`.
@Suite struct AnthropicResponseTranslationTests {
    func completion(_ fixture: String) throws -> JSON {
        AnthropicTranslation.chatCompletion(fromMessage: try AnthropicFixtures.json(fixture), model: "claude-sonnet-4.5", created: 1_700_000_000)
    }

    @Test func chatCompletion_fromTheDocTextMessage_isAnOpenAICompletionUnderThePublicModelName() throws {
        let completion = try completion("message-text.json")
        #expect(completion == [
            "id": "chatcmpl-msg_013Zva2CMHLNnXjNJJKqJ2EF",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "claude-sonnet-4.5",
            "choices": [[
                "index": 0,
                "message": ["role": "assistant", "content": "Hi! My name is Claude.", "refusal": nil],
                "logprobs": nil,
                "finish_reason": "stop",
            ]],
            "usage": ["prompt_tokens": 2095, "completion_tokens": 503, "total_tokens": 2598, "prompt_tokens_details": ["cached_tokens": 0]],
        ])
    }

    @Test func chatCompletion_withCacheTokens_countsThemInThePromptAndReportsCacheReadsAsCached() throws {
        let usage = try completion("message-cached-usage.json")["usage"]
        #expect(usage == ["prompt_tokens": 12_050, "completion_tokens": 300, "total_tokens": 12_350, "prompt_tokens_details": ["cached_tokens": 10_000]])
        let tokens = AnthropicTranslation.tokenUsage(anthropic: try AnthropicFixtures.json("message-cached-usage.json")["usage"])
        #expect(tokens == TokenUsage(promptTokens: 12_050, completionTokens: 300, cachedTokens: 10_000))
    }

    @Test func chatCompletion_fromTheDocToolUseMessage_hasTheToolCallWithItsIdAndArgumentString() throws {
        let message = try completion("message-tool-use.json")["choices"]?[0]?["message"]
        #expect(message?["content"] == "I'll check the current weather in San Francisco for you.")
        #expect(message?["tool_calls"] == [[
            "id": "toolu_01A09q90qw90lq917835lq9", "type": "function",
            "function": ["name": "get_weather", "arguments": #"{"location":"San Francisco, CA","unit":"celsius"}"#],
        ]])
        #expect(try completion("message-tool-use.json")["choices"]?[0]?["finish_reason"] == "tool_calls")
    }

    @Test func chatCompletion_withParallelToolUseAndThinking_keepsBothCallsInOrderAndDropsTheThinking() throws {
        let message = try completion("message-parallel-tool-use.json")["choices"]?[0]?["message"]
        #expect(message?["content"] == "I'll check the weather and the time in San Francisco.")
        let calls = message?["tool_calls"]?.arrayValue ?? []
        #expect(calls.compactMap { $0["id"]?.stringValue } == ["toolu_01WeatherSF", "toolu_01TimeSF"])
        #expect(calls.compactMap { $0["function"]?["name"]?.stringValue } == ["get_weather", "get_time"])
        #expect(calls[1]["function"]?["arguments"] == #"{"timezone":"America/Los_Angeles"}"#)
        #expect(!(message?.text.contains("independent") ?? true))
    }

    @Test func chatCompletion_withOnlyToolCalls_hasNullContent() throws {
        let message = AnthropicTranslation.chatCompletion(
            fromMessage: ["id": "msg_1", "content": [["type": "tool_use", "id": "toolu_1", "name": "f", "input": [:]]], "stop_reason": "tool_use"],
            model: "m", created: 0)["choices"]?[0]?["message"]
        #expect(message?["content"] == .null)
        #expect(message?["tool_calls"]?[0]?["function"]?["arguments"] == "{}")
    }

    @Test func chatCompletion_fromTheJSONResponseTool_returnsTheJSONAsContentWithStop() throws {
        let choice = try completion("message-json-response.json")["choices"]?[0]
        #expect(choice?["finish_reason"] == "stop")
        #expect(choice?["message"]?["tool_calls"] == nil)
        let content = try #require(choice?["message"]?["content"]?.stringValue)
        #expect(try JSON(parsing: content) == ["shots": [["camera": "close-up", "line": "You came back."]], "title": "Episode 1"])
    }

    @Test(arguments: [
        ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"),
        ("refusal", "content_filter"), ("pause_turn", "stop"), ("model_context_window_exceeded", "length"),
    ])
    func chatCompletion_withStopReason_givesOpenAIsFinishReason(stopReason: String, finishReason: String) {
        let completion = AnthropicTranslation.chatCompletion(
            fromMessage: ["id": "msg_1", "content": [["type": "text", "text": "x"]], "stop_reason": .string(stopReason)],
            model: "m", created: 0)
        #expect(completion["choices"]?[0]?["finish_reason"] == .string(finishReason))
    }
}
