import Foundation
import Synchronization

/// Runs a program to completion without blocking a thread: the exit arrives through `terminationHandler` and the
/// output through blocking reads of the pipes on threads of their own, all bridged to one continuation.
/// (`FileHandle.readabilityHandler` and `DispatchIO` are not used: on Linux, tearing down libdispatch's read source
/// races the descriptor's close and crashes in `_dispatch_event_loop_drain` under load, as our stress test showed;
/// see swiftlang/swift-tools-protocols#73, which reads subprocess pipes the same way for the same reason.)
///
/// Cancelling the calling task sends `SIGTERM`, then `SIGKILL` if the program is still alive after `killGrace`,
/// and the call throws `CancellationError` once the program has exited.
struct ChildProcess: Sendable {
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        /// The last `stderrLimit` bytes written to standard error.
        var stderrTail: String
    }

    var executable: URL
    var arguments: [String]
    var stderrLimit = 4096
    var killGrace: Duration = .seconds(1)

    func run() async throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr

        let run = Run(stderrLimit: stderrLimit)
        process.terminationHandler = { run.exited(status: $0.terminationStatus) }

        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                run.launch(continuation) {
                    try process.run()
                    run.read(stdout, into: .stdout)
                    run.read(stderr, into: .stderr)
                }
            }
        } onCancel: {
            guard run.cancel() else { return }
            process.terminate()
            DispatchQueue.global().asyncAfter(deadline: .now() + killGrace.timeInterval) {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
        }
    }
}

/// The shared state of one run: output collected so far, open streams, exit status and the waiting continuation.
private final class Run: Sendable {
    struct State {
        var stdout = Data()
        var stderr = Data()
        var openStreams = 2
        var status: Int32?
        var launched = false
        var cancelled = false
        var continuation: CheckedContinuation<ChildProcess.Output, any Error>?
    }

    private let state = Mutex(State())
    private let stderrLimit: Int

    init(stderrLimit: Int) { self.stderrLimit = stderrLimit }

    /// Starts the program unless the task was cancelled first; the continuation resumes when it has exited and
    /// both pipes have reached end of file.
    func launch(_ continuation: CheckedContinuation<ChildProcess.Output, any Error>, start: () throws -> Void) {
        state.withLock { state in
            guard !state.cancelled else { return continuation.resume(throwing: CancellationError()) }
            do {
                try start()
                state.launched = true
                state.continuation = continuation
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Marks the run cancelled; answers whether a launched program must now be terminated.
    func cancel() -> Bool {
        state.withLock { state in
            state.cancelled = true
            return state.launched && state.status == nil
        }
    }

    enum Stream { case stdout, stderr }

    /// Reads a pipe to its end with blocking reads on a queue of its own (an overcommitting serial queue, so a
    /// thread outside the cooperative pool), appending what arrives.
    func read(_ pipe: Pipe, into stream: Stream) {
        DispatchQueue(label: "holysheep.media.pipe").async {
            let handle = pipe.fileHandleForReading
            while true {
                let data = (try? handle.read(upToCount: 1 << 16)) ?? Data()  // empty at end of file or on error
                self.state.withLock { state in
                    switch stream {
                    case .stdout: state.stdout.append(data)
                    case .stderr:
                        state.stderr.append(data)
                        if state.stderr.count > 2 * self.stderrLimit {
                            state.stderr = state.stderr.suffix(self.stderrLimit)
                        }
                    }
                    if data.isEmpty {
                        state.openStreams -= 1
                        self.finishIfDone(&state)
                    }
                }
                if data.isEmpty { return }
            }
        }
    }

    func exited(status: Int32) {
        state.withLock { state in
            state.status = status
            finishIfDone(&state)
        }
    }

    private func finishIfDone(_ state: inout State) {
        guard state.openStreams == 0, let status = state.status, let continuation = state.continuation else { return }
        state.continuation = nil
        if state.cancelled { return continuation.resume(throwing: CancellationError()) }
        continuation.resume(returning: .init(
            status: status, stdout: state.stdout,
            stderrTail: String(decoding: state.stderr.suffix(stderrLimit), as: UTF8.self)))
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
