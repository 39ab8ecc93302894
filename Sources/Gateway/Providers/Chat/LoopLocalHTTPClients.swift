import AsyncHTTPClient
import NIOCore
import NIOPosix

/// One pooled HTTP client per event loop, so an upstream call runs on the loop that is already serving its
/// request.
///
/// A single client over the whole group hands a request any idle connection, usually one that lives on the other
/// loop: the call then hops threads twice (there and back) and the pool's bookkeeping (its idle timers) crosses
/// loops too, each crossing an `eventfd` wake-up. With a client per loop, a handler running on loop A (see
/// ``EventLoopExecutor``) sends on a connection owned by A, and the answer resumes it on A: no crossing at all.
/// The price is one set of upstream connections per loop (two on this 2-core machine), well inside any
/// provider's limits.
///
/// Off the event loops (the cooperative pool: tests, or `HOLYSHEEP_EXECUTOR=cooperative`), the group-wide client
/// serves, as before.
final class LoopLocalHTTPClients: Sendable {
    private let byLoop: [ObjectIdentifier: HTTPClient]
    /// Serves callers that are not on one of the group's loops (and the webhook sender, whose calls are rare).
    let shared: HTTPClient

    init(group: MultiThreadedEventLoopGroup, configuration: HTTPClient.Configuration) {
        var byLoop: [ObjectIdentifier: HTTPClient] = [:]
        for loop in group.makeIterator() {
            byLoop[ObjectIdentifier(loop)] = HTTPClient(eventLoopGroupProvider: .shared(loop), configuration: configuration)
        }
        self.byLoop = byLoop
        self.shared = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
    }

    /// The client whose connections live on the calling thread's event loop, or the shared one.
    var current: HTTPClient {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return shared }
        return byLoop[ObjectIdentifier(loop)] ?? shared
    }

    func shutdown() async {
        for client in byLoop.values { try? await client.shutdown() }
        try? await shared.shutdown()
    }
}
