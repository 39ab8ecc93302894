import HolySheepCore
import NIOCore

/// OpenAI-compatible upstreams (OpenAI, DeepSeek, vLLM, Ollama, llama.cpp server): the client's body goes
/// through untouched but for `model` (and `stream_options.include_usage` on streams, for metering).
struct OpenAIChatProvider: ChatProvider {
    /// `{base_url}/chat/completions`.
    let url: HTTPURL
    let apiKey: String?

    func request(for call: ChatCall, route: Route) throws(APIError) -> UpstreamRequest {
        let body = call.body.withUnsafeReadableBytes { bytes in
            call.inspection.upstreamBody(from: bytes, upstreamModel: route.deployment.model ?? call.model)
        }
        var request = UpstreamRequest(url: url)
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: call.inspection.stream ? "text/event-stream" : "application/json")
        if let apiKey { request.headers.add(name: "authorization", value: "Bearer \(apiKey)") }
        request.headers.add(name: "x-request-id", value: call.requestID)
        request.body = ByteBuffer(bytes: body)
        return request
    }

    /// OpenAI's error shape (`{"error": {"message", "type", "code", "param"}}`), as compatible servers answer; the
    /// upstream's own message, type and code are kept.
    func failure(status: Int, retryAfter: Duration?, body: ByteBuffer, route: Route) -> UpstreamFailure {
        let fields = body.withUnsafeReadableBytes { bytes -> (type: String?, code: String?, message: String?, param: String?) in
            guard let members = try? JSONScanner.objectMembers(in: bytes) else { return (nil, nil, nil, nil) }
            var errorMembers = members
            if let nested = members[member: "error"], nested.kind == .object {
                errorMembers = JSONScanner.objectMembers(of: nested, in: bytes)
            } else if let text = members[member: "error"]?.string(in: bytes) {
                return (nil, nil, text, nil)
            }
            let code = errorMembers[member: "code"].flatMap { value in
                value.kind == .number ? String(decoding: value.raw(in: bytes), as: UTF8.self) : value.string(in: bytes)
            }
            return (
                errorMembers[member: "type"]?.string(in: bytes), code, errorMembers[member: "message"]?.string(in: bytes),
                errorMembers[member: "param"]?.string(in: bytes)
            )
        }
        var message = fields.message
        if message == nil, body.readableBytes > 0 {
            message = String(decoding: body.readableBytesView.prefix(300), as: UTF8.self)
        }
        var error = APIError.upstream(status: status, deployment: route.label, type: fields.type, code: fields.code, message: message, param: fields.param)
        if let retryAfter {
            error = APIError(
                status: error.status, type: error.type, code: error.code, message: error.message, param: error.param,
                headers: [("Retry-After", String(Int(retryAfter.seconds.rounded(.up))))])
        }
        return .forStatus(status, error: error, retryAfter: retryAfter, route: route)
    }

    func completion(from body: ByteBuffer, call: ChatCall, route: Route) throws -> ByteBuffer {
        let valid = body.withUnsafeReadableBytes { bytes in (try? JSONScanner.validate(bytes)) != nil }
        guard valid else {
            throw UpstreamFailure(error: APIError.upstreamInvalidResponse(deployment: route.label, problem: "the body is not valid JSON"), retryable: true)
        }
        return body
    }

    func streamTranslator(for call: ChatCall) -> any ChatStreamTranslator {
        ChatStreamRelay(dropUsageChunk: call.inspection.injectsUsage)
    }
}
