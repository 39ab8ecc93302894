import Foundation
import NIOCore
import Testing
@testable import HolySheepKit

/// The client's pure pieces: configuration, request encoding, error parsing, retry decisions, stream parsing.
@Suite struct ClientTests {
    @Test func environment_needsAKeyAndDefaultsTheBaseURL() throws {
        #expect(throws: HolySheepError.self) { try HolySheepClient(environment: [:]) }
        do {
            _ = try HolySheepClient(environment: ["HOLYSHEEP_BASE_URL": "http://x/v1"])
        } catch {
            #expect(error.kind == .configuration && error.message.contains("HOLYSHEEP_API_KEY"))
        }
        let client = try HolySheepClient(environment: ["HOLYSHEEP_API_KEY": "hs_test_x"])
        #expect(client.baseURL.absoluteString == "http://127.0.0.1:8080/v1")
        #expect(throws: HolySheepError.self) { try HolySheepClient(environment: ["HOLYSHEEP_API_KEY": "k", "HOLYSHEEP_BASE_URL": "127.0.0.1:8080"]) }
        let configured = try HolySheepClient(environment: ["HOLYSHEEP_API_KEY": "k", "HOLYSHEEP_BASE_URL": "https://api.example.com/v1/"])
        #expect(configured.url("/chat/completions") == "https://api.example.com/v1/chat/completions")
        #expect(configured.url("/video/generations", query: [("after", "vgen_a&b"), ("limit", "5")]) == "https://api.example.com/v1/video/generations?after=vgen_a%26b&limit=5")
    }

    @Test func chatRequest_encodesOpenAIsShape() throws {
        var request = ChatRequest(model: "m", messages: [.user([.text("Look"), .imageURL("https://x/y.png", detail: "low")]), .tool(callID: "call_1", "42")])
        request.tools = [.function(name: "lookup", parameters: ["type": "object"])]
        request.toolChoice = .function("lookup")
        request.responseFormat = .jsonObject
        let json = try JSON(parsing: Array(KitJSON.encoder.encode(request)))
        #expect(json == [
            "model": "m",
            "messages": [
                ["role": "user", "content": [["type": "text", "text": "Look"], ["type": "image_url", "image_url": ["url": "https://x/y.png", "detail": "low"]]]],
                ["role": "tool", "content": "42", "tool_call_id": "call_1"],
            ],
            "tools": [["type": "function", "function": ["name": "lookup", "parameters": ["type": "object"]]]],
            "tool_choice": ["type": "function", "function": ["name": "lookup"]],
            "response_format": ["type": "json_object"],
        ])
        #expect(try KitJSON.decoder.decode(ChatRequest.self, from: KitJSON.encoder.encode(request)) == request)
    }

    @Test func errorBody_isParsedAndTheKeyRedacted() {
        let body: JSON = [
            "error": ["message": "bad key hs_live_SECRET", "type": "authentication_error", "code": "invalid_api_key", "param": nil], "error_code": 401,
        ]
        let error = HolySheepError(.api, errorBody: body, status: 401, retryAfter: .seconds(3), requestID: "req_1", redacting: "hs_live_SECRET")
        #expect(error.status == 401 && error.type == "authentication_error" && error.code == "invalid_api_key" && error.param == nil)
        #expect(error.message == "bad key hs_…" && error.retryAfter == .seconds(3))
        #expect("\(error)" == "HolySheep api error 401 invalid_api_key: bad key hs_… (request req_1)")
        let bare = HolySheepError(.api, errorBody: nil, status: 502, redacting: "k")
        #expect(bare.message.contains("502") && bare.code == nil)
    }

    @Test func retry_honoursRetryAfterUpToMaxDelay_elseBacksOffWithJitter() {
        var generator = SystemRandomNumberGenerator()
        let options = RetryOptions(maxAttempts: 3, baseDelay: .milliseconds(100), maxDelay: .seconds(10))
        func error(_ retryAfter: Duration?) -> HolySheepError { HolySheepError(.api, message: "x", status: 429, retryAfter: retryAfter) }
        #expect(options.delay(after: error(.seconds(2)), attempt: 1, using: &generator) == .seconds(2))
        #expect(options.delay(after: error(.seconds(11)), attempt: 1, using: &generator) == nil)
        #expect(options.delay(after: error(nil), attempt: 3, using: &generator) == nil)
        for attempt in 1...2 {
            let delay = options.delay(after: error(nil), attempt: attempt, using: &generator)!
            #expect(delay >= .zero && delay <= .milliseconds(100 << (attempt - 1)))
        }
        #expect(RetryOptions.never.delay(after: error(.seconds(1)), attempt: 1, using: &generator) == nil)
    }

    @Test func refusedConnection_isRetriedAsNeverSent_andFailsFastAsAConnectionError() async throws {
        let client = HolySheepClient(baseURL: URL(string: "http://127.0.0.1:9/v1")!, apiKey: "hs_test_x", retry: .init(baseDelay: .milliseconds(10)))
        let started = ContinuousClock.now
        do {
            _ = try await client.chat(ChatRequest(model: "m", messages: [.user("x")]))
            Issue.record("no error")
        } catch let error as HolySheepError {
            #expect(error.kind == .connection && error.message.contains("127.0.0.1:9"))
            #expect(HolySheepClient.failedBeforeSending(try #require(error.underlyingError)))
        }
        #expect(ContinuousClock.now - started < .seconds(15))  // a few 10 ms retries, with room for a loaded CI host
    }

    func parse(_ text: String, chunkSize: Int = .max) throws -> [ChatChunk] {
        var parser = ChatStreamParser(apiKey: "k")
        var chunks: [ChatChunk] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: min(chunkSize, bytes.count)) {
            chunks += try bytes[start..<min(start + chunkSize, bytes.count)].withUnsafeBytes { try parser.feed($0) }
        }
        return try chunks + parser.finish()
    }

    static let chunk = #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#

    @Test(arguments: [1, 7, Int.max])
    func streamParser_yieldsChunksAndStopsAtDone(chunkSize: Int) throws {
        let chunks = try parse(": keep-alive\n\ndata: \(Self.chunk)\r\n\r\ndata: \(Self.chunk)\n\ndata: [DONE]\n\ndata: \(Self.chunk)\n\n", chunkSize: chunkSize)
        #expect(chunks.map(\.text) == ["Hi", "Hi"])
    }

    @Test func streamParser_throwsInStreamErrorsAndCutOffStreams() throws {
        let errorEvent = #"data: {"error":{"message":"upstream stopped","type":"upstream_error","code":"upstream_stream_interrupted","param":null},"error_code":502}"#
        #expect {
            try parse("data: \(Self.chunk)\n\n\(errorEvent)\n\n")
        } throws: { ($0 as? HolySheepError).map { $0.kind == .stream && $0.status == 502 && $0.code == "upstream_stream_interrupted" } ?? false }
        #expect { try parse("data: \(Self.chunk)\n\n") } throws: { ($0 as? HolySheepError)?.kind == .stream }
        #expect { try parse("data: {not json\n\n") } throws: { ($0 as? HolySheepError)?.kind == .invalidResponse }
        #expect(try parse("data: \(Self.chunk)\n\ndata: [DONE]").count == 1)  // a last event without its blank line
    }
}
