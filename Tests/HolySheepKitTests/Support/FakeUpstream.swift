import Foundation
import HolySheepCore
import Hummingbird
import Synchronization

/// An OpenAI-compatible upstream for the in-process gateway: a fixed completion, or a stream of two content chunks
/// (`Hello`, ` world`) with a usage chunk when asked. A last user message containing `[[cut]]` makes the stream stop
/// after its first chunks and drop the connection. The last request body is kept for assertions.
final class FakeUpstream: Sendable {
    static let completionText = "Hello from the fake upstream"
    private let lastBody = Mutex<JSON?>(nil)

    var lastRequest: JSON? { lastBody.withLock { $0 } }

    struct Cut: Error {}

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("v1/chat/completions") { request, _ -> Response in
            let body = try JSON(parsing: try await request.body.collect(upTo: 1 << 20).readableBytesView)
            self.lastBody.withLock { $0 = body }
            let model = body["model"]?.stringValue ?? "?"
            let prompt = body["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
            let content = body["response_format"]?["type"]?.stringValue == "json_schema" ? #"{"shots":["wide","close"]}"# : Self.completionText
            guard body["stream"]?.boolValue == true else {
                let completion: JSON = [
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_764_000_000, "model": .string(model),
                    "choices": [["index": 0, "message": ["role": "assistant", "content": .string(content)], "finish_reason": "stop"]],
                    "usage": ["prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17],
                ]
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: completion.bytes)))
            }
            let includeUsage = body["stream_options"]?["include_usage"]?.boolValue == true
            @Sendable func chunk(_ delta: JSON, finish: JSON = nil) -> String {
                let value: JSON = [
                    "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_764_000_000, "model": .string(model),
                    "choices": [["index": 0, "delta": delta, "finish_reason": finish]],
                ]
                return "data: \(value.text)\n\n"
            }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    for event in [chunk(["role": "assistant", "content": ""]), chunk(["content": "Hello"])] {
                        try await writer.write(ByteBuffer(string: event))
                    }
                    if prompt.contains("[[cut]]") {
                        try await Task.sleep(for: .milliseconds(50))  // let the gateway relay what it has
                        throw Cut()
                    }
                    try await writer.write(ByteBuffer(string: chunk(["content": " world"]) + chunk([:], finish: "stop")))
                    if includeUsage {
                        let usage: JSON = [
                            "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_764_000_000, "model": .string(model), "choices": [],
                            "usage": ["prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14],
                        ]
                        try await writer.write(ByteBuffer(string: "data: \(usage.text)\n\n"))
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                    try await writer.finish(nil)
                })
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestPlatform.logger)
    }
}
