import Foundation
import HolySheepCore
import Logging
import Media
import SQLKit
import ServiceLifecycle
import Testing
@testable import Gateway

/// The workers rendering real previz jobs in process, with billing, on SQLite.
@Suite(.serialized) struct JobWorkersTests {
    struct Harness {
        let store: SQLStore
        let service: VideoJobService
        let workers: JobWorkers
        let recorder: UsageRecorder
        let artifacts: LocalArtifactStore
        let probe: MediaProbe
    }

    static func harness(finished: @escaping VideoJobService.JobFinishedHook = { _, _, _ in }) async throws -> Harness {
        let store = try await TestStorage.open(.sqlite)
        let credits = CreditBook(store: store, slice: Money(micros: 10_000_000, .cny), logger: TestStorage.logger)
        let recorder = UsageRecorder(store: store, credits: credits, logger: TestStorage.logger)
        let service = VideoJobService(store: store, credits: credits, configuration: GatewayConfiguration(), logger: TestStorage.logger, onJobFinished: finished)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("artifacts-" + UUID().uuidString.prefix(8))
        let artifacts = LocalArtifactStore(path: folder.path)
        let previz = PrevizVideoProvider(renderer: PrevizRenderer(ffmpeg: try FFmpegTool.locate(.ffmpeg)), scratch: folder.appendingPathComponent(".previz"))
        let probe = MediaProbe(ffprobe: try FFmpegTool.locate(.ffprobe))
        let workers = JobWorkers(service: service, artifacts: artifacts, previz: previz, probe: probe, workers: 2, lease: .seconds(5), logger: TestStorage.logger)
        return Harness(store: store, service: service, workers: workers, recorder: recorder, artifacts: artifacts, probe: probe)
    }

    static func key(_ id: String, sandbox: Bool) -> APIKeyRecord {
        APIKeyRecord(
            id: id, digest: APIKeySecret.digest(of: "hs_live_\(id)"), prefix: sandbox ? "hs_test_" : "hs_live_", label: id, owner: nil, sandbox: sandbox,
            models: nil, rpm: nil, tpm: nil, videoConcurrency: nil, monthlyBudgetCNY: nil, expiresAt: nil, revoked: false, revokedAt: nil,
            createdAt: Date(), revision: 1)
    }

    static func wait(_ service: VideoJobService, _ id: String, timeout: Duration = .seconds(60)) async throws -> VideoJobRecord {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let job = try await service.jobs.get(id: id), job.lifecycleStatus.isTerminal { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError("job \(id) did not end in \(timeout)")
    }

    @Test func aPrevizJob_rendersStoresBillsAndEndsOnce() async throws {
        let finishedJobs = Counter()
        let harness = try await Self.harness { _, job, json in
            #expect(String(decoding: json, as: UTF8.self).contains(job.id))
            finishedJobs.add()
        }
        let store = harness.store
        defer {
            Task { await store.close() }
            try? FileManager.default.removeItem(at: harness.artifacts.root)
        }
        try await LedgerRepository(store: store).append(keyID: "key_live", kind: .grant, amount: Money(micros: 5_000_000, .cny), reference: "g")
        let model = try #require(ModelConfiguration.defaults.first { $0.kind == .video })
        try await withThrowingTaskGroup(of: Void.self) { group in
            let services = ServiceGroup(services: [harness.recorder, harness.workers], logger: TestStorage.logger)
            group.addTask { try await services.run() }
            let spec = VideoJobSpec(prompt: "Rain on a neon street, she turns to the camera", duration: 5, resolution: "720p", emotionTone: "tense")
            let clock = ContinuousClock()
            let started = clock.now
            let live = try await harness.service.submit(.init(key: Self.key("key_live", sandbox: false), model: model, spec: spec))
            #expect(live.estimated_micros == 250_000)
            let sandbox = try await harness.service.submit(.init(key: Self.key("key_test", sandbox: true), model: model, spec: spec, idempotencyKey: "s1"))
            let again = try await harness.service.submit(.init(key: Self.key("key_test", sandbox: true), model: model, spec: spec, idempotencyKey: "s1"))
            #expect(again.id == sandbox.id)
            let done = try await Self.wait(harness.service, live.id)
            let elapsed = clock.now - started
            let sandboxDone = try await Self.wait(harness.service, sandbox.id)
            print("previz 5 s 720p through the job path: \(elapsed)")
            #expect(done.status == "completed" && sandboxDone.status == "completed")
            #expect(done.delivered_seconds == 5 && done.cost_micros == 250_000 && sandboxDone.cost_micros == 0)
            let file = try #require(harness.artifacts.localFile(jobID: live.id))
            let info = try await harness.probe.info(for: file)
            #expect(info.width == 720 && info.height == 1280 && abs(info.duration - 5) < 0.2)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(finishedJobs.value == 2)
        let entries = try await LedgerRepository(store: store).entries(keyID: "key_live").filter { $0.kind != .grant }
        #expect(entries.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.charge, .hold, .release])
        #expect(try await LedgerRepository(store: store).balance(keyID: "key_live") == Money(micros: 4_750_000, .cny))
        let usage = try await store.database.raw("SELECT COUNT(*) AS n FROM usage_records WHERE endpoint = 'video.generate'").first()!.decode(column: "n", as: Int.self)
        #expect(usage == 2)
    }

    @Test func cancellingARunningJob_stopsTheRenderAndReleasesTheHold() async throws {
        let harness = try await Self.harness()
        let store = harness.store
        defer {
            Task { await store.close() }
            try? FileManager.default.removeItem(at: harness.artifacts.root)
        }
        try await LedgerRepository(store: store).append(keyID: "key_c", kind: .grant, amount: Money(micros: 5_000_000, .cny), reference: "g")
        let model = try #require(ModelConfiguration.defaults.first { $0.kind == .video })
        try await withThrowingTaskGroup(of: Void.self) { group in
            let services = ServiceGroup(services: [harness.recorder, harness.workers], logger: TestStorage.logger)
            group.addTask { try await services.run() }
            let spec = VideoJobSpec(prompt: "A long take", duration: 30, resolution: "1080p")
            let job = try await harness.service.submit(.init(key: Self.key("key_c", sandbox: false), model: model, spec: spec))
            while try await harness.service.jobs.get(id: job.id)?.status != "processing" { try await Task.sleep(for: .milliseconds(20)) }
            let cancelled = try #require(try await harness.service.cancel(id: job.id, keyID: "key_c"))
            #expect(cancelled.status == "cancelled" && cancelled.cost_micros == 0)
            try await Task.sleep(for: .seconds(2))
            #expect(try await harness.service.jobs.get(id: job.id)?.status == "cancelled")
            #expect(harness.artifacts.localFile(jobID: job.id) == nil)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(try await LedgerRepository(store: store).balance(keyID: "key_c") == Money(micros: 5_000_000, .cny))
    }
}
