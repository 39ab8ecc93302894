import HolySheepCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The outermost middleware: gives every request an id (the client's own `x-request-id` is kept), puts it on
/// every response, and turns every error into the API's error shape (OpenAI's plus `error_code`).
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let errors: ErrorResponder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestID: String
        if let id = request.headers.first(.xRequestID), RequestIDGenerator.isAcceptable(id) {
            requestID = id
        } else {
            requestID = RequestIDGenerator.next()
        }
        context.requestID = requestID
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = errors.response(for: error, request: request, requestID: requestID, logger: context.logger)
        }
        response.headers[.xRequestID] = requestID
        if request.isMessagesAPI {
            response.headers[.anthropicRequestID] = requestID  // the anthropic SDK reads it into `_request_id`
        }
        return response
    }
}

/// Turns any error into the API's error response: OpenAI's shape plus `error_code` (Anthropic's shape on the
/// Messages API), 404 vs 405 for unmatched routes, 413 for oversized bodies; unexpected errors are logged with
/// the request id and answered 500 without detail.
struct ErrorResponder: Sendable {
    let routes: RouteTable
    let maxBodyBytes: Int

    func response(for error: any Error, request: Request, requestID: String, logger: Logger) -> Response {
        let apiError: APIError
        switch error {
        case let error as APIError:
            apiError = error
        case let error as HTTPError where error.status == .notFound:
            let path = request.uri.path
            if let allowed = routes.methods(forPath: path), !allowed.isEmpty {
                apiError = .methodNotAllowed(method: request.method.rawValue, path: path, allowed: allowed)
            } else {
                apiError = .unknownRoute(method: request.method.rawValue, path: path)
            }
        case let error as HTTPError where error.status == .contentTooLarge:
            apiError = .requestTooLarge(limit: maxBodyBytes)
        case is NIOTooManyBytesError:
            apiError = .requestTooLarge(limit: maxBodyBytes)
        case is CancellationError:
            // The client went away; nobody will read this.
            apiError = APIError(status: 499, type: "client_closed_request", code: "client_closed_request", message: "The client closed the connection.")
        default:
            logger.error("request failed", metadata: ["request_id": "\(requestID)", "error": "\(String(reflecting: error))"])
            apiError = .internalError(requestID: requestID)
        }
        // Anthropic's SDK reads Anthropic's error shape on the Messages API.
        return apiError.response(anthropicShape: request.isMessagesAPI)
    }
}

extension Request {
    /// A call to Anthropic's Messages API, whose clients read Anthropic's error shape and `request-id` header. The
    /// router also answers the path with a trailing slash.
    var isMessagesAPI: Bool {
        let path = uri.path
        return path == "/v1/messages" || path == "/v1/messages/"
    }
}

extension APIError {
    /// The JSON error response, with any extra headers the error carries.
    func response(anthropicShape: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        for header in self.headers {
            if let name = HTTPField.Name(header.name) { headers[name] = header.value }
        }
        let body = anthropicShape ? ByteBuffer(bytes: AnthropicTranslation.errorBody(for: self).bytes) : ByteBuffer(string: jsonBody)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: body))
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("x-request-id")!
    static let xAPIKey = HTTPField.Name("x-api-key")!
    static let anthropicRequestID = HTTPField.Name("request-id")!
}

/// The API's paths and their methods, to tell "no such path" (404) from "wrong method" (405).
struct RouteTable: Sendable {
    private var entries: [(components: [Substring], methods: [String])] = []

    mutating func add(_ path: String, _ methods: [String]) {
        entries.append((path.split(separator: "/"), methods))
    }

    /// The methods `path` accepts, nil when no route has this path. `{name}` components match anything.
    func methods(forPath path: String) -> [String]? {
        let components = path.split(separator: "/")
        for entry in entries where entry.components.count == components.count {
            let matches = zip(entry.components, components).allSatisfy { pattern, component in
                pattern.hasPrefix("{") || pattern == component
            }
            if matches { return entry.methods }
        }
        return nil
    }
}
