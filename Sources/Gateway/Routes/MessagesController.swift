import HolySheepCore
import Hummingbird
import NIOCore

/// `POST /v1/messages`: Anthropic's Messages API, so the official `anthropic` SDK (and tools built on it) work by
/// changing base URL and key. Any catalog model can be called: the request is translated to OpenAI's format, goes
/// through the same routing as `/v1/chat/completions`, and the answer (or its events) is translated back.
/// Errors on this path use Anthropic's error shape (see ``EdgeMiddleware``).
struct MessagesController: Sendable {
    let service: ChatService

    /// Registered with the router for the route table; ``ChatLane`` answers the calls.
    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.post("messages", use: handle)
        return routes
    }

    @Sendable func handle(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let chatRequest: JSON
        do {
            let body = try await service.collectBody(request)
            let syntaxError = body.withUnsafeReadableBytes { bytes -> JSONSyntaxError? in
                do {
                    try JSONScanner.validate(bytes)
                    return nil
                } catch let error as JSONSyntaxError {
                    return error
                } catch {
                    return nil
                }
            }
            if let syntaxError { throw APIError.invalidJSON(syntaxError) }
            chatRequest = try AnthropicTranslation.chatRequest(fromMessages: try JSON(parsing: body.readableBytesView))
        } catch let error as APIError {
            service.recordRejected(context: context, endpoint: "messages", status: error.status)
            throw error
        }
        let model = chatRequest["model"]?.stringValue ?? ""
        return try await service.respond(
            openAIBody: ByteBuffer(bytes: chatRequest.bytes), context: context, endpoint: "messages", encoder: AnthropicClientEncoder(model: model))
    }
}
