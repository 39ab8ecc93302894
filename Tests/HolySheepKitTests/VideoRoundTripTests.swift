import Foundation
import HolySheepCore
import Testing
@testable import HolySheepKit

/// The SDK's video calls against a real in-process gateway rendering previz clips.
@Suite struct VideoRoundTripTests {
    @Test func submitWaitAndDownload_giveTheAskedClip() async throws {
        try await TestPlatform.run { platform in
            let client = platform.client(key: try await platform.createKey(sandbox: true))
            var request = VideoRequest(model: "video-gen-2.1", prompt: "Rain on a neon street", duration: 5)
            request.resolution = "720p"
            let submitted = try await client.submitVideo(request, idempotencyKey: "shot-1")
            #expect(submitted.id.hasPrefix("vgen_") && submitted.estimatedCost == Money(micros: 0, .cny))
            let again = try await client.submitVideo(request, idempotencyKey: "shot-1")
            #expect(again.id == submitted.id)
            let done = try await client.waitForVideo(id: submitted.id, pollInterval: .milliseconds(100), timeout: .seconds(60))
            #expect(done.status == .completed && done.usage?.seconds == 5 && done.progress == 100)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("kit-\(UUID().uuidString).mp4")
            defer { try? FileManager.default.removeItem(at: file) }
            let size = try await client.downloadVideo(id: done.id, to: file)
            #expect(size > 1000)
            let page = try await client.listVideoJobs(limit: 10)
            #expect(page.data.map(\.id) == [submitted.id] && page.hasMore == false)
            let cancelled = try await client.cancelVideo(id: done.id)
            #expect(cancelled.status == .completed)  // an ended job stays as it ended
        }
    }
}
