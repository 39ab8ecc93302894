import Foundation
import HolySheepKit
import Testing

/// The SDK's chat calls against a real gateway (in process, on loopback) in front of a fake upstream.
@Suite struct ChatTests {
    static let request = ChatRequest(model: "gpt-4.1", messages: [.system("Be brief."), .user("Say hello")], maxTokens: 50)

    @Test func chat_returnsTheCompletionAndItsUsage() async throws {
        try await TestPlatform.run { platform in
            let answer = try await platform.client(key: try await platform.createKey()).chat(Self.request)
            #expect(answer.text == FakeUpstream.completionText)
            #expect(answer.model == "gpt-4.1-fake")  // OpenAI-compatible answers pass through as the upstream wrote them
            #expect(answer.choices.first?.finishReason == "stop")
            #expect(answer.usage == ChatUsage(promptTokens: 12, completionTokens: 5, totalTokens: 17))
            let sent = try #require(platform.upstream.lastRequest)
            #expect(sent["max_tokens"] == 50 && sent["messages"]?[0]?["role"] == "system" && sent["stream"] == nil)
        }
    }

    @Test func jsonSchemaResponseFormat_reachesTheUpstreamIntactAndDecodes() async throws {
        struct Shots: Decodable { let shots: [String] }
        let schema: JSON = ["type": "object", "properties": ["shots": ["type": "array", "items": ["type": "string"]]], "additionalProperties": false]
        try await TestPlatform.run { platform in
            var request = Self.request
            request.responseFormat = .jsonSchema(name: "shot_list", schema: schema, strict: true)
            let answer = try await platform.client(key: try await platform.createKey()).chat(request)
            #expect(try answer.decodeContent(as: Shots.self).shots == ["wide", "close"])
            let format = try #require(platform.upstream.lastRequest?["response_format"])
            #expect(format == ["type": "json_schema", "json_schema": ["name": "shot_list", "schema": schema, "strict": true]])
        }
    }

    @Test func chatStream_yieldsDeltasThenUsage_andEndsAtDone() async throws {
        try await TestPlatform.run { platform in
            var text = ""
            var chunks = 0
            var usage: ChatUsage?
            for try await chunk in try await platform.client(key: try await platform.createKey()).chatStream(Self.request) {
                text += chunk.text
                chunks += 1
                usage = chunk.usage ?? usage
            }
            #expect(text == "Hello world")
            #expect(chunks == 5)  // role, "Hello", " world", finish, usage
            #expect(usage?.totalTokens == 14)
            #expect(platform.upstream.lastRequest?["stream_options"] == ["include_usage": true])
        }
    }

    @Test func chatStream_cutUpstream_throwsTheServersStreamErrorAfterTheFirstDeltas() async throws {
        try await TestPlatform.run { platform in
            var request = Self.request
            request.messages = [.user("Say hello [[cut]]")]
            var text = ""
            do {
                for try await chunk in try await platform.client(key: try await platform.createKey()).chatStream(request) { text += chunk.text }
                Issue.record("the stream ended normally")
            } catch let error as HolySheepError {
                #expect(error.kind == .stream)
                #expect(error.status == 502 && error.code == "upstream_stream_interrupted")
                #expect(error.message.contains("retry"))
            }
            #expect(text == "Hello")
        }
    }

    @Test func openAIKey_is401SayingSo_andTheKeyAppearsNowhere() async throws {
        try await TestPlatform.run { platform in
            let key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"
            let client = platform.client(key: key)
            do {
                _ = try await client.chat(Self.request)
                Issue.record("no error")
            } catch let error as HolySheepError {
                #expect(error.kind == .api && error.status == 401 && error.type == "authentication_error")
                #expect(error.code == "invalid_api_key_format")
                #expect(error.message.contains("sk-") && error.requestID != nil)
                #expect(!"\(error)".contains(key) && !String(reflecting: error).contains(key))
            }
            #expect(!"\(client)".contains(key))
        }
    }

    @Test func unknownModel_is404ModelNotFoundNamingTheField() async throws {
        try await TestPlatform.run { platform in
            var request = Self.request
            request.model = "gpt-9"
            await #expect {
                try await platform.client(key: try await platform.createKey()).chat(request)
            } throws: { error in
                let error = error as? HolySheepError
                return error?.status == 404 && error?.code == "model_not_found" && error?.param == "model" && error?.message.contains("gpt-4.1") == true
            }
        }
    }

    @Test func rateLimited_waitsOutRetryAfterAndSucceeds() async throws {
        try await TestPlatform.run { platform in
            let key = try await platform.createKey(rpm: 60)  // refills one request per second
            let client = platform.client(key: key)
            let once = platform.client(key: key, retry: .never)
            /// Spends the key's requests until the gateway answers 429.
            func exhaust() async throws {
                for _ in 0..<200 {
                    do {
                        _ = try await once.chat(Self.request)
                    } catch let error as HolySheepError where error.status == 429 {
                        #expect(error.retryAfter == .seconds(1))
                        return
                    }
                }
                Issue.record("never rate limited")
            }
            // A request can slip into a refill between the 429 and the next call; then the client had nothing to wait for.
            var waited = false
            for _ in 0..<3 where !waited {
                try await exhaust()
                let started = ContinuousClock.now
                #expect(try await client.chat(Self.request).text == FakeUpstream.completionText)
                waited = ContinuousClock.now - started >= .milliseconds(900)  // `Retry-After: 1`, not the 10 ms backoff
            }
            #expect(waited)
        }
    }

    @Test func rateLimited_retryAfterBeyondMaxDelay_isThrownWithRetryAfter() async throws {
        try await TestPlatform.run { platform in
            let client = platform.client(key: try await platform.createKey(rpm: 1))
            _ = try await client.chat(Self.request)
            let started = ContinuousClock.now
            do {
                _ = try await client.chat(Self.request)
                Issue.record("no error")
            } catch let error as HolySheepError {
                #expect(error.status == 429 && error.type == "rate_limit_error" && error.code == "rate_limit_exceeded")
                // The bucket refills one request per minute; the wait left depends on when the first call landed.
                #expect(error.retryAfter.map { $0 > .seconds(30) && $0 <= .seconds(60) } == true)
            }
            #expect(ContinuousClock.now - started < .seconds(20))  // thrown, not waited out (Retry-After ≥ 30 s)
        }
    }
}
