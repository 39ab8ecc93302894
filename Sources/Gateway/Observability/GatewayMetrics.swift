import CoreMetrics
import HolySheepCore
import Prometheus
import Synchronization

/// The gateway's metrics, in Prometheus' text format at `GET /metrics`.
///
/// Each server owns its registry (no process-wide bootstrap). Handles for every model × deployment are made at
/// start (``RouteMetrics``), so recording on the request path is an atomic add, not a lookup.
///
/// | metric | labels |
/// |---|---|
/// | `holysheep_requests_total` | model, deployment, status |
/// | `holysheep_upstream_attempts_total` | model, deployment, outcome (`ok`, `retryable`, `fatal`) |
/// | `holysheep_retries_total`, `holysheep_fallbacks_total` | model, deployment |
/// | `holysheep_breaker_state` (0 closed, 1 half-open, 2 open) | deployment |
/// | `holysheep_upstream_latency_seconds` (each attempt, to its answer or response head) | model, deployment |
/// | `holysheep_added_latency_seconds` (the call's time outside upstream calls, JSON answers) | model |
/// | `holysheep_usage_records_refused_total` (usage records storage refused: logged whole, not charged) | |
/// | `holysheep_usage_records_lost_total` (usage records not kept: the buffer was full while storage was down) | |
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    private let requests = Mutex<[RequestKey: CoreMetrics.Counter]>([:])
    private let breakerGauges = Mutex<[String: CoreMetrics.Gauge]>([:])
    /// Usage records storage refused (a constraint, an unstorable value): each is logged whole at `critical`.
    let usageRecordsRefused: CoreMetrics.Counter
    /// Usage records dropped because the buffer was full (storage unreachable for a long time).
    let usageRecordsLost: CoreMetrics.Counter

    private struct RequestKey: Hashable {
        let model: String
        let deployment: String
        let status: Int
    }

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
        ]
        self.factory = factory
        usageRecordsRefused = CoreMetrics.Counter(label: "holysheep_usage_records_refused_total", factory: factory)
        usageRecordsLost = CoreMetrics.Counter(label: "holysheep_usage_records_lost_total", factory: factory)
    }

    /// Counts a finished call. Statuses vary, so these handles are cached as they appear.
    func request(model: String, deployment: String?, status: Int) {
        let key = RequestKey(model: model, deployment: deployment ?? "none", status: status)
        let counter = requests.withLock { requests in
            if let counter = requests[key] { return counter }
            let counter = CoreMetrics.Counter(
                label: "holysheep_requests_total", dimensions: [("model", key.model), ("deployment", key.deployment), ("status", String(status))],
                factory: factory)
            requests[key] = counter
            return counter
        }
        counter.increment()
    }

    func addedLatency(for model: String) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: "holysheep_added_latency_seconds", dimensions: [("model", model)], factory: factory)
    }

    func breakerChanged(deployment: String, to state: CircuitBreaker.State) {
        let gauge = breakerGauges.withLock { gauges in
            if let gauge = gauges[deployment] { return gauge }
            let gauge = CoreMetrics.Gauge(label: "holysheep_breaker_state", dimensions: [("deployment", deployment)], factory: factory)
            gauges[deployment] = gauge
            return gauge
        }
        gauge.record(state == .closed ? 0 : state == .halfOpen ? 1 : 2)
    }

    /// The exposition text.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}

/// The metric handles of one model × deployment, made once at start.
struct RouteMetrics: Sendable {
    let attemptsOK: CoreMetrics.Counter
    let attemptsRetryable: CoreMetrics.Counter
    let attemptsFatal: CoreMetrics.Counter
    let retries: CoreMetrics.Counter
    let fallbacks: CoreMetrics.Counter
    let upstreamLatency: CoreMetrics.Timer

    init(model: String, deployment: String, metrics: GatewayMetrics) {
        let labels = [("model", model), ("deployment", deployment)]
        func attempts(_ outcome: String) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: "holysheep_upstream_attempts_total", dimensions: labels + [("outcome", outcome)], factory: metrics.factory)
        }
        attemptsOK = attempts("ok")
        attemptsRetryable = attempts("retryable")
        attemptsFatal = attempts("fatal")
        retries = CoreMetrics.Counter(label: "holysheep_retries_total", dimensions: labels, factory: metrics.factory)
        fallbacks = CoreMetrics.Counter(label: "holysheep_fallbacks_total", dimensions: labels, factory: metrics.factory)
        upstreamLatency = CoreMetrics.Timer(label: "holysheep_upstream_latency_seconds", dimensions: labels, factory: metrics.factory)
    }
}
