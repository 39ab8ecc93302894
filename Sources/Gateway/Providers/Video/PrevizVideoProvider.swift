import Foundation
import Media
import Synchronization

/// The local previz renderer as a ``VideoProvider``: `submit` queues an ffmpeg render, `poll` reports its progress
/// (estimated from elapsed time) until it is done, `download` moves the clip out, and `cancel` stops ffmpeg.
///
/// Renders run as child tasks of ``run()``, which the ``JobWorkers`` run inside their own task tree: cancelling a
/// render cancels its task, which stops the ffmpeg process and removes the partial file; stopping the workers
/// stops every render. Renders live in this process: after a restart a reclaimed job is simply rendered again.
public final class PrevizVideoProvider: VideoProvider {
    private let renderer: PrevizRenderer
    private let scratch: URL
    private let renders = Mutex<[String: Render]>([:])
    private let queue: AsyncStream<Order>
    private let orders: AsyncStream<Order>.Continuation

    /// A render waiting for or running in ``run()``.
    private struct Order: Sendable {
        let taskID: String
        let shot: PrevizShot
        let output: URL
        let stop: Doorbell
    }

    private struct Render {
        let output: URL
        let started: ContinuousClock.Instant
        let expected: Duration
        let stop: Doorbell
        /// Nil while running; then success or the error.
        var result: Result<Void, any Error>?
    }

    /// - Parameters:
    ///   - scratch: where clips are rendered before `download` moves them (created if missing).
    public init(renderer: PrevizRenderer, scratch: URL) {
        self.renderer = renderer
        self.scratch = scratch
        (queue, orders) = AsyncStream.makeStream(of: Order.self)
    }

    /// Runs queued renders concurrently until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await order in queue {
                group.addTask { await self.execute(order) }
            }
        }
    }

    /// Renders one order, or stops it when its bell rings (cancel).
    private func execute(_ order: Order) async {
        let renderer = self.renderer
        let result: Result<Void, any Error> = await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    try await renderer.render(order.shot, to: order.output)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                await order.stop.wait(upTo: .seconds(86_400))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(CancellationError())
        }
        renders.withLock { $0[order.taskID]?.result = result }
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
        // Roughly: encoding cost grows with pixels × frames (a 5 s 1080×1920 clip takes about a second on two cores).
        let pixels = Double(format.width * format.height) / Double(1080 * 1920)
        let expected = Duration.milliseconds(Int(max(300, 250 * Double(spec.duration) * pixels)))
        let stop = Doorbell()
        renders.withLock { $0[taskID] = Render(output: output, started: .now, expected: expected, stop: stop) }
        orders.yield(Order(taskID: taskID, shot: shot, output: output, stop: stop))
        return taskID
    }

    public func poll(taskID: String) async throws -> VideoTaskState {
        guard let render = renders.withLock({ $0[taskID] }) else {
            return .failed(code: "task_lost", message: "The previz render \(taskID) is not running in this process (it restarted).")
        }
        switch render.result {
        case .success: return .succeeded
        case .failure(let error): return .failed(code: "render_failed", message: "The previz render failed: \(error)")
        case nil:
            let elapsed = ContinuousClock.now - render.started
            return .running(progress: min(95, Int(elapsed / render.expected * 100)))
        }
    }

    public func download(taskID: String, to destination: URL) async throws {
        guard let render = renders.withLock({ $0.removeValue(forKey: taskID) }), case .success = render.result else {
            throw VideoProviderError(code: "task_lost", message: "The previz render \(taskID) has not completed in this process.")
        }
        _ = try? FileManager.default.removeItem(at: destination)
        try FileManager.default.moveItem(at: render.output, to: destination)
    }

    public func cancel(taskID: String) async {
        guard let render = renders.withLock({ $0.removeValue(forKey: taskID) }) else { return }
        render.stop.ring()
        try? FileManager.default.removeItem(at: render.output)
    }
}
