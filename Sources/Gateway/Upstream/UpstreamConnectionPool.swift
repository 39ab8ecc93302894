import HolySheepCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One event loop's upstream connections, kept alive between calls, per origin. Everything here runs on
/// `loop`: a call reuses the most recently idle connection (its socket is the warmest) or opens one; there is no
/// queue and no limit below the upstream's own.
final class UpstreamConnectionPool: @unchecked Sendable {
    /// Idle connections kept per origin; more are closed as they come back.
    static let maximumIdlePerOrigin = 256

    let loop: any EventLoop
    private let configuration: UpstreamHTTPClient.Configuration
    private let tls: Result<NIOSSLContext, any Error>
    private var idle: [HTTPURL.Origin: [UpstreamConnectionHandler]] = [:]
    private var sweeper: RepeatedTask?
    private var isShutDown = false

    init(loop: any EventLoop, configuration: UpstreamHTTPClient.Configuration, tls: Result<NIOSSLContext, any Error>) {
        self.loop = loop
        self.configuration = configuration
        self.tls = tls
    }

    /// Sends `exchange`'s request on an idle connection to its origin, or on a new one.
    func start(_ exchange: UpstreamExchange) {
        loop.preconditionInEventLoop()
        guard !isShutDown else {
            exchange.fail(UpstreamHTTPError.shutDown)
            return
        }
        let origin = exchange.request.url.origin
        let now = NIODeadline.now()
        while let connection = idle[origin]?.popLast() {
            if connection.isIdle, now - connection.idleSince < configuration.idleTimeout {
                connection.send(exchange)
                return
            }
            connection.close()
        }
        connect(to: origin).whenComplete { result in
            switch result {
            case .success(let connection):
                if exchange.isFinished {
                    self.release(connection)  // cancelled while connecting: the fresh connection serves the next call
                } else {
                    connection.send(exchange)
                }
            case .failure(let error):
                exchange.fail(error)
            }
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
        if sweeper == nil {
            let every = configuration.idleTimeout
            sweeper = loop.scheduleRepeatedTask(initialDelay: every, delay: every) { [weak self] _ in self?.sweep() }
        }
    }

    /// A connection closed (by either side).
    func forget(_ connection: UpstreamConnectionHandler) {
        idle[connection.origin]?.removeAll { $0 === connection }
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
    }

    func shutDown() {
        loop.preconditionInEventLoop()
        isShutDown = true
        sweeper?.cancel()
        sweeper = nil
        let connections = idle.values.joined()
        idle = [:]
        for connection in connections { connection.close() }
    }

    private func connect(to origin: HTTPURL.Origin) -> EventLoopFuture<UpstreamConnectionHandler> {
        let handler = UpstreamConnectionHandler(origin: origin, pool: self)
        let tlsContext: NIOSSLContext?
        if origin.tls {
            switch tls {
            case .success(let context): tlsContext = context
            case .failure(let error): return loop.makeFailedFuture(error)
            }
        } else {
            tlsContext = nil
        }
        return ClientBootstrap(group: loop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext {
                        // SNI and certificate checks need a name; an IP literal is checked against the certificate's IPs.
                        let name = IPAddress(origin.host) == nil ? origin.host : nil
                        try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: name))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(handler)
                }
            }
            .connect(host: origin.host, port: origin.port)
            .map { _ in handler }
    }
}
