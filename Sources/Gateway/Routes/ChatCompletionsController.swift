import HolySheepCore
import Hummingbird
import NIOCore

/// `POST /v1/chat/completions`: OpenAI's Chat Completions. For OpenAI-compatible deployments the body goes
/// upstream untouched but for `model` (and, on a stream, `stream_options.include_usage`, so every call is metered);
/// answers are relayed as received, streams event by event as they arrive.
struct ChatCompletionsController: Sendable {
    let service: ChatService

    /// Registered with the router for the route table; ``ChatLane`` answers the calls.
    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.post("chat/completions", use: handle)
        return routes
    }

    @Sendable func handle(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await service.collectBody(request)
        } catch {
            service.recordRejected(context: context, endpoint: "chat.completions", status: error.status)
            throw error
        }
        return try await service.respond(openAIBody: body, context: context, endpoint: "chat.completions", encoder: OpenAIClientEncoder())
    }
}
