/// Turns a Gemini `streamGenerateContent?alt=sse` stream into OpenAI `chat.completion.chunk`s, one SSE `data:`
/// payload (a `GenerateContentResponse` fragment) at a time
/// (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent →
/// https://platform.openai.com/docs/api-reference/chat-streaming).
///
/// For each choice it sends, in order: a role chunk (`{"role": "assistant", "content": ""}`), content deltas,
/// tool-call deltas, and a finish chunk with the mapped `finish_reason`. Gemini sends each function call whole, so
/// each becomes a single delta carrying `index`, `id`, `type`, `function.name` and the complete `arguments`.
/// ``finish(includeUsage:)`` adds OpenAI's final usage chunk (`choices: []`) when the client asked for it.
///
/// ```swift
/// var stream = GeminiChatStream(model: "gemini-2.5-flash", id: "chatcmpl-123", created: now)
/// for payload in upstreamDataPayloads {           // each SSE `data:` line, parsed
///     if let error = payload["error"] { … }       // Gemini reports a failure mid-stream this way
///     for chunk in stream.feed(data: payload) { send("data: \(chunk.text)\n\n") }
/// }
/// guard stream.isComplete else { … }              // the upstream stopped without a finish reason
/// for chunk in stream.finish(includeUsage: true) { send("data: \(chunk.text)\n\n") }
/// send("data: [DONE]\n\n")
/// ```
///
/// Check the first payload with ``GeminiTranslation/promptBlocked(_:)`` before sending anything: a blocked prompt
/// is better answered as an error. If one reaches ``feed(data:)`` anyway, choice 0 ends with `content_filter`.
public struct GeminiChatStream: Sendable {
    public let model: String
    public let id: String
    public let created: Int
    /// The tokens counted so far: Gemini repeats `usageMetadata` in its fragments and the last one wins.
    public private(set) var usage: TokenUsage?
    private var usageMetadata: JSON?
    /// Per candidate index: how many tool calls were sent, and whether the finish chunk was.
    private var choices: [Int: Choice] = [:]

    private struct Choice: Sendable {
        var toolCallCount = 0
        var finished = false
    }

    /// - Parameters:
    ///   - model: The model name to report (the public name the client asked for).
    ///   - id: The completion id every chunk carries; tool-call ids derive from it.
    ///   - created: The Unix time every chunk carries.
    public init(model: String, id: String, created: Int) {
        self.model = model
        self.id = id
        self.created = created
    }

    /// True once every choice that started has been finished by a `finishReason` (and at least one started): a
    /// stream that ends while this is false was cut short upstream.
    public var isComplete: Bool {
        !choices.isEmpty && choices.values.allSatisfy(\.finished)
    }

    /// Translates one SSE `data:` payload.
    ///
    /// - Parameter data: The parsed payload, a `GenerateContentResponse` fragment.
    /// - Returns: The chunks to send, in order (none for a fragment that carries only usage).
    public mutating func feed(data: JSON) -> [JSON] {
        if let metadata = data["usageMetadata"], let usage = GeminiTranslation.tokenUsage(fromUsageMetadata: metadata) {
            usageMetadata = metadata
            self.usage = usage
        }
        var chunks: [JSON] = []
        let candidates = GeminiCandidate.all(in: data)
        if candidates.isEmpty, data["promptFeedback"]?["blockReason"] != nil, choices[0]?.finished != true {
            chunks += start(0)
            chunks.append(finishChunk(0, reason: "content_filter"))
        }
        for candidate in candidates {
            chunks += start(candidate.index)
            guard var choice = choices[candidate.index], !choice.finished else { continue }
            if let text = candidate.text, !text.isEmpty {
                chunks.append(chunk(candidate.index, delta: ["content": .string(text)]))
            }
            if !candidate.functionCalls.isEmpty {
                var deltas: [JSON] = []
                for call in candidate.functionCalls {
                    let callID = GeminiToolCalls.id(completionID: id, choiceIndex: candidate.index, callIndex: choice.toolCallCount)
                    deltas.append(GeminiToolCalls.openAIToolCall(call, id: callID, index: choice.toolCallCount))
                    choice.toolCallCount += 1
                }
                chunks.append(chunk(candidate.index, delta: ["tool_calls": .array(deltas)]))
            }
            if let reason = candidate.finishReason {
                let finishReason = GeminiFinishReason.openAI(reason, hasToolCalls: choice.toolCallCount > 0)
                chunks.append(chunk(candidate.index, delta: [:], finishReason: finishReason))
                choice.finished = true
            }
            choices[candidate.index] = choice
        }
        return chunks
    }

    /// Ends the stream.
    ///
    /// - Parameter includeUsage: Whether the client asked for usage (`stream_options.include_usage`).
    /// - Returns: OpenAI's final usage chunk (`choices: []`, `usage`) when asked and Gemini reported usage; else nothing.
    public mutating func finish(includeUsage: Bool) -> [JSON] {
        guard includeUsage, let metadata = usageMetadata, let usage = GeminiTranslation.openAIUsage(fromUsageMetadata: metadata) else {
            return []
        }
        return [envelope(choices: [], usage: usage)]
    }

    // MARK: Chunks

    /// The role chunk, the first time a choice appears.
    private mutating func start(_ index: Int) -> [JSON] {
        guard choices[index] == nil else { return [] }
        choices[index] = Choice()
        return [chunk(index, delta: ["role": "assistant", "content": "", "refusal": .null])]
    }

    private mutating func finishChunk(_ index: Int, reason: String) -> JSON {
        choices[index, default: Choice()].finished = true
        return chunk(index, delta: [:], finishReason: reason)
    }

    private func chunk(_ index: Int, delta: JSON, finishReason: String? = nil) -> JSON {
        let choice: JSON = [
            "index": .integer(Int64(index)),
            "delta": delta,
            "logprobs": .null,
            "finish_reason": finishReason.map(JSON.string) ?? .null,
        ]
        return envelope(choices: [choice], usage: nil)
    }

    private func envelope(choices: [JSON], usage: JSON?) -> JSON {
        var chunk: [String: JSON] = [
            "id": .string(id),
            "object": "chat.completion.chunk",
            "created": .integer(Int64(created)),
            "model": .string(model),
            "choices": .array(choices),
        ]
        if let usage { chunk["usage"] = usage }
        return .object(chunk)
    }
}
