import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization
import Testing
import X509

/// An HTTP/2 server over TLS (ALPN `h2`) on 127.0.0.1, with a certificate for `localhost` made at start-up: what
/// the providers' APIs speak. Each stream is answered as its test scripts it; the server can also say GOAWAY, cap
/// its streams, and counts connections, streams and the resets it receives.
final class H2TestUpstream: Sendable {
    /// One request as it arrived.
    struct Seen: Sendable {
        /// 1-based, in the order connections were accepted.
        let connection: Int
        let method: HTTPMethod
        let path: String
        let headers: HTTPHeaders
        let body: String

        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    /// Writes a stream's answer. A script ends its answer (``end()``), closes the connection, or waits to be cancelled.
    struct Reply: Sendable {
        let outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
        /// The stream's connection (to cut it).
        let connection: any Channel
        let stream: any Channel

        func head(_ status: HTTPResponseStatus = .ok, contentType: String = "application/json", length: Int? = nil) async throws {
            var headers: HTTPHeaders = ["content-type": contentType]
            if let length { headers.add(name: "content-length", value: String(length)) }
            try await outbound.write(.head(HTTPResponseHead(version: .http2, status: status, headers: headers)))
        }

        func body(_ text: String) async throws { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: text)))) }

        func end() async throws { try await outbound.write(.end(nil)) }

        /// Writes `part` straight to the stream and returns once it is on the wire: HTTP/2 flow control held it until
        /// the client's window let it through. (Not mixed with the other writes of a stream: the writer's are not
        /// ordered with these.)
        func writeThrough(_ part: HTTPServerResponsePart) async throws {
            try await stream.writeAndFlush(part)
        }

        /// A whole answer with a `content-length`.
        func send(_ text: String) async throws {
            try await head(length: text.utf8.count)
            try await body(text)
            try await end()
        }
    }

    typealias Script = @Sendable (Seen, Reply) async throws -> Void
    private typealias StreamChannel = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private struct Accepted: Sendable {
        let channel: any Channel
        let streams: NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>
    }

    private struct State {
        var accepted = 0
        var closed = 0
        var resets = 0
        var pingAcks = 0
        var seen: [Seen] = []
        var open: [any Channel] = []
    }

    /// Filled in from the server's handlers too, before the upstream exists.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    let port: Int
    private let shared: Shared

    var accepted: Int { shared.state.withLock { $0.accepted } }
    var closed: Int { shared.state.withLock { $0.closed } }
    /// Streams the client reset (RST_STREAM).
    var resets: Int { shared.state.withLock { $0.resets } }
    var seen: [Seen] { shared.state.withLock { $0.seen } }

    private init(port: Int, shared: Shared) {
        self.port = port
        self.shared = shared
    }

    var url: String { "https://localhost:\(port)/v1/chat/completions" }

    /// Serves `script` for the duration of `body`.
    /// - Parameter maximumStreams: the SETTINGS_MAX_CONCURRENT_STREAMS it announces.
    static func with(
        maximumStreams: Int = 100, _ script: @escaping Script, _ body: @escaping @Sendable (H2TestUpstream) async throws -> Void
    ) async throws {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try identity.certificate)], privateKey: .privateKey(try identity.key))
        tls.applicationProtocols = ["h2"]
        let tlsContext = try NIOSSLContext(configuration: tls)
        let http2 = {
            var http2 = NIOHTTP2Handler.Configuration()
            http2.connection.initialSettings = [
                HTTP2Setting(parameter: .maxConcurrentStreams, value: maximumStreams),
                HTTP2Setting(parameter: .maxHeaderListSize, value: 16 << 10),  // NIO's default
            ]
            return http2
        }()
        let shared = Shared()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLServerHandler(context: tlsContext))
                    let streams = try pipeline.configureAsyncHTTP2Pipeline(mode: .server, configuration: http2) { stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandler(ResetObserver { shared.state.withLock { $0.resets += 1 } })
                            try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                            return try StreamChannel(wrappingChannelSynchronously: stream)
                        }
                    }
                    try pipeline.addHandler(PingAckObserver { shared.state.withLock { $0.pingAcks += 1 } })
                    return Accepted(channel: channel, streams: streams)
                }
            }
        let upstream = H2TestUpstream(port: server.channel.localAddress?.port ?? 0, shared: shared)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.executeThenClose { connections in
                    try await withThrowingDiscardingTaskGroup { connectionTasks in
                        for try await connection in connections {
                            let number = upstream.shared.state.withLock { state in
                                state.accepted += 1
                                state.open.append(connection.channel)
                                return state.accepted
                            }
                            connection.channel.closeFuture.whenComplete { _ in
                                upstream.shared.state.withLock { state in
                                    state.closed += 1
                                    state.open.removeAll { $0 === connection.channel }
                                }
                            }
                            connectionTasks.addTask { await upstream.serve(connection, number: number, script: script) }
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            try await body(upstream)
        }
    }

    private func serve(_ connection: Accepted, number: Int, script: @escaping Script) async {
        await withDiscardingTaskGroup { streams in
            do {
                for try await stream in connection.streams.inbound {
                    streams.addTask { await self.serve(stream, connection: connection.channel, number: number, script: script) }
                }
            } catch {}  // the connection closed
        }
    }

    private func serve(_ stream: StreamChannel, connection: any Channel, number: Int, script: Script) async {
        try? await stream.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let received): head = received
                case .body(var chunk): body.writeBuffer(&chunk)
                case .end:
                    guard let head else { return }
                    let request = Seen(connection: number, method: head.method, path: head.uri, headers: head.headers, body: String(buffer: body))
                    shared.state.withLock { $0.seen.append(request) }
                    try await script(request, Reply(outbound: outbound, connection: connection, stream: stream.channel))
                    // Closing the stream now would reset it while flow control still holds some of the answer back.
                    try await stream.channel.closeFuture.get()
                    return
                }
            }
        }
    }

    /// Says GOAWAY on every open connection (streams already open may finish), and returns once the client has read
    /// it: a PING sent after it has been answered.
    func goAway() async throws {
        let (connections, acks) = shared.state.withLock { ($0.open, $0.pingAcks) }
        for connection in connections {
            try await connection.writeAndFlush(HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: .maxID, errorCode: .noError, opaqueData: nil)))
            try await connection.writeAndFlush(HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: 1), ack: false)))
        }
        try await expectEventually { $0.shared.state.withLock { $0.pingAcks } >= acks + connections.count }
    }

    /// Waits until `condition` holds (see ``expectEventually(sourceLocation:_:)``).
    func expectEventually(_ condition: (H2TestUpstream) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await GatewayTests.expectEventually(sourceLocation: sourceLocation) { condition(self) }
    }

    // MARK: Certificate

    struct Identity: Sendable {
        let certificate: NIOSSLCertificate
        let key: NIOSSLPrivateKey
    }

    /// A throwaway self-signed certificate for `localhost`, made once per test run.
    static var identity: Identity {
        get throws { try madeIdentity.get() }
    }

    private static let madeIdentity = Result {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("localhost") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 3600,
            notValidAfter: now + 86_400,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                SubjectAlternativeNames([.dnsName("localhost")])
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        return Identity(
            certificate: try NIOSSLCertificate(bytes: Array(try certificate.serializeAsPEM().pemString.utf8), format: .pem),
            key: try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
        )
    }
}

/// Counts the resets a client sends: a stream closed with an error code.
private final class ResetObserver: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload
    private let reset: @Sendable () -> Void

    init(_ reset: @escaping @Sendable () -> Void) {
        self.reset = reset
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOHTTP2Errors.StreamClosed { reset() }
        context.fireErrorCaught(error)
    }
}

/// Counts the PING acknowledgements a client sends.
private final class PingAckObserver: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTP2Frame
    private let acknowledged: @Sendable () -> Void

    init(_ acknowledged: @escaping @Sendable () -> Void) {
        self.acknowledged = acknowledged
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .ping(_, ack: true) = unwrapInboundIn(data).payload { acknowledged() }
        context.fireChannelRead(data)
    }
}
