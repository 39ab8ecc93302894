import Testing
@testable import HolySheepCore

@Suite struct GeminiStreamTests {
    static let id = "chatcmpl-stream1"

    func stream() -> GeminiChatStream {
        GeminiChatStream(model: "gemini-2.5-flash", id: Self.id, created: 1_760_000_000)
    }

    func chunk(_ delta: JSON, finishReason: JSON = .null, index: Int = 0) -> JSON {
        [
            "id": .string(Self.id), "object": "chat.completion.chunk", "created": 1_760_000_000, "model": "gemini-2.5-flash",
            "choices": [["index": .integer(Int64(index)), "delta": delta, "logprobs": .null, "finish_reason": finishReason]],
        ]
    }

    @Test func textStream_becomesRoleChunkContentDeltasAndAFinishChunk() throws {
        var stream = stream()
        var chunks: [JSON] = []
        for payload in try GeminiFixtures.ssePayloads("stream-text.sse") {
            chunks += stream.feed(data: payload)
        }
        #expect(chunks == [
            chunk(["role": "assistant", "content": "", "refusal": .null]),
            chunk(["content": "Once upon a time"]),
            chunk(["content": ", a magic backpack"]),
            chunk(["content": " found its owner."]),
            chunk([:], finishReason: "stop"),
        ])
        #expect(stream.isComplete)
    }

    @Test func usage_isTheLastReported_andEndsTheStreamWhenAskedFor() throws {
        var stream = stream()
        for payload in try GeminiFixtures.ssePayloads("stream-text.sse") {
            _ = stream.feed(data: payload)
        }
        #expect(stream.usage == TokenUsage(promptTokens: 9, completionTokens: 44))
        #expect(stream.finish(includeUsage: true) == [[
            "id": .string(Self.id), "object": "chat.completion.chunk", "created": 1_760_000_000, "model": "gemini-2.5-flash",
            "choices": [],
            "usage": [
                "prompt_tokens": 9, "completion_tokens": 44, "total_tokens": 53,
                "prompt_tokens_details": ["cached_tokens": 0], "completion_tokens_details": ["reasoning_tokens": 30],
            ],
        ]])
    }

    @Test func finishWithoutUsageRequested_sendsNothing() throws {
        var stream = stream()
        for payload in try GeminiFixtures.ssePayloads("stream-text.sse") {
            _ = stream.feed(data: payload)
        }
        #expect(stream.finish(includeUsage: false).isEmpty)
    }

    @Test func functionCallStream_sendsEachCallAsOneToolCallDelta_andFinishesWithToolCalls() throws {
        var stream = stream()
        var chunks: [JSON] = []
        for payload in try GeminiFixtures.ssePayloads("stream-function-calls.sse") {
            chunks += stream.feed(data: payload)
        }
        let ids = (0..<2).map { GeminiToolCalls.id(completionID: Self.id, choiceIndex: 0, callIndex: $0) }
        #expect(chunks == [
            chunk(["role": "assistant", "content": "", "refusal": .null]),
            chunk(["content": "Let me check both cities."]),
            chunk(["tool_calls": [
                ["index": 0, "id": .string(ids[0]), "type": "function",
                 "function": ["name": "get_current_temperature", "arguments": #"{"location":"London"}"#],
                 "extra_content": ["google": ["thought_signature": "EiYKJGZlZWRiYWNrLXNpZ25hdHVyZQ=="]]],
                ["index": 1, "id": .string(ids[1]), "type": "function",
                 "function": ["name": "get_current_temperature", "arguments": #"{"location":"Paris"}"#]],
            ]]),
            chunk([:], finishReason: "tool_calls"),
        ])
    }

    @Test func streamedToolCallIDs_matchTheOnesOfTheSameAnswerUnstreamed() throws {
        var stream = stream()
        let payloads = try GeminiFixtures.ssePayloads("stream-function-calls.sse")
        let streamedIDs = payloads.flatMap { stream.feed(data: $0) }
            .compactMap { $0["choices"]?[0]?["delta"]?["tool_calls"]?.arrayValue }.joined().map { $0["id"] }
        let whole = GeminiTranslation.chatCompletion(fromGenerateContent: payloads[1], model: "m", id: Self.id, created: 0)
        #expect(streamedIDs == (whole["choices"]?[0]?["message"]?["tool_calls"]?.arrayValue ?? []).map { $0["id"] })
        #expect(streamedIDs.count == 2)
    }

    @Test func toolCallIndexes_keepCountingAcrossFragments() {
        var stream = stream()
        let call: JSON = ["content": ["role": "model", "parts": [["functionCall": ["name": "f", "args": ["n": 1]]]]]]
        _ = stream.feed(data: ["candidates": [call]])
        let second = stream.feed(data: ["candidates": [call]])
        #expect(second.first?["choices"]?[0]?["delta"]?["tool_calls"]?[0]?["index"] == 1)
        #expect(second.first?["choices"]?[0]?["delta"]?["tool_calls"]?[0]?["id"]
            == .string(GeminiToolCalls.id(completionID: Self.id, choiceIndex: 0, callIndex: 1)))
    }

    @Test func streamCutShort_isNotComplete() throws {
        var stream = stream()
        #expect(!stream.isComplete)
        _ = stream.feed(data: try GeminiFixtures.ssePayloads("stream-text.sse")[0])
        #expect(!stream.isComplete)
    }

    @Test func safetyStopMidStream_finishesWithContentFilter() {
        var stream = stream()
        _ = stream.feed(data: ["candidates": [["content": ["role": "model", "parts": [["text": "Once"]]]]]])
        let last = stream.feed(data: ["candidates": [["finishReason": "SAFETY", "index": 0]]])
        #expect(last == [chunk([:], finishReason: "content_filter")])
    }

    @Test func blockedPromptReachingTheStream_endsChoiceZeroWithContentFilter() throws {
        var stream = stream()
        let chunks = stream.feed(data: try GeminiFixtures.json("generate-content-prompt-blocked.json"))
        #expect(chunks == [chunk(["role": "assistant", "content": "", "refusal": .null]), chunk([:], finishReason: "content_filter")])
        #expect(stream.isComplete)
        #expect(stream.usage == TokenUsage(promptTokens: 11, completionTokens: 0))
    }

    @Test func thoughtFragments_sendNoContent() {
        var stream = stream()
        let chunks = stream.feed(data: ["candidates": [["content": ["role": "model", "parts": [["text": "Thinking…", "thought": true]]]]]])
        #expect(chunks == [chunk(["role": "assistant", "content": "", "refusal": .null])])
    }

    @Test func severalCandidates_streamAsSeparateChoices() {
        var stream = stream()
        let chunks = stream.feed(data: ["candidates": [
            ["content": ["role": "model", "parts": [["text": "A"]]], "index": 0],
            ["content": ["role": "model", "parts": [["text": "B"]]], "index": 1, "finishReason": "STOP"],
        ]])
        #expect(chunks.map { $0["choices"]?[0]?["index"] } == [0, 0, 1, 1, 1])
        #expect(!stream.isComplete)
    }
}
