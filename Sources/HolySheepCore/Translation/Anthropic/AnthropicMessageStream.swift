/// Turns an OpenAI chat completion stream into Anthropic Messages stream events, for a client of the gateway's
/// Messages API (https://platform.claude.com/docs/en/build-with-claude/streaming).
///
/// Events: `message_start` on the first chunk; each run of text and each tool call as a content block
/// (`content_block_start`, `content_block_delta` with `text_delta` or `input_json_delta`, `content_block_stop`);
/// and from ``finish()`` `message_delta` with the stop reason and usage, then `message_stop`. OpenAI reports usage
/// after the finish reason (in the `choices: []` chunk), so `message_delta` waits for the end of the stream.
///
/// ```swift
/// var stream = AnthropicMessageStream(model: "claude-sonnet-4.5")
/// for chunk in upstreamChunks { send(stream.feed(chunk: chunk)) }   // `event: <name>` + `data: <json>`
/// send(stream.finish())
/// ```
public struct AnthropicMessageStream: Sendable {
    private enum OpenBlock: Sendable {
        case text(index: Int)
        case tool(index: Int)

        var index: Int {
            switch self {
            case .text(let index), .tool(let index): index
            }
        }
    }

    private let model: String
    private var started = false
    private var finished = false
    private var id = "msg_"
    private var blockCount = 0
    private var open: OpenBlock?
    /// OpenAI `tool_calls` index → Anthropic content block index.
    private var toolBlocks: [Int: Int] = [:]
    private var stopReason: String?

    /// Tokens used, from the stream's usage chunk.
    public private(set) var usage: TokenUsage?

    /// - Parameter model: the public model name the events carry.
    public init(model: String) {
        self.model = model
    }

    /// Takes one OpenAI `chat.completion.chunk` and returns the Anthropic events to send for it.
    public mutating func feed(chunk: JSON) -> [(event: String, data: JSON)] {
        var events: [(event: String, data: JSON)] = []
        if let found = AnthropicTranslation.tokenUsage(openAI: chunk["usage"]) { usage = found }
        if !started {
            started = true
            id = AnthropicTranslation.messageID(fromCompletionID: chunk["id"]?.stringValue)
            events.append(messageStart())
        }
        guard let choice = chunk["choices"]?[0] else { return events }
        let delta = choice["delta"]

        if let text = delta.flatMap({ AnthropicTranslation.assistantText($0["content"]) }), !text.isEmpty {
            if case .text? = open {} else {
                events += closeOpenBlock()
                events.append(startBlock(["type": "text", "text": ""]) { .text(index: $0) })
            }
            events.append(blockDelta(["type": "text_delta", "text": .string(text)]))
        }
        for call in delta?["tool_calls"]?.arrayValue ?? [] {
            events += toolCallEvents(call)
        }
        if let reason = choice["finish_reason"]?.stringValue {
            stopReason = AnthropicTranslation.stopReason(finishReason: reason)
            events += closeOpenBlock()
        }
        return events
    }

    /// The events that end the message: `message_delta` (stop reason, usage) and `message_stop`. Call it once, when
    /// the upstream stream has ended (`data: [DONE]`).
    public mutating func finish() -> [(event: String, data: JSON)] {
        guard !finished else { return [] }
        finished = true
        var events: [(event: String, data: JSON)] = []
        if !started {
            started = true
            events.append(messageStart())
        }
        events += closeOpenBlock()
        let counted = usage ?? TokenUsage(promptTokens: 0, completionTokens: 0)
        events.append((
            "message_delta",
            [
                "type": "message_delta", "delta": ["stop_reason": .string(stopReason ?? "end_turn"), "stop_sequence": .null],
                "usage": AnthropicTranslation.anthropicUsage(counted),
            ]
        ))
        events.append(("message_stop", ["type": "message_stop"]))
        return events
    }

    // MARK: - Blocks

    /// A tool call's first fragment carries its `id` and name and opens a `tool_use` block; later fragments carry
    /// argument text. Fragments for an earlier call (servers do not interleave calls, but nothing forbids it) go to
    /// that call's block by index.
    private mutating func toolCallEvents(_ call: JSON) -> [(event: String, data: JSON)] {
        var events: [(event: String, data: JSON)] = []
        let toolIndex = call["index"]?.intValue ?? 0
        if toolBlocks[toolIndex] == nil {
            events += closeOpenBlock()
            let block: JSON = [
                "type": "tool_use", "id": .string(call["id"]?.stringValue ?? "call_\(toolIndex)"),
                "name": .string(call["function"]?["name"]?.stringValue ?? ""), "input": [:],
            ]
            events.append(startBlock(block) { .tool(index: $0) })
            toolBlocks[toolIndex] = blockCount - 1
        }
        if let fragment = call["function"]?["arguments"]?.stringValue, !fragment.isEmpty, let index = toolBlocks[toolIndex] {
            events.append(blockDelta(["type": "input_json_delta", "partial_json": .string(fragment)], index: index))
        }
        return events
    }

    private mutating func startBlock(_ block: JSON, _ kind: (Int) -> OpenBlock) -> (event: String, data: JSON) {
        let index = blockCount
        blockCount += 1
        open = kind(index)
        return ("content_block_start", ["type": "content_block_start", "index": .integer(Int64(index)), "content_block": block])
    }

    private func blockDelta(_ delta: JSON, index: Int? = nil) -> (event: String, data: JSON) {
        let index = index ?? open?.index ?? 0
        return ("content_block_delta", ["type": "content_block_delta", "index": .integer(Int64(index)), "delta": delta])
    }

    private mutating func closeOpenBlock() -> [(event: String, data: JSON)] {
        guard let block = open else { return [] }
        open = nil
        return [("content_block_stop", ["type": "content_block_stop", "index": .integer(Int64(block.index))])]
    }

    private func messageStart() -> (event: String, data: JSON) {
        let counted = AnthropicTranslation.anthropicUsage(usage ?? TokenUsage(promptTokens: 0, completionTokens: 0))
        return (
            "message_start",
            [
                "type": "message_start",
                "message": [
                    "id": .string(id), "type": "message", "role": "assistant", "model": .string(model), "content": [],
                    "stop_reason": .null, "stop_sequence": .null, "usage": counted,
                ],
            ]
        )
    }
}
