import HolySheepCore
import NIOCore
import NIOHTTP1
import NIOHTTP2

/// The last handler of an upstream connection's pipeline (after NIO's HTTP/1.1 codec, and TLS for https), or of one
/// HTTP/2 stream's (after NIO's HTTP/2-to-HTTP/1 codec): sends one exchange's request at a time and feeds its answer
/// back. A connection goes back to the pool between exchanges; a stream carries one exchange and closes with it, so
/// giving up on it (``abort()``) resets the stream and leaves its connection to the other calls.
///
/// A request goes out as head, body and end written together and flushed once: one `writev`. Reads follow the
/// exchange's buffer (held while the consumer is behind), so a slow client slows the upstream instead of
/// filling memory. Everything here runs on the channel's event loop (hence `@unchecked Sendable`: the pool hands
/// it between futures of that loop).
final class UpstreamConnectionHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let origin: HTTPURL.Origin
    /// When the connection last went back to the pool.
    var idleSince = NIODeadline.now()

    private weak var pool: UpstreamConnectionPool?
    private let isStream: Bool
    private var context: ChannelHandlerContext?
    private var exchange: UpstreamExchange?
    private var keepAlive = true
    private var closed = false
    /// Exchanges this connection answered in full: after one, it is a reused keep-alive connection.
    private var answered = 0
    /// Something of the current exchange's answer arrived.
    private var heard = false
    /// The exchange's buffer is full: `read` calls wait in `readHeld` until it drains.
    private var paused = false
    private var readHeld = false

    /// An HTTP/1.1 connection, kept alive in `pool` between exchanges.
    init(origin: HTTPURL.Origin, pool: UpstreamConnectionPool) {
        self.origin = origin
        self.pool = pool
        self.isStream = false
    }

    /// One HTTP/2 stream: a single exchange.
    init(streamTo origin: HTTPURL.Origin) {
        self.origin = origin
        self.pool = nil
        self.isStream = true
    }

    /// Connected, open and between exchanges.
    var isIdle: Bool { context != nil && !closed && exchange == nil }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Sending

    func send(_ exchange: UpstreamExchange) {
        guard let context, !closed else {
            exchange.fail(UpstreamHTTPError.remoteClosed)
            return
        }
        let request = exchange.request
        var headers = request.headers
        if !headers.contains(name: "host") { headers.add(name: "host", value: request.url.hostHeader) }
        headers.replaceOrAdd(name: "content-length", value: String(request.body.readableBytes))
        guard headers.allSatisfy({ Self.mayBeSent(name: $0.name, value: $0.value) }) else {
            exchange.fail(UpstreamHTTPError.invalidHeader)
            if isStream { close() } else { pool?.release(self) }  // nothing was sent
            return
        }
        self.exchange = exchange
        keepAlive = true
        heard = false
        exchange.attach(self)
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: request.method, uri: request.url.target, headers: headers))), promise: nil)
        if request.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Whether a header may go on the wire as it is (RFC 9110 §5.1, §5.5): its name a token, its value without control
    /// characters other than a tab. Checked once per request, here: NIO's outbound header check is off (it is a
    /// handler every request part passed through, checking the same).
    static func mayBeSent(name: String, value: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenByte) && value.utf8.allSatisfy { $0 >= 0x20 ? $0 != 0x7F : $0 == 0x09 }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    // MARK: Receiving

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else {
            // An answer nobody asked for: the connection is out of step.
            close()
            return
        }
        heard = true
        switch unwrapInboundIn(data) {
        case .head(let head):
            if !head.isKeepAlive { keepAlive = false }
            exchange.receivedHead(head)
        case .body(let chunk):
            if !exchange.receivedBody(chunk) { paused = true }
        case .end:
            self.exchange = nil
            answered += 1
            exchange.receivedEnd()
            guard !isStream else { return }  // both sides ended: the stream closes by itself
            resumeReading()  // an idle connection keeps reading, to notice the upstream closing it
            if keepAlive, let pool {
                pool.release(self)
            } else {
                close()
            }
        }
    }

    func read(context: ChannelHandlerContext) {
        if paused {
            readHeld = true
        } else {
            context.read()
        }
    }

    func resumeReading() {
        paused = false
        if readHeld {
            readHeld = false
            context?.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if let exchange {
            self.exchange = nil
            if !retriedElsewhere(exchange) { exchange.connectionClosed() }
        }
        pool?.forget(self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let exchange {
            self.exchange = nil
            if !retriedElsewhere(exchange) { exchange.fail(Self.reason(error)) }
        }
        close()
    }

    /// The keep-alive race: an upstream closes an idle connection (its idle timeout, a restart) just as a call is
    /// sent on it, and the call meets the close, or a reset, before a byte of answer. The close crossed the request
    /// on the wire, so the upstream did nothing with it: the call goes once more, at once, on a new connection,
    /// instead of failing as a network error (a router retry after a backoff, and a mark against a healthy
    /// deployment). Only once per call, never on a fresh connection (a close there is the upstream's answer), and
    /// never once an answer began.
    private func retriedElsewhere(_ exchange: UpstreamExchange) -> Bool {
        guard !isStream, answered > 0, !heard, let pool, exchange.takeStaleConnectionRetry() else { return false }
        pool.startOnNewConnection(exchange)
        return true
    }

    private static func reason(_ error: any Error) -> any Error {
        switch error {
        case HTTPParserError.invalidEOFState: UpstreamHTTPError.remoteClosed  // closed mid-answer
        case is HTTPParserError: UpstreamHTTPError.invalidResponse
        case is NIOHTTP2Errors.StreamClosed: UpstreamHTTPError.streamReset
        default: error
        }
    }

    // MARK: Closing

    /// The exchange gave up mid-answer (timeout, cancellation, body dropped): the connection cannot be reused (a
    /// stream is reset).
    func abort() {
        exchange = nil
        close()
    }

    func close() {
        guard !closed else { return }
        closed = true
        context?.close(promise: nil)
    }
}
