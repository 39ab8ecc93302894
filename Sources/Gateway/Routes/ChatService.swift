import CoreMetrics
import Foundation
import HolySheepCore
import Hummingbird
import Logging
import NIOCore

/// Runs chat calls for both public chat APIs: checks the body, routes it, dispatches it, relays the answer in the
/// client's format (``ClientEncoder``) and meters it. Usage is recorded for every call, off the request path.
struct ChatService: Sendable {
    let router: ModelRouter
    let dispatcher: ChatDispatcher
    let usage: UsageRecorder
    let metrics: GatewayMetrics
    let limiter: RateLimiter
    let credits: CreditBook
    let maxBodyBytes: Int
    /// `logging.access_log`: one line per call, metadata only.
    let accessLog: Logger?

    /// Reads a request body, refusing one over `limits.max_body_bytes`.
    func collectBody(_ request: Request) async throws(APIError) -> ByteBuffer {
        if let length = request.headers.first(.contentLength).flatMap({ Int($0) }), length > maxBodyBytes {
            throw APIError.requestTooLarge(limit: maxBodyBytes)
        }
        do {
            return try await request.body.collect(upTo: maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.requestTooLarge(limit: maxBodyBytes)
        } catch is NIOTooManyBytesError {  // a chunked body that outgrew the limit while being read
            throw APIError.requestTooLarge(limit: maxBodyBytes)
        } catch {
            throw APIError(status: 400, type: "invalid_request_error", code: "invalid_body", message: "The request body could not be read: \(error).")
        }
    }

    /// Answers an OpenAI Chat Completions body, encoded for the client by `encoder`.
    func respond(openAIBody body: ByteBuffer, context: AuthenticatedContext, endpoint: String, encoder: some ClientEncoder) async throws -> Response {
        var meter = CallMeter(requestID: context.requestID, keyID: context.apiKey.id, endpoint: endpoint, started: .now)
        meter.requestBytes = body.readableBytes
        var trace = ChatDispatcher.Trace()
        do {
            let inspection = try body.withUnsafeReadableBytes { bytes throws(APIError) in try ChatRequestInspection(body: bytes) }
            meter.model = inspection.model
            meter.stream = inspection.stream
            let model = try router.model(named: inspection.model, for: context.apiKey)
            try router.checkChatServable(model)
            meter.addedLatency = model.addedLatency
            let estimate = body.readableBytes / 4 + (inspection.maxTokens ?? RateLimiter.defaultCompletionEstimate)
            try limiter.reserveTokens(estimate, for: context.apiKey)
            meter.tokenReservation = (estimate, context.apiKey)
            meter.pricing = model.pricing
            meter.hold = try await credits.hold(
                model.pricing.maximumCharge(requestBytes: body.readableBytes, maxTokens: inspection.maxTokens), for: context.apiKey,
                purpose: "a call to \(inspection.model) with \(inspection.maxTokens.map { "max_tokens \($0)" } ?? "no max_tokens (\(ChatPricing.defaultCompletionAllowance) assumed)") and a \(body.readableBytes)-byte request")
            let call = ChatCall(
                body: body, inspection: inspection, requestID: context.requestID, model: inspection.model, created: Int(Date().timeIntervalSince1970))
            let outcome = try await dispatcher.dispatch(call, model: model, trace: &trace)
            meter.apply(trace)
            switch outcome.answer {
            case .stream(let response, let translator):
                return relayStream(response, translator: translator, encoder: encoder.streamEncoder(), meter: meter, logger: context.logger)
            case .json(let completion):
                meter.usage = completion.withUnsafeReadableBytes { TokenUsage.fromOpenAI($0) }
                return relayCompletion(encoder.completion(completion), meter: meter)
            }
        } catch let error as APIError {
            meter.apply(trace)
            record(meter, status: error.status)
            throw error
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

    /// Records a call that failed before its body could be read or translated.
    func recordRejected(context: AuthenticatedContext, endpoint: String, status: Int) {
        record(CallMeter(requestID: context.requestID, keyID: context.apiKey.id, endpoint: endpoint, started: .now), status: status)
    }

    /// Sends a whole answer, then meters the call: the client has its answer before the bookkeeping runs (settling
    /// the hold and the token reservation, pricing, the usage record), not after. A client gone before the answer
    /// was written is metered as 499, as a stream cut short is.
    private func relayCompletion(_ answer: ByteBuffer, meter: CallMeter) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(contentLength: answer.readableBytes) { writer in
                var status = 200
                defer { record(meter, status: status) }
                try await Self.write(answer, to: &writer, status: &status)
                try await Self.finish(&writer, status: &status)
            })
    }

    /// Relays an upstream stream: each complete event is translated, encoded and written as soon as it arrives.
    private func relayStream(
        _ response: UpstreamResponse, translator: any ChatStreamTranslator, encoder: any ClientStreamEncoder, meter: CallMeter, logger: Logger
    ) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                var meter = meter
                var translator = translator
                var encoder = encoder
                var output = ByteBuffer()
                var status = 200
                defer {
                    if let usage = translator.usage {
                        meter.usage = usage
                    } else {
                        // Cut short before the usage report: the provider still bills what it generated. Estimate it —
                        // one token per relayed content chunk (streams send about one each), and the prompt at 4
                        // bytes of request body per token — and flag the record as an estimate.
                        meter.usage = TokenUsage(promptTokens: meter.requestBytes / 4, completionTokens: translator.eventCount)
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
                        logger.warning("upstream stream failed", metadata: ["deployment": "\(meter.route?.label ?? "?")", "error": "\(error)"])
                        try await end(with: .streamInterrupted(deployment: meter.route?.label), encoder: &encoder, writer: &writer, status: &status)
                        return
                    }
                    guard let chunk else { break }
                    output.clear()
                    chunk.withUnsafeReadableBytes { bytes in
                        translator.translate(bytes) { event in encoder.encode(event, into: &output) }
                    }
                    if output.readableBytes > 0 { try await Self.write(output, to: &writer, status: &status) }
                    if let failure = translator.failure {
                        try await end(with: failure, encoder: &encoder, writer: &writer, status: &status)
                        return
                    }
                }
                output.clear()
                translator.translateEnd { event in encoder.encode(event, into: &output) }
                encoder.finish(into: &output)
                if output.readableBytes > 0 { try await Self.write(output, to: &writer, status: &status) }
                try await Self.finish(&writer, status: &status)
            })
    }

    /// Ends a started stream with an error event: bytes are out, so no retry.
    private func end(
        with error: APIError, encoder: inout any ClientStreamEncoder, writer: inout any ResponseBodyWriter, status: inout Int
    ) async throws {
        status = error.status
        var output = ByteBuffer()
        encoder.error(error, into: &output)
        try await Self.write(output, to: &writer, status: &status)
        try await writer.finish(nil)
    }

    /// Ends the answer; a failure means the client is gone (499).
    private static func finish(_ writer: inout any ResponseBodyWriter, status: inout Int) async throws {
        do {
            try await writer.finish(nil)
        } catch {
            status = 499
            throw error
        }
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
        if let (reserved, key) = meter.tokenReservation {
            let used = (meter.usage?.promptTokens ?? 0) + (meter.usage?.completionTokens ?? 0)
            limiter.settleTokens(reserved: reserved, used: used, for: key)
        }
        // A call is charged for what it used when it succeeded or the client cut it short (the provider billed
        // the tokens it generated); a failed call costs nothing. Never more than its hold.
        var list = Money.zero(.usd)
        var official = Money.zero(.usd)
        var chargeable = Money.zero(.cny)
        if let usage = meter.usage, let pricing = meter.pricing {
            list = pricing.listPrice(for: usage)
            official = pricing.officialPrice(for: usage)
            if status == 200 || status == 499 { chargeable = pricing.charge(for: usage) }
        }
        let cost = Money(micros: meter.hold.map { credits.settle($0, cost: chargeable.micros) } ?? 0, .cny)
        let latency = ContinuousClock.now - meter.started
        let model = meter.model ?? ""
        usage.record(
            UsageRecord(
                requestID: meter.requestID, keyID: meter.keyID, model: model, deployment: meter.route?.label,
                provider: meter.route?.provider.configuration.name, endpoint: meter.endpoint, status: status, stream: meter.stream,
                usage: meter.usage, latency: latency, upstreamLatency: meter.upstreamLatency, attempts: meter.attempts,
                usageEstimated: meter.usageEstimated, cost: cost, listUSD: list, officialUSD: official))
        metrics.request(model: model, deployment: meter.route?.label, status: status)
        if let upstream = meter.upstreamLatency, !meter.stream, let timer = meter.addedLatency {
            timer.recordNanoseconds(max(0, (latency - upstream).nanoseconds))
        }
        accessLog?.info(
            "\(meter.endpoint)",
            metadata: [
                "request_id": "\(meter.requestID)", "key_id": "\(meter.keyID)", "model": "\(model)", "deployment": "\(meter.route?.label ?? "-")",
                "status": "\(status)", "attempts": "\(meter.attempts)", "stream": "\(meter.stream)",
                "latency_ms": "\(Int(latency.milliseconds.rounded()))",
            ])
    }
}

extension APIError {
    static func streamInterrupted(deployment: String?) -> APIError {
        APIError(
            status: 502, type: "upstream_error", code: "upstream_stream_interrupted",
            message: "The upstream deployment \(deployment ?? "?") stopped in the middle of the stream. The answer is incomplete; retry the request.")
    }
}

struct CallMeter: Sendable {
    let requestID: String
    let keyID: String
    let endpoint: String
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
    /// Tokens reserved against the key's TPM, settled with the real usage when the call is recorded.
    var tokenReservation: (Int, APIKeyRecord)?
    /// The model's prices, once routed.
    var pricing: ChatPricing?
    /// The call's pre-authorisation (nil for sandbox keys and calls refused before it).
    var hold: CreditBook.Hold?

    mutating func apply(_ trace: ChatDispatcher.Trace) {
        route = trace.lastRoute
        attempts = trace.attempts
        if trace.attempts > 0 { upstreamLatency = trace.upstreamTime }
    }
}

