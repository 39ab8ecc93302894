import Testing
@testable import HolySheepCore

/// Anthropic Messages stream → OpenAI `chat.completion.chunk`s.
@Suite struct AnthropicChatStreamTests {
    func run(_ fixture: String, jsonMode: Bool = false) throws -> (chunks: [JSON], stream: AnthropicChatStream) {
        var stream = AnthropicChatStream(model: "claude-sonnet-4.5", created: 1_700_000_000, jsonMode: jsonMode)
        var chunks: [JSON] = []
        for (event, data) in try AnthropicFixtures.events(fixture) {
            chunks += stream.feed(event: event, data: data)
        }
        return (chunks, stream)
    }

    @Test func chatStream_fromTheDocTextStream_sendsTheRoleThenTheTextThenTheFinishReason() throws {
        var (chunks, stream) = try run("stream-text.sse")
        #expect(chunks.count == 4)
        #expect(chunks.allSatisfy { $0["object"] == "chat.completion.chunk" && $0["model"] == "claude-sonnet-4.5" })
        #expect(chunks.allSatisfy { $0["id"] == "chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY" && $0["created"] == 1_700_000_000 })
        #expect(chunks[0]["choices"]?[0]?["delta"] == ["role": "assistant", "content": ""])
        #expect(chunks.streamedContent == "Hello!")
        #expect(chunks[3]["choices"]?[0] == ["index": 0, "delta": [:], "logprobs": nil, "finish_reason": "stop"])
        #expect(chunks.dropLast().allSatisfy { $0["choices"]?[0]?["finish_reason"] == .null })
        #expect(stream.usage == TokenUsage(promptTokens: 25, completionTokens: 15))
        #expect(stream.finishReason == "stop")

        let usageChunks = stream.finish(includeUsage: true)
        #expect(usageChunks.count == 1)
        #expect(usageChunks[0]["choices"] == [])
        #expect(usageChunks[0]["usage"] == ["prompt_tokens": 25, "completion_tokens": 15, "total_tokens": 40, "prompt_tokens_details": ["cached_tokens": 0]])
    }

    @Test func chatStream_withoutIncludeUsage_finishSendsNothing() throws {
        var (_, stream) = try run("stream-text.sse")
        #expect(stream.finish(includeUsage: false).isEmpty)
    }

    @Test func chatStream_fromTheDocToolUseStream_sendsTheToolCallIdAndNameFirstThenArgumentFragments() throws {
        let (chunks, stream) = try run("stream-tool-use.sse")
        #expect(chunks.streamedContent == "Okay, let's check the weather for San Francisco, CA:")
        let toolDeltas = chunks.deltas.compactMap { $0["tool_calls"]?[0] }
        #expect(toolDeltas.first == ["index": 0, "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "type": "function", "function": ["name": "get_weather", "arguments": ""]])
        #expect(toolDeltas.dropFirst().allSatisfy { $0["id"] == nil && $0["function"]?["name"] == nil && $0["index"] == 0 })
        #expect(toolDeltas.count == 9)  // the name, then eight non-empty fragments (the empty first fragment is not sent)
        let calls = chunks.streamedToolCalls
        #expect(calls.count == 1)
        #expect(try JSON(parsing: calls[0].arguments) == ["location": "San Francisco, CA", "unit": "fahrenheit"])
        #expect(stream.finishReason == "tool_calls")
        #expect(stream.usage == TokenUsage(promptTokens: 472, completionTokens: 89))
    }

    @Test func chatStream_withParallelToolCallsAndCacheReads_indexesTheCallsAndCountsTheCache() throws {
        var (chunks, stream) = try run("stream-parallel-tool-use.sse")
        let calls = chunks.streamedToolCalls
        #expect(calls.map { $0.id } == ["toolu_01WeatherSF", "toolu_01TimeSF"])
        #expect(calls.map { $0.name } == ["get_weather", "get_time"])
        #expect(try JSON(parsing: calls[0].arguments) == ["location": "San Francisco, CA"])
        #expect(try JSON(parsing: calls[1].arguments) == ["timezone": "America/Los_Angeles"])
        #expect(chunks.streamedContent.isEmpty)  // the thinking block is not sent
        #expect(stream.usage == TokenUsage(promptTokens: 3040, completionTokens: 61, cachedTokens: 3000))
        #expect(stream.finish(includeUsage: true).first?["usage"]?["prompt_tokens_details"] == ["cached_tokens": 3000])
    }

    @Test func chatStream_inJSONMode_streamsTheJSONToolInputAsContentAndFinishesWithStop() {
        var stream = AnthropicChatStream(model: "m", created: 0, jsonMode: true)
        var chunks: [JSON] = []
        chunks += stream.feed(event: "message_start", data: ["type": "message_start", "message": ["id": "msg_j", "usage": ["input_tokens": 10, "output_tokens": 1]]])
        chunks += stream.feed(event: "content_block_start", data: ["index": 0, "content_block": ["type": "tool_use", "id": "toolu_j", "name": "json_response", "input": [:]]])
        chunks += stream.feed(event: "content_block_delta", data: ["index": 0, "delta": ["type": "input_json_delta", "partial_json": "{\"title\": "]])
        chunks += stream.feed(event: "content_block_delta", data: ["index": 0, "delta": ["type": "input_json_delta", "partial_json": "\"Episode 1\"}"]])
        chunks += stream.feed(event: "content_block_stop", data: ["index": 0])
        chunks += stream.feed(event: "message_delta", data: ["delta": ["stop_reason": "tool_use"], "usage": ["output_tokens": 12]])
        #expect(chunks.streamedContent == "{\"title\": \"Episode 1\"}")
        #expect(chunks.streamedToolCalls.isEmpty)
        #expect(chunks.last?["choices"]?[0]?["finish_reason"] == "stop")
    }

    @Test func chatStream_withAToolCalledWithoutArguments_sendsAnEmptyObject() {
        var stream = AnthropicChatStream(model: "m", created: 0, jsonMode: false)
        var chunks = stream.feed(event: "message_start", data: ["message": ["id": "msg_e"]])
        chunks += stream.feed(event: "content_block_start", data: ["index": 0, "content_block": ["type": "tool_use", "id": "toolu_e", "name": "list_scenes", "input": [:]]])
        chunks += stream.feed(event: "content_block_stop", data: ["index": 0])
        #expect(chunks.streamedToolCalls.first?.arguments == "{}")
    }

    @Test func chatStream_withAnErrorEvent_reportsItAsUpstreamOverloadedAndSendsNoChunk() throws {
        var stream = AnthropicChatStream(model: "m", created: 0, jsonMode: false)
        _ = stream.feed(event: "message_start", data: ["message": ["id": "msg_x"]])
        let chunks = stream.feed(event: "error", data: try JSON(parsing: #"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#))
        #expect(chunks.isEmpty)
        #expect(stream.error?.status == 503)
        #expect(stream.error?.code == "upstream_overloaded")
        #expect(stream.error?.message.contains("Overloaded") == true)
    }

    @Test func chatStream_withEventNamesMissing_readsTheTypeFromTheData() throws {
        var stream = AnthropicChatStream(model: "m", created: 0, jsonMode: false)
        var chunks: [JSON] = []
        for (_, data) in try AnthropicFixtures.events("stream-text.sse") { chunks += stream.feed(event: "", data: data) }
        #expect(chunks.streamedContent == "Hello!")
    }
}
