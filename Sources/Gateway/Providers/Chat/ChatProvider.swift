import HolySheepCore
import NIOCore

/// A chat call as the client sent it, in OpenAI's Chat Completions format.
struct ChatCall: Sendable {
    let body: ByteBuffer
    let inspection: ChatRequestInspection
    let requestID: String
    /// The public model name answers carry.
    let model: String
    let created: Int

    /// The body parsed into a value, for providers that translate it (not needed on the passthrough path).
    func parsedBody() throws(APIError) -> JSON {
        do {
            return try JSON(parsing: body.readableBytesView)
        } catch {
            throw APIError.invalidField("messages", "could not be read for translation: \(error)")
        }
    }
}

/// One provider's wire format. The gateway speaks OpenAI's Chat Completions to clients; a provider turns a call
/// into its own request and its answers back into OpenAI's shapes. HTTP mechanics (pooling, deadlines,
/// cancellation, network errors) stay in ``UpstreamClient``.
protocol ChatProvider: Sendable {
    /// The upstream request for `call` at `route`.
    /// - Throws: ``APIError`` (400 `unsupported_parameter`, …) when this provider cannot honour the request; the
    ///   call may then go to another deployment.
    func request(for call: ChatCall, route: Route) throws(APIError) -> UpstreamRequest

    /// The error for a non-2xx answer, and whether to try again.
    func failure(status: Int, retryAfter: Duration?, body: ByteBuffer, route: Route) -> UpstreamFailure

    /// A whole (non-streamed) 2xx answer as an OpenAI `chat.completion` body.
    /// - Throws: ``UpstreamFailure`` when the answer is unusable.
    func completion(from body: ByteBuffer, call: ChatCall, route: Route) throws -> ByteBuffer

    /// Turns the upstream's event stream into OpenAI `chat.completion.chunk` events, as bytes.
    func streamTranslator(for call: ChatCall) -> any ChatStreamTranslator
}

/// Turns upstream stream bytes into OpenAI SSE bytes, as they arrive, while metering.
protocol ChatStreamTranslator: Sendable {
    /// Feeds upstream bytes; `emit` receives OpenAI SSE bytes (whole events) for the client.
    mutating func translate(_ chunk: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void)
    /// The upstream stream ended: the last bytes for the client (a final usage chunk, `data: [DONE]`, …).
    mutating func translateEnd(emit: (UnsafeRawBufferPointer) -> Void)
    var usage: TokenUsage? { get }
    /// Content events relayed so far (an estimate of tokens when usage never came).
    var eventCount: Int { get }
    /// An error the upstream reported inside the stream; the relay ends the stream with it.
    var failure: APIError? { get }
}

/// OpenAI-compatible upstreams: events pass through byte for byte (see ``ChatStreamRelay``).
extension ChatStreamRelay: ChatStreamTranslator {
    mutating func translate(_ chunk: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        feed(chunk, emit: emit)
    }

    mutating func translateEnd(emit: (UnsafeRawBufferPointer) -> Void) {
        let rest = finish()
        if !rest.isEmpty { rest.withUnsafeBytes(emit) }
    }

    var failure: APIError? { nil }
}

extension JSON {
    /// The value as one SSE `data:` event.
    var sseEvent: [UInt8] { Array("data: ".utf8) + bytes + Array("\n\n".utf8) }
}
