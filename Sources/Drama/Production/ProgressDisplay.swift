import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows the producer's progress: on a terminal, one bar redrawn in place (`[#####-----] 12/47 done · 1 failed ·
/// ETA 1m20s`); otherwise (a log, a pipe) one plain line per finished shot.
public final class ProgressDisplay: Sendable {
    private struct State {
        var total = 0
        var done = 0
        var failed = 0
        var doneThisRun = 0
        var started = ContinuousClock.now
    }

    public let isTerminal: Bool
    private let write: @Sendable (String) -> Void
    private let state = Mutex(State())

    /// - Parameters:
    ///   - isTerminal: draw a bar; default: whether standard output is a terminal.
    ///   - write: where text goes; default standard output, flushed.
    public init(isTerminal: Bool = isatty(STDOUT_FILENO) == 1, write: (@Sendable (String) -> Void)? = nil) {
        self.isTerminal = isTerminal
        self.write = write ?? { text in
            print(text, terminator: "")  // through stdio, so it stays in order with the command's print()
            fflush(nil)
        }
    }

    /// Starts counting: `total` shots, `alreadyDone` of them completed by an earlier run.
    public func start(total: Int, alreadyDone: Int) {
        let line = state.withLock { state -> String in
            state = State(total: total, done: alreadyDone, failed: 0, doneThisRun: 0, started: .now)
            return isTerminal ? bar(state) : "producing \(total - alreadyDone) of \(total) shots (\(alreadyDone) already done)\n"
        }
        write(line)
    }

    /// A shot finished: `ok` false when it failed for good; `detail` says how (`5 s clip in 3.1 s`).
    public func finished(_ shotID: String, ok: Bool, detail: String) {
        let line = state.withLock { state -> String in
            if ok {
                state.done += 1
                state.doneThisRun += 1
            } else {
                state.failed += 1
            }
            if isTerminal { return bar(state) }
            return "\(ok ? "done  " : "FAILED") \(shotID): \(detail) [\(state.done)/\(state.total) done, \(state.failed) failed]\n"
        }
        write(line)
    }

    /// Ends the bar's line on a terminal.
    public func finish() {
        if isTerminal { write("\n") }
    }

    private func bar(_ state: State) -> String {
        let width = 30
        let filled = state.total == 0 ? width : width * state.done / state.total
        var text = "\r[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
        text += "\(state.done)/\(state.total) done · \(state.failed) failed"
        let remaining = state.total - state.done - state.failed
        if state.doneThisRun > 0, remaining > 0 {
            let perShot = (ContinuousClock.now - state.started).asSeconds / Double(state.doneThisRun)
            let eta = Int((perShot * Double(remaining)).rounded())
            text += " · ETA " + (eta >= 60 ? "\(eta / 60)m\(eta % 60)s" : "\(eta)s")
        }
        return text + "   "
    }
}
