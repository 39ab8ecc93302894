import Testing
@testable import HolySheepCore

@Suite struct GeminiRequestTests {
    func translate(_ chat: JSON) throws -> JSON {
        try GeminiTranslation.generateContentRequest(fromChat: chat)
    }

    func chat(_ messages: [JSON], _ extra: [String: JSON] = [:]) -> JSON {
        var body: [String: JSON] = ["model": "gemini-2.5-flash", "messages": .array(messages)]
        body.merge(extra) { _, new in new }
        return .object(body)
    }

    // MARK: Messages

    @Test func chatRequest_withSystemAndDeveloperMessages_becomesSystemInstructionInOrder() throws {
        let body = try translate(chat([
            ["role": "system", "content": "You write short-drama scripts."],
            ["role": "developer", "content": [["type": "text", "text": "Answer in Chinese."]]],
            ["role": "user", "content": "A scene in the rain."],
        ]))
        #expect(body["systemInstruction"] == ["parts": [["text": "You write short-drama scripts."], ["text": "Answer in Chinese."]]])
        #expect(body["contents"] == [["role": "user", "parts": [["text": "A scene in the rain."]]]])
    }

    @Test func chatRequest_withoutSystemMessage_hasNoSystemInstruction() throws {
        let body = try translate(chat([["role": "user", "content": "Hi"]]))
        #expect(body["systemInstruction"] == nil)
        #expect(body["generationConfig"] == nil)
        #expect(body["tools"] == nil)
    }

    @Test func chatRequest_withConsecutiveTurnsOfOneRole_mergesThemIntoOneContent() throws {
        let body = try translate(chat([
            ["role": "user", "content": "First line."],
            ["role": "user", "content": "Second line."],
            ["role": "assistant", "content": "Noted."],
            ["role": "assistant", "content": [["type": "text", "text": "Anything else?"]]],
            ["role": "user", "content": "No."],
        ]))
        #expect(body["contents"] == [
            ["role": "user", "parts": [["text": "First line."], ["text": "Second line."]]],
            ["role": "model", "parts": [["text": "Noted."], ["text": "Anything else?"]]],
            ["role": "user", "parts": [["text": "No."]]],
        ])
    }

    @Test func chatRequest_withDataURLImage_becomesInlineData() throws {
        let body = try translate(chat([[
            "role": "user",
            "content": [
                ["type": "text", "text": "What is in this frame?"],
                ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBORw0KGgo=", "detail": "high"]],
            ],
        ]]))
        #expect(body["contents"]?[0]?["parts"] == [
            ["text": "What is in this frame?"],
            ["inlineData": ["mimeType": "image/png", "data": "iVBORw0KGgo="]],
        ])
    }

    @Test(arguments: [
        ("https://cdn.example.com/frames/shot-01.png", "image/png"),
        ("https://cdn.example.com/frames/shot-01.WEBP?sig=abc#x", "image/webp"),
        ("http://cdn.example.com/frames/shot-01.jpeg", "image/jpeg"),
        ("https://cdn.example.com/frames/shot-01", "image/jpeg"),
        ("https://cdn.example.com/v1.2/frame", "image/jpeg"),
    ])
    func chatRequest_withHTTPImage_becomesFileDataTypedByItsExtension(url: String, mimeType: String) throws {
        let body = try translate(chat([["role": "user", "content": [["type": "image_url", "image_url": ["url": .string(url)]]]]]))
        #expect(body["contents"]?[0]?["parts"] == [["fileData": ["mimeType": .string(mimeType), "fileUri": .string(url)]]])
    }

    @Test func chatRequest_withAudioAndFileParts_becomesInlineData() throws {
        let body = try translate(chat([[
            "role": "user",
            "content": [
                ["type": "input_audio", "input_audio": ["data": "UklGRg==", "format": "wav"]],
                ["type": "file", "file": ["filename": "script.pdf", "file_data": "data:application/pdf;base64,JVBERi0="]],
                ["type": "file", "file": ["filename": "notes.pdf", "file_data": "JVBERi0x"]],
            ],
        ]]))
        #expect(body["contents"]?[0]?["parts"] == [
            ["inlineData": ["mimeType": "audio/wav", "data": "UklGRg=="]],
            ["inlineData": ["mimeType": "application/pdf", "data": "JVBERi0="]],
            ["inlineData": ["mimeType": "application/pdf", "data": "JVBERi0x"]],
        ])
    }

    @Test(arguments: [
        (["type": "image_url", "image_url": ["url": "ftp://example.com/a.png"]] as JSON, "messages[0].content[0].image_url.url"),
        (["type": "image_url", "image_url": ["url": "data:image/png,rawbytes"]] as JSON, "messages[0].content[0].image_url.url"),
        (["type": "video_url", "video_url": ["url": "https://example.com/a.mp4"]] as JSON, "messages[0].content[0].type"),
        (["type": "file", "file": ["file_id": "file-abc"]] as JSON, "messages[0].content[0].file.file_id"),
    ])
    func chatRequest_withUntranslatableContentPart_says400NamingThePart(part: JSON, field: String) {
        let error = geminiRequestRejection(chat([["role": "user", "content": [part]]]))
        #expect(error?.status == 400)
        #expect(error?.param == field)
    }

    @Test func chatRequest_withOnlySystemMessages_says400AboutMessages() {
        let error = geminiRequestRejection(chat([["role": "system", "content": "Be brief."]]))
        #expect(error?.status == 400 && error?.param == "messages")
    }

    @Test func chatRequest_withUnknownRole_says400NamingTheRole() {
        let error = geminiRequestRejection(chat([["role": "narrator", "content": "Meanwhile…"]]))
        #expect(error?.param == "messages[0].role")
        #expect(error?.message.contains("narrator") == true)
    }

    // MARK: Tools

    @Test func chatRequest_withToolRoundTrip_becomesTheGoldenGeminiRequest() throws {
        let body = try translate(try GeminiFixtures.json("chat-tool-round-trip.openai.json"))
        #expect(body == (try GeminiFixtures.json("chat-tool-round-trip.gemini.json")))
    }

    @Test func chatRequest_withToolResult_becomesFunctionResponseNamedByTheCallID() throws {
        let body = try translate(chat([
            ["role": "user", "content": "Plan the party."],
            ["role": "assistant", "tool_calls": [
                ["id": "call_1", "type": "function", "function": ["name": "power_disco_ball", "arguments": #"{"power":true}"#]],
                ["id": "call_2", "type": "function", "function": ["name": "dim_lights", "arguments": #"{"brightness":0.5}"#]],
            ]],
            ["role": "tool", "tool_call_id": "call_2", "content": #"{"result":"ok"}"#],
            ["role": "tool", "tool_call_id": "call_1", "content": [["type": "text", "text": "disco ball on"]]],
        ]))
        #expect(body["contents"]?[2] == [
            "role": "user",
            "parts": [
                ["functionResponse": ["name": "dim_lights", "response": ["result": "ok"]]],
                ["functionResponse": ["name": "power_disco_ball", "response": ["content": "disco ball on"]]],
            ],
        ])
    }

    @Test(arguments: ["[1, 2]", "42", "not json", ""])
    func chatRequest_withToolResultThatIsNoJSONObject_wrapsItAsContent(content: String) throws {
        let body = try translate(chat([
            ["role": "assistant", "tool_calls": [["id": "c", "type": "function", "function": ["name": "f", "arguments": "{}"]]]],
            ["role": "tool", "tool_call_id": "c", "content": .string(content)],
        ]))
        #expect(body["contents"]?[1]?["parts"]?[0] == ["functionResponse": ["name": "f", "response": ["content": .string(content)]]])
    }

    @Test func chatRequest_replayingToolCalls_sendsTheirThoughtSignatureOrThePlaceholderOnTheFirst() throws {
        let body = try translate(chat([
            ["role": "user", "content": "Go."],
            ["role": "assistant", "content": "Calling.", "tool_calls": [
                ["id": "a", "type": "function", "function": ["name": "f", "arguments": ""]],
                ["id": "b", "type": "function", "function": ["name": "g", "arguments": "{}"]],
            ]],
            ["role": "tool", "tool_call_id": "a", "content": "1"],
            ["role": "tool", "tool_call_id": "b", "content": "2"],
            ["role": "assistant", "tool_calls": [
                ["id": "c", "type": "function", "function": ["name": "f", "arguments": "{}"],
                 "extra_content": ["google": ["thought_signature": "c2ln"]]],
            ]],
        ]))
        #expect(body["contents"]?[1]?["parts"] == [
            ["text": "Calling."],
            ["functionCall": ["name": "f", "args": [:]], "thoughtSignature": "skip_thought_signature_validator"],
            ["functionCall": ["name": "g", "args": [:]]],
        ])
        #expect(body["contents"]?[3]?["parts"] == [["functionCall": ["name": "f", "args": [:]], "thoughtSignature": "c2ln"]])
    }

    @Test(arguments: [#"{"city": "Paris""#, "[1]", "\"Paris\""])
    func chatRequest_withMalformedToolArguments_says400NamingTheField(arguments: String) {
        let error = geminiRequestRejection(chat([
            ["role": "user", "content": "Weather?"],
            ["role": "assistant", "tool_calls": [
                ["id": "a", "type": "function", "function": ["name": "weather", "arguments": "{}"]],
                ["id": "b", "type": "function", "function": ["name": "weather", "arguments": .string(arguments)]],
            ]],
        ]))
        #expect(error?.status == 400)
        #expect(error?.code == "invalid_field")
        #expect(error?.param == "messages[1].tool_calls[1].function.arguments")
    }

    @Test func chatRequest_withToolResultForAnUnknownCall_says400NamingTheToolCallID() {
        let error = geminiRequestRejection(chat([
            ["role": "user", "content": "Weather?"],
            ["role": "tool", "tool_call_id": "call_missing", "content": "sunny"],
        ]))
        #expect(error?.param == "messages[1].tool_call_id")
        #expect(error?.message.contains("call_missing") == true)
    }

    @Test func tools_becomeOneFunctionDeclarationsTool_andParameterlessFunctionsOmitParameters() throws {
        let body = try translate(chat([["role": "user", "content": "Party!"]], [
            "tools": [
                ["type": "function", "function": ["name": "start_music", "description": "Play some music.", "parameters": [
                    "type": "object",
                    "properties": ["energetic": ["type": "boolean"], "loud": ["type": "boolean"]],
                    "required": ["energetic", "loud"],
                ]]],
                ["type": "function", "function": ["name": "stop_music", "parameters": ["type": "object", "properties": [:]]]],
                ["type": "function", "function": ["name": "ping"]],
            ],
        ]))
        #expect(body["tools"] == [["functionDeclarations": [
            ["name": "start_music", "description": "Play some music.", "parameters": [
                "type": "OBJECT",
                "properties": ["energetic": ["type": "BOOLEAN"], "loud": ["type": "BOOLEAN"]],
                "required": ["energetic", "loud"],
            ]],
            ["name": "stop_music"],
            ["name": "ping"],
        ]]])
    }

    @Test func tools_ofAnotherTypeThanFunction_say400Unsupported() {
        let error = geminiRequestRejection(chat([["role": "user", "content": "Hi"]], ["tools": [["type": "custom", "custom": ["name": "x"]]]]))
        #expect(error?.code == "unsupported_parameter")
        #expect(error?.param == "tools[0].type")
    }

    static let weatherTool: JSON = ["type": "function", "function": ["name": "get_weather", "parameters": [
        "type": "object", "properties": ["city": ["type": "string"]],
    ]]]

    @Test(arguments: [
        ("auto" as JSON, ["functionCallingConfig": ["mode": "AUTO"]] as JSON),
        ("required" as JSON, ["functionCallingConfig": ["mode": "ANY"]] as JSON),
        ("none" as JSON, ["functionCallingConfig": ["mode": "NONE"]] as JSON),
        (["type": "function", "function": ["name": "get_weather"]] as JSON,
         ["functionCallingConfig": ["mode": "ANY", "allowedFunctionNames": ["get_weather"]]] as JSON),
    ])
    func toolChoice_becomesTheFunctionCallingMode(choice: JSON, toolConfig: JSON) throws {
        let body = try translate(chat([["role": "user", "content": "Weather in Paris?"]], ["tools": [Self.weatherTool], "tool_choice": choice]))
        #expect(body["toolConfig"] == toolConfig)
    }

    @Test(arguments: [
        ["type": "function", "function": ["name": "get_time"]] as JSON,
        JSON("sometimes"),
    ])
    func toolChoice_thatCannotBeHonoured_says400(choice: JSON) {
        let error = geminiRequestRejection(chat([["role": "user", "content": "Hi"]], ["tools": [Self.weatherTool], "tool_choice": choice]))
        #expect(error?.param == "tool_choice")
    }

    @Test func toolChoice_withoutTools_isIgnoredForAutoAndNoneButRefusedForRequired() throws {
        #expect(try translate(chat([["role": "user", "content": "Hi"]], ["tool_choice": "none"]))["toolConfig"] == nil)
        #expect(geminiRequestRejection(chat([["role": "user", "content": "Hi"]], ["tool_choice": "required"]))?.param == "tool_choice")
    }

    // MARK: Generation config

    @Test func samplingFields_becomeGenerationConfig() throws {
        let body = try translate(chat([["role": "user", "content": "Hi"]], [
            "temperature": 0.7, "top_p": 0.9, "max_tokens": 500, "stop": ["END", "---"], "seed": 42, "n": 2,
            "presence_penalty": 0.5, "frequency_penalty": -0.25,
        ]))
        #expect(body["generationConfig"] == [
            "temperature": 0.7, "topP": 0.9, "maxOutputTokens": 500, "stopSequences": ["END", "---"], "seed": 42,
            "candidateCount": 2, "presencePenalty": 0.5, "frequencyPenalty": -0.25,
        ])
    }

    @Test func maxCompletionTokens_winsOverMaxTokens_andAStopStringBecomesOneSequence() throws {
        let body = try translate(chat([["role": "user", "content": "Hi"]], ["max_tokens": 10, "max_completion_tokens": 20, "stop": "END"]))
        #expect(body["generationConfig"] == ["maxOutputTokens": 20, "stopSequences": ["END"]])
    }

    @Test(arguments: [
        ("temperature", "hot" as JSON), ("max_tokens", 0 as JSON), ("max_completion_tokens", 1.5 as JSON), ("stop", [1] as JSON),
        ("n", JSON(0)),
    ])
    func samplingField_withABadValue_says400NamingIt(field: String, value: JSON) {
        #expect(geminiRequestRejection(chat([["role": "user", "content": "Hi"]], [field: value]))?.param == field)
    }

    @Test func responseFormat_jsonObject_asksForJSON() throws {
        let body = try translate(chat([["role": "user", "content": "List three shots as JSON."]], ["response_format": ["type": "json_object"]]))
        #expect(body["generationConfig"] == ["responseMimeType": "application/json"])
    }

    @Test func responseFormat_jsonSchema_asksForJSONWithTheSchemaInGeminisSubset() throws {
        let body = try translate(chat([["role": "user", "content": "Break the scene into shots."]], [
            "response_format": ["type": "json_schema", "json_schema": ["name": "shots", "strict": true, "schema": [
                "type": "object",
                "additionalProperties": false,
                "properties": [
                    "shots": ["type": "array", "items": [
                        "type": "object",
                        "additionalProperties": false,
                        "properties": ["camera": ["type": "string", "enum": ["close-up", "wide"]], "seconds": ["type": "integer"]],
                        "required": ["camera", "seconds"],
                    ]],
                ],
                "required": ["shots"],
            ]]],
        ]))
        #expect(body["generationConfig"] == [
            "responseMimeType": "application/json",
            "responseSchema": [
                "type": "OBJECT",
                "properties": [
                    "shots": ["type": "ARRAY", "items": [
                        "type": "OBJECT",
                        "properties": ["camera": ["type": "STRING", "enum": ["close-up", "wide"]], "seconds": ["type": "INTEGER"]],
                        "required": ["camera", "seconds"],
                    ]],
                ],
                "required": ["shots"],
            ],
        ])
    }

    @Test func responseFormat_text_changesNothing_andAnUnknownTypeSays400() throws {
        #expect(try translate(chat([["role": "user", "content": "Hi"]], ["response_format": ["type": "text"]]))["generationConfig"] == nil)
        #expect(geminiRequestRejection(chat([["role": "user", "content": "Hi"]], ["response_format": ["type": "xml"]]))?.param == "response_format.type")
    }

    // MARK: Unsupported fields

    @Test(arguments: [
        ("logprobs", true as JSON), ("top_logprobs", 5 as JSON), ("logit_bias", ["50256": -100] as JSON),
        ("audio", ["voice": "alloy", "format": "wav"] as JSON), ("functions", [["name": "f"]] as JSON), ("function_call", "auto" as JSON),
    ])
    func unsupportedField_says400NamingTheFieldTheModelAndWhatToDo(field: String, value: JSON) {
        let error = geminiRequestRejection(chat([["role": "user", "content": "Hi"]], [field: value]))
        #expect(error?.status == 400)
        #expect(error?.code == "unsupported_parameter")
        #expect(error?.param == field)
        #expect(error?.message.contains("`\(field)`") == true)
        #expect(error?.message.contains("gemini-2.5-flash") == true)
        #expect(error?.message.contains("OpenAI-compatible provider") == true)
    }

    @Test(arguments: [("logprobs", JSON(false)), ("logit_bias", JSON.object([:])), ("top_logprobs", JSON.null), ("user", JSON("u-1"))])
    func harmlessValuesOfUntranslatedFields_areAccepted(field: String, value: JSON) throws {
        #expect(try translate(chat([["role": "user", "content": "Hi"]], [field: value]))["contents"] != nil)
    }

    @Test func path_isGenerateContentOrTheSSEStream() {
        #expect(GeminiTranslation.path(model: "gemini-2.5-flash", stream: false) == "/v1beta/models/gemini-2.5-flash:generateContent")
        #expect(GeminiTranslation.path(model: "models/gemini-2.5-flash", stream: true)
            == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
    }
}
