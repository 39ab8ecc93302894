import NIOCore
import NIOHTTP1

/// One request and its answer on one upstream connection: the head's promise, the body's buffer, the one timer.
///
/// Every member is touched only on `loop` (the connection's event loop), so nothing here locks. The body is
/// buffered up to ``highWatermark`` bytes; past that the connection stops reading until the consumer catches up.
/// The exchange outlives its connection: once the end arrived, the connection goes back to the pool while the
/// consumer may still be reading what was buffered.
final class UpstreamExchange: @unchecked Sendable {
    static let highWatermark = 1 << 20

    let loop: any EventLoop
    let request: UpstreamRequest
    /// The response head. (Not the response: its body reader must not be kept alive by the exchange, or dropping
    /// the body could not be noticed.)
    let head: EventLoopFuture<HTTPResponseHead>

    private var headPromise: EventLoopPromise<HTTPResponseHead>?
    private let headDeadline: NIODeadline
    private let readTimeout: TimeAmount
    private var connection: UpstreamConnectionHandler?
    private var chunks = CircularBuffer<ByteBuffer>(initialCapacity: 4)
    private var bufferedBytes = 0
    private var ended = false
    private var failure: (any Error)?
    private var waiter: EventLoopPromise<ByteBuffer?>?
    /// One timer per exchange: the head deadline, then the read timeout measured from the last activity (a byte
    /// received or a chunk taken), re-armed only when it fires early: no timer work per chunk. A scheduled callback,
    /// not a scheduled task: no promise to make, and none to fail when a call ends in time and cancels it.
    private var timer: NIOScheduledCallback?
    private var timerDeadline = NIODeadline.distantFuture
    private var lastActivity = NIODeadline.now()
    private var staleConnectionRetried = false

    init(loop: any EventLoop, request: UpstreamRequest, headDeadline: NIODeadline, readTimeout: TimeAmount) {
        self.loop = loop
        self.request = request
        self.headDeadline = headDeadline
        self.readTimeout = readTimeout
        let promise = loop.makePromise(of: HTTPResponseHead.self)
        self.headPromise = promise
        self.head = promise.futureResult
    }

    /// Nothing more will arrive: the answer ended or the exchange failed.
    var isFinished: Bool { ended || failure != nil }

    // MARK: The connection's side

    func attach(_ connection: UpstreamConnectionHandler) {
        self.connection = connection
        if timer == nil { arm(at: headDeadline) }  // a call sent again keeps its first deadline
    }

    /// The connection was closed under a call it had not begun to answer: may the call go again (once), on a new
    /// connection? Detaches it from the old one.
    func takeStaleConnectionRetry() -> Bool {
        guard !isFinished, !staleConnectionRetried else { return false }
        staleConnectionRetried = true
        connection = nil
        return true
    }

    func receivedHead(_ head: HTTPResponseHead) {
        guard let promise = headPromise else { return }
        headPromise = nil
        lastActivity = .now()
        if lastActivity + readTimeout < timerDeadline {
            timer?.cancel()
            arm(at: lastActivity + readTimeout)
        }
        promise.succeed(head)
    }

    /// - Returns: whether the connection should go on reading.
    func receivedBody(_ chunk: ByteBuffer) -> Bool {
        guard failure == nil else { return true }
        lastActivity = .now()
        if let waiter {
            self.waiter = nil
            waiter.succeed(chunk)
            return true
        }
        chunks.append(chunk)
        bufferedBytes += chunk.readableBytes
        return bufferedBytes < Self.highWatermark
    }

    func receivedEnd() {
        guard failure == nil else { return }
        ended = true
        connection = nil
        timer?.cancel()
        timer = nil
        if let waiter {
            self.waiter = nil
            waiter.succeed(nil)
        }
    }

    /// The connection closed: an answer not complete by now never will be.
    func connectionClosed() {
        connection = nil
        if !isFinished { fail(UpstreamHTTPError.remoteClosed) }
    }

    /// Fails whoever waits (for the head or a chunk). A connection still attached is closed: it is mid-answer.
    /// Chunks already buffered are still handed out first (a stream cut short relays what did arrive).
    func fail(_ error: any Error) {
        guard !isFinished else { return }
        failure = error
        timer?.cancel()
        timer = nil
        if let promise = headPromise {
            headPromise = nil
            promise.fail(error)
        }
        if let waiter {
            self.waiter = nil
            waiter.fail(error)
        }
        if let connection {
            self.connection = nil
            connection.abort()
        }
    }

    // MARK: The consumer's side

    enum Next {
        case chunk(ByteBuffer)
        case end
        case pending
    }

    /// What the consumer can have right now.
    func poll() throws -> Next {
        if let chunk = chunks.popFirst() {
            bufferedBytes -= chunk.readableBytes
            lastActivity = .now()
            if bufferedBytes < Self.highWatermark / 2 { connection?.resumeReading() }
            return .chunk(chunk)
        }
        if let failure { throw failure }
        return ended ? .end : .pending
    }

    /// The next chunk (nil at the end), waiting for it if none is buffered.
    func next() -> EventLoopFuture<ByteBuffer?> {
        do {
            switch try poll() {
            case .chunk(let chunk): return loop.makeSucceededFuture(chunk)
            case .end: return loop.makeSucceededFuture(nil)
            case .pending:
                precondition(waiter == nil, "an upstream body is read by one consumer at a time")
                let promise = loop.makePromise(of: ByteBuffer?.self)
                waiter = promise
                lastActivity = .now()
                connection?.resumeReading()
                return promise.futureResult
            }
        } catch {
            return loop.makeFailedFuture(error)
        }
    }

    /// The consumer dropped the body: an answer still arriving cannot be skipped on a kept-alive connection.
    func abandon() {
        if !isFinished { fail(UpstreamHTTPError.remoteClosed) }
        chunks.removeAll()
        bufferedBytes = 0
    }

    // MARK: Timer

    private func arm(at deadline: NIODeadline) {
        timerDeadline = deadline
        // Throws only on a loop that is shutting down, whose connections are closing and fail their calls anyway.
        timer = try? loop.scheduleCallback(at: deadline, handler: self)
    }

    private func fired() {
        timer = nil
        timerDeadline = .distantFuture
        guard !isFinished else { return }
        if headPromise != nil {
            fail(UpstreamHTTPError.headTimeout)
            return
        }
        let due = lastActivity + readTimeout
        if due <= .now() {
            fail(UpstreamHTTPError.readTimeout)
        } else {
            arm(at: due)
        }
    }
}

extension UpstreamExchange: NIOScheduledCallbackHandler {
    func handleScheduledCallback(eventLoop: some EventLoop) {
        fired()
    }
}

/// The consumer's handle on an exchange's body. Dropping it before the end closes the connection (HTTP/2: resets the
/// stream).
final class UpstreamBodyReader: Sendable {
    private let exchange: UpstreamExchange

    init(exchange: UpstreamExchange) {
        self.exchange = exchange
    }

    func next() async throws -> ByteBuffer? {
        let exchange = exchange
        let loop = exchange.loop
        if loop.inEventLoop {
            // The usual case (handlers run on the connection's loop): a buffered chunk needs no future at all.
            switch try exchange.poll() {
            case .chunk(let chunk): return chunk
            case .end: return nil
            case .pending: break
            }
        }
        return try await withTaskCancellationHandler {
            try await (loop.inEventLoop ? exchange.next() : loop.flatSubmit { exchange.next() }).get()
        } onCancel: {
            loop.execute { exchange.fail(CancellationError()) }
        }
    }

    func abandon() {
        let exchange = exchange
        if exchange.loop.inEventLoop { exchange.abandon() } else { exchange.loop.execute { exchange.abandon() } }
    }

    deinit {
        abandon()
    }
}
