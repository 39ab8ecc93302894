import Testing
@testable import HolySheepCore

/// OpenAI chat request → Anthropic Messages request.
@Suite struct AnthropicRequestTranslationTests {
    static let model = "claude-sonnet-4.5"

    func translate(_ fields: [String: JSON]) throws -> JSON {
        var chat = fields
        chat["model"] = chat["model"] ?? .string(Self.model)
        chat["messages"] = chat["messages"] ?? [["role": "user", "content": "Hello"]]
        return try AnthropicTranslation.messagesRequest(fromChat: .object(chat), upstreamModel: "claude-sonnet-4-5")
    }

    func refusal(_ fields: [String: JSON]) -> APIError? {
        do {
            _ = try translate(fields)
            return nil
        } catch {
            return error as? APIError
        }
    }

    @Test func messagesRequest_withSystemToolsImagesAndToolResults_matchesTheGoldenAnthropicRequest() throws {
        let chat = try AnthropicFixtures.json("chat-request-tools.json")
        let request = try AnthropicTranslation.messagesRequest(fromChat: chat, upstreamModel: "claude-sonnet-4-5")
        #expect(request == (try AnthropicFixtures.json("messages-request-tools.expected.json")))
    }

    @Test func messagesRequest_withSystemAndToolResults_becomesAlternatingAnthropicTurns() throws {
        let request = try translate([
            "messages": [
                ["role": "user", "content": "Plan a shoot."],
                ["role": "system", "content": "Be brief."],
                ["role": "user", "content": "In Shanghai."],
                ["role": "assistant", "content": "Checking the weather.", "tool_calls": [
                    ["id": "call_1", "type": "function", "function": ["name": "weather", "arguments": "{\"city\":\"Shanghai\"}"]],
                ]],
                ["role": "tool", "tool_call_id": "call_1", "content": "Rain"],
                ["role": "assistant", "content": "It rains: shoot indoors."],
                ["role": "assistant", "content": "Anything else?"],
            ],
        ])
        let turns = request["messages"]?.arrayValue ?? []
        #expect(turns.map { $0["role"]?.stringValue } == ["user", "assistant", "user", "assistant"])
        #expect(request["system"] == "Be brief.")
        #expect(turns[0]["content"] == [["type": "text", "text": "Plan a shoot."], ["type": "text", "text": "In Shanghai."]])
        #expect(turns[1]["content"]?[1] == ["type": "tool_use", "id": "call_1", "name": "weather", "input": ["city": "Shanghai"]])
        #expect(turns[2]["content"] == [["type": "tool_result", "tool_use_id": "call_1", "content": "Rain"]])
        #expect(turns[3]["content"]?.arrayValue?.count == 2)
    }

    @Test func messagesRequest_withUserTextBeforeToolResults_putsToolResultsFirstInTheTurn() throws {
        let request = try translate([
            "messages": [
                ["role": "user", "content": "Weather?"],
                ["role": "assistant", "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "weather", "arguments": ""]]]],
                ["role": "user", "content": "Hurry."],
                ["role": "tool", "tool_call_id": "call_1", "content": "Sun"],
            ],
        ])
        let last = request["messages"]?[2]?["content"]
        #expect(last?[0]?["type"] == "tool_result")
        #expect(last?[1] == ["type": "text", "text": "Hurry."])
        #expect(request["messages"]?[1]?["content"]?[0]?["input"] == [:])
    }

    @Test func messagesRequest_withoutMaxTokens_sendsTheDefault() throws {
        #expect(try translate([:])["max_tokens"] == .integer(Int64(AnthropicTranslation.defaultMaxTokens)))
        #expect(AnthropicTranslation.defaultMaxTokens == 4096)
    }

    @Test func messagesRequest_withMaxCompletionTokens_prefersItOverMaxTokens() throws {
        #expect(try translate(["max_tokens": 100, "max_completion_tokens": 200])["max_tokens"] == 200)
        #expect(try translate(["max_tokens": 100])["max_tokens"] == 100)
        #expect(refusal(["max_tokens": 0])?.param == "max_tokens")
    }

    @Test func messagesRequest_withTemperatureAboveOne_isRefusedNamingTemperatureAndTheModel() throws {
        let error = try #require(refusal(["temperature": 1.5]))
        #expect(error.status == 400)
        #expect(error.param == "temperature")
        #expect(error.message.contains("temperature"))
        #expect(error.message.contains(Self.model))
        #expect(error.message.contains("1.5"))
    }

    @Test func messagesRequest_withTemperatureWithinAnthropicsRange_keepsItUnclamped() throws {
        #expect(try translate(["temperature": 1])["temperature"] == 1)
        #expect(try translate(["temperature": 0.7])["temperature"] == 0.7)
        #expect(try translate([:])["temperature"] == nil)
    }

    @Test(arguments: [
        ("n", JSON.integer(2)), ("logprobs", true), ("top_logprobs", 3), ("presence_penalty", 0.5),
        ("frequency_penalty", -0.5), ("logit_bias", ["50256": -100]), ("seed", 42), ("modalities", ["text", "audio"]),
        ("audio", ["voice": "alloy", "format": "wav"]),
    ] as [(String, JSON)])
    func messagesRequest_withAFieldAnthropicCannotHonour_isRefusedNamingTheFieldAndTheModel(field: String, value: JSON) throws {
        let error = try #require(refusal([field: value]))
        #expect(error.status == 400)
        #expect(error.code == "unsupported_parameter")
        #expect(error.param == field)
        #expect(error.message.contains("`\(field)`"))
        #expect(error.message.contains(Self.model))
        #expect(error.message.contains("remove"))
    }

    @Test func messagesRequest_withNoOpValuesOfThoseFields_isAccepted() throws {
        let request = try translate([
            "n": 1, "logprobs": false, "presence_penalty": 0, "frequency_penalty": 0.0, "logit_bias": [:], "seed": nil,
            "modalities": ["text"],
        ])
        #expect(request["messages"]?.arrayValue?.count == 1)
    }

    @Test func messagesRequest_withAudioInput_isRefusedNamingThePart() throws {
        let error = try #require(refusal([
            "messages": [["role": "user", "content": [["type": "input_audio", "input_audio": ["data": "UklGR", "format": "wav"]]]]],
        ]))
        #expect(error.code == "unsupported_parameter")
        #expect(error.param == "messages[0].content[0].input_audio")
    }

    @Test func messagesRequest_withMalformedToolCallArguments_isRefusedNamingTheField() throws {
        let error = try #require(refusal([
            "messages": [
                ["role": "user", "content": "Weather?"],
                ["role": "assistant", "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "weather", "arguments": "{\"city\": "]]]],
            ],
        ]))
        #expect(error.status == 400)
        #expect(error.param == "messages[1].tool_calls[0].function.arguments")
        #expect(error.message.contains("JSON object"))
    }

    @Test(arguments: [
        ("auto", ["type": "auto"]),
        ("required", ["type": "any"]),
        ("none", ["type": "none"]),
        (["type": "function", "function": ["name": "get_weather"]], ["type": "tool", "name": "get_weather"]),
    ] as [(JSON, JSON)])
    func messagesRequest_withToolChoice_mapsToAnthropicsToolChoice(choice: JSON, expected: JSON) throws {
        let request = try translate(["tools": Self.weatherTools, "tool_choice": choice])
        #expect(request["tool_choice"] == expected)
        #expect(request["tools"]?[0] == ["name": "get_weather", "description": "Weather now", "input_schema": ["type": "object", "properties": [:]]])
    }

    @Test func messagesRequest_withParallelToolCallsOff_disablesParallelToolUse() throws {
        let request = try translate(["tools": Self.weatherTools, "tool_choice": "required", "parallel_tool_calls": false])
        #expect(request["tool_choice"] == ["type": "any", "disable_parallel_tool_use": true])
        let withoutChoice = try translate(["tools": Self.weatherTools, "parallel_tool_calls": false])
        #expect(withoutChoice["tool_choice"] == ["type": "auto", "disable_parallel_tool_use": true])
    }

    @Test func messagesRequest_withToolChoiceNamingAnUnknownTool_isRefused() throws {
        let error = try #require(refusal(["tools": Self.weatherTools, "tool_choice": ["type": "function", "function": ["name": "nope"]]]))
        #expect(error.param == "tool_choice.function.name")
        #expect(refusal(["tool_choice": "required"])?.param == "tool_choice")
        #expect(try translate(["tool_choice": "none"])["tool_choice"] == nil)
    }

    @Test func messagesRequest_withJSONSchemaResponseFormat_forcesTheJSONResponseToolWithTheSchema() throws {
        let schema: JSON = ["type": "object", "properties": ["title": ["type": "string"]], "required": ["title"]]
        let request = try translate([
            "response_format": ["type": "json_schema", "json_schema": ["name": "episode", "schema": schema, "strict": true]],
        ])
        #expect(request["tools"]?.arrayValue?.count == 1)
        #expect(request["tools"]?[0]?["name"] == "json_response")
        #expect(request["tools"]?[0]?["input_schema"] == schema)
        #expect(request["tool_choice"] == ["type": "tool", "name": "json_response"])
    }

    @Test func messagesRequest_withJSONObjectResponseFormat_forcesAToolTakingAnyObject() throws {
        let request = try translate(["response_format": ["type": "json_object"]])
        #expect(request["tools"]?[0]?["input_schema"] == ["type": "object"])
        #expect(request["tool_choice"] == ["type": "tool", "name": "json_response"])
        #expect(try translate(["response_format": ["type": "text"]])["tools"] == nil)
    }

    @Test func messagesRequest_withJSONModeAndClientTools_requiresAToolCallOrAJSONAnswer() throws {
        let request = try translate(["tools": Self.weatherTools, "response_format": ["type": "json_object"]])
        #expect(request["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["get_weather", "json_response"])
        #expect(request["tool_choice"] == ["type": "any"])
        let toolsOff = try translate(["tools": Self.weatherTools, "tool_choice": "none", "response_format": ["type": "json_object"]])
        #expect(toolsOff["tools"]?.arrayValue?.count == 1)
        #expect(toolsOff["tool_choice"] == ["type": "tool", "name": "json_response"])
    }

    @Test func messagesRequest_withANonObjectJSONSchema_isRefusedWithAWayOut() throws {
        let error = try #require(refusal([
            "response_format": ["type": "json_schema", "json_schema": ["name": "list", "schema": ["type": "array"]]],
        ]))
        #expect(error.param == "response_format.json_schema.schema")
        #expect(error.message.contains("Wrap it in an object"))
    }

    @Test func messagesRequest_withAToolNamedJSONResponse_isRefused() throws {
        let tools: JSON = [["type": "function", "function": ["name": "json_response"]]]
        #expect(refusal(["tools": tools])?.param == "tools[0].function.name")
    }

    @Test(arguments: [
        ("END", ["END"]), (["a", "b"], ["a", "b"]), (nil, nil),
    ] as [(JSON, JSON?)])
    func messagesRequest_withStop_sendsStopSequences(stop: JSON, expected: JSON?) throws {
        #expect(try translate(["stop": stop])["stop_sequences"] == expected)
    }

    @Test func messagesRequest_withStreamAndUser_streamsWithoutStreamOptionsAndSendsTheUserID() throws {
        let request = try translate(["stream": true, "stream_options": ["include_usage": true], "user": "u-1", "top_p": 0.8])
        #expect(request["stream"] == true)
        #expect(request["stream_options"] == nil)
        #expect(request["metadata"] == ["user_id": "u-1"])
        #expect(request["top_p"] == 0.8)
    }

    @Test func messagesRequest_withImages_sendsBase64AndURLSourcesAndRefusesOtherTypes() throws {
        let request = try translate([
            "messages": [["role": "user", "content": [
                ["type": "image_url", "image_url": ["url": "data:image/webp;base64,UklGRg=="]],
                ["type": "image_url", "image_url": ["url": "https://example.com/frame.jpg"]],
            ]]],
        ])
        #expect(request["messages"]?[0]?["content"] == [
            ["type": "image", "source": ["type": "base64", "media_type": "image/webp", "data": "UklGRg=="]],
            ["type": "image", "source": ["type": "url", "url": "https://example.com/frame.jpg"]],
        ])
        let bitmap = refusal(["messages": [["role": "user", "content": [["type": "image_url", "image_url": ["url": "data:image/bmp;base64,Qk0="]]]]]])
        #expect(bitmap?.param == "messages[0].content[0].image_url.url")
        #expect(bitmap?.message.contains("JPEG, PNG, GIF or WebP") == true)
        let ftp = refusal(["messages": [["role": "user", "content": [["type": "image_url", "image_url": ["url": "ftp://x/y.png"]]]]]])
        #expect(ftp?.param == "messages[0].content[0].image_url.url")
    }

    @Test func messagesRequest_withAPDFFilePart_sendsADocumentBlock() throws {
        let request = try translate([
            "messages": [["role": "user", "content": [["type": "file", "file": ["filename": "script.pdf", "file_data": "data:application/pdf;base64,JVBERi0="]]]]],
        ])
        #expect(request["messages"]?[0]?["content"]?[0] == ["type": "document", "source": ["type": "base64", "media_type": "application/pdf", "data": "JVBERi0="]])
    }

    @Test func messagesRequest_withoutMessages_isRefusedSayingWhatToSend() throws {
        let error = try #require(refusal(["messages": nil]))
        #expect(error.param == "messages")
        #expect(refusal(["messages": [["role": "system", "content": "Only a system prompt"]]])?.param == "messages")
        #expect(refusal(["messages": [["role": "narrator", "content": "Hi"]]])?.param == "messages[0].role")
    }

    static let weatherTools: JSON = [["type": "function", "function": ["name": "get_weather", "description": "Weather now"]]]
}
