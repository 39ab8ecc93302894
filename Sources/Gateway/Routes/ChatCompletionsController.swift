import AsyncHTTPClient
import CoreMetrics
import Foundation
import HolySheepCore
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// `POST /v1/chat/completions`: OpenAI's Chat Completions, relayed to the model's deployment.
///
/// The client's body goes upstream untouched but for `model` (rewritten to the deployment's name) and, on a
/// stream, `stream_options.include_usage` (so every call is metered). JSON answers are relayed as received; SSE
/// streams event by event as they arrive. Usage is recorded for every call, off the request path.
struct ChatCompletionsController: Sendable {
    let router: ModelRouter
    let dispatcher: ChatDispatcher
    let usage: UsageRecorder
    let metrics: GatewayMetrics
    let maxBodyBytes: Int
    /// `logging.access_log`: one line per call, metadata only.
    let accessLog: Logger?

    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.post("chat/completions") { request, context in try await self.complete(request, context: context) }
        return routes
    }

    func complete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let started = ContinuousClock.now
        var meter = CallMeter(requestID: context.requestID, keyID: context.apiKey.id, started: started)
        var trace = ChatDispatcher.Trace()
        do {
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
                throw APIError.requestTooLarge(limit: maxBodyBytes)
            }
            let body = try await request.body.collect(upTo: maxBodyBytes)
            let inspection = try body.withUnsafeReadableBytes { bytes throws(APIError) in try ChatRequestInspection(body: bytes) }
            meter.model = inspection.model
            meter.stream = inspection.stream
            meter.requestBytes = body.readableBytes
            let model = try router.model(named: inspection.model, for: context.apiKey)
            try router.checkChatServable(model)
            meter.addedLatency = model.addedLatency
            let outcome = try await dispatcher.dispatch(body: body, inspection: inspection, model: model, requestID: context.requestID, trace: &trace)
            meter.apply(trace)
            switch outcome.answer {
            case .stream(let response, let contentType):
                return relayStream(response, contentType: contentType, dropUsageChunk: inspection.injectsUsage, meter: meter, logger: context.logger)
            case .json(let answer, let contentType):
                meter.usage = answer.withUnsafeReadableBytes { TokenUsage.fromOpenAI($0) }
                record(meter, status: 200)
                return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: answer))
            }
        } catch let error as APIError {
            meter.apply(trace)
            record(meter, status: error.status)
            throw error
        } catch let error as HTTPError where error.status == .contentTooLarge {
            record(meter, status: 413)
            throw APIError.requestTooLarge(limit: maxBodyBytes)
        } catch is NIOTooManyBytesError {  // a chunked body that outgrew the limit while being read
            record(meter, status: 413)
            throw APIError.requestTooLarge(limit: maxBodyBytes)
        } catch is CancellationError {
            meter.apply(trace)
            record(meter, status: 499)
            throw CancellationError()
        } catch {
            meter.apply(trace)
            record(meter, status: 500)
            throw error
        }
    }

    /// Relays an upstream SSE stream: each complete event is written to the client as soon as it arrives.
    private func relayStream(
        _ response: HTTPClientResponse, contentType: String, dropUsageChunk: Bool, meter: CallMeter, logger: Logger
    ) -> Response {
        let headers: HTTPFields = [.contentType: contentType, .cacheControl: "no-cache"]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var meter = meter
                var relay = ChatStreamRelay(dropUsageChunk: dropUsageChunk)
                var output = ByteBuffer()
                var status = 200
                defer {
                    if let usage = relay.usage {
                        meter.usage = usage
                    } else {
                        // Cut short before the usage chunk: the provider still bills what it generated. Estimate it —
                        // one token per relayed content chunk (OpenAI-style streams send about one each), and the
                        // prompt at 4 bytes of request body per token — and flag the record as an estimate.
                        meter.usage = TokenUsage(promptTokens: meter.requestBytes / 4, completionTokens: relay.eventCount)
                        meter.usageEstimated = true
                    }
                    record(meter, status: status)
                }
                var upstream = response.body.makeAsyncIterator()
                while true {
                    let chunk: ByteBuffer?
                    do {
                        chunk = try await upstream.next()
                    } catch where error is CancellationError || Task.isCancelled {
                        status = 499  // the client went away: the watcher cancelled us, which cancels the upstream call
                        throw error
                    } catch {
                        // The upstream failed mid-stream: bytes are out, so no retry; end the stream with an error event.
                        status = 502
                        logger.warning("upstream stream failed", metadata: ["deployment": "\(meter.route?.label ?? "?")", "error": "\(error)"])
                        let failure = APIError(
                            status: 502, type: "upstream_error", code: "upstream_stream_interrupted",
                            message: "The upstream deployment \(meter.route?.label ?? "?") stopped in the middle of the stream. "
                                + "The answer is incomplete; retry the request.")
                        try await Self.write(ByteBuffer(string: "data: \(failure.jsonBody)\n\n"), to: &writer, status: &status)
                        try await writer.finish(nil)
                        return
                    }
                    guard let chunk else { break }
                    output.clear()
                    chunk.withUnsafeReadableBytes { bytes in
                        relay.feed(bytes) { event in output.writeBytes(event) }
                    }
                    if output.readableBytes > 0 { try await Self.write(output, to: &writer, status: &status) }
                }
                let rest = relay.finish()
                if !rest.isEmpty { try await Self.write(ByteBuffer(bytes: rest), to: &writer, status: &status) }
                do {
                    try await writer.finish(nil)
                } catch {
                    status = 499
                    throw error
                }
            })
    }

    /// Writes to the client; a failure means the client is gone (499).
    private static func write(_ buffer: ByteBuffer, to writer: inout any ResponseBodyWriter, status: inout Int) async throws {
        do {
            try await writer.write(buffer)
        } catch {
            status = 499
            throw error
        }
    }

    private func record(_ meter: CallMeter, status: Int) {
        let latency = ContinuousClock.now - meter.started
        let model = meter.model ?? ""
        usage.record(
            UsageRecord(
                requestID: meter.requestID, keyID: meter.keyID, model: model, deployment: meter.route?.label,
                provider: meter.route?.provider.configuration.name, endpoint: "chat.completions", status: status, stream: meter.stream,
                usage: meter.usage, latency: latency, upstreamLatency: meter.upstreamLatency, attempts: meter.attempts,
                usageEstimated: meter.usageEstimated))
        metrics.request(model: model, deployment: meter.route?.label, status: status)
        accessLog?.info(
            "chat.completions",
            metadata: [
                "request_id": "\(meter.requestID)", "key_id": "\(meter.keyID)", "model": "\(model)", "deployment": "\(meter.route?.label ?? "-")",
                "status": "\(status)", "attempts": "\(meter.attempts)", "stream": "\(meter.stream)",
                "latency_ms": "\(Int(latency.milliseconds.rounded()))",
            ])
        if let upstream = meter.upstreamLatency, !meter.stream, let timer = meter.addedLatency {
            timer.recordNanoseconds(max(0, (latency - upstream).nanoseconds))
        }
    }
}

/// What is known about a call so far, for its usage record.
struct CallMeter: Sendable {
    let requestID: String
    let keyID: String
    let started: ContinuousClock.Instant
    var model: String?
    var stream = false
    var route: Route?
    /// Time inside upstream calls (for streams: until the response head).
    var upstreamLatency: Duration?
    var usage: TokenUsage?
    var attempts = 0
    var addedLatency: CoreMetrics.Timer?
    var requestBytes = 0
    var usageEstimated = false

    mutating func apply(_ trace: ChatDispatcher.Trace) {
        route = trace.lastRoute
        attempts = trace.attempts
        if trace.attempts > 0 { upstreamLatency = trace.upstreamTime }
    }
}
