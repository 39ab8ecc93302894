import Foundation
import HolySheepCore
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing
@testable import Gateway

/// The upstream client against a real HTTP/1.1 server on 127.0.0.1 that misbehaves on cue: keep-alive reuse,
/// streaming, every timeout, closes, cancellation, size limits, TLS.
@Suite struct UpstreamHTTPClientTests {
    static let answer = #"{"id":"chatcmpl-1","object":"chat.completion","choices":[]}"#

    static func request(_ upstream: ScriptedUpstream, body: String = #"{"model":"m"}"#) -> UpstreamRequest {
        request(upstream.url, body: body)
    }

    /// A JSON POST to `url`.
    static func request(_ url: String, body: String = #"{"model":"m"}"#) -> UpstreamRequest {
        var request = UpstreamRequest(url: HTTPURL(url)!)
        request.headers.add(name: "content-type", value: "application/json")
        request.body = ByteBuffer(string: body)
        return request
    }

    static func withClient(
        _ configure: (inout UpstreamHTTPClient.Configuration) -> Void = { _ in }, _ body: (UpstreamHTTPClient) async throws -> Void
    ) async throws {
        var configuration = UpstreamHTTPClient.Configuration()
        configuration.readTimeout = .seconds(10)  // a test that hangs fails in seconds, not minutes
        configure(&configuration)
        let client = UpstreamHTTPClient(group: .singleton, configuration: configuration)
        do {
            try await body(client)
        } catch {
            await client.shutDown()
            throw error
        }
        await client.shutDown()
    }

    static var soon: NIODeadline { .now() + .seconds(5) }

    static let answersEveryRequest: ScriptedUpstream.Script = { _, reply in
        try await reply.send(ScriptedUpstream.response(answer))
        return true
    }

    @Test func sequentialCalls_reuseOneConnection_andSendTheWholeRequest() async throws {
        try await ScriptedUpstream.with(Self.answersEveryRequest) { upstream in
            try await Self.withClient { client in
                for _ in 0..<5 {
                    let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                    #expect(response.status == .ok)
                    #expect(response.headers.first(name: "content-type") == "application/json")
                    #expect(String(buffer: try await response.body.collect(upTo: 1 << 20)) == Self.answer)
                }
            }
            #expect(upstream.accepted == 1)
            let first = try #require(upstream.seen.first)
            #expect(upstream.seen.count == 5)
            #expect(first.requestLine == "POST /v1/chat/completions HTTP/1.1")
            #expect(first.header("host") == "127.0.0.1:\(upstream.port)")
            #expect(first.header("content-length") == "13")
            #expect(first.header("content-type") == "application/json")
            #expect(first.body == #"{"model":"m"}"#)
        }
    }

    /// Production runs handlers on the event loops (``EventLoopExecutor``): the same calls from a loop's thread.
    @Test func callsMadeOnAnEventLoop_reuseThatLoopsConnection() async throws {
        actor OnLoop {
            let loop: any EventLoop
            nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }
            init(loop: any EventLoop) { self.loop = loop }

            func call(_ client: UpstreamHTTPClient, _ request: UpstreamRequest) async throws -> String {
                #expect(loop.inEventLoop)
                let response = try await client.execute(request, deadline: .now() + .seconds(5))
                return String(buffer: try await response.body.collect(upTo: 1 << 20))
            }
        }
        try await ScriptedUpstream.with(Self.answersEveryRequest) { upstream in
            try await Self.withClient { client in
                let onLoop = OnLoop(loop: MultiThreadedEventLoopGroup.singleton.next())
                for _ in 0..<3 {
                    let answer = try await onLoop.call(client, Self.request(upstream))
                    #expect(answer == Self.answer)
                }
            }
            #expect(upstream.accepted == 1)
        }
    }

    @Test func anAnswerWithConnectionClose_isNotReused() async throws {
        try await ScriptedUpstream.with({ _, reply in
            try await reply.send(ScriptedUpstream.response(Self.answer, headers: ["content-type: application/json", "connection: close"]))
            return false
        }) { upstream in
            try await Self.withClient { client in
                for _ in 0..<2 {
                    let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                    #expect(String(buffer: try await response.body.collect(upTo: 1 << 20)) == Self.answer)
                }
            }
            #expect(upstream.accepted == 2)
        }
    }

    @Test func aConnectionTheUpstreamClosedWhileIdle_isReplacedByANewOne() async throws {
        try await ScriptedUpstream.with({ _, reply in
            try await reply.send(ScriptedUpstream.response(Self.answer))
            return false  // keep-alive announced, then closed anyway
        }) { upstream in
            try await Self.withClient { client in
                for _ in 0..<3 {
                    let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                    #expect(String(buffer: try await response.body.collect(upTo: 1 << 20)) == Self.answer)
                    try await upstream.expectEventually { $0.closed == $0.accepted }
                    // Whether or not the close reached the client's loop before the next call (on a loaded host it
                    // may not), the next call is answered on a new connection.
                }
            }
            #expect(upstream.accepted == 3)
        }
    }

    /// Each connection answers one call with keep-alive, then closes without answering when the next call arrives:
    /// the race between an upstream's idle close and a call sent on that connection, made deterministic.
    @Test func aCallMeetingTheKeepAliveRace_goesOnceMoreOnANewConnection() async throws {
        let callsPerConnection = Mutex<[Int: Int]>([:])
        try await ScriptedUpstream.with({ request, reply in
            let call = callsPerConnection.withLock { calls in
                calls[request.connection, default: 0] += 1
                return calls[request.connection]!
            }
            guard call == 1 else { return false }
            try await reply.send(ScriptedUpstream.response(Self.answer))
            return true
        }) { upstream in
            try await Self.withClient { client in
                for _ in 0..<3 {
                    let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                    #expect(String(buffer: try await response.body.collect(upTo: 1 << 20)) == Self.answer)
                }
            }
            #expect(upstream.accepted == 3)
            #expect(upstream.seen.count == 5)  // calls 2 and 3 each met a closing connection first
            #expect(upstream.seen.map(\.body).allSatisfy { $0 == #"{"model":"m"}"# })  // the whole request again
        }
    }

    /// The retry is once per call: a new connection closed without an answer is the upstream's answer.
    @Test func aCallClosedOnAgainOnItsNewConnection_failsWithRemoteClosed() async throws {
        let answeredOnce = Mutex(false)
        try await ScriptedUpstream.with({ _, reply in
            guard !answeredOnce.withLock({ answered in defer { answered = true }; return answered }) else { return false }
            try await reply.send(ScriptedUpstream.response(Self.answer))
            return true
        }) { upstream in
            try await Self.withClient { client in
                let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                #expect(String(buffer: try await response.body.collect(upTo: 1 << 20)) == Self.answer)
                await #expect(throws: UpstreamHTTPError.remoteClosed) { _ = try await client.execute(Self.request(upstream), deadline: Self.soon) }
            }
            #expect(upstream.accepted == 2)
            #expect(upstream.seen.count == 3)
        }
    }

    @Test func aChunkedStream_arrivesChunkByChunk_beforeTheUpstreamFinishes() async throws {
        let gate = AsyncStream<Void>.makeStream()
        try await ScriptedUpstream.with({ request, reply in
            guard request.body.contains("stream") else {
                try await reply.send(ScriptedUpstream.response(Self.answer))
                return true
            }
            try await reply.send("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            try await reply.send("d\r\ndata: first\n\n\r\n")
            for await _ in gate.stream { break }  // the client has read the first event
            try await reply.send("e\r\ndata: second\n\n\r\n0\r\n\r\n")
            return true
        }) { upstream in
            try await Self.withClient { client in
                let response = try await client.execute(Self.request(upstream, body: #"{"stream":true}"#), deadline: Self.soon)
                #expect(response.headers.first(name: "content-type") == "text/event-stream")
                var chunks = response.body.makeAsyncIterator()
                #expect(try await chunks.next().map { String(buffer: $0) } == "data: first\n\n")
                gate.continuation.yield()
                #expect(try await chunks.next().map { String(buffer: $0) } == "data: second\n\n")
                #expect(try await chunks.next() == nil)
                // The connection went back to the pool: the next call reuses it.
                let again = try await client.execute(Self.request(upstream), deadline: Self.soon)
                _ = try await again.body.collect(upTo: 1 << 20)
            }
            #expect(upstream.accepted == 1)
        }
    }

    @Test func noHeadBeforeTheDeadline_failsWithHeadTimeout_andClosesTheConnection() async throws {
        try await ScriptedUpstream.with({ _, _ in true }) { upstream in
            try await Self.withClient { client in
                let started = ContinuousClock.now
                await #expect(throws: UpstreamHTTPError.headTimeout) {
                    _ = try await client.execute(Self.request(upstream), deadline: .now() + .milliseconds(200))
                }
                // Bounds tell "the deadline fired" from "the 10 s read timeout fired" with room for a loaded CI host.
                #expect(ContinuousClock.now - started < .seconds(8))
            }
            try await upstream.expectEventually { $0.closed == 1 }
        }
    }

    @Test func aBodyThatStalls_failsWithReadTimeout() async throws {
        try await ScriptedUpstream.with({ _, reply in
            try await reply.send("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"id\":")
            return true  // and nothing more
        }) { upstream in
            try await Self.withClient({ $0.readTimeout = .milliseconds(200) }) { client in
                let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                await #expect(throws: UpstreamHTTPError.readTimeout) { _ = try await response.body.collect(upTo: 1 << 20) }
            }
            try await upstream.expectEventually { $0.closed == 1 }
        }
    }

    @Test func aCloseMidBody_failsTheBodyWithRemoteClosed() async throws {
        try await ScriptedUpstream.with({ _, reply in
            try await reply.send("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"id\":")
            return false
        }) { upstream in
            try await Self.withClient { client in
                let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                await #expect(throws: UpstreamHTTPError.remoteClosed) { _ = try await response.body.collect(upTo: 1 << 20) }
            }
        }
    }

    @Test func aStreamCutShort_handsOutWhatArrived_thenFailsWithRemoteClosed() async throws {
        try await ScriptedUpstream.with({ _, reply in
            try await reply.send(
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\nd\r\ndata: first\n\n\r\n")
            return false  // cut before the last chunk
        }) { upstream in
            try await Self.withClient { client in
                let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                try await upstream.expectEventually { $0.closed == 1 }
                try await Task.sleep(for: .milliseconds(50))  // the close reaches the client before it reads
                var chunks = response.body.makeAsyncIterator()
                #expect(try await chunks.next().map { String(buffer: $0) } == "data: first\n\n")
                await #expect(throws: UpstreamHTTPError.remoteClosed) { _ = try await chunks.next() }
            }
        }
    }

    @Test func aCloseBeforeTheHead_onANewConnection_failsWithRemoteClosed_withoutARetry() async throws {
        try await ScriptedUpstream.with({ _, _ in false }) { upstream in
            try await Self.withClient { client in
                await #expect(throws: UpstreamHTTPError.remoteClosed) { _ = try await client.execute(Self.request(upstream), deadline: Self.soon) }
            }
            #expect(upstream.accepted == 1)
        }
    }

    @Test func aBodyOverTheLimit_failsWithTooLarge_andClosesTheConnection() async throws {
        try await ScriptedUpstream.with({ _, reply in
            // 10 000 bytes announced, 2 000 sent so far: the rest would still be on the wire.
            try await reply.send("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n" + String(repeating: "x", count: 2_000))
            return true
        }) { upstream in
            try await Self.withClient { client in
                let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                await #expect(throws: UpstreamHTTPError.tooLarge(limit: 1_000)) { _ = try await response.body.collect(upTo: 1_000) }
                try await upstream.expectEventually { $0.closed == 1 }
            }
        }
    }

    @Test func cancellingTheCaller_whileWaitingForTheHead_throwsCancellation_andClosesTheConnection() async throws {
        try await ScriptedUpstream.with({ _, _ in true }) { upstream in
            try await Self.withClient { client in
                let call = Task { try await client.execute(Self.request(upstream), deadline: .now() + .seconds(30)) }
                try await upstream.expectEventually { $0.seen.count == 1 }
                let started = ContinuousClock.now
                call.cancel()
                await #expect(throws: CancellationError.self) { _ = try await call.value }
                #expect(ContinuousClock.now - started < .seconds(10))  // not the 30 s deadline
            }
            try await upstream.expectEventually { $0.closed == 1 }
        }
    }

    @Test func droppingAStreamMidway_closesItsConnection() async throws {
        try await ScriptedUpstream.with({ _, reply in
            try await reply.send("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            try await reply.send("d\r\ndata: first\n\n\r\n")
            return true  // and nothing more
        }) { upstream in
            try await Self.withClient { client in
                do {
                    let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                    var chunks = response.body.makeAsyncIterator()
                    #expect(try await chunks.next() != nil)
                }
                try await upstream.expectEventually { $0.closed == 1 }
            }
        }
    }

    @Test func aRefusedConnection_failsAtOnce() async throws {
        // A port that was just free: nothing listens there.
        let socket = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = socket.localAddress!.port!
        try await socket.close()
        try await Self.withClient { client in
            let started = ContinuousClock.now
            await #expect(throws: (any Error).self) {
                _ = try await client.execute(UpstreamRequest(url: HTTPURL("http://127.0.0.1:\(port)/v1/chat/completions")!), deadline: .now() + .seconds(30))
            }
            #expect(ContinuousClock.now - started < .seconds(10))  // at once, not at the 30 s deadline
        }
    }

    @Test(arguments: [
        ("authorization", "Bearer sk\r\nx-evil: 1"),  // a line break: a header of its own upstream
        ("authorization", "Bearer sk\u{0}"),  // a control character
        ("x-evil: 1\r\nx", "1"),  // a name that is not a token
        ("", "1"),
    ])
    func aHeaderHTTPDoesNotAllow_isRefusedBeforeAnythingIsSent(name: String, value: String) async throws {
        try await ScriptedUpstream.with(Self.answersEveryRequest) { upstream in
            try await Self.withClient { client in
                var request = Self.request(upstream)
                request.headers.add(name: name, value: value)
                await #expect(throws: UpstreamHTTPError.invalidHeader) { _ = try await client.execute(request, deadline: Self.soon) }
                let response = try await client.execute(Self.request(upstream), deadline: Self.soon)
                #expect(response.status == .ok)
            }
            #expect(upstream.seen.count == 1)
        }
    }

    @Test func headersHTTPAllows_passTheCheck() {
        #expect(UpstreamConnectionHandler.mayBeSent(name: "x-api-key", value: "sk-ant-api03-AbC_9"))
        #expect(UpstreamConnectionHandler.mayBeSent(name: "anthropic-beta", value: "a,\tb"))  // a tab is whitespace
        #expect(UpstreamConnectionHandler.mayBeSent(name: "x-title", value: "短剧 café"))  // bytes ≥ 0x80 are obs-text
        #expect(UpstreamConnectionHandler.mayBeSent(name: "!#$%&'*+-.^_`|~09AZaz", value: ""))
        #expect(!UpstreamConnectionHandler.mayBeSent(name: "x-a", value: "a\u{7F}"))
        #expect(!UpstreamConnectionHandler.mayBeSent(name: "x a", value: "1"))
    }

    @Test func anHTTPSUpstream_isCalledOverVerifiedTLS() async throws {
        let (certificate, key) = try Self.selfSignedCertificate()
        var server = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        server.applicationProtocols = ["http/1.1"]
        let serverContext = try NIOSSLContext(configuration: server)
        try await ScriptedUpstream.with(tls: serverContext, Self.answersEveryRequest) { upstream in
            let url = HTTPURL("https://localhost:\(upstream.port)/v1/chat/completions")!
            // Trusting the certificate: answers arrive, on one connection.
            try await Self.withClient({ $0.tls.trustRoots = .certificates([certificate]) }) { client in
                for _ in 0..<2 {
                    var request = UpstreamRequest(url: url)
                    request.body = ByteBuffer(string: "{}")
                    let response = try await client.execute(request, deadline: Self.soon)
                    #expect(String(buffer: try await response.body.collect(upTo: 1 << 20)) == Self.answer)
                }
            }
            #expect(upstream.seen.count == 2)
            // Not trusting it: the handshake fails, nothing is sent.
            try await Self.withClient { client in
                await #expect(throws: NIOSSLError.self) { _ = try await client.execute(UpstreamRequest(url: url), deadline: Self.soon) }
            }
            #expect(upstream.seen.count == 2)
        }
    }

    /// A throwaway certificate for `localhost` and 127.0.0.1, made with the `openssl` tool.
    static func selfSignedCertificate() throws -> (NIOSSLCertificate, NIOSSLPrivateKey) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("holysheep-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", folder.appendingPathComponent("key.pem").path, "-out", folder.appendingPathComponent("cert.pem").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return (
            try NIOSSLCertificate.fromPEMFile(folder.appendingPathComponent("cert.pem").path)[0],
            try NIOSSLPrivateKey(file: folder.appendingPathComponent("key.pem").path, format: .pem)
        )
    }
}
