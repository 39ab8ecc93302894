import CoreMetrics
import HolySheepCore
import Prometheus
import Synchronization

/// The gateway's metrics, in Prometheus' text format at `GET /metrics`.
///
/// Each server owns its registry (no process-wide bootstrap), and metric handles are created once per
/// label set and cached, so recording on the request path is a dictionary read and an atomic add.
///
/// | metric | labels |
/// |---|---|
/// | `holysheep_requests_total` | model, deployment, status |
/// | `holysheep_upstream_attempts_total` | model, deployment, outcome (`ok`, `retryable`, `fatal`) |
/// | `holysheep_retries_total`, `holysheep_fallbacks_total` | model, deployment |
/// | `holysheep_breaker_state` (0 closed, 1 half-open, 2 open) | deployment |
/// | `holysheep_upstream_latency_seconds` (to the response head) | model, deployment |
/// | `holysheep_added_latency_seconds` (gateway time outside the upstream call) | model |
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let counters = Mutex<[CounterKey: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[CounterKey: CoreMetrics.Timer]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])

    private struct CounterKey: Hashable {
        let name: String
        let labels: [String]
    }

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
        ]
        self.factory = factory
    }

    func request(model: String, deployment: String?, status: Int) {
        counter("holysheep_requests_total", [("model", model), ("deployment", deployment ?? "none"), ("status", String(status))]).increment()
    }

    enum AttemptOutcome: String {
        case ok, retryable, fatal
    }

    func attempt(model: String, deployment: String, outcome: AttemptOutcome) {
        counter("holysheep_upstream_attempts_total", [("model", model), ("deployment", deployment), ("outcome", outcome.rawValue)]).increment()
    }

    func retry(model: String, deployment: String) {
        counter("holysheep_retries_total", [("model", model), ("deployment", deployment)]).increment()
    }

    func fallback(model: String, from deployment: String) {
        counter("holysheep_fallbacks_total", [("model", model), ("deployment", deployment)]).increment()
    }

    func upstreamLatency(model: String, deployment: String, _ duration: Duration) {
        timer("holysheep_upstream_latency_seconds", [("model", model), ("deployment", deployment)]).recordNanoseconds(duration.nanoseconds)
    }

    func addedLatency(model: String, _ duration: Duration) {
        timer("holysheep_added_latency_seconds", [("model", model)]).recordNanoseconds(max(0, duration.nanoseconds))
    }

    func breakerChanged(deployment: String, to state: CircuitBreaker.State) {
        let gauge = gauges.withLock { gauges in
            if let gauge = gauges[deployment] { return gauge }
            let gauge = CoreMetrics.Gauge(label: "holysheep_breaker_state", dimensions: [("deployment", deployment)], factory: factory)
            gauges[deployment] = gauge
            return gauge
        }
        gauge.record(state == .closed ? 0 : state == .halfOpen ? 1 : 2)
    }

    /// The exposition text.
    public func render() -> [UInt8] { registry.emitToBuffer() }

    private func counter(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Counter {
        let key = CounterKey(name: name, labels: labels.map(\.1))
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
            counters[key] = counter
            return counter
        }
    }

    private func timer(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Timer {
        let key = CounterKey(name: name, labels: labels.map(\.1))
        return timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(label: name, dimensions: labels, factory: factory)
            timers[key] = timer
            return timer
        }
    }
}
