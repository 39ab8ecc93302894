import HolySheepCore
import Logging
import NIOCore

/// Sends one chat call through a model's deployments: retries a deployment on retryable failures (connect
/// errors, timeouts, 429, 5xx, invalid answers) with jittered exponential backoff, honouring `Retry-After`,
/// then falls back to the next deployment; non-retryable errors (400, the provider refusing the gateway's
/// credentials, content refusals) return at once. All of this happens before any byte reaches the client.
struct ChatDispatcher: Sendable {
    let router: ModelRouter
    let upstream: UpstreamClient
    let logger: Logger

    /// The upstream's accepted answer: a whole JSON body, or a stream whose head arrived.
    enum Answer: Sendable {
        /// An OpenAI `chat.completion` body.
        case json(ByteBuffer)
        /// The upstream's stream, and what turns it into OpenAI chunks.
        case stream(UpstreamResponse, translator: any ChatStreamTranslator)
    }

    struct Outcome: Sendable {
        let answer: Answer
        let route: Route
        let attempts: Int
        /// Time spent inside upstream calls (all attempts), for the added-latency figure.
        let upstreamTime: Duration
    }

    /// What the dispatcher tried, for the usage record of a call that failed.
    struct Trace: Sendable {
        var attempts = 0
        var lastRoute: Route?
        var upstreamTime: Duration = .zero
    }

    /// - Parameter call: the client's request; each deployment's provider builds its own upstream request from it.
    func dispatch(_ call: ChatCall, model: ResolvedModel, trace: inout Trace) async throws -> Outcome {
        let requestID = call.requestID
        let policy = model.retry
        let deadline = ContinuousClock.now + policy.totalTimeout
        var generator = SystemRandomNumberGenerator()
        let plan = router.plan(for: model, using: &generator)
        var lastError: (any Error)?
        var coolingDown: [Route] = []
        var cannotHonour: APIError?

        routes: for (position, route) in plan.enumerated() {
            if position > 0, let previous = trace.lastRoute {
                previous.metrics.fallbacks.increment()
                logger.info("falling back", metadata: ["request_id": "\(requestID)", "from": "\(previous.label)", "to": "\(route.label)"])
            }
            guard let provider = route.provider.chat else { continue }
            let request: UpstreamRequest
            do {
                request = try provider.request(for: call, route: route)
            } catch {
                // This provider cannot honour the request (an unsupported field): another deployment may.
                cannotHonour = cannotHonour ?? error
                continue
            }
            var retry = 0
            while true {
                guard route.health.acquire() else {
                    coolingDown.append(route)
                    continue routes
                }
                trace.attempts += 1
                trace.lastRoute = route
                let started = ContinuousClock.now
                let headDeadline = min(started + policy.firstByteTimeout, deadline)
                let result: Result<Answer, any Error>
                do {
                    result = .success(try await attempt(request, provider: provider, call: call, route: route, headDeadline: headDeadline))
                } catch is CancellationError {
                    route.health.release()
                    throw CancellationError()
                } catch {
                    result = .failure(error)
                }
                let spent = ContinuousClock.now - started
                trace.upstreamTime += spent
                route.metrics.upstreamLatency.recordNanoseconds(spent.nanoseconds)

                let failure: UpstreamFailure
                switch result {
                case .success(let answer):
                    route.health.recordSuccess()
                    route.metrics.attemptsOK.increment()
                    return Outcome(answer: answer, route: route, attempts: trace.attempts, upstreamTime: trace.upstreamTime)
                case .failure(let error as UpstreamFailure):
                    failure = error
                case .failure(let error):
                    failure = UpstreamFailure(error: error, retryable: false, countsAgainstDeployment: false)
                }
                if failure.countsAgainstDeployment { route.health.recordFailure() } else { route.health.recordSuccess() }
                (failure.retryable ? route.metrics.attemptsRetryable : route.metrics.attemptsFatal).increment()
                guard failure.retryable else { throw failure.error }
                lastError = failure.error

                retry += 1
                guard retry <= policy.retries else { continue routes }
                var wait = policy.backoff(attempt: retry, using: &generator)
                if let retryAfter = failure.retryAfter {
                    guard retryAfter <= policy.maximumRetryAfter else { continue routes }  // too long: try elsewhere
                    wait = max(wait, retryAfter)
                }
                guard ContinuousClock.now + wait < deadline else { break routes }
                route.metrics.retries.increment()
                try await Task.sleep(for: wait)
            }
        }
        if let lastError { throw lastError }
        if let cannotHonour { throw cannotHonour }
        if !coolingDown.isEmpty { throw Self.allCoolingDown(model: model.name, routes: coolingDown) }
        if ContinuousClock.now >= deadline, let route = trace.lastRoute { throw APIError.upstreamTimeout(deployment: route.label) }
        throw APIError.noSupportedDeployment(model: model.name, kinds: model.routes.map(\.provider.configuration.kind.rawValue))
    }

    /// One attempt at one deployment. Throws ``UpstreamFailure`` saying whether to retry.
    private func attempt(
        _ request: UpstreamRequest, provider: any ChatProvider, call: ChatCall, route: Route, headDeadline: ContinuousClock.Instant
    ) async throws -> Answer {
        let response = try await upstream.execute(request, route: route, deadline: headDeadline)
        guard (200..<300).contains(response.status.code) else {
            throw try await upstream.failure(from: response, provider: provider, route: route)
        }
        let contentType = response.headers.first(name: "content-type") ?? ""
        if call.inspection.stream, contentType.hasPrefix("text/event-stream") {
            return .stream(response, translator: provider.streamTranslator(for: call))
        }
        let answer = try await upstream.collect(response, route: route)
        guard contentType.hasPrefix("application/json") else {
            throw UpstreamFailure(
                error: APIError.upstreamInvalidResponse(
                    deployment: route.label, problem: "content type \(contentType.isEmpty ? "missing" : "`\(contentType)`") where JSON was expected"),
                retryable: true)
        }
        return .json(try provider.completion(from: answer, call: call, route: route))
    }

    private static func allCoolingDown(model: String, routes: [Route]) -> APIError {
        let soonest = routes.compactMap(\.health.retryAt).min()
        let seconds = max(1, Int(((soonest ?? .now) - .now).seconds.rounded(.up)))
        return APIError(
            status: 503, type: "upstream_error", code: "upstream_unavailable",
            message: "Every deployment of \(model.jsonQuoted) failed recently and is cooling down (\(routes.map(\.label).joined(separator: ", "))). "
                + "Retry in \(seconds) s.",
            headers: [("Retry-After", String(seconds))])
    }
}

/// An upstream attempt failed: the error to answer if nothing else works, whether another attempt may help,
/// and whether it says the deployment is unhealthy (a client's bad request does not).
struct UpstreamFailure: Error, Sendable {
    let error: any Error
    let retryable: Bool
    var countsAgainstDeployment = true
    var retryAfter: Duration? = nil
}
