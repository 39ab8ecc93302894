import AsyncHTTPClient
import Foundation
import HolySheepCore
import NIOCore

/// The chunks of a streamed chat completion, as the server sends them. Iterate it once:
///
/// ```swift
/// for try await chunk in try await client.chatStream(request) {
///     print(chunk.text, terminator: "")
///     if let usage = chunk.usage { print("\n\(usage.totalTokens) tokens") }
/// }
/// ```
///
/// The sequence ends after the server's `data: [DONE]`. An error the server reports inside the stream (the
/// upstream failed after the answer began) is thrown as a ``HolySheepError`` of kind ``HolySheepError/Kind/stream``,
/// and so is a stream cut off before `[DONE]`.
public struct ChatStream: AsyncSequence, Sendable {
    public typealias Element = ChatChunk

    let response: HTTPClientResponse
    let apiKey: String

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(body: response.body.makeAsyncIterator(), parser: ChatStreamParser(apiKey: apiKey), requestID: response.headers.first(name: "x-request-id"))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: HTTPClientResponse.Body.AsyncIterator
        var parser: ChatStreamParser
        let requestID: String?
        var ready: [ChatChunk] = []

        public mutating func next() async throws -> ChatChunk? {
            while ready.isEmpty {
                if parser.isDone { return nil }
                let buffer: ByteBuffer?
                do {
                    buffer = try await body.next()
                } catch {
                    try Task.checkCancellation()
                    throw HolySheepError(
                        .stream, message: "The connection failed in the middle of the stream (\(error)); the answer is incomplete. Retry the request.",
                        requestID: requestID, underlyingError: error)
                }
                if let buffer {
                    ready = try buffer.withUnsafeReadableBytes { try parser.feed($0) }
                } else {
                    ready = try parser.finish()
                }
            }
            return ready.removeFirst()
        }
    }
}

/// Turns a chat completion's Server-Sent Events into chunks: ends at `[DONE]`, throws the server's in-stream
/// `{"error": …}` events. Pure bytes in, values out.
struct ChatStreamParser {
    private var splitter = SSEEventSplitter()
    private(set) var isDone = false
    let apiKey: String

    init(apiKey: String) {
        self.apiKey = apiKey
    }

    /// The chunks completed by `bytes`.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(HolySheepError) -> [ChatChunk] {
        var chunks: [ChatChunk] = []
        var failure: HolySheepError?
        var splitter = self.splitter  // `decode` below mutates `self`
        defer { self.splitter = splitter }
        splitter.feed(bytes) { event in
            guard failure == nil, !isDone else { return }
            do throws(HolySheepError) {
                if let chunk = try decode(event) { chunks.append(chunk) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return chunks
    }

    /// The body ended: the last event if it lacked its blank line; throws if `[DONE]` never came.
    mutating func finish() throws -> [ChatChunk] {
        var chunks: [ChatChunk] = []
        if !isDone, case let rest = splitter.drain(), !rest.isEmpty, let chunk = try rest.withUnsafeBytes({ try decode($0) }) { chunks.append(chunk) }
        guard isDone else {
            throw HolySheepError(.stream, message: "The stream ended before `data: [DONE]`; the answer is incomplete. Retry the request.")
        }
        return chunks
    }

    private mutating func decode(_ event: UnsafeRawBufferPointer) throws(HolySheepError) -> ChatChunk? {
        guard let data = SSEEvent.data(of: event) else { return nil }  // a comment or keep-alive
        if data.elementsEqual("[DONE]".utf8) {
            isDone = true
            return nil
        }
        guard let json = try? JSON(parsing: data) else {
            throw HolySheepError.invalidResponse("a stream event is not JSON: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        if json["error"] != nil {
            isDone = true
            throw HolySheepError(.stream, errorBody: json, status: nil, redacting: apiKey)
        }
        do {
            return try KitJSON.decoder.decode(ChatChunk.self, from: Data(data))
        } catch {
            throw HolySheepError.invalidResponse("a stream event is not a chat.completion.chunk (\(error))")
        }
    }
}
