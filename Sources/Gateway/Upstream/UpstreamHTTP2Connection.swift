import HolySheepCore
import NIOCore
import NIOHTTP1
import NIOHTTP2

/// One HTTP/2 connection to an upstream that chose `h2` in the TLS handshake: many exchanges at once, one stream each.
///
/// A stream's pipeline is NIO's HTTP/2-to-HTTP/1 codec and an ``UpstreamConnectionHandler``, so an exchange runs
/// as it does on an HTTP/1.1 connection (head deadline, read timeout, backpressure through the stream's flow-control
/// window), and giving one up resets its stream only. This handler sits after NIO's HTTP/2 handler and reads the
/// connection's own frames: the first SETTINGS makes it ready, SETTINGS_MAX_CONCURRENT_STREAMS caps its streams,
/// GOAWAY ends new ones. Everything here runs on the channel's event loop (hence `@unchecked Sendable`).
final class UpstreamHTTP2Connection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame

    /// Flow-control windows (NIO opens them to these from the protocol's 64 KiB as data is read): a stream may run as
    /// far ahead of its reader as an exchange buffers; the connection, as eight streams do.
    static let streamWindow = UpstreamExchange.highWatermark
    static let connectionWindow = 8 * UpstreamExchange.highWatermark

    let origin: HTTPURL.Origin
    /// When its last stream closed.
    private(set) var idleSince = NIODeadline.now()
    private(set) var openStreams = 0

    private let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    private weak var pool: UpstreamConnectionPool?
    private var context: ChannelHandlerContext?
    private var ready: EventLoopPromise<UpstreamHTTP2Connection>?
    /// The upstream's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until it says).
    private var maximumStreams = Int.max
    /// No new streams: the upstream is going away, or the pool is shutting down. Closes with its last stream.
    private var isDraining = false
    private var closed = false

    private init(origin: HTTPURL.Origin, multiplexer: NIOHTTP2Handler.StreamMultiplexer, pool: UpstreamConnectionPool, ready: EventLoopPromise<UpstreamHTTP2Connection>) {
        self.origin = origin
        self.multiplexer = multiplexer
        self.pool = pool
        self.ready = ready
    }

    /// Makes `channel` (TLS up, `h2` agreed) an HTTP/2 connection.
    /// - Returns: the connection, once the upstream's first SETTINGS arrived (it may cap the streams).
    static func start(on channel: any Channel, origin: HTTPURL.Origin, pool: UpstreamConnectionPool) throws -> EventLoopFuture<UpstreamHTTP2Connection> {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .enablePush, value: 0),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 16 << 10),  // NIO's default
        ]
        connection.targetWindowSize = connectionWindow
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.targetWindowSize = streamWindow
        let pipeline = channel.pipeline.syncOperations
        let multiplexer = try pipeline.configureHTTP2Pipeline(
            mode: .client, connectionConfiguration: connection, streamConfiguration: stream
        ) { pushed in
            pushed.eventLoop.makeFailedFuture(UpstreamHTTPError.invalidResponse)  // push is disabled: a pushed stream is refused
        }
        let ready = channel.eventLoop.makePromise(of: UpstreamHTTP2Connection.self)
        try pipeline.addHandler(UpstreamHTTP2Connection(origin: origin, multiplexer: multiplexer, pool: pool, ready: ready))
        return ready.futureResult
    }

    /// Open, not going away, and below the upstream's stream limit.
    var hasRoom: Bool { context != nil && !closed && !isDraining && openStreams < maximumStreams }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        fail(UpstreamHTTPError.remoteClosed)
    }

    // MARK: Streams

    /// Sends `exchange`'s request on a new stream.
    func send(_ exchange: UpstreamExchange) {
        openStreams += 1
        let handler = UpstreamConnectionHandler(streamTo: origin)
        let opened = exchange.loop.makePromise(of: (any Channel).self)
        multiplexer.createStreamChannel(promise: opened) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandlers(HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: .https), handler)
            }
        }
        opened.futureResult.whenComplete { result in
            switch result {
            case .success(let stream):
                stream.closeFuture.whenComplete { _ in self.streamClosed() }
                if exchange.isFinished {
                    stream.close(promise: nil)  // cancelled meanwhile: nothing was sent
                } else {
                    handler.send(exchange)
                }
            case .failure(let error):
                self.streamClosed()
                exchange.fail(error)
            }
        }
    }

    private func streamClosed() {
        openStreams -= 1
        guard openStreams == 0 else { return }
        idleSince = .now()
        if isDraining { close() }
    }

    // MARK: The connection's frames

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data).payload {
        case .settings(.settings(let settings)):
            if let limit = settings.last(where: { $0.parameter == .maxConcurrentStreams }) {
                maximumStreams = limit.value
            }
            if let ready {
                self.ready = nil
                ready.succeed(self)
            }
        case .goAway:
            // Streams the upstream took finish (it resets the others); new calls go to a new connection.
            fail(UpstreamHTTPError.remoteClosed)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        fail(UpstreamHTTPError.remoteClosed)  // its streams learn of it from their own channels (remoteClosed)
        context.fireChannelInactive()
    }

    /// An HTTP/2 error may be one stream's (NIO resets that stream and tells it too) or the connection's (NIO sent
    /// GOAWAY): either way the streams in flight may finish, and new calls go to a new connection. Any other error
    /// (TLS, the socket) ends the connection.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        if !(error is any NIOHTTP2Error) { close() }
    }

    // MARK: Closing

    /// Out of the pool, for good: not ready if it was starting, no new streams.
    private func fail(_ error: any Error) {
        if let ready {
            self.ready = nil
            ready.fail(error)
        }
        pool?.forget(self)
        drain()
    }

    /// Takes no new streams; closes once the last one has.
    func drain() {
        isDraining = true
        if openStreams == 0 { close() }
    }

    func close() {
        guard !closed else { return }
        closed = true
        context?.close(promise: nil)
    }
}
