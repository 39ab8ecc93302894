import Foundation
import Media
import Synchronization

/// The local previz renderer as a ``VideoProvider``: `submit` starts an ffmpeg render into a scratch folder,
/// `poll` reports its progress (estimated from elapsed time) until it is done, `download` moves the clip out, and
/// `cancel` stops ffmpeg (the render task is cancelled, which stops the child process and removes partial files).
///
/// Renders live in this process: after a restart a reclaimed job is simply rendered again.
public final class PrevizVideoProvider: VideoProvider {
    private let renderer: PrevizRenderer
    private let scratch: URL
    private let renders = Mutex<[String: Render]>([:])

    private struct Render {
        let task: Task<Void, any Error>
        let output: URL
        let started: ContinuousClock.Instant
        let expected: Duration
        let finished: Flag
    }

    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// - Parameters:
    ///   - scratch: where clips are rendered before `download` moves them (created if missing).
    public init(renderer: PrevizRenderer, scratch: URL) {
        self.renderer = renderer
        self.scratch = scratch
    }

    public func submit(_ task: VideoTask) async throws -> String {
        let spec = task.spec
        let format: VideoFormat
        do {
            format = try VideoFormat(resolution: spec.resolution, aspectRatio: spec.aspectRatio)
        } catch {
            throw VideoProviderError(code: "invalid_format", message: "\(error)")
        }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let taskID = "previz_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let output = scratch.appendingPathComponent("\(taskID).mp4")
        let shot = PrevizShot(
            text: spec.prompt, cameraNote: nil, style: spec.style, emotionTone: spec.emotionTone, durationSeconds: spec.duration, format: format,
            seed: spec.seed, title: task.model)
        let renderer = self.renderer
        // Roughly: encoding cost grows with pixels × frames (a 5 s 1080×1920 clip takes about a second on two cores).
        let pixels = Double(format.width * format.height) / Double(1080 * 1920)
        let expected = Duration.milliseconds(Int(max(300, 250 * Double(spec.duration) * pixels)))
        let finished = Flag()
        let render = Task {
            defer { finished.value.store(true, ordering: .releasing) }
            try await renderer.render(shot, to: output)
        }
        renders.withLock { $0[taskID] = Render(task: render, output: output, started: .now, expected: expected, finished: finished) }
        return taskID
    }

    public func poll(taskID: String) async throws -> VideoTaskState {
        guard let render = renders.withLock({ $0[taskID] }) else {
            return .failed(code: "task_lost", message: "The previz render \(taskID) is not running in this process (it restarted).")
        }
        if render.finished.value.load(ordering: .acquiring) {
            switch await render.task.result {
            case .success: return .succeeded
            case .failure(let error): return .failed(code: "render_failed", message: "The previz render failed: \(error)")
            }
        }
        let elapsed = ContinuousClock.now - render.started
        return .running(progress: min(95, Int(elapsed / render.expected * 100)))
    }

    public func download(taskID: String, to destination: URL) async throws {
        guard let render = renders.withLock({ $0.removeValue(forKey: taskID) }) else {
            throw VideoProviderError(code: "task_lost", message: "The previz render \(taskID) is not running in this process.")
        }
        try await render.task.value
        _ = try? FileManager.default.removeItem(at: destination)
        try FileManager.default.moveItem(at: render.output, to: destination)
    }

    public func cancel(taskID: String) async {
        guard let render = renders.withLock({ $0.removeValue(forKey: taskID) }) else { return }
        render.task.cancel()
        _ = await render.task.result
        try? FileManager.default.removeItem(at: render.output)
    }
}
