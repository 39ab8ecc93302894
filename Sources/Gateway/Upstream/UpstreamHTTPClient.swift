import NIOCore
import NIOPosix
import NIOSSL

/// The gateway's HTTP client for upstream calls: one connection pool per event loop, and a call runs on the loop it
/// is made from. HTTP/1.1 with keep-alive; HTTP/2 where an https upstream chooses it in the TLS handshake (ALPN),
/// its calls multiplexed as streams over one connection per loop.
///
/// Built for the hot path instead of AsyncHTTPClient, whose generality costs a chat call about a third of the
/// gateway's CPU (perf, c=1): a request head and body written in two system calls, a connection-pool state
/// machine and several timers per request, futures across its layers. Here a call is one `writev`, one
/// timer, and no state shared between loops (no locks): a handler running on loop A (see
/// ``EventLoopExecutor``) sends on a connection owned by A and is resumed on A. Off the loops (the cooperative
/// pool: tests, `HOLYSHEEP_EXECUTOR=cooperative`) a call hops to the loop its origin hashes to, so calls to one
/// upstream still share warm connections.
///
/// What it does not do, on purpose: redirects, decompression, proxies, HTTP/2 without TLS (h2c), server push,
/// request body streaming — an upstream chat call needs none of them. AsyncHTTPClient still serves the webhook
/// sender.
final class UpstreamHTTPClient: Sendable {
    struct Configuration: Sendable {
        var connectTimeout: TimeAmount = .seconds(10)
        /// No byte from the upstream for this long (after its head) fails the call.
        var readTimeout: TimeAmount = .seconds(300)
        /// An idle connection (for HTTP/2: one with no stream open) is closed after this long.
        var idleTimeout: TimeAmount = .seconds(60)
        /// ALPN offers `h2` first: the providers' APIs speak it. Without it in `applicationProtocols`, https stays
        /// HTTP/1.1.
        var tls: TLSConfiguration = {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.applicationProtocols = ["h2", "http/1.1"]
            return tls
        }()
    }

    private let pools: [ObjectIdentifier: UpstreamConnectionPool]
    private let poolList: [UpstreamConnectionPool]
    private let readTimeout: TimeAmount

    init(group: MultiThreadedEventLoopGroup, configuration: Configuration = Configuration()) {
        let tls = Result { try NIOSSLContext(configuration: configuration.tls) }
        var pools: [ObjectIdentifier: UpstreamConnectionPool] = [:]
        for loop in group.makeIterator() {
            pools[ObjectIdentifier(loop)] = UpstreamConnectionPool(loop: loop, configuration: configuration, tls: tls)
        }
        self.pools = pools
        self.poolList = Array(pools.values)
        self.readTimeout = configuration.readTimeout
    }

    /// Sends `request`; returns once the response head arrived.
    /// - Throws: ``UpstreamHTTPError`` (`headTimeout` past `deadline`, …), NIO's connection errors, or
    ///   `CancellationError` when the calling task is cancelled (the connection is then closed; over HTTP/2, the
    ///   call's stream is reset).
    func execute(_ request: UpstreamRequest, deadline: NIODeadline) async throws -> UpstreamResponse {
        let pool = currentPool ?? poolList[Int(UInt(bitPattern: request.url.origin.hashValue) % UInt(poolList.count))]
        let exchange = UpstreamExchange(loop: pool.loop, request: request, headDeadline: deadline, readTimeout: readTimeout)
        return try await withTaskCancellationHandler {
            if pool.loop.inEventLoop {
                pool.start(exchange)
            } else {
                pool.loop.execute { pool.start(exchange) }
            }
            let head = try await exchange.head.get()
            return UpstreamResponse(status: head.status, headers: head.headers, body: UpstreamBody(reader: UpstreamBodyReader(exchange: exchange)))
        } onCancel: {
            pool.loop.execute { exchange.fail(CancellationError()) }
        }
    }

    /// The pool of the loop the caller runs on.
    private var currentPool: UpstreamConnectionPool? {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return nil }
        return pools[ObjectIdentifier(loop)]
    }

    /// Closes idle connections and refuses new calls; calls in flight finish (an HTTP/2 connection closes with its
    /// last stream).
    func shutDown() async {
        for pool in poolList {
            try? await pool.loop.submit { pool.shutDown() }.get()
        }
    }
}
