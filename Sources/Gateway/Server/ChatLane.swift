import HTTPTypes
import Hummingbird

/// The chat routes' own way in. `POST /v1/chat/completions` and `POST /v1/messages` (most of the traffic, and the
/// calls whose added latency users measure) are answered by their controllers through the very edge and auth
/// middleware values the router uses, without the router.
///
/// Why: Hummingbird's router cost a chat call 8–23 µs of CPU here in four interleaved A/B runs (its trie lookup,
/// then its middleware stack and the group's context transform, generic code that runs unspecialized across the
/// module boundary), for two routes whose method and path are a string comparison (`bench/ab.sh`,
/// docs/PERFORMANCE.md). Every other request, and
/// every other method on these two paths (405 with `Allow`), still goes through the router, which also keeps the
/// chat routes registered: the route table, `/v1/models` and the 404/405 answers do not change.
struct ChatLane: Sendable {
    typealias Handler = @Sendable (Request, AuthenticatedContext) async throws -> Response

    let edge: EdgeMiddleware
    let auth: AuthMiddleware
    let chatCompletions: Handler
    let messages: Handler

    /// The routes answered here.
    enum Route: Equatable {
        case chatCompletions, messages

        /// The route for a method and path (without its query), nil when the router answers.
        init?(method: HTTPRequest.Method, path: String) {
            guard method == .post else { return nil }
            switch path {
            case "/v1/chat/completions": self = .chatCompletions
            case "/v1/messages": self = .messages
            default: return nil
            }
        }
    }

    /// The handler that answers `request` here, or nil when the router answers it.
    func handler(for request: Request) -> Handler? {
        switch Route(method: request.method, path: request.uri.path) {
        case .chatCompletions: chatCompletions
        case .messages: messages
        case nil: nil
        }
    }

    /// Answers through the edge (request id, error shapes) and auth (key, requests per minute, rate-limit headers)
    /// middleware, as the router would.
    func respond(to request: Request, context: GatewayRequestContext, with handler: Handler) async throws -> Response {
        try await edge.handle(request, context: context) { request, context in
            try await auth.handle(request, context: context) { request, context in
                try await handler(request, try AuthenticatedContext(context: context))
            }
        }
    }
}
