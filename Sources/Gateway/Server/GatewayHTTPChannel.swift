import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import Synchronization

/// The gateway's HTTP/1.1 connections: NIO's codec and Hummingbird's router and middleware, joined by one channel
/// handler (``GatewayHTTPHandler``) instead of Hummingbird's async channel bridge.
///
/// Why not Hummingbird's own `HTTP1Channel`: it hands every request part and every response write through a
/// `NIOAsyncChannel` (an async sequence in, an async writer out, each with its own buffer, lock and task
/// resumptions), and a request's body reaches the handler as another async sequence. For a proxy whose calls are
/// a small JSON body in and a stream of small chunks out, that is CPU spent on every call and every chunk: this
/// handler saved ≈ 29 µs of CPU per c=1 chat call and ≈ 8 µs per relayed chunk (docs/PERFORMANCE.md). Here the handler
/// collects the body (it is bounded by `limits.max_body_bytes` and every route reads it whole anyway), runs the
/// router in a task on the connection's own event loop, and writes the response straight into the pipeline.
///
/// Kept from Hummingbird: its router (which the two chat routes skip, see ``ChatLane``), middleware,
/// `Request`/`Response` types and server (bind, backlog, graceful quiescing). The handler sits right on NIO's
/// HTTP/1.1 codec and does the rest itself: it converts the request head to `HTTPTypes`
/// (``GatewayHTTPHandler/request(from:)``), closes an idle connection, and closes a connection once its response is
/// written when the server shuts down. (It used to take Hummingbird's
/// `HTTPConnectionStateHandler` and NIO's `HTTP1ToHTTPServerCodec` for those: two more handlers every request and
/// response part went through.) Added: a client that goes away (closes or resets its connection) cancels the
/// request's task, which cancels the upstream call in flight at once: no orphaned upstream requests, no paying
/// for tokens nobody reads.
struct GatewayHTTPChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    /// Answers one request; never throws (errors are responses by then).
    typealias Responder = @Sendable (Request, any Channel) async -> Response

    let responder: Responder
    let maxBodyBytes: Int
    let idleTimeout: Duration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // the handler answers requests one at a time, in order
                withErrorHandling: false,  // a parse error is answered by the handler (400, then close)
                withOutboundHeaderValidation: false,  // HTTPTypes validated the fields already
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: .init())
            try pipeline.addHandler(
                GatewayHTTPHandler(
                    loop: channel.eventLoop, responder: responder, maxBodyBytes: maxBodyBytes, idleTimeout: .nanoseconds(idleTimeout.nanoseconds),
                    logger: logger))
            return Value(channel: channel)
        }
    }

    /// The connection lives in its handlers; this task (the server counts it as the connection) waits for it to
    /// close, and closes it if the server gives up waiting at shutdown.
    func handle(value: Value, logger: Logger) async {
        await withTaskCancellationHandler {
            try? await value.channel.closeFuture.get()
        } onCancel: {
            value.channel.close(promise: nil)
        }
    }
}

/// One connection's requests, in order: collects a request, runs the responder in a task, writes the response
/// and only then takes the next request (a pipelined one waits in `pending`).
///
/// Everything but the responder runs on the channel's event loop. With ``EventLoopExecutor`` installed the task
/// runs there too, so the response is written without a thread hop; otherwise (tests, the cooperative pool) its
/// writes hop to the loop. Hence `@unchecked Sendable`: every member is touched on the loop only.
final class GatewayHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Pipelined request bytes held while a request is answered; past this, reading stops until it is answered.
    static let pendingLimit = 1 << 20

    let loop: any EventLoop
    private let responder: GatewayHTTPChannel.Responder
    private let maxBodyBytes: Int
    private let logger: Logger
    private var context: ChannelHandlerContext?

    // Idle connections: closed once nothing was read or answered for `idleTimeout`. One timer per connection,
    // moved on only when it fires (no timer work per request).
    private let idleTimeout: TimeAmount
    private var idleTimer: Scheduled<Void>?
    private var lastActivity = NIODeadline.now()
    /// The server is shutting down: close once the request in hand is answered.
    private var quiescing = false

    // The request being read.
    private var head: HTTPRequest?
    private var body: ByteBuffer?
    private var bodyTooLarge = false

    // The request being answered.
    private var task: Task<Void, Never>?
    private var closeAfterResponse = false
    private var responseHead: HTTPResponse?
    private var bodyBytesToGo: Int?
    private var writable: EventLoopPromise<Void>?

    // What arrived meanwhile.
    private var pending = CircularBuffer<HTTPServerRequestPart>()
    private var pendingBytes = 0
    private var readHeld = false
    private var inputClosed = false
    /// Answered 400 and closing: nothing more is read.
    private var refused = false

    init(loop: any EventLoop, responder: @escaping GatewayHTTPChannel.Responder, maxBodyBytes: Int, idleTimeout: TimeAmount, logger: Logger) {
        self.loop = loop
        self.responder = responder
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { startIdleTimer(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        idleTimer?.cancel()
        idleTimer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        startIdleTimer(context)
        context.fireChannelActive()
    }

    /// The request head in `HTTPTypes`' terms. An origin-form target (`/path?query`: what clients send a server)
    /// is the path as sent; anything else goes through NIO's conversion, which parses every target with
    /// `URLComponents` to find an absolute-form one (≈ 4 µs a request, for a form clients do not send us).
    static func request(from head: HTTPRequestHead) throws -> HTTPRequest {
        guard head.uri.utf8.first == UInt8(ascii: "/") else { return try HTTPRequest(head, secure: false, splitCookie: false) }
        return HTTPRequest(
            method: try HTTPRequest.Method(head.method), scheme: "http", authority: head.headers.first(name: "host"), path: head.uri,
            headerFields: HTTPFields(head.headers, splitCookie: false))
    }

    // MARK: Idle connections

    private func startIdleTimer(_ context: ChannelHandlerContext) {
        guard idleTimer == nil else { return }
        lastActivity = .now()
        armIdleTimer(context, at: lastActivity + idleTimeout)
    }

    private func armIdleTimer(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        idleTimer = context.eventLoop.scheduleTask(deadline: deadline) { [weak self] in self?.idleTimerFired() }
    }

    /// Closes the connection if nothing happened on it for `idleTimeout`; a request being answered (a long
    /// stream) is not idleness.
    private func idleTimerFired() {
        idleTimer = nil
        guard let context else { return }
        let now = NIODeadline.now()
        if task != nil {
            armIdleTimer(context, at: now + idleTimeout)
        } else if lastActivity + idleTimeout <= now {
            logger.trace("closing an idle connection")
            context.close(promise: nil)
        } else {
            armIdleTimer(context, at: lastActivity + idleTimeout)
        }
    }

    // MARK: Reading requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        lastActivity = .now()
        guard task == nil, pending.isEmpty else {
            pending.append(part)
            if case .body(let chunk) = part { pendingBytes += chunk.readableBytes }
            return
        }
        take(part)
    }

    private func take(_ part: HTTPServerRequestPart) {
        guard !refused else { return }
        switch part {
        case .head(let head):
            do {
                self.head = try Self.request(from: head)
            } catch {
                // A guard: NIO's parser passes only methods HTTPTypes takes. Answered as bytes that are not HTTP are.
                badRequest()
                return
            }
            body = nil
            // Announced too large: answered now, without reading the body.
            if let length = head.headers.first(name: "content-length").flatMap({ Int($0) }), length > maxBodyBytes {
                bodyTooLarge = true
                start()
            }
        case .body(var chunk):
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
            if body!.readableBytes > maxBodyBytes {
                // Sent too large (chunked): answered now, without reading the rest.
                bodyTooLarge = true
                start()
            }
        case .end:
            start()
        }
    }

    /// Runs the responder for the request read so far.
    private func start() {
        guard let context, let head else { return }
        self.head = nil
        // A body too large reads as Hummingbird's 413 error, whatever the route does with it.
        let request = Request(head: head, body: bodyTooLarge ? RequestBody(asyncSequence: TooLargeBody()) : RequestBody(buffer: body ?? ByteBuffer()))
        body = nil
        // A body too large is not read to its end: the connection closes after the 413.
        closeAfterResponse = bodyTooLarge || head.headerFields[.connection]?.lowercased() == "close"
        bodyTooLarge = false
        let channel = context.channel
        let responder = responder
        task = Task {
            let response = await responder(request, channel)
            await self.write(response)
        }
    }

    func read(context: ChannelHandlerContext) {
        if pendingBytes > Self.pendingLimit {
            readHeld = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Shutting down: an idle connection closes now, a busy one once its response is written.
            quiescing = true
            if task == nil, head == nil, pending.isEmpty { context.close(promise: nil) }
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client is done sending; with a request in flight that means it went away (HTTP clients do not
            // half-close and wait).
            inputClosed = true
            if let task {
                task.cancel()
            } else if pending.isEmpty {
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        task?.cancel()
        failWritability(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let writable {
            self.writable = nil
            writable.succeed()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            logger.trace("connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        // Not HTTP: answered 400 unless a response is under way, then closed (the decoder cannot go on).
        logger.debug("HTTP parse error, closing the connection", metadata: ["error": "\(error)"])
        badRequest()
    }

    /// Answers 400 and closes, or only closes when a response is under way.
    private func badRequest() {
        guard let context else { return }
        head = nil
        guard task == nil else {
            context.close(promise: nil)
            return
        }
        refused = true
        pending.removeAll()
        let head = HTTPResponseHead(version: .http1_1, status: .badRequest, headers: ["connection": "close", "content-length": "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: Writing the response

    /// Writes `response` (on the loop), then takes the next request.
    private func write(_ response: Response) async {
        var response = response
        response.headers[.date] = HTTPDate.now
        let head = response.head
        let contentLength = response.body.contentLength
        // The body runs even when the client is gone before the head (its writes then fail): what a body does when it
        // ends, such as metering a chat call and settling its credit hold, must not be skipped.
        var gone: (any Error)?
        do {
            try await onLoop { try $0.begin(head, contentLength: contentLength) }
        } catch {
            gone = error
        }
        do {
            try await response.body.write(GatewayResponseBodyWriter(handler: self))
            if let gone { throw gone }
        } catch {
            // The client went away, or the body failed mid-answer: the response cannot be completed.
            await whenOnLoop { $0.context?.close(promise: nil) }
        }
        await whenOnLoop { $0.finished() }
    }

    private func begin(_ head: HTTPResponse, contentLength: Int?) throws {
        guard context != nil else { throw ChannelError.ioOnClosedChannel }
        var head = head
        if closeAfterResponse { head.headerFields[.connection] = "close" }
        responseHead = head
        bodyBytesToGo = contentLength
        if contentLength == nil, let context {
            // A stream: the head goes out with its first chunk when that is ready now, else on its own as soon
            // as this task waits (the client sees the status without waiting for the first token).
            context.eventLoop.execute { self.flushHead() }
        }
    }

    private func flushHead() {
        guard let context, writePendingHead(context) else { return }
        context.flush()
    }

    /// Writes the response head if it has not gone out yet. - Returns: whether it was written now.
    @discardableResult
    private func writePendingHead(_ context: ChannelHandlerContext) -> Bool {
        guard let head = responseHead else { return false }
        responseHead = nil
        context.write(wrapOutboundOut(.head(HTTPResponseHead(head))), promise: nil)
        return true
    }

    /// What a body write left to wait for.
    enum Written {
        /// The channel can take more now.
        case done
        /// The client is behind: the future completes once the channel can take more (backpressure).
        case wait(EventLoopFuture<Void>)
        /// The connection is gone.
        case closed
    }

    /// Writes a chunk.
    func writeBody(_ chunk: ByteBuffer) -> Written {
        guard let context, context.channel.isActive else { return .closed }
        writePendingHead(context)
        context.write(wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
        if let toGo = bodyBytesToGo {
            bodyBytesToGo = toGo - chunk.readableBytes
        }
        // The last bytes of a known length go out with the end (one flush), unless the client is behind:
        // unflushed bytes count against the channel's writability, and only a flush lets them drain.
        guard !context.channel.isWritable else {
            if bodyBytesToGo != 0 { context.flush() }
            return .done
        }
        context.flush()
        guard !context.channel.isWritable else { return .done }
        let promise = writable ?? context.eventLoop.makePromise()
        writable = promise
        return .wait(promise.futureResult)
    }

    func finishBody(_ trailers: HTTPFields?) throws {
        guard let context, context.channel.isActive else { throw ChannelError.ioOnClosedChannel }
        writePendingHead(context)
        context.writeAndFlush(wrapOutboundOut(.end(trailers.map(HTTPHeaders.init))), promise: nil)
    }

    /// The response is written (or given up): close, or take what arrived meanwhile.
    private func finished() {
        task = nil
        responseHead = nil
        lastActivity = .now()
        guard let context else { return }
        if closeAfterResponse {
            context.close(promise: nil)
            return
        }
        while task == nil, let part = pending.popFirst() {
            if case .body(let chunk) = part { pendingBytes -= chunk.readableBytes }
            take(part)
        }
        if readHeld, pendingBytes <= Self.pendingLimit {
            readHeld = false
            context.read()
        }
        if task == nil, inputClosed || quiescing { context.close(promise: nil) }
    }

    private func failWritability(_ error: any Error) {
        if let writable {
            self.writable = nil
            writable.fail(error)
        }
    }

    // MARK: Hopping to the loop

    /// Runs `body` on the loop: in place when the task already runs there (``EventLoopExecutor``).
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (GatewayHTTPHandler) throws -> T) async throws -> T {
        if loop.inEventLoop { return try body(self) }
        return try await loop.submit { try body(self) }.get()
    }

    private func whenOnLoop(_ body: @escaping @Sendable (GatewayHTTPHandler) -> Void) async {
        _ = try? await onLoop { body($0) }
    }
}

/// The response body's writer: each write goes straight into the pipeline, and waits only while the client is
/// behind (the channel is not writable).
struct GatewayResponseBodyWriter: ResponseBodyWriter {
    let handler: GatewayHTTPHandler

    mutating func write(_ buffer: ByteBuffer) async throws {
        switch try await handler.onLoop({ $0.writeBody(buffer) }) {
        case .done: return
        case .wait(let writable): try await writable.get()
        case .closed: throw ChannelError.ioOnClosedChannel
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await handler.onLoop { try $0.finishBody(trailingHeaders) }
    }
}

/// The body of a request over `limits.max_body_bytes`: reading it throws Hummingbird's 413, which the edge
/// middleware answers as `request_too_large`.
struct TooLargeBody: AsyncSequence, Sendable {
    struct AsyncIterator: AsyncIteratorProtocol {
        func next() async throws -> ByteBuffer? { throw HTTPError(.contentTooLarge) }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
}

/// The `date` header's value, made once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((0, ""))

    static var now: String {
        let second = time(nil)
        return cache.withLock { cached in
            if cached.second != second {
                cached = (second, format(second))
            }
            return cached.text
        }
    }

    /// RFC 9110's IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func format(_ second: Int) -> String {
        var time = time_t(second)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
