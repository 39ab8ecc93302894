import Testing
@testable import HolySheepCore

/// OpenAI `chat.completion` and its stream → Anthropic message and Anthropic stream events.
@Suite struct AnthropicInboundResponseTests {
    @Test func message_fromACompletionWithToolCalls_hasToolUseBlocksWithIdsAndTheToolUseStopReason() throws {
        let message = AnthropicTranslation.message(fromChatCompletion: try AnthropicFixtures.json("chat-completion-tool-calls.json"), model: "claude-sonnet-4.5")
        #expect(message == [
            "id": "msg_B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4.5",
            "content": [
                ["type": "text", "text": "Let me look both up."],
                ["type": "tool_use", "id": "call_weather_paris", "name": "get_weather", "input": ["location": "Paris, France"]],
                ["type": "tool_use", "id": "call_time_paris", "name": "get_time", "input": ["timezone": "Europe/Paris"]],
            ],
            "stop_reason": "tool_use",
            "stop_sequence": nil,
            "usage": ["input_tokens": 93, "output_tokens": 46, "cache_read_input_tokens": 1024, "cache_creation_input_tokens": 0],
        ])
    }

    @Test(arguments: [("stop", "end_turn"), ("length", "max_tokens"), ("tool_calls", "tool_use"), ("content_filter", "refusal")])
    func message_withFinishReason_givesAnthropicsStopReason(finishReason: String, stopReason: String) {
        let message = AnthropicTranslation.message(
            fromChatCompletion: ["id": "chatcmpl-1", "choices": [["message": ["role": "assistant", "content": "x"], "finish_reason": .string(finishReason)]]],
            model: "m")
        #expect(message["stop_reason"] == .string(stopReason))
    }

    @Test func message_withMalformedToolArguments_givesAnEmptyInputObject() {
        let message = AnthropicTranslation.message(
            fromChatCompletion: ["id": "chatcmpl-1", "choices": [["message": ["role": "assistant", "content": nil, "tool_calls": [
                ["id": "call_1", "type": "function", "function": ["name": "f", "arguments": "{\"a\": "]],
            ]], "finish_reason": "tool_calls"]]],
            model: "m")
        #expect(message["content"] == [["type": "tool_use", "id": "call_1", "name": "f", "input": [:]]])
    }

    func streamEvents(_ fixture: String) throws -> (events: [(event: String, data: JSON)], stream: AnthropicMessageStream) {
        var stream = AnthropicMessageStream(model: "claude-sonnet-4.5")
        var events: [(event: String, data: JSON)] = []
        for (_, chunk) in try AnthropicFixtures.events(fixture) { events += stream.feed(chunk: chunk) }
        events += stream.finish()
        return (events, stream)
    }

    @Test func messageStream_fromAnOpenAIToolCallStream_emitsAnthropicsEventSequence() throws {
        let (events, stream) = try streamEvents("chat-stream-tool-calls.sse")
        #expect(events.map { $0.event } == [
            "message_start",
            "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_stop",
            "message_delta", "message_stop",
        ])
        #expect(events.allSatisfy { $0.data["type"] == .string($0.event) })
        #expect(events[0].data["message"]?["id"] == "msg_C2ToolStream")
        #expect(events[0].data["message"]?["model"] == "claude-sonnet-4.5")
        #expect(events[0].data["message"]?["content"] == [])
        #expect(events[1].data == ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]])
        #expect(events[5].data["content_block"] == ["type": "tool_use", "id": "call_weather_paris", "name": "get_weather", "input": [:]])
        #expect(events[9].data["index"] == 2)
        #expect(events[12].data == [
            "type": "message_delta", "delta": ["stop_reason": "tool_use", "stop_sequence": nil],
            "usage": ["input_tokens": 93, "output_tokens": 46, "cache_read_input_tokens": 1024, "cache_creation_input_tokens": 0],
        ])
        #expect(stream.usage == TokenUsage(promptTokens: 1117, completionTokens: 46, cachedTokens: 1024))
    }

    @Test func messageStream_argumentFragments_reassembleIntoEachToolsInput() throws {
        let (events, _) = try streamEvents("chat-stream-tool-calls.sse")
        let message = Self.accumulate(events)
        #expect(message["content"] == [
            ["type": "text", "text": "Let me look both up."],
            ["type": "tool_use", "id": "call_weather_paris", "name": "get_weather", "input": ["location": "Paris, France"]],
            ["type": "tool_use", "id": "call_time_paris", "name": "get_time", "input": ["timezone": "Europe/Paris"]],
        ])
    }

    @Test func messageStream_finishedTwiceOrEmpty_staysWellFormed() {
        var stream = AnthropicMessageStream(model: "m")
        let events = stream.finish()
        #expect(events.map { $0.event } == ["message_start", "message_delta", "message_stop"])
        #expect(events[1].data["delta"]?["stop_reason"] == "end_turn")
        #expect(stream.finish().isEmpty)
    }

    /// Anthropic stream → OpenAI chunks → Anthropic stream: what a client of each API reassembles is the same.
    @Test func bothStreams_chained_carryTheDocToolUseStreamThroughUnchanged() throws {
        var upstream = AnthropicChatStream(model: "claude-sonnet-4.5", created: 0, jsonMode: false)
        var downstream = AnthropicMessageStream(model: "claude-sonnet-4.5")
        var events: [(event: String, data: JSON)] = []
        for (event, data) in try AnthropicFixtures.events("stream-tool-use.sse") {
            for chunk in upstream.feed(event: event, data: data) { events += downstream.feed(chunk: chunk) }
        }
        for chunk in upstream.finish(includeUsage: true) { events += downstream.feed(chunk: chunk) }
        events += downstream.finish()
        let message = Self.accumulate(events)
        #expect(message["content"] == [
            ["type": "text", "text": "Okay, let's check the weather for San Francisco, CA:"],
            ["type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather", "input": ["location": "San Francisco, CA", "unit": "fahrenheit"]],
        ])
        #expect(message["stop_reason"] == "tool_use")
        #expect(message["usage"]?["input_tokens"] == 472)
        #expect(message["usage"]?["output_tokens"] == 89)
    }

    /// Rebuilds the final message from Anthropic events, as the `anthropic` SDKs' stream accumulators do.
    static func accumulate(_ events: [(event: String, data: JSON)]) -> JSON {
        var message: JSON = [:]
        var content: [JSON] = []
        var partialJSON: [Int: String] = [:]
        for (event, data) in events {
            switch event {
            case "message_start":
                message = data["message"] ?? [:]
            case "content_block_start":
                content.append(data["content_block"] ?? [:])
            case "content_block_delta":
                let index = data["index"]?.intValue ?? 0
                if let text = data["delta"]?["text"]?.stringValue {
                    content[index]["text"] = .string((content[index]["text"]?.stringValue ?? "") + text)
                }
                if let fragment = data["delta"]?["partial_json"]?.stringValue { partialJSON[index, default: ""] += fragment }
            case "content_block_stop":
                let index = data["index"]?.intValue ?? 0
                if let json = partialJSON[index] { content[index]["input"] = (try? JSON(parsing: json)) ?? .null }
            case "message_delta":
                message["stop_reason"] = data["delta"]?["stop_reason"]
                message["usage"] = data["usage"]
            default:
                break
            }
        }
        message["content"] = .array(content)
        return message
    }
}
