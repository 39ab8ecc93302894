import HolySheepCore
import NIOCore

/// How answers reach a client of one public API. The call path works in OpenAI's format; an encoder turns a
/// `chat.completion` and OpenAI SSE events into the client's own.
protocol ClientEncoder: Sendable {
    func completion(_ completion: ByteBuffer) -> ByteBuffer
    func streamEncoder() -> any ClientStreamEncoder
}

protocol ClientStreamEncoder: Sendable {
    /// One whole OpenAI SSE event (separator included).
    mutating func encode(_ openAIEvent: UnsafeRawBufferPointer, into output: inout ByteBuffer)
    /// The upstream stream ended normally.
    mutating func finish(into output: inout ByteBuffer)
    /// The stream ends with an error.
    mutating func error(_ error: APIError, into output: inout ByteBuffer)
}

/// OpenAI clients: everything as it is.
struct OpenAIClientEncoder: ClientEncoder, ClientStreamEncoder {
    func completion(_ completion: ByteBuffer) -> ByteBuffer { completion }
    func streamEncoder() -> any ClientStreamEncoder { self }
    func encode(_ openAIEvent: UnsafeRawBufferPointer, into output: inout ByteBuffer) { output.writeBytes(openAIEvent) }
    func finish(into output: inout ByteBuffer) {}
    func error(_ error: APIError, into output: inout ByteBuffer) { output.writeString("data: \(error.jsonBody)\n\n") }
}

/// Anthropic Messages clients: `message` objects and named events (`message_start`, `content_block_delta`, …).
struct AnthropicClientEncoder: ClientEncoder {
    /// The model name the client asked for, which Anthropic answers carry.
    let model: String

    func completion(_ completion: ByteBuffer) -> ByteBuffer {
        guard let value = try? JSON(parsing: completion.readableBytesView) else { return completion }
        return ByteBuffer(bytes: AnthropicTranslation.message(fromChatCompletion: value, model: model).bytes)
    }

    func streamEncoder() -> any ClientStreamEncoder { AnthropicClientStreamEncoder(stream: AnthropicMessageStream(model: model)) }
}

struct AnthropicClientStreamEncoder: ClientStreamEncoder {
    var stream: AnthropicMessageStream
    private var finished = false

    init(stream: AnthropicMessageStream) {
        self.stream = stream
    }

    mutating func encode(_ openAIEvent: UnsafeRawBufferPointer, into output: inout ByteBuffer) {
        guard let data = SSEEvent.data(of: openAIEvent) else { return }
        if data.elementsEqual("[DONE]".utf8) {
            finish(into: &output)
            return
        }
        guard let chunk = try? JSON(parsing: data) else { return }
        Self.write(stream.feed(chunk: chunk), into: &output)
    }

    mutating func finish(into output: inout ByteBuffer) {
        guard !finished else { return }
        finished = true
        Self.write(stream.finish(), into: &output)
    }

    mutating func error(_ error: APIError, into output: inout ByteBuffer) {
        finished = true
        Self.write([("error", AnthropicTranslation.errorBody(for: error))], into: &output)
    }

    private static func write(_ events: [(event: String, data: JSON)], into output: inout ByteBuffer) {
        for event in events {
            output.writeString("event: \(event.event)\ndata: ")
            output.writeBytes(event.data.bytes)
            output.writeString("\n\n")
        }
    }
}
