import AsyncHTTPClient
import Foundation
import HolySheepCore
import NIOCore
import NIOHTTP1
import NIOPosix

extension HolySheepClient {
    /// One API request, as the retry loop sends it (possibly several times).
    struct Call: Sendable {
        var method: HTTPMethod
        /// Below the base URL, starting with `/`.
        var path: String
        var query: [(name: String, value: String)] = []
        var body: ByteBuffer? = nil
        var headers: [(name: String, value: String)] = []
        /// Sending it twice is harmless, so a connection lost after sending it may be retried.
        var idempotent: Bool
        /// For each attempt, until the whole answer is read; nil for streams and downloads.
        var timeout: Duration? = .seconds(600)

        static func get(_ path: String, query: [(name: String, value: String)] = []) -> Call {
            Call(method: .GET, path: path, query: query, idempotent: true)
        }

        static func post(_ path: String, json: some Encodable, idempotent: Bool) throws(HolySheepError) -> Call {
            do {
                return Call(method: .POST, path: path, body: ByteBuffer(bytes: try KitJSON.encoder.encode(json)), idempotent: idempotent)
            } catch {
                throw HolySheepError(.configuration, message: "The request could not be encoded as JSON: \(error).", underlyingError: error)
            }
        }
    }

    /// Sends `call`, retrying per ``retry``; returns a `2xx` response whose body is still to be read.
    /// - Throws: ``HolySheepError``: `.api` for an error answer, `.connection` when the server could not be reached.
    func send(_ call: Call) async throws -> HTTPClientResponse {
        let url = url(call.path, query: call.query)
        var generator = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url)
            request.method = call.method
            request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
            request.headers.add(name: "User-Agent", value: "HolySheepKit")
            if let body = call.body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(body)
            }
            for header in call.headers { request.headers.add(name: header.name, value: header.value) }
            let deadline = call.timeout.map { NIODeadline.now() + .nanoseconds($0.nanoseconds) } ?? .distantFuture
            var failure: HolySheepError
            do {
                let response = try await httpClient.execute(request, deadline: deadline)
                if (200..<300).contains(response.status.code) { return response }
                failure = await HolySheepError.from(response, redacting: apiKey)
                guard RetryOptions.retryableStatuses.contains(Int(response.status.code)) else { throw failure }
            } catch let error as HolySheepError {
                throw error
            } catch {
                try Task.checkCancellation()
                failure = .connection(error, url: url)
                guard call.idempotent || Self.failedBeforeSending(error) else { throw failure }
            }
            guard let delay = retry.delay(after: failure, attempt: attempt, using: &generator) else { throw failure }
            try await Task.sleep(for: delay)
        }
    }

    /// Sends `call` and decodes its JSON answer.
    func send<Answer: Decodable>(_ call: Call, decoding: Answer.Type) async throws -> Answer {
        let response = try await send(call)
        let requestID = response.headers.first(name: "x-request-id")
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw HolySheepError.connection(error, url: url(call.path, query: call.query))
        }
        do {
            return try KitJSON.decoder.decode(Answer.self, from: Data(body.readableBytesView))
        } catch {
            throw HolySheepError.invalidResponse("\(error)", requestID: requestID)
        }
    }

    func url(_ path: String, query: [(name: String, value: String)] = []) -> String {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path
        guard !query.isEmpty else { return text }
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.name, value: $0.value) }
        return text + "?" + (components.percentEncodedQuery ?? "")
    }

    /// True for failures to connect: the request never left, so sending it again cannot repeat it.
    static func failedBeforeSending(_ error: any Error) -> Bool {
        switch error {
        case let error as HTTPClientError: return error == .connectTimeout || error == .getConnectionFromPoolTimeout
        case is NIOConnectionError: return true
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return false
        case let error as IOError: return error.errnoCode == ECONNREFUSED
        default: return false
        }
    }
}
