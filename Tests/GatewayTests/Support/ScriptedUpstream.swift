import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing

/// An HTTP/1.1 server on 127.0.0.1 that answers byte by byte as each test scripts it: the wire format an upstream
/// provider speaks, with the faults real ones have (stalls, closes mid-answer, `connection: close`).
final class ScriptedUpstream: Sendable {
    /// One request as it arrived.
    struct Seen: Sendable {
        /// 1-based, in the order connections were accepted.
        let connection: Int
        let requestLine: String
        let headers: [(name: String, value: String)]
        let body: String

        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
    }

    /// Writes the answer; the connection closes when the script returns false.
    struct Reply: Sendable {
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

        func send(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text)) }
    }

    typealias Script = @Sendable (Seen, Reply) async throws -> Bool

    let port: Int
    private let state = Mutex<(accepted: Int, closed: Int, seen: [Seen])>((0, 0, []))

    var accepted: Int { state.withLock { $0.accepted } }
    var closed: Int { state.withLock { $0.closed } }
    var seen: [Seen] { state.withLock { $0.seen } }

    private init(port: Int) {
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)/v1/chat/completions" }

    /// A full response with a `content-length`.
    static func response(_ body: String, status: String = "200 OK", headers: [String] = ["content-type: application/json"]) -> String {
        "HTTP/1.1 \(status)\r\n" + (headers + ["content-length: \(body.utf8.count)"]).map { $0 + "\r\n" }.joined() + "\r\n" + body
    }

    /// Serves `script` for the duration of `body`; with `tls`, over TLS.
    static func with(
        tls: NIOSSLContext? = nil, _ script: @escaping Script, _ body: @escaping @Sendable (ScriptedUpstream) async throws -> Void
    ) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let upstream = ScriptedUpstream(port: server.channel.localAddress!.port!)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.executeThenClose { connections in
                    try await withThrowingDiscardingTaskGroup { connectionTasks in
                        for try await connection in connections {
                            let number = upstream.state.withLock { state in
                                state.accepted += 1
                                return state.accepted
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

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, number: Int, script: Script) async {
        try? await connection.executeThenClose { inbound, outbound in
            var buffer = ByteBuffer()
            for try await chunk in inbound {
                buffer.writeImmutableBuffer(chunk)
                while let request = Self.takeRequest(from: &buffer, connection: number) {
                    state.withLock { $0.seen.append(request) }
                    guard try await script(request, Reply(outbound: outbound)) else { return }
                }
            }
        }
        state.withLock { $0.closed += 1 }
    }

    /// One whole request (head and `content-length` body) off the front of `buffer`, if it has arrived.
    private static func takeRequest(from buffer: inout ByteBuffer, connection: Int) -> Seen? {
        let bytes = Array(buffer.readableBytesView)
        guard let end = bytes.indices.dropLast(3).first(where: { bytes[$0..<$0 + 4] == [13, 10, 13, 10] }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = Int(headers.first { $0.name.lowercased() == "content-length" }?.value ?? "0") ?? 0
        guard bytes.count >= end + 4 + length else { return nil }
        buffer.moveReaderIndex(forwardBy: end + 4 + length)
        return Seen(
            connection: connection, requestLine: lines[0], headers: headers, body: String(decoding: bytes[(end + 4)..<(end + 4 + length)], as: UTF8.self))
    }

    /// Waits until `condition` holds (see ``expectEventually(sourceLocation:_:)``).
    func expectEventually(_ condition: (ScriptedUpstream) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await GatewayTests.expectEventually(sourceLocation: sourceLocation) { condition(self) }
    }
}
