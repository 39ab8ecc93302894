import HolySheepCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One event loop's upstream connections, kept alive between calls, per origin. Everything here runs on `loop`.
///
/// HTTP/1.1: a call reuses the most recently idle connection (its socket is the warmest) or opens one; there is no
/// queue and no limit below the upstream's own. HTTP/2 (an https upstream that chose `h2`): calls share one
/// connection as streams, and a second is opened only when the first has as many streams as the upstream allows.
/// While a connection to an https origin is being opened, further calls to it wait for that one instead of each
/// paying a handshake; once the origin has answered with HTTP/1.1, its calls open connections as plain ones do.
final class UpstreamConnectionPool: @unchecked Sendable {
    /// Idle connections kept per origin; more are closed as they come back.
    static let maximumIdlePerOrigin = 256

    /// A new connection, as the upstream's ALPN answer made it.
    enum Connection: Sendable {
        case http1(UpstreamConnectionHandler)
        case http2(UpstreamHTTP2Connection)
    }

    let loop: any EventLoop
    private let configuration: UpstreamHTTPClient.Configuration
    private let tls: Result<NIOSSLContext, any Error>
    private var idle: [HTTPURL.Origin: [UpstreamConnectionHandler]] = [:]
    /// HTTP/2 connections taking new streams.
    private var http2: [HTTPURL.Origin: [UpstreamHTTP2Connection]] = [:]
    /// Calls waiting for the connection being opened to an https origin (the first one opened it).
    private var waiting: [HTTPURL.Origin: [UpstreamExchange]] = [:]
    /// https origins that answered HTTP/1.1: their calls do not wait for one another's connections.
    private var http1Origins: Set<HTTPURL.Origin> = []
    private var sweeper: RepeatedTask?
    private var isShutDown = false

    init(loop: any EventLoop, configuration: UpstreamHTTPClient.Configuration, tls: Result<NIOSSLContext, any Error>) {
        self.loop = loop
        self.configuration = configuration
        self.tls = tls
    }

    /// Sends `exchange`'s request on a stream of an HTTP/2 connection to its origin, an idle HTTP/1.1 connection, or
    /// a new connection.
    func start(_ exchange: UpstreamExchange) {
        loop.preconditionInEventLoop()
        guard !isShutDown else {
            exchange.fail(UpstreamHTTPError.shutDown)
            return
        }
        dispatch(exchange)
    }

    private func dispatch(_ exchange: UpstreamExchange) {
        let origin = exchange.request.url.origin
        if origin.tls, let connection = http2[origin]?.first(where: \.hasRoom) {
            connection.send(exchange)
            return
        }
        let now = NIODeadline.now()
        while let connection = idle[origin]?.popLast() {
            if connection.isIdle, now - connection.idleSince < configuration.idleTimeout {
                connection.send(exchange)
                return
            }
            connection.close()
        }
        guard origin.tls, !http1Origins.contains(origin) else {
            connect(to: origin).whenComplete { self.connected($0, to: origin, for: [exchange]) }
            return
        }
        guard waiting[origin] == nil else {
            waiting[origin]?.append(exchange)
            return
        }
        waiting[origin] = [exchange]
        connect(to: origin).whenComplete { self.connected($0, to: origin, for: self.waiting.removeValue(forKey: origin) ?? []) }
    }

    /// A call whose kept-alive connection was closed under it (see ``UpstreamConnectionHandler``) goes again on a
    /// connection of its own: the other idle ones may be just as stale.
    func startOnNewConnection(_ exchange: UpstreamExchange) {
        guard !isShutDown else {
            exchange.fail(UpstreamHTTPError.shutDown)
            return
        }
        let origin = exchange.request.url.origin
        connect(to: origin).whenComplete { self.connected($0, to: origin, for: [exchange]) }
    }

    /// A new connection takes the calls that waited for it (calls cancelled meanwhile are skipped).
    private func connected(_ result: Result<Connection, any Error>, to origin: HTTPURL.Origin, for exchanges: [UpstreamExchange]) {
        switch result {
        case .failure(let error):
            for exchange in exchanges { exchange.fail(error) }
        case .success(.http1(let connection)):
            if origin.tls { http1Origins.insert(origin) }
            var calls = exchanges.filter { !$0.isFinished }[...]
            if let first = calls.popFirst() {
                connection.send(first)
            } else {
                release(connection)  // the fresh connection serves the next call
            }
            for exchange in calls { dispatch(exchange) }
        case .success(.http2(let connection)):
            http1Origins.remove(origin)  // it moved to HTTP/2
            http2[origin, default: []].append(connection)
            startSweeper()
            for exchange in exchanges where !exchange.isFinished {
                if connection.hasRoom { connection.send(exchange) } else { dispatch(exchange) }
            }
            if isShutDown { connection.drain() }
        }
    }

    /// A connection between exchanges comes back.
    func release(_ connection: UpstreamConnectionHandler) {
        guard !isShutDown, connection.isIdle, idle[connection.origin, default: []].count < Self.maximumIdlePerOrigin else {
            connection.close()
            return
        }
        connection.idleSince = .now()
        idle[connection.origin, default: []].append(connection)
        startSweeper()
    }

    /// A connection closed (by either side).
    func forget(_ connection: UpstreamConnectionHandler) {
        idle[connection.origin]?.removeAll { $0 === connection }
    }

    /// An HTTP/2 connection takes no more streams (GOAWAY, an error, closed).
    func forget(_ connection: UpstreamHTTP2Connection) {
        http2[connection.origin]?.removeAll { $0 === connection }
        if http2[connection.origin]?.isEmpty == true { http2[connection.origin] = nil }
    }

    private func startSweeper() {
        guard sweeper == nil else { return }
        let every = configuration.idleTimeout
        sweeper = loop.scheduleRepeatedTask(initialDelay: every, delay: every) { [weak self] _ in self?.sweep() }
    }

    /// Closes connections idle for longer than the idle timeout.
    private func sweep() {
        let now = NIODeadline.now()
        for (origin, connections) in idle {
            let (keep, stale) = connections.reduce(into: ([UpstreamConnectionHandler](), [UpstreamConnectionHandler]())) { split, connection in
                if now - connection.idleSince < configuration.idleTimeout { split.0.append(connection) } else { split.1.append(connection) }
            }
            idle[origin] = keep.isEmpty ? nil : keep
            for connection in stale { connection.close() }
        }
        for connection in http2.values.joined() where connection.openStreams == 0 && now - connection.idleSince >= configuration.idleTimeout {
            connection.close()
        }
    }

    func shutDown() {
        loop.preconditionInEventLoop()
        isShutDown = true
        sweeper?.cancel()
        sweeper = nil
        let connections = idle.values.joined()
        idle = [:]
        for connection in connections { connection.close() }
        let multiplexed = http2.values.joined()
        http2 = [:]
        for connection in multiplexed { connection.drain() }  // streams in flight finish first
    }

    /// Opens a connection: plain HTTP/1.1 for http; for https, what the upstream chose in the handshake (`h2` or
    /// HTTP/1.1), ready once the handshake (and for HTTP/2, the upstream's first SETTINGS) is done.
    private func connect(to origin: HTTPURL.Origin) -> EventLoopFuture<Connection> {
        guard origin.tls else {
            let handler = UpstreamConnectionHandler(origin: origin, pool: self)
            return bootstrap { channel in
                try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)  // checked in send
                try channel.pipeline.syncOperations.addHandler(handler)
            }
            .connect(host: origin.host, port: origin.port)
            .map { _ in .http1(handler) }
        }
        let tlsContext: NIOSSLContext
        switch tls {
        case .success(let context): tlsContext = context
        case .failure(let error): return loop.makeFailedFuture(error)
        }
        let negotiated = loop.makePromise(of: Connection.self)
        return bootstrap { channel in
            let pipeline = channel.pipeline.syncOperations
            // SNI and certificate checks need a name; an IP literal is checked against the certificate's IPs.
            let name = IPAddress(origin.host) == nil ? origin.host : nil
            try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: name))
            try pipeline.addHandler(UpstreamProtocolNegotiationHandler(negotiated: negotiated) { chosen, channel in
                if chosen == "h2" {
                    return try UpstreamHTTP2Connection.start(on: channel, origin: origin, pool: self).map { .http2($0) }
                }
                let handler = UpstreamConnectionHandler(origin: origin, pool: self)
                try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)  // checked in send
                try channel.pipeline.syncOperations.addHandler(handler)
                return channel.eventLoop.makeSucceededFuture(.http1(handler))
            })
        }
        .connect(host: origin.host, port: origin.port)
        .flatMap { _ in negotiated.futureResult }
        .flatMapErrorThrowing { error in
            negotiated.fail(error)  // the channel never came to be: nothing else completes it
            throw error
        }
    }

    private func bootstrap(_ initialize: @escaping @Sendable (any Channel) throws -> Void) -> ClientBootstrap {
        ClientBootstrap(group: loop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try initialize(channel) } }
    }
}
