import Testing
@testable import HolySheepCore

/// Anthropic Messages request (a client of our Messages API) → OpenAI chat request.
@Suite struct AnthropicInboundRequestTests {
    func translate(_ fields: [String: JSON]) throws -> JSON {
        var request = fields
        request["model"] = request["model"] ?? "claude-sonnet-4.5"
        request["max_tokens"] = request["max_tokens"] ?? 256
        request["messages"] = request["messages"] ?? [["role": "user", "content": "Hello"]]
        return try AnthropicTranslation.chatRequest(fromMessages: .object(request))
    }

    func refusal(_ fields: [String: JSON]) -> APIError? {
        do {
            _ = try translate(fields)
            return nil
        } catch {
            return error as? APIError
        }
    }

    @Test func chatRequest_withSystemImagesAndAToolRoundTrip_matchesTheGoldenOpenAIRequest() throws {
        let request = try AnthropicTranslation.chatRequest(fromMessages: try AnthropicFixtures.json("messages-request-inbound.json"))
        #expect(request == (try AnthropicFixtures.json("chat-request-inbound.expected.json")))
    }

    @Test(arguments: [
        (["type": "auto"], "auto", nil),
        (["type": "any"], "required", nil),
        (["type": "none"], "none", nil),
        (["type": "tool", "name": "get_weather"], ["type": "function", "function": ["name": "get_weather"]], nil),
        (["type": "auto", "disable_parallel_tool_use": true], "auto", false),
    ] as [(JSON, JSON, JSON?)])
    func chatRequest_withToolChoice_mapsToOpenAIsToolChoice(choice: JSON, expected: JSON, parallel: JSON?) throws {
        let tools: JSON = [["name": "get_weather", "input_schema": ["type": "object"]]]
        let request = try translate(["tools": tools, "tool_choice": choice])
        #expect(request["tool_choice"] == expected)
        #expect(request["parallel_tool_calls"] == parallel)
        #expect(request["tools"] == [["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object"]]]])
    }

    @Test func chatRequest_withoutStream_asksForNoStreamOptions() throws {
        let request = try translate([:])
        #expect(request["stream"] == nil)
        #expect(request["stream_options"] == nil)
        #expect(request["messages"] == [["role": "user", "content": "Hello"]])
    }

    @Test func chatRequest_withoutMaxTokens_isRefusedAsAnthropicWould() throws {
        var error: APIError?
        do {
            _ = try AnthropicTranslation.chatRequest(fromMessages: ["model": "m", "messages": []])
        } catch let caught {
            error = caught
        }
        let refused = try #require(error)
        #expect(refused.param == "max_tokens")
        #expect(refused.code == "missing_required_field")
    }

    @Test func chatRequest_withAServerTool_isRefusedNamingIt() throws {
        let error = try #require(refusal(["tools": [["type": "web_search_20250305", "name": "web_search"]]]))
        #expect(error.param == "tools[0].type")
        #expect(error.message.contains("web_search_20250305"))
    }

    @Test func chatRequest_withTopK_isRefusedSayingWhatToUseInstead() throws {
        let error = try #require(refusal(["top_k": 40]))
        #expect(error.param == "top_k")
        #expect(error.message.contains("top_p"))
    }

    @Test func chatRequest_withAFailedToolResultAndAnImageInIt_marksTheErrorAndMovesTheImageToTheUserMessage() throws {
        let request = try translate([
            "messages": [
                ["role": "user", "content": "Render the frame."],
                ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_1", "name": "render", "input": ["shot": 3]]]],
                ["role": "user", "content": [[
                    "type": "tool_result", "tool_use_id": "toolu_1", "is_error": true,
                    "content": [["type": "text", "text": "timeout"], ["type": "image", "source": ["type": "url", "url": "https://example.com/partial.png"]]],
                ]]],
            ],
        ])
        let messages = request["messages"]?.arrayValue ?? []
        #expect(messages.map { $0["role"]?.stringValue } == ["user", "assistant", "tool", "user"])
        #expect(messages[1] == ["role": "assistant", "content": nil, "tool_calls": [
            ["id": "toolu_1", "type": "function", "function": ["name": "render", "arguments": #"{"shot":3}"#]],
        ]])
        #expect(messages[2] == ["role": "tool", "tool_call_id": "toolu_1", "content": "Error: timeout"])
        #expect(messages[3]["content"] == [["type": "image_url", "image_url": ["url": "https://example.com/partial.png"]]])
    }

    @Test func chatRequest_withThinkingBlocksAndStructuredOutput_dropsTheThinkingAndAsksForTheSchema() throws {
        let schema: JSON = ["type": "object", "properties": ["title": ["type": "string"]]]
        let request = try translate([
            "thinking": ["type": "enabled", "budget_tokens": 2048],
            "output_config": ["format": ["type": "json_schema", "schema": schema]],
            "messages": [
                ["role": "user", "content": "Title?"],
                ["role": "assistant", "content": [["type": "thinking", "thinking": "hmm", "signature": "sig"], ["type": "text", "text": "Rain"]]],
                ["role": "user", "content": "Again, as JSON."],
            ],
        ])
        #expect(request["messages"]?[1] == ["role": "assistant", "content": "Rain"])
        #expect(request["response_format"] == ["type": "json_schema", "json_schema": ["name": "response", "schema": schema]])
        #expect(request["thinking"] == nil)
    }

    @Test func chatRequest_thenMessagesRequest_roundTripsToolsIdsAndImages() throws {
        let original = try AnthropicFixtures.json("messages-request-inbound.json")
        let chat = try AnthropicTranslation.chatRequest(fromMessages: original)
        let again = try AnthropicTranslation.messagesRequest(fromChat: chat, upstreamModel: "claude-sonnet-4-5")
        #expect(again["system"] == "You are a weather assistant.")
        #expect(again["tools"] == original["tools"])
        #expect(again["tool_choice"] == ["type": "any", "disable_parallel_tool_use": true])
        #expect(again["messages"]?[0]?["content"] == original["messages"]?[0]?["content"])
        #expect(again["messages"]?[1]?["content"] == original["messages"]?[1]?["content"])
        #expect(again["messages"]?[2]?["content"] == original["messages"]?[2]?["content"])
        #expect(again["stop_sequences"] == ["END"])
        #expect(again["metadata"] == ["user_id": "user-42"])
    }
}
