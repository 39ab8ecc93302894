import Foundation
import HolySheepCore
import NIOCore

/// Google's Gemini API (`{base_url}/v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
/// `x-goog-api-key`), translated from and to OpenAI's Chat Completions by ``GeminiTranslation``.
/// https://ai.google.dev/api/generate-content
struct GeminiChatProvider: ChatProvider {
    let baseURL: HTTPURL
    let apiKey: String?

    func request(for call: ChatCall, route: Route) throws(APIError) -> UpstreamRequest {
        let body = try GeminiTranslation.generateContentRequest(fromChat: call.parsedBody())
        var request = UpstreamRequest(url: baseURL.appending(GeminiTranslation.path(model: route.deployment.model ?? call.model, stream: call.inspection.stream)))
        request.headers.add(name: "content-type", value: "application/json")
        if let apiKey { request.headers.add(name: "x-goog-api-key", value: apiKey) }
        request.body = ByteBuffer(bytes: body.bytes)
        return request
    }

    func failure(status: Int, retryAfter: Duration?, body: ByteBuffer, route: Route) -> UpstreamFailure {
        let error = GeminiTranslation.error(status: status, body: try? JSON(parsing: body.readableBytesView))
        guard GeminiTranslation.isRetryable(status: status) else {
            return UpstreamFailure(error: error, retryable: false, countsAgainstDeployment: error.status >= 500)
        }
        return UpstreamFailure(error: error, retryable: true, retryAfter: retryAfter)
    }

    func completion(from body: ByteBuffer, call: ChatCall, route: Route) throws -> ByteBuffer {
        guard let response = try? JSON(parsing: body.readableBytesView), response.objectValue != nil else {
            throw UpstreamFailure(
                error: APIError.upstreamInvalidResponse(deployment: route.label, problem: "the body is not a GenerateContentResponse"), retryable: true)
        }
        if let blocked = GeminiTranslation.promptBlocked(response) {
            throw UpstreamFailure(error: blocked, retryable: false, countsAgainstDeployment: false)
        }
        let completion = GeminiTranslation.chatCompletion(
            fromGenerateContent: response, model: call.model, id: "chatcmpl-\(call.requestID)", created: call.created)
        return ByteBuffer(bytes: completion.bytes)
    }

    func streamTranslator(for call: ChatCall) -> any ChatStreamTranslator {
        GeminiStreamTranslator(
            stream: GeminiChatStream(model: call.model, id: "chatcmpl-\(call.requestID)", created: call.created),
            includeUsage: call.inspection.includeUsage)
    }
}

/// Gemini's `data: {GenerateContentResponse}` fragments → OpenAI chunks.
struct GeminiStreamTranslator: ChatStreamTranslator {
    var stream: GeminiChatStream
    let includeUsage: Bool
    private var splitter = SSEEventSplitter()
    private(set) var eventCount = 0
    private(set) var failure: APIError?

    init(stream: GeminiChatStream, includeUsage: Bool) {
        self.stream = stream
        self.includeUsage = includeUsage
    }

    var usage: TokenUsage? { stream.usage }

    mutating func translate(_ chunk: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        var stream = self.stream
        var count = eventCount
        var failure = self.failure
        splitter.feed(chunk) { event in
            guard failure == nil, let data = SSEEvent.data(of: event), let value = try? JSON(parsing: data) else { return }
            if let error = value["error"], !error.isNull {
                failure = GeminiTranslation.error(status: error["code"]?.intValue ?? 500, body: value)
                return
            }
            if let blocked = GeminiTranslation.promptBlocked(value) {
                failure = blocked
                return
            }
            for openAI in stream.feed(data: value) {
                count += 1
                openAI.sseEvent.withUnsafeBytes(emit)
            }
        }
        self.stream = stream
        eventCount = count
        self.failure = failure
    }

    mutating func translateEnd(emit: (UnsafeRawBufferPointer) -> Void) {
        for chunk in stream.finish(includeUsage: includeUsage) { chunk.sseEvent.withUnsafeBytes(emit) }
        Array("data: [DONE]\n\n".utf8).withUnsafeBytes(emit)
    }
}
