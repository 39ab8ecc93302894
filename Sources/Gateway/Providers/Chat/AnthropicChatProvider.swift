import Foundation
import HolySheepCore
import NIOCore

/// Anthropic's Messages API (`POST {base_url}/v1/messages`, `x-api-key`, `anthropic-version`), translated from and
/// to OpenAI's Chat Completions by ``AnthropicTranslation``.
/// https://docs.anthropic.com/en/api/messages
struct AnthropicChatProvider: ChatProvider {
    /// `{base_url}/v1/messages`.
    let url: HTTPURL
    let apiKey: String?

    func request(for call: ChatCall, route: Route) throws(APIError) -> UpstreamRequest {
        let body = try AnthropicTranslation.messagesRequest(fromChat: call.parsedBody(), upstreamModel: route.deployment.model ?? call.model)
        var request = UpstreamRequest(url: url)
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: call.inspection.stream ? "text/event-stream" : "application/json")
        request.headers.add(name: "anthropic-version", value: AnthropicTranslation.apiVersion)
        if let apiKey { request.headers.add(name: "x-api-key", value: apiKey) }
        request.body = ByteBuffer(bytes: body.bytes)
        return request
    }

    func failure(status: Int, retryAfter: Duration?, body: ByteBuffer, route: Route) -> UpstreamFailure {
        let error = AnthropicTranslation.error(status: status, body: try? JSON(parsing: body.readableBytesView))
        guard AnthropicTranslation.isRetryable(status: status) else {
            // 401/403 (the gateway's credentials) and other 4xx: not retried; only the former is the deployment's fault.
            return UpstreamFailure(error: error, retryable: false, countsAgainstDeployment: status == 401 || status == 403)
        }
        return UpstreamFailure(error: error, retryable: true, retryAfter: retryAfter)
    }

    func completion(from body: ByteBuffer, call: ChatCall, route: Route) throws -> ByteBuffer {
        guard let message = try? JSON(parsing: body.readableBytesView), message["type"]?.stringValue == "message" else {
            throw UpstreamFailure(
                error: APIError.upstreamInvalidResponse(deployment: route.label, problem: "the body is not an Anthropic message"), retryable: true)
        }
        return ByteBuffer(bytes: AnthropicTranslation.chatCompletion(fromMessage: message, model: call.model, created: call.created).bytes)
    }

    func streamTranslator(for call: ChatCall) -> any ChatStreamTranslator {
        let jsonMode = ((try? call.parsedBody())?["response_format"]).map { !$0.isNull } ?? false
        return AnthropicStreamTranslator(
            stream: AnthropicChatStream(model: call.model, created: call.created, jsonMode: jsonMode), includeUsage: call.inspection.includeUsage)
    }
}

/// Anthropic's named events (`event: content_block_delta` + `data: {…}`) → OpenAI chunks.
struct AnthropicStreamTranslator: ChatStreamTranslator {
    var stream: AnthropicChatStream
    let includeUsage: Bool
    private var splitter = SSEEventSplitter()
    private(set) var eventCount = 0

    init(stream: AnthropicChatStream, includeUsage: Bool) {
        self.stream = stream
        self.includeUsage = includeUsage
    }

    var usage: TokenUsage? { stream.usage }
    var failure: APIError? { stream.error }

    mutating func translate(_ chunk: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        var stream = self.stream
        var count = eventCount
        splitter.feed(chunk) { event in
            guard let name = SSEEvent.field("event", of: event), let data = SSEEvent.data(of: event),
                let value = try? JSON(parsing: data)
            else { return }
            for openAI in stream.feed(event: name, data: value) {
                count += 1
                openAI.sseEvent.withUnsafeBytes(emit)
            }
        }
        self.stream = stream
        eventCount = count
    }

    mutating func translateEnd(emit: (UnsafeRawBufferPointer) -> Void) {
        for chunk in stream.finish(includeUsage: includeUsage) { chunk.sseEvent.withUnsafeBytes(emit) }
        Array("data: [DONE]\n\n".utf8).withUnsafeBytes(emit)
    }
}
