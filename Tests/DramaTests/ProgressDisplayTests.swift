import Synchronization
import Testing
@testable import Drama

/// The progress display: a bar on a terminal, plain lines elsewhere.
@Suite struct ProgressDisplayTests {
    final class Output: Sendable {
        let text = Mutex("")
        func append(_ more: String) { text.withLock { $0 += more } }
    }

    @Test("not on a terminal: one plain line per shot with the counts")
    func plainLines() {
        let output = Output()
        let display = ProgressDisplay(isTerminal: false, write: output.append)
        display.start(total: 3, alreadyDone: 1)
        display.finished("s01-02", ok: true, detail: "5 s clip in 1.0 s")
        display.finished("s01-03", ok: false, detail: "boom")
        display.finish()
        #expect(output.text.withLock { $0 } == """
            producing 2 of 3 shots (1 already done)
            done   s01-02: 5 s clip in 1.0 s [2/3 done, 0 failed]
            FAILED s01-03: boom [2/3 done, 1 failed]

            """)
    }

    @Test("on a terminal: a bar redrawn in place with done, failed and an ETA")
    func bar() {
        let output = Output()
        let display = ProgressDisplay(isTerminal: true, write: output.append)
        display.start(total: 4, alreadyDone: 0)
        display.finished("s01-01", ok: true, detail: "")
        let text = output.text.withLock { $0 }
        #expect(text.hasPrefix("\r[------------------------------] 0/4 done · 0 failed"))
        #expect(text.contains("\r[#######-----------------------] 1/4 done · 0 failed · ETA "))
        display.finish()
        #expect(output.text.withLock { $0 }.hasSuffix("\n"))
    }
}
