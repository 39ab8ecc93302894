// The NIO floor: the least a reverse proxy written in Swift on SwiftNIO adds to a call, measured beside nginx and
// holysheep by bench/floor.sh. It does what any proxy must and nothing more: read a request (content-length
// bodies), send it on a kept-alive upstream connection of the same event loop with its head rebuilt, read the
// answer and send it back with its head rebuilt. No keys, limits, routing, metering. Three ways, one per mode:
//
//   nio-floor raw  PORT UPSTREAM_PORT   our own HTTP/1 head scanning on both legs, channel handlers only
//   nio-floor nio  PORT UPSTREAM_PORT   NIO's HTTP/1 codec on both legs (what holysheep uses), handlers only
//   nio-floor task PORT UPSTREAM_PORT   NIO's codec, and the upstream call made and awaited in a Swift task per
//                                       request, with the event loops as Swift's global executor (NIO's installer;
//                                       holysheep has its own, EventLoopExecutor.swift: here there are only two
//                                       switches per call, so it makes no difference)
//
// Each step from raw to task adds one of holysheep's layers, so the differences between them say what each layer
// costs on this host, and holysheep's own figure minus the task mode's is what the gateway's features cost.
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix

enum Mode: String {
    case raw, nio, task
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let mode = Mode(rawValue: arguments[1]), let port = Int(arguments[2]), let upstreamPort = Int(arguments[3]) else {
    printError("usage: nio-floor raw|nio|task PORT UPSTREAM_PORT")
    exit(2)
}

func printError(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
}

/// Runs `body` on `loop`: in place when already there.
func onLoop(_ loop: any EventLoop, _ body: @escaping @Sendable () -> Void) {
    if loop.inEventLoop { body() } else { loop.execute(body) }
}

// MARK: - Raw: our own head scanning

/// Where an HTTP/1 message's head ends and how long its body is, read from bytes that may not hold all of it yet.
struct ScannedHead {
    /// Bytes of the head, through the blank line.
    var length: Int
    /// Bytes of the first line, without its CRLF.
    var firstLineLength: Int
    var contentLength: Int
    var close: Bool

    /// nil: the head is not complete yet.
    static func scan(_ bytes: UnsafeRawBufferPointer) throws -> ScannedHead? {
        let count = bytes.count
        var lineStart = 0
        var firstLineLength = -1
        var contentLength = 0
        var close = false
        var index = 0
        while index + 1 < count {
            guard bytes[index] == 13, bytes[index + 1] == 10 else {
                index += 1
                continue
            }
            if firstLineLength < 0 {
                firstLineLength = index
            } else if index == lineStart {
                return ScannedHead(length: index + 2, firstLineLength: firstLineLength, contentLength: contentLength, close: close)
            } else {
                let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<index])
                if Self.name(line, is: "content-length") {
                    contentLength = try Self.integerValue(line, nameLength: 14)
                } else if Self.name(line, is: "connection") {
                    close = Self.valueContains(line, nameLength: 10, "close")
                } else if Self.name(line, is: "transfer-encoding") {
                    throw FloorError.unsupported("transfer-encoding")
                }
            }
            index += 2
            lineStart = index
        }
        return nil
    }

    static func name(_ line: UnsafeRawBufferPointer, is name: StaticString) -> Bool {
        let length = name.utf8CodeUnitCount
        guard line.count > length, line[length] == UInt8(ascii: ":") else { return false }
        let expected = name.utf8Start
        for offset in 0..<length where line[offset] | 0x20 != expected[offset] {
            return false
        }
        return true
    }

    static func integerValue(_ line: UnsafeRawBufferPointer, nameLength: Int) throws -> Int {
        var value = 0
        var digits = 0
        for byte in line[(nameLength + 1)...] where byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 12 else { throw FloorError.badHead }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        guard digits > 0 else { throw FloorError.badHead }
        return value
    }

    static func valueContains(_ line: UnsafeRawBufferPointer, nameLength: Int, _ word: StaticString) -> Bool {
        String(decoding: line[(nameLength + 1)...], as: UTF8.self).lowercased().contains(String(describing: word))
    }
}

enum FloorError: Error {
    case badHead
    case unsupported(String)
}

/// A whole message read from `buffer`, or nil while it is incomplete.
func takeMessage(_ buffer: inout ByteBuffer) throws -> (head: ScannedHead, message: ByteBuffer)? {
    guard let head = try buffer.withUnsafeReadableBytes({ try ScannedHead.scan($0) }) else { return nil }
    guard buffer.readableBytes >= head.length + head.contentLength else { return nil }
    return (head, buffer.readSlice(length: head.length + head.contentLength)!)
}

/// `message` with its first line kept, its head replaced by `headers` (each line ending in CRLF) and a content-length,
/// and its body.
func rebuilt(_ message: ByteBuffer, _ head: ScannedHead, headers: StaticString, allocator: ByteBufferAllocator) -> ByteBuffer {
    var buffer = allocator.buffer(capacity: head.firstLineLength + headers.utf8CodeUnitCount + 40 + head.contentLength)
    buffer.writeImmutableBuffer(message.getSlice(at: message.readerIndex, length: head.firstLineLength)!)
    buffer.writeStaticString("\r\n")
    buffer.writeStaticString(headers)
    buffer.writeStaticString("content-length: ")
    buffer.writeString(String(head.contentLength))
    buffer.writeStaticString("\r\n\r\n")
    buffer.writeImmutableBuffer(message.getSlice(at: message.readerIndex + head.length, length: head.contentLength)!)
    return buffer
}

/// The client leg in raw mode: the request's first line is kept, its head rebuilt for the upstream.
final class RawProxy: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let upstreamPort: Int
    private var received: ByteBuffer?
    private var upstream: UpstreamConnection<RawUpstream>?
    private var busy = false
    private var closeAfter = false

    init(upstreamPort: Int) {
        self.upstreamPort = upstreamPort
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if received == nil { received = bytes } else { received!.writeBuffer(&bytes) }
        next(context)
    }

    private func next(_ context: ChannelHandlerContext) {
        guard !busy, var received else { return }
        do {
            guard let (head, message) = try takeMessage(&received) else {
                self.received = received
                return
            }
            self.received = received.readableBytes == 0 ? nil : received
            busy = true
            closeAfter = head.close
            let request = rebuilt(message, head, headers: "host: 127.0.0.1\r\ncontent-type: application/json\r\n", allocator: context.channel.allocator)
            let connection = upstream ?? UpstreamConnection(loop: context.eventLoop, port: upstreamPort) { RawUpstream() }
            upstream = connection
            connection.send({ $0.writeAndFlush(request, promise: nil) }) { [self] result in
                switch result {
                case .success(let answer): self.answer(context, answer)
                case .failure: context.close(promise: nil)
                }
            }
        } catch {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")))
                .whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ answer: ByteBuffer) {
        context.writeAndFlush(wrapOutboundOut(answer), promise: nil)
        busy = false
        if closeAfter { context.close(promise: nil) } else { next(context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        upstream?.close()
        context.fireChannelInactive()
    }
}

/// The upstream leg in raw mode: the answer's status line is kept, its head rebuilt for the client.
final class RawUpstream: ChannelInboundHandler, UpstreamReader, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    var completion: ((Result<ByteBuffer, any Error>) -> Void)?
    private var received: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if received == nil { received = bytes } else { received!.writeBuffer(&bytes) }
        do {
            guard var buffer = received, let (head, message) = try takeMessage(&buffer) else { return }
            received = buffer.readableBytes == 0 ? nil : buffer
            finish(.success(rebuilt(message, head, headers: "content-type: application/json\r\n", allocator: context.channel.allocator)))
        } catch {
            finish(.failure(error))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ChannelError.ioOnClosedChannel))
    }
}

// MARK: - The upstream connection (both kinds)

protocol UpstreamReader: ChannelHandler {
    associatedtype Answer
    var completion: ((Result<Answer, any Error>) -> Void)? { get set }
}

extension UpstreamReader {
    /// Hands the answer (or the failure) to whoever waits for it, once.
    func finish(_ result: Result<Answer, any Error>) {
        let completion = self.completion
        self.completion = nil
        completion?(result)
    }
}

/// One kept-alive upstream connection on the client connection's loop (at c=1 that is what a pool hands out).
final class UpstreamConnection<Reader: UpstreamReader>: @unchecked Sendable {
    let loop: any EventLoop
    private let reader: Reader
    private let connecting: EventLoopFuture<any Channel>
    private var connected: (any Channel)?

    init(loop: any EventLoop, port: Int, codec: Bool = false, reader: () -> Reader) {
        self.loop = loop
        let reader = reader()
        self.reader = reader
        connecting = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if codec { try channel.pipeline.syncOperations.addHTTPClientHandlers() }
                    try channel.pipeline.syncOperations.addHandler(reader)
                }
            }
            .connect(host: "127.0.0.1", port: port)
        connecting.whenSuccess { self.connected = $0 }
    }

    /// Writes the request with `write` (a ByteBuffer in raw mode, request parts with the codec) and calls
    /// `completion` on the loop with the answer. Called on the loop.
    func send(_ write: @escaping (any Channel) -> Void, completion: @escaping (Result<Reader.Answer, any Error>) -> Void) {
        reader.completion = completion
        if let connected { return write(connected) }
        connecting.whenComplete { [self] result in
            switch result {
            case .success(let channel):
                write(channel)
            case .failure(let error):
                reader.completion = nil
                completion(.failure(error))
            }
        }
    }


    func close() {
        connecting.whenSuccess { $0.close(promise: nil) }
    }
}

// MARK: - NIO's codec, with or without a task

struct CodecAnswer {
    var head: HTTPResponseHead
    var body: ByteBuffer
}

final class CodecProxy: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let useTask: Bool
    let upstreamPort: Int
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var upstream: UpstreamConnection<CodecUpstream>?

    init(useTask: Bool, upstreamPort: Int) {
        self.useTask = useTask
        self.upstreamPort = upstreamPort
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
        case .body(var bytes):
            if body == nil { body = bytes } else { body!.writeBuffer(&bytes) }
        case .end:
            guard let head else { return }
            self.head = nil
            let body = self.body ?? ByteBuffer()
            self.body = nil
            var headers = HTTPHeaders()
            headers.add(name: "host", value: "127.0.0.1")
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "content-length", value: String(body.readableBytes))
            let request = HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
            let connection = upstream ?? UpstreamConnection(loop: context.eventLoop, port: upstreamPort, codec: true) { CodecUpstream() }
            upstream = connection
            let close = !head.isKeepAlive
            let write: (any Channel) -> Void = { channel in
                channel.write(HTTPClientRequestPart.head(request), promise: nil)
                channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            }
            if useTask {
                let loop = context.eventLoop
                let bound = NIOLoopBound(context, eventLoop: loop)  // touched on the loop only
                Task {
                    let promise = loop.makePromise(of: CodecAnswer.self)
                    onLoop(loop) { connection.send(write) { promise.completeWith($0) } }
                    let result: Result<CodecAnswer, any Error>
                    do { result = .success(try await promise.futureResult.get()) } catch { result = .failure(error) }
                    onLoop(loop) { self.answer(bound.value, result, close: close) }
                }
            } else {
                connection.send(write) { self.answer(context, $0, close: close) }
            }
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ result: Result<CodecAnswer, any Error>, close: Bool) {
        guard case .success(let answer) = result else { return context.close(promise: nil) }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(answer.body.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: answer.head.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        if close { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        upstream?.close()
        context.fireChannelInactive()
    }
}

final class CodecUpstream: ChannelInboundHandler, UpstreamReader, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    var completion: ((Result<CodecAnswer, any Error>) -> Void)?
    private var answer: CodecAnswer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            answer = CodecAnswer(head: head, body: context.channel.allocator.buffer(capacity: 0))
        case .body(var bytes):
            answer?.body.writeBuffer(&bytes)
        case .end:
            guard let answer else { return }
            self.answer = nil
            finish(.success(answer))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ChannelError.ioOnClosedChannel))
    }
}

// MARK: - The server

if mode == .task {
    guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
        printError("nio-floor: this Swift runtime cannot take the event loops as its global executor")
        exit(1)
    }
}
let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            switch mode {
            case .raw:
                try channel.pipeline.syncOperations.addHandler(RawProxy(upstreamPort: upstreamPort))
            case .nio, .task:
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                    withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
                try channel.pipeline.syncOperations.addHandler(CodecProxy(useTask: mode == .task, upstreamPort: upstreamPort))
            }
        }
    }
    .bind(host: "127.0.0.1", port: port).get()
printError("nio-floor \(mode.rawValue) listening on 127.0.0.1:\(port), upstream 127.0.0.1:\(upstreamPort)")
try await server.closeFuture.get()
