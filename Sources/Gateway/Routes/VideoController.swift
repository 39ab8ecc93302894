import Foundation
import HolySheepCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The video job API in two shapes over the same jobs:
///
/// - the guide's: `POST /v1/video/generate` (`Idempotency-Key` returns the original job; `Prefer: wait=N`, N ≤ 60,
///   holds the answer until the job ends or N seconds pass), `GET /v1/video/generations` (newest first, `after` =
///   the previous page's `last_id`, `limit` 1–100, default 20), `GET|POST /v1/video/generations/{id}[/cancel]`,
///   `GET /v1/video/generations/{id}/content` (MP4, HTTP Range);
/// - OpenAI's: `POST /v1/videos` (JSON or multipart), `GET /v1/videos[/{id}]`, `DELETE /v1/videos/{id}` (cancels),
///   `GET /v1/videos/{id}/content`.
///
/// A job that is not the caller's answers `404`, like one that does not exist. Submits over the key's
/// `video_concurrency` cap are accepted and wait in the queue.
struct VideoController: Sendable {
    let service: VideoJobService
    let router: ModelRouter
    let artifacts: any ArtifactStore
    let callbackPolicy: CallbackTargetPolicy
    let maxBodyBytes: Int
    let fileIO = FileIO()

    static let longestWait = 60

    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.post("video/generate") { request, context in try await generate(request, context: context) }
        routes.get("video/generations") { request, context in try await list(request, context: context, openAI: false) }
        routes.get("video/generations/:id") { request, context in
            json(VideoJobJSON.guideObject(try await ownJob(context), baseURL: baseURL(request)))
        }
        routes.post("video/generations/:id/cancel") { request, context in
            let id = try context.parameters.require("id")
            guard let job = try await service.cancel(id: id, keyID: context.apiKey.id) else { throw Self.notFound(id) }
            return json(VideoJobJSON.guideObject(job, baseURL: baseURL(request)))
        }
        routes.get("video/generations/:id/content") { request, context in try await content(request, context: context) }

        routes.post("videos") { request, context in try await createOpenAI(request, context: context) }
        routes.get("videos") { request, context in try await list(request, context: context, openAI: true) }
        routes.get("videos/:id") { _, context in json(VideoJobJSON.openAIObject(try await ownJob(context))) }
        routes.delete("videos/:id") { _, context in
            let id = try context.parameters.require("id")
            guard try await service.cancel(id: id, keyID: context.apiKey.id) != nil else { throw Self.notFound(id) }
            return json(["id": id, "object": "video.deleted", "deleted": true])
        }
        routes.get("videos/:id/content") { request, context in try await content(request, context: context) }
        return routes
    }

    // MARK: - Submit

    private func generate(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let body = try await jsonBody(request)
        let model = try videoModel(body["model"], key: context.apiKey, required: true)
        let spec = try VideoRequestParser.guideSpec(body)
        let callbackURL = try VideoRequestParser.string(body, "callback_url", example: #""https://example.com/hooks/video""#)
        if let callbackURL { _ = try await callbackPolicy.check(callbackURL) }
        var job = try await service.submit(
            .init(key: context.apiKey, model: model, spec: spec, idempotencyKey: idempotencyKey(request), callbackURL: callbackURL))
        if let wait = try preferredWait(request) {
            job = try await waitForEnd(job, upTo: wait)
        }
        return json(VideoJobJSON.guideObject(job, baseURL: baseURL(request)))
    }

    private func createOpenAI(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let contentType = request.headers[.contentType] ?? ""
        let body: [String: Any]
        if contentType.lowercased().hasPrefix("multipart/form-data") {
            let buffer = try await collect(request)
            guard let fields = VideoRequestParser.multipartFields(Array(buffer.readableBytesView), contentType: contentType) else {
                throw APIError.invalidField("body", "is multipart/form-data without a boundary; send the fields as multipart or as a JSON object")
            }
            body = fields
        } else {
            body = try await jsonBody(request)
        }
        let model = try videoModel(body["model"], key: context.apiKey, required: false)
        let spec = try VideoRequestParser.openAISpec(body)
        let job = try await service.submit(.init(key: context.apiKey, model: model, spec: spec, idempotencyKey: idempotencyKey(request), callbackURL: nil))
        return json(VideoJobJSON.openAIObject(job))
    }

    /// The video model asked for; without one (OpenAI's `model` is optional) the first video model the key may use.
    private func videoModel(_ value: Any?, key: APIKeyRecord, required: Bool) throws(APIError) -> ModelConfiguration {
        let videoModels = router.names.filter { router.models[$0]?.configuration.kind == .video && key.allows(model: $0) }
        guard let name = value as? String, !name.isEmpty else {
            if value != nil, !(value is NSNull) { throw APIError.invalidField("model", "must be a string such as \"\(videoModels.first ?? "video-gen-2.1")\"") }
            if !required, let first = videoModels.first, let model = router.models[first] { return model.configuration }
            throw APIError.missingField("model", example: "\"model\": \"\(videoModels.first ?? "video-gen-2.1")\"")
        }
        let model = try router.model(named: name, for: key)
        guard model.configuration.kind == .video else {
            throw APIError.wrongModelKind(name, kind: model.configuration.kind.rawValue, endpoint: "/v1/video/generate", use: "/v1/chat/completions")
        }
        return model.configuration
    }

    private func idempotencyKey(_ request: Request) throws(APIError) -> String? {
        guard let value = request.headers[HTTPField.Name("Idempotency-Key")!], !value.isEmpty else { return nil }
        guard value.utf8.count <= 255 else {
            throw APIError(
                status: 400, type: "invalid_request_error", code: "invalid_idempotency_key",
                message: "The Idempotency-Key header is longer than 255 characters; use a shorter unique key (a UUID, say).", param: "Idempotency-Key")
        }
        return value
    }

    /// `Prefer: wait=N`: seconds to hold the answer, at most 60.
    private func preferredWait(_ request: Request) throws(APIError) -> Int? {
        guard let prefer = request.headers[HTTPField.Name("Prefer")!] else { return nil }
        for part in prefer.split(separator: ",").map({ String($0).trimmingCharacters(in: CharacterSet.whitespaces) }) where part.lowercased().hasPrefix("wait=") {
            guard let seconds = Int(part.dropFirst(5)), seconds >= 0 else {
                throw APIError(
                    status: 400, type: "invalid_request_error", code: "invalid_prefer",
                    message: "The Prefer header's wait must be whole seconds, e.g. `Prefer: wait=30` (at most \(Self.longestWait)).", param: "Prefer")
            }
            return min(seconds, Self.longestWait)
        }
        return nil
    }

    /// Polls the job every 100 ms until it ends or `seconds` pass.
    private func waitForEnd(_ job: VideoJobRecord, upTo seconds: Int) async throws -> VideoJobRecord {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(seconds)
        var current = job
        while !current.lifecycleStatus.isTerminal, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            current = try await service.jobs.get(id: job.id) ?? current
        }
        return current
    }

    // MARK: - Read

    private func ownJob(_ context: AuthenticatedContext) async throws -> VideoJobRecord {
        let id = try context.parameters.require("id")
        guard let job = try await service.jobs.get(id: id), job.key_id == context.apiKey.id else { throw Self.notFound(id) }
        return job
    }

    private func list(_ request: Request, context: AuthenticatedContext, openAI: Bool) async throws -> Response {
        let parameters = request.uri.queryParameters
        var limit = 20
        if let value = parameters["limit"] {
            guard let number = Int(value), (1...100).contains(number) else {
                throw APIError.invalidField("limit", "must be a whole number from 1 to 100; got \(value)")
            }
            limit = number
        }
        let after = parameters["after"].map(String.init)
        guard let page = try await service.jobs.list(keyID: context.apiKey.id, after: after, limit: limit) else {
            throw APIError(
                status: 400, type: "invalid_request_error", code: "invalid_cursor",
                message: "`after` must be the id of one of your jobs (the previous page's last_id); got \(after ?? ""). Start again without it.",
                param: "after")
        }
        let base = baseURL(request)
        let data = page.jobs.map { openAI ? VideoJobJSON.openAIObject($0) : VideoJobJSON.guideObject($0, baseURL: base) }
        var object: [String: Any] = ["object": "list", "data": data, "has_more": page.hasMore, "last_id": page.jobs.last?.id ?? NSNull()]
        if openAI { object["first_id"] = page.jobs.first?.id ?? NSNull() }
        return json(object)
    }

    /// The MP4, whole or the asked byte range.
    private func content(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let job = try await ownJob(context)
        guard job.lifecycleStatus == .completed else {
            let message: String =
                switch job.lifecycleStatus {
                case .queued, .processing:
                    "The video job \(job.id) is \(job.status) (\(job.progress)%); its video can be downloaded once its status is completed. "
                        + "Poll GET /v1/video/generations/\(job.id), or submit with `Prefer: wait=60`."
                default:
                    "The video job \(job.id) is \(job.status), so it has no video\(job.error_message.map { ": \($0)" } ?? "."). Submit it again."
                }
            throw APIError(status: 409, type: "invalid_request_error", code: "video_not_ready", message: message, param: "id")
        }
        guard let file = artifacts.localFile(jobID: job.id),
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue, size > 0
        else {
            throw APIError(
                status: 500, type: "server_error", code: "artifact_missing",
                message: "The video of job \(job.id) is missing from the artifact store. Ask the operator to check `artifacts.path`.")
        }
        var headers: HTTPFields = [.contentType: "video/mp4", .acceptRanges: "bytes"]
        guard let rangeHeader = request.headers[.range] else {
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers, body: try await fileIO.loadFile(path: file.path, context: context))
        }
        guard let range = Self.byteRange(rangeHeader, size: size) else {
            headers[.contentRange] = "bytes */\(size)"
            throw APIError(
                status: 416, type: "invalid_request_error", code: "range_not_satisfiable",
                message: "The Range \(rangeHeader) is outside the video's \(size) bytes. Ask for bytes=START-END within 0-\(size - 1).",
                param: "Range", headers: [("Content-Range", "bytes */\(size)")])
        }
        headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
        headers[.contentLength] = String(range.count)
        return Response(status: .partialContent, headers: headers, body: try await fileIO.loadFile(path: file.path, range: range, context: context))
    }

    /// One range of `bytes=START-END`, `bytes=START-` or `bytes=-SUFFIX`; nil when unsatisfiable or malformed.
    static func byteRange(_ header: String, size: Int) -> ClosedRange<Int>? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let suffix = Int(parts[1]), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int(parts[0]), start < size else { return nil }
        let end = parts[1].isEmpty ? size - 1 : min(Int(parts[1]) ?? -1, size - 1)
        guard end >= start else { return nil }
        return start...end
    }

    // MARK: - Helpers

    private func collect(_ request: Request) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            throw APIError.requestTooLarge(limit: maxBodyBytes)
        }
        do {
            return try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw APIError.requestTooLarge(limit: maxBodyBytes)
        }
    }

    private func jsonBody(_ request: Request) async throws -> [String: Any] {
        let buffer = try await collect(request)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            throw APIError(
                status: 400, type: "invalid_request_error", code: "invalid_json",
                message: "The request body is not a JSON object. Send for example {\"model\": \"video-gen-2.1\", \"prompt\": \"…\", \"duration\": 5} "
                    + "with `Content-Type: application/json`.")
        }
        return object
    }

    /// `http://HOST` from the request (X-Forwarded-Proto honoured), else the configured address.
    private func baseURL(_ request: Request) -> String {
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!] ?? "http"
        guard let host = request.head.authority else { return service.defaultBaseURL }
        return "\(scheme)://\(host)"
    }

    private func json(_ object: [String: Any]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: VideoJobJSON.serialize(object))))
    }

    static func notFound(_ id: String) -> APIError {
        APIError(
            status: 404, type: "invalid_request_error", code: "video_not_found",
            message: "No video job \(id) belongs to this key. Check the id (returned by the submit) and that you call with the key that created it.",
            param: "id")
    }
}
