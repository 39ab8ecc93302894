import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization

/// The platform's video API as HolySheepKit sees it (`POST /v1/video/generate`, `GET /v1/video/generations/{id}`,
/// `…/content`), in the shape of the SDK's `VideoJob` JSON: jobs complete at once, cost ¥0.05 a second, and are
/// found again by their `Idempotency-Key`. The first `rateLimited` submits answer `429` with `Retry-After: 1`.
final class FakeVideoPlatform: Sendable {
    struct State {
        var jobsByKey: [String: String] = [:]
        var durations: [String: Int] = [:]
        var submits = 0
        var rateLimited = 0
        var keys: [String] = []
        /// Jobs that end `failed`.
        var failing: Set<String> = []
        var failFirst = 0
    }

    let clip: Data
    let state: Mutex<State>

    /// - Parameter failFirst: how many of the first jobs end `failed`.
    init(clip: Data, rateLimited: Int = 0, failFirst: Int = 0) {
        self.clip = clip
        state = Mutex(State(rateLimited: rateLimited, failFirst: failFirst))
    }

    func job(_ id: String, duration: Int, status: String) -> String {
        let cost = String(format: "%.6f", Double(duration) * 0.05)
        return """
            {"id":"\(id)","object":"video.generation","status":"\(status)","model":"video-gen-2.1","prompt":"p","duration":\(duration),
             "resolution":"720p","aspect_ratio":"9:16","progress":100,"created_at":1764000000,"started_at":1764000000,
             "completed_at":1764000001,"estimated_cost":"\(cost)","cost":\(status == "completed" ? "\"\(cost)\"" : "null"),"currency":"CNY",
             "usage":\(status == "completed" ? "{\"seconds\":\(duration)}" : "null"),"video_url":null,"error":null}
            """
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Serves the API on a loopback port while `body` runs.
    func run(_ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("v1/video/generate") { request, _ -> Response in
            guard request.headers[.authorization]?.hasPrefix("Bearer ") == true, let key = request.headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value else {
                return Self.json(#"{"error":{"message":"no key","type":"invalid_request_error"}}"#, status: .badRequest)
            }
            let fields = try JSONSerialization.jsonObject(with: Data(buffer: try await request.body.collect(upTo: 1 << 20))) as? [String: Any]
            let duration = fields?["duration"] as? Int ?? 5
            let answer = self.state.withLock { state -> String? in
                state.submits += 1
                if state.rateLimited > 0 {
                    state.rateLimited -= 1
                    return nil
                }
                state.keys.append(key)
                let id = state.jobsByKey[key] ?? "vgen_\(state.jobsByKey.count + 1)"
                if state.jobsByKey[key] == nil, state.failFirst > 0 {
                    state.failFirst -= 1
                    state.failing.insert(id)
                }
                state.jobsByKey[key] = id
                state.durations[id] = duration
                return id
            }
            guard let id = answer else {
                var response = Self.json(#"{"error":{"message":"slow down","type":"rate_limit_error","code":"rate_limited"}}"#, status: .tooManyRequests)
                response.headers[.retryAfter] = "1"
                return response
            }
            return Self.json(self.job(id, duration: duration, status: "queued"), status: .accepted)
        }
        router.get("v1/video/generations/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let (duration, fails) = self.state.withLock({ state in state.durations[id].map { ($0, state.failing.contains(id)) } }) else {
                return Self.json(#"{"error":{"message":"no such job","type":"invalid_request_error"}}"#, status: .notFound)
            }
            if fails {
                return Self.json(
                    self.job(id, duration: duration, status: "failed")
                        .replacingOccurrences(of: #""error":null"#, with: #""error":{"code":"upstream_error","message":"the provider gave up"}"#))
            }
            return Self.json(self.job(id, duration: duration, status: "completed"))
        }
        router.get("v1/video/generations/:id/content") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "video/mp4"], body: .init(byteBuffer: ByteBuffer(bytes: self.clip)))
        }
        let app = Application(router: router)
        try await app.test(.live) { client in try await body(client.port!) }
    }
}
