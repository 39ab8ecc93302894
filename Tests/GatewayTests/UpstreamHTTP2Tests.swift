import Foundation
import HolySheepCore
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import Testing
@testable import Gateway

/// The upstream client against real HTTP/2 servers over TLS on 127.0.0.1 (and an https one that offers only
/// HTTP/1.1): multiplexing, streaming, the stream limit, resets, timeouts, GOAWAY, closes, idle connections.
@Suite struct UpstreamHTTP2Tests {
    static let answer = UpstreamHTTPClientTests.answer
    static var soon: NIODeadline { .now() + .seconds(10) }

    static func request(_ url: String, body: String = #"{"model":"m"}"#) -> UpstreamRequest {
        UpstreamHTTPClientTests.request(url, body: body)
    }

    /// A client that trusts the test certificate.
    static func withClient(
        _ configure: (inout UpstreamHTTPClient.Configuration) -> Void = { _ in }, _ body: (UpstreamHTTPClient) async throws -> Void
    ) async throws {
        let certificate = try H2TestUpstream.identity.certificate
        try await UpstreamHTTPClientTests.withClient({ configuration in
            configuration.tls.trustRoots = .certificates([certificate])
            configure(&configuration)
        }, body)
    }

    static func call(_ client: UpstreamHTTPClient, _ url: String, body: String = #"{"model":"m"}"#, deadline: NIODeadline = soon) async throws -> String {
        let response = try await client.execute(request(url, body: body), deadline: deadline)
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    @Test func anH2Upstream_servesConcurrentCallsOnOneConnection() async throws {
        let gate = Gate()
        try await H2TestUpstream.with({ _, reply in
            try await gate.wait()
            try await reply.send(Self.answer)
        }) { upstream in
            try await Self.withClient { client in
                try await withThrowingTaskGroup(of: String.self) { calls in
                    for _ in 0..<5 { calls.addTask { try await Self.call(client, upstream.url) } }
                    try await upstream.expectEventually { $0.seen.count == 5 }  // all five open at once
                    gate.open()
                    for try await answer in calls { #expect(answer == Self.answer) }
                }
            }
            #expect(upstream.accepted == 1)
            let first = try #require(upstream.seen.first)
            #expect(upstream.seen.allSatisfy { $0.connection == 1 })
            #expect(first.method == .POST)
            #expect(first.path == "/v1/chat/completions")
            #expect(first.header("host") == "localhost:\(upstream.port)")
            #expect(first.header("content-length") == "13")
            #expect(first.header("content-type") == "application/json")
            #expect(first.body == #"{"model":"m"}"#)
        }
    }

    @Test func alpnHttp11Upstream_staysOnHTTP11() async throws {
        let (certificate, key) = (try H2TestUpstream.identity.certificate, try H2TestUpstream.identity.key)
        var server = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        server.applicationProtocols = ["http/1.1"]
        let serverContext = try NIOSSLContext(configuration: server)
        try await ScriptedUpstream.with(tls: serverContext, UpstreamHTTPClientTests.answersEveryRequest) { upstream in
            let url = "https://localhost:\(upstream.port)/v1/chat/completions"
            try await Self.withClient { client in
                try await withThrowingTaskGroup(of: String.self) { calls in
                    for _ in 0..<3 { calls.addTask { try await Self.call(client, url) } }
                    for try await answer in calls { #expect(answer == UpstreamHTTPClientTests.answer) }
                }
                let opened = upstream.accepted
                #expect(opened >= 1 && opened <= 3)  // one connection per call in flight at most, as plain HTTP/1.1
                for _ in 0..<3 { #expect(try await Self.call(client, url) == UpstreamHTTPClientTests.answer) }
                #expect(upstream.accepted == opened)  // kept alive
            }
            #expect(upstream.seen.count == 6)
            #expect(upstream.seen.allSatisfy { $0.requestLine == "POST /v1/chat/completions HTTP/1.1" })
        }
    }

    @Test func aStreamedAnswerOverH2_arrivesChunkByChunk() async throws {
        let gate = Gate()
        try await H2TestUpstream.with({ request, reply in
            guard request.body.contains("stream") else { return try await reply.send(Self.answer) }
            try await reply.head(contentType: "text/event-stream")
            try await reply.body("data: first\n\n")
            try await gate.wait()  // the client has read the first event
            try await reply.body("data: second\n\n")
            try await reply.end()
        }) { upstream in
            try await Self.withClient { client in
                let response = try await client.execute(Self.request(upstream.url, body: #"{"stream":true}"#), deadline: Self.soon)
                #expect(response.headers.first(name: "content-type") == "text/event-stream")
                var chunks = response.body.makeAsyncIterator()
                #expect(try await chunks.next().map { String(buffer: $0) } == "data: first\n\n")
                gate.open()
                #expect(try await chunks.next().map { String(buffer: $0) } == "data: second\n\n")
                #expect(try await chunks.next() == nil)
                #expect(try await Self.call(client, upstream.url) == Self.answer)
            }
            #expect(upstream.accepted == 1)
            #expect(upstream.resets == 0)
        }
    }

    @Test func aSlowReaderOverH2_holdsTheUpstreamBack() async throws {
        let chunk = String(repeating: "x", count: 64 << 10)
        let chunks = 256  // 16 MiB: far more than the stream's window and the exchange's buffer together
        let sent = SentBytes()
        try await H2TestUpstream.with({ _, reply in
            try await reply.writeThrough(.head(HTTPResponseHead(version: .http2, status: .ok, headers: ["content-type": "text/event-stream"])))
            for _ in 0..<chunks {
                try await reply.writeThrough(.body(.byteBuffer(ByteBuffer(string: chunk))))
                sent.add(chunk.utf8.count)
            }
            try await reply.writeThrough(.end(nil))
        }) { upstream in
            try await Self.withClient { client in
                let response = try await client.execute(Self.request(upstream.url), deadline: Self.soon)
                try await Task.sleep(for: .milliseconds(500))  // reading nothing
                #expect(sent.value < 6 << 20)
                var received = 0
                for try await part in response.body { received += part.readableBytes }
                #expect(received == chunks * chunk.utf8.count)
            }
        }
    }

    @Test func anH2UpstreamAtItsStreamLimit_getsASecondConnection() async throws {
        let gate = Gate()
        try await H2TestUpstream.with(maximumStreams: 2, { _, reply in
            try await gate.wait()
            try await reply.send(Self.answer)
        }) { upstream in
            try await Self.withClient { client in
                try await withThrowingTaskGroup(of: String.self) { calls in
                    for _ in 0..<3 { calls.addTask { try await Self.call(client, upstream.url) } }
                    try await upstream.expectEventually { $0.seen.count == 3 }
                    gate.open()
                    for try await answer in calls { #expect(answer == Self.answer) }
                }
            }
            #expect(upstream.accepted == 2)
            #expect(upstream.seen.filter { $0.connection == 1 }.count == 2)
        }
    }

    @Test func cancellingACall_resetsOnlyItsStream() async throws {
        let gate = Gate()
        try await H2TestUpstream.with({ request, reply in
            if request.body.contains("hang") { try await Task.sleep(for: .seconds(60)) }
            try await gate.wait()
            try await reply.send(Self.answer)
        }) { upstream in
            try await Self.withClient { client in
                let kept = Task { try await Self.call(client, upstream.url) }
                try await upstream.expectEventually { $0.seen.count == 1 }
                let cancelled = Task { try await Self.call(client, upstream.url, body: "hang", deadline: .now() + .seconds(30)) }
                try await upstream.expectEventually { $0.seen.count == 2 }
                let started = ContinuousClock.now
                cancelled.cancel()
                await #expect(throws: CancellationError.self) { _ = try await cancelled.value }
                #expect(ContinuousClock.now - started < .seconds(10))  // not the 30 s deadline
                try await upstream.expectEventually { $0.resets == 1 }
                gate.open()
                #expect(try await kept.value == Self.answer)
                #expect(try await Self.call(client, upstream.url) == Self.answer)
            }
            #expect(upstream.accepted == 1)
            #expect(upstream.resets == 1)
        }
    }

    @Test func goaway_newCallsGoToANewConnection() async throws {
        let gate = Gate()
        try await H2TestUpstream.with({ request, reply in
            if request.body.contains("slow") { try await gate.wait() }
            try await reply.send(Self.answer)
        }) { upstream in
            try await Self.withClient { client in
                let inFlight = Task { try await Self.call(client, upstream.url, body: "slow") }
                try await upstream.expectEventually { $0.seen.count == 1 }
                try await upstream.goAway()
                #expect(try await Self.call(client, upstream.url) == Self.answer)
                #expect(upstream.seen.last?.connection == 2)
                gate.open()
                #expect(try await inFlight.value == Self.answer)  // the stream in flight finished on the old connection
                try await upstream.expectEventually { $0.closed == 1 }  // which then closed
                #expect(try await Self.call(client, upstream.url) == Self.answer)
                #expect(upstream.seen.last?.connection == 2)
            }
            #expect(upstream.accepted == 2)
        }
    }

    @Test func noHeadBeforeTheDeadline_overH2_failsWithHeadTimeout() async throws {
        try await H2TestUpstream.with({ request, reply in
            if request.body.contains("hang") { try await Task.sleep(for: .seconds(60)) }
            try await reply.send(Self.answer)
        }) { upstream in
            try await Self.withClient { client in
                let started = ContinuousClock.now
                await #expect(throws: UpstreamHTTPError.headTimeout) {
                    _ = try await Self.call(client, upstream.url, body: "hang", deadline: .now() + .milliseconds(200))
                }
                #expect(ContinuousClock.now - started < .seconds(8))
                try await upstream.expectEventually { $0.resets == 1 }
                #expect(try await Self.call(client, upstream.url) == Self.answer)  // the connection lives on
            }
            #expect(upstream.accepted == 1)
        }
    }

    @Test func aBodyThatStallsOverH2_failsWithReadTimeout_andResetsItsStream() async throws {
        try await H2TestUpstream.with({ request, reply in
            guard request.body.contains("stall") else { return try await reply.send(Self.answer) }
            try await reply.head(length: 100)
            try await reply.body(#"{"id":"#)
            try await Task.sleep(for: .seconds(60))
        }) { upstream in
            try await Self.withClient({ $0.readTimeout = .milliseconds(200) }) { client in
                let response = try await client.execute(Self.request(upstream.url, body: "stall"), deadline: Self.soon)
                await #expect(throws: UpstreamHTTPError.readTimeout) { _ = try await response.body.collect(upTo: 1 << 20) }
                try await upstream.expectEventually { $0.resets == 1 }
                #expect(try await Self.call(client, upstream.url) == Self.answer)
            }
            #expect(upstream.accepted == 1)
        }
    }

    @Test func droppingAStreamMidwayOverH2_resetsItsStream() async throws {
        try await H2TestUpstream.with({ request, reply in
            guard request.body.contains("stream") else { return try await reply.send(Self.answer) }
            try await reply.head(contentType: "text/event-stream")
            try await reply.body("data: first\n\n")
            try await Task.sleep(for: .seconds(60))
        }) { upstream in
            try await Self.withClient { client in
                do {
                    let response = try await client.execute(Self.request(upstream.url, body: "stream"), deadline: Self.soon)
                    var chunks = response.body.makeAsyncIterator()
                    #expect(try await chunks.next() != nil)
                }
                try await upstream.expectEventually { $0.resets == 1 }
                #expect(try await Self.call(client, upstream.url) == Self.answer)
            }
            #expect(upstream.accepted == 1)
        }
    }

    @Test func anH2ConnectionClosedMidAnswer_failsItsCallsWithRemoteClosed() async throws {
        try await H2TestUpstream.with({ request, reply in
            guard request.body.contains("cut") else { return try await reply.send(Self.answer) }
            try await reply.head(contentType: "text/event-stream")
            try await reply.body("data: first\n\n")
            try await Task.sleep(for: .milliseconds(100))
            try await reply.connection.close()
        }) { upstream in
            try await Self.withClient { client in
                let response = try await client.execute(Self.request(upstream.url, body: "cut"), deadline: Self.soon)
                var chunks = response.body.makeAsyncIterator()
                #expect(try await chunks.next().map { String(buffer: $0) } == "data: first\n\n")
                await #expect(throws: UpstreamHTTPError.remoteClosed) { _ = try await chunks.next() }
                #expect(try await Self.call(client, upstream.url) == Self.answer)  // on a new connection
            }
            #expect(upstream.accepted == 2)
        }
    }

    @Test func anH2ConnectionIdleLongerThanTheTimeout_isClosed() async throws {
        try await H2TestUpstream.with({ request, reply in
            if request.body.contains("slow") { try await Task.sleep(for: .milliseconds(600)) }
            try await reply.send(Self.answer)
        }) { upstream in
            try await Self.withClient({ $0.idleTimeout = .milliseconds(200) }) { client in
                // A stream open for longer than the idle timeout keeps its connection: closing it would fail the call.
                // (Whether it is still open once the call returned is up to the next sweep.)
                #expect(try await Self.call(client, upstream.url, body: "slow") == Self.answer)
                let started = ContinuousClock.now
                try await upstream.expectEventually { $0.closed == 1 }
                #expect(ContinuousClock.now - started < .seconds(8))
                #expect(try await Self.call(client, upstream.url) == Self.answer)
            }
            #expect(upstream.accepted == 2)
        }
    }

    @Test func shutDown_letsStreamsInFlightFinish_thenClosesTheH2Connection() async throws {
        let gate = Gate()
        try await H2TestUpstream.with({ _, reply in
            try await gate.wait()
            try await reply.send(Self.answer)
        }) { upstream in
            var configuration = UpstreamHTTPClient.Configuration()
            configuration.tls.trustRoots = .certificates([try H2TestUpstream.identity.certificate])
            let client = UpstreamHTTPClient(group: .singleton, configuration: configuration)
            let inFlight = Task { try await Self.call(client, upstream.url) }
            try await upstream.expectEventually { $0.seen.count == 1 }
            await client.shutDown()
            await #expect(throws: UpstreamHTTPError.shutDown) { _ = try await Self.call(client, upstream.url) }
            #expect(upstream.closed == 0)
            gate.open()
            #expect(try await inFlight.value == Self.answer)
            try await upstream.expectEventually { $0.closed == 1 }
        }
    }
}

/// Opens once; everyone waiting (and everyone who comes later) passes. Waiting is cancelled with the server's tasks
/// when a test ends without opening it.
private final class Gate: Sendable {
    private let isOpen = Mutex(false)

    func open() { isOpen.withLock { $0 = true } }

    func wait() async throws {
        while !isOpen.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
    }
}

/// A count shared with a script.
private final class SentBytes: Sendable {
    private let total = Mutex(0)

    var value: Int { total.withLock { $0 } }

    func add(_ amount: Int) { total.withLock { $0 += amount } }
}
