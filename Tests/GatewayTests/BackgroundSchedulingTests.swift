import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import Gateway

/// The bookkeeping threads' scheduling (``BookkeepingScheduling``): the background thread and SQLite's threads yield to
/// every other thread (SCHED_IDLE) while the host has room, take their fair share (SCHED_OTHER, the longest slice)
/// while it is busy, and pass neither on to threads they start.
@Suite struct BackgroundSchedulingTests {
    @Test(.enabled(if: BookkeepingScheduling.processCanYield, "needs a process that may leave SCHED_IDLE (root, CAP_SYS_NICE or RLIMIT_NICE)"))
    func starvedBookkeeping_takesItsFairShare_andYieldsAgainAfterTheFairPeriod() async throws {
        try await withLoops { loop, _ in try await starvedBookkeeping(loop) }
    }

    private func starvedBookkeeping(_ loop: any EventLoop) async throws {
        // The host's CPU time as the test says: ticks of idle and of total.
        let cpu = Mutex(HostCPU(idle: 0, total: 0))
        func advance(idle: UInt64, busy: UInt64) { cpu.withLock { $0.idle += idle; $0.total += idle + busy } }
        let scheduling = BookkeepingScheduling(
            loop: loop, fairNice: 0, canYield: true, fairPeriod: .seconds(2), idleToYield: 0.2, hostCPU: { cpu.withLock { $0 } })
        let thread = try await loop.submit { BookkeepingScheduling.currentThread }.get()
        scheduling.adopt([thread], owner: ObjectIdentifier(loop))
        #expect(scheduling.mode == .yielding)
        #expect(BookkeepingScheduling.isYielding(thread) == true)

        // The loop is held up: the heartbeat sent at one check is still waiting at the next.
        let release = DispatchSemaphore(value: 0)
        loop.execute { release.wait() }
        let start = NIODeadline.now()
        scheduling.check(now: start)
        scheduling.check(now: start + .milliseconds(200))
        #expect(scheduling.mode == .fair)
        #expect(BookkeepingScheduling.isYielding(thread) == false)
        release.signal()
        if ThreadSliceSupport.kernelTakesSlices {  // the fair share comes with the longest slice
            #expect(try await loop.submit { ThreadSlice.current }.get() == scheduling.slice)
        }

        // Running again, it stays fair for the period; then it yields only if the host had room during it.
        func check(after seconds: Double) async throws {
            try await loop.submit {}.get()  // the last heartbeat has run
            scheduling.check(now: start + .milliseconds(Int64(seconds * 1000)))
        }
        try await check(after: 1)
        #expect(scheduling.mode == .fair)
        // A host that stayed busy (5 % idle) keeps it fair for another period.
        advance(idle: 50, busy: 950)
        try await check(after: 2.3)
        #expect(scheduling.mode == .fair)
        try await check(after: 3)
        #expect(scheduling.mode == .fair)
        // One with room (50 % idle) lets it yield again.
        advance(idle: 500, busy: 500)
        try await check(after: 4.4)
        #expect(scheduling.mode == .yielding)
        #expect(BookkeepingScheduling.isYielding(thread) == true)

        // A call waiting for its lease waits on the bookkeeping: fair at once.
        scheduling.insist()
        #expect(scheduling.mode == .fair)
        #expect(BookkeepingScheduling.isYielding(thread) == false)
    }

    @Test func aThreadThatWaitedForACPUAQuarterOfTheInterval_countsAsStarved() async throws {
        try await withLoops { loop, _ in
            let waited = Mutex<UInt64>(0)  // nanoseconds the (one) thread has waited for a CPU
            let scheduling = BookkeepingScheduling(
                loop: loop, fairNice: 0, canYield: true, starvedShare: 0.25, hostCPU: { nil }, runQueueWait: { _ in waited.withLock { $0 } })
            let thread = try await loop.submit { BookkeepingScheduling.currentThread }.get()
            scheduling.adopt([thread], owner: ObjectIdentifier(loop))
            let start = NIODeadline.now()
            func check(after milliseconds: Int64, waited more: Duration) async throws {
                try await loop.submit {}.get()  // the heartbeat has run: only the waiting counts
                waited.withLock { $0 += UInt64(more.nanoseconds) }
                scheduling.check(now: start + .milliseconds(milliseconds))
            }
            try await check(after: 0, waited: .zero)
            // What a yielding storage thread waits at c=1 on the bench host (≈ 4 %): it keeps yielding.
            try await check(after: 200, waited: .milliseconds(8))
            try await check(after: 400, waited: .milliseconds(10))
            #expect(scheduling.mode == .yielding)
            // What it waits at c=64 (≈ 50 %): starved.
            try await check(after: 600, waited: .milliseconds(100))
            #expect(scheduling.mode == .fair)
            #expect(BookkeepingScheduling.isYielding(thread) == false)
        }
    }

    @Test func aThreadsRunQueueWaitIsReadFromSchedstat() throws {
        #if os(Linux)
        let thread = BookkeepingScheduling.currentThread
        #expect(BookkeepingScheduling.runQueueWait(thread) != nil)
        #endif
        #expect(BookkeepingScheduling.runQueueWait(-1) == nil)
    }

    @Test func theHostsIdleShareIsReadFromProcStat() throws {
        let earlier = try #require(HostCPU.parse("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n"))
        #expect(earlier == HostCPU(idle: 850, total: 1000))
        let later = HostCPU(idle: 1050, total: 2000)
        #expect(later.idleShare(since: earlier) == 0.2)
        #expect(earlier.idleShare(since: earlier) == 1)
        #expect(HostCPU.parse("intr 1 2 3") == nil)
        #if os(Linux)
        #expect(HostCPU.read() != nil)
        #endif
    }

    @Test(.enabled(if: BookkeepingScheduling.processCanYield, "needs a process that may leave SCHED_IDLE (root, CAP_SYS_NICE or RLIMIT_NICE)"))
    func aHostBusyWithOtherThreads_givesTheBookkeepingItsFairShareWithinAFewChecks() async throws {
        try await withLoops { loop, watch in try await busyHost(loop, watch: watch) }
    }

    private func busyHost(_ loop: any EventLoop, watch: any EventLoop) async throws {
        let scheduling = BookkeepingScheduling(loop: loop, fairNice: 0, canYield: true, checkInterval: .milliseconds(50), fairPeriod: .seconds(30))
        let thread = try await loop.submit { BookkeepingScheduling.currentThread }.get()
        scheduling.adopt([thread], owner: ObjectIdentifier(loop))
        scheduling.startWatchdog(on: watch)
        defer { scheduling.stopWatchdog() }

        // More spinning threads than CPUs, at the normal policy, for at most 3 s.
        let stop = Atomic<Bool>(false)
        let spinners = ProcessInfo.processInfo.activeProcessorCount + 1
        for _ in 0..<spinners {
            Thread {
                let until = ContinuousClock.now + .seconds(3)
                while !stop.load(ordering: .relaxed) && ContinuousClock.now < until {}
            }.start()
        }
        defer { stop.store(true, ordering: .relaxed) }
        let deadline = ContinuousClock.now + .seconds(3)
        while scheduling.mode == .yielding && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(scheduling.mode == .fair)
        #expect(BookkeepingScheduling.isYielding(thread) == false)
    }

    @Test func aProcessThatCouldNotLeaveSCHED_IDLE_keepsItsBookkeepingFair() async throws {
        try await withLoops { loop, _ in try await unprivileged(loop) }
    }

    private func unprivileged(_ loop: any EventLoop) async throws {
        let scheduling = BookkeepingScheduling(loop: loop, fairNice: 0, canYield: false)
        let thread = try await loop.submit { BookkeepingScheduling.currentThread }.get()
        scheduling.adopt([thread], owner: ObjectIdentifier(loop))
        #expect(scheduling.mode == .fair)
        scheduling.check(now: .now())
        try await loop.submit {}.get()
        scheduling.check(now: .now() + .seconds(60))
        #expect(scheduling.mode == .fair)
        #expect(BookkeepingScheduling.isYielding(thread) != true)
    }

    @Test func theStorageThreadIsScheduledAsBookkeeping_andDoesNotPassItOn() async throws {
        let scheduling = BackgroundExecutor.storage.scheduling
        let (own, started) = await BackgroundExecutor.storage.run {
            (BookkeepingScheduling.currentThread, ThreadSliceSupport.onNewThread { (BookkeepingScheduling.isYielding(BookkeepingScheduling.currentThread), ThreadSlice.current) })
        }
        #expect(scheduling.threads.contains(own))
        #expect(scheduling.canYield == BookkeepingScheduling.processCanYield)
        // As the mode says (unless the watchdog switched it in between).
        let (before, yielding, after) = (scheduling.mode, BookkeepingScheduling.isYielding(own), scheduling.mode)
        if before == after { #expect(yielding == (before == .yielding)) }
        // A thread that happens to be started from it starts with the default slice. (While the storage thread yields it
        // would inherit SCHED_IDLE, which SCHED_RESET_ON_FORK does not reset: nothing that runs there starts threads.)
        if ThreadSliceSupport.kernelTakesSlices {
            #expect(started.1 != nil && started.1 != BackgroundExecutor.slice)
        }
    }

    /// The thread that runs video workers (which start ffmpeg), webhooks and key refresh never yields: what it starts
    /// would inherit SCHED_IDLE for good.
    @Test func theSharedBackgroundThreadAlwaysTakesItsFairShare() async throws {
        let scheduling = BackgroundExecutor.shared.scheduling
        #expect(!scheduling.canYield)
        #expect(scheduling.mode == .fair)
        let (own, startedYielding) = await BackgroundExecutor.shared.run {
            (BookkeepingScheduling.currentThread, ThreadSliceSupport.onNewThread { BookkeepingScheduling.isYielding(BookkeepingScheduling.currentThread) })
        }
        #expect(scheduling.threads.contains(own))
        #expect(BookkeepingScheduling.isYielding(own) == false)
        #expect(startedYielding == false)
        if ThreadSliceSupport.kernelTakesSlices {
            #expect(try await BackgroundExecutor.shared.loop.submit { ThreadSlice.current }.get() == BackgroundExecutor.slice)
        }
    }

    @Test func sqliteThreadsAreScheduledAsBookkeepingWhileTheGatewaysStoreIsOpen() async throws {
        let scheduling = BackgroundExecutor.storage.scheduling
        let url = try await TestStorage.freshURL(.sqlite)
        let gateway = try await SQLStore.open(
            url, logger: TestStorage.logger, eventLoopGroup: BackgroundExecutor.storage.loop, threads: BackgroundExecutor.sqliteThreads)
        let pool = try #require(gateway.threadPool)
        var seen = Set<Int32>()
        for _ in 0..<8 {  // the pool has two threads; either may answer
            seen.insert(try await pool.runIfActive { BookkeepingScheduling.currentThread })
        }
        #expect(seen.isSubset(of: Set(scheduling.threads)))
        await gateway.close()
        // Forgotten before their pool stops: a thread id can be reused.
        #expect(seen.isDisjoint(with: Set(scheduling.threads)))

        // Without the setup (the CLI's case), SQLite's threads are plain threads.
        let plain = try await SQLStore.open(url, logger: TestStorage.logger)
        let thread = try await #require(plain.threadPool).runIfActive { BookkeepingScheduling.currentThread }
        #expect(!scheduling.threads.contains(thread))
        #expect(BookkeepingScheduling.isYielding(thread) != true)
        await plain.close()
    }
}

/// Runs `body` with a bookkeeping loop and a watch loop of their own (each one thread), shut down afterwards.
private func withLoops(_ body: (_ bookkeeping: any EventLoop, _ watch: any EventLoop) async throws -> Void) async throws {
    let groups = (MultiThreadedEventLoopGroup(numberOfThreads: 1), MultiThreadedEventLoopGroup(numberOfThreads: 1))
    do {
        try await body(groups.0.next(), groups.1.next())
    } catch {
        try? await groups.0.shutdownGracefully()
        try? await groups.1.shutdownGracefully()
        throw error
    }
    try await groups.0.shutdownGracefully()
    try await groups.1.shutdownGracefully()
}

enum ThreadSliceSupport {
    /// Whether this kernel takes custom slices, asked on a throwaway thread.
    static let kernelTakesSlices = onNewThread {
        // The thread's fair policy at its own nice value, with a 5-ms slice; a kernel that takes slices reports it.
        let probe = BookkeepingScheduling(loop: BackgroundExecutor.shared.loop, fairNice: BackgroundExecutor.processNice, slice: .milliseconds(5), canYield: false)
        probe.adopt([BookkeepingScheduling.currentThread], owner: ObjectIdentifier(probe))
        return ThreadSlice.current == .milliseconds(5)
    }

    /// `body`'s result on a new thread started from the calling thread (which waits for it).
    static func onNewThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            result.withLock { $0 = body() }
            done.signal()
        }.start()
        done.wait()
        return result.withLock { $0! }
    }
}
