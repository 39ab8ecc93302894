import CThreadScheduling
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// How the bookkeeping threads (the background thread, SQLite's threads) are scheduled: out of the way of the
/// requests while the host has a CPU to spare, with their fair share when it has not.
///
/// - **Yielding** (`SCHED_IDLE`): a thread runs only on a CPU nothing else wants, and a request thread (or the client
///   or upstream it waits for) that wakes up preempts it at once and is placed on its CPU as if that CPU were idle. A
///   c=1 run's usage flushes then stop making its tail: p99 ≈ 0.4 ms instead of ≈ 0.85 ms on the 2-vCPU bench host,
///   which is what the same run gives with no flush at all (bench/PERFORMANCE-notes.md, session 13).
/// - **Fair** (`SCHED_OTHER` at the process's nice value plus `HOLYSHEEP_BACKGROUND_NICE`, with the longest time
///   slice): an equal share of a saturated host, so the usage writer keeps up (a yielding writer wrote a quarter of a
///   c=64 run's calls) and video jobs, webhooks and credit leases keep moving whatever else runs on the host.
///
/// A watchdog on a thread that never yields checks every ``checkInterval`` how long each bookkeeping thread waited for
/// a CPU since the last check (`schedstat`). A yielding thread still runs now and then on a busy host, so a small job
/// (a heartbeat) gets through while a flush crawls: on the 2-vCPU bench host a storage thread waited ≈ 4 % of the time
/// at c=1 and ≈ 50 % at c=64. A thread that waited ``starvedShare`` of the interval (or a heartbeat sent to the
/// bookkeeping loop that has not run by the next check) means they are starved, and they take their fair share for at
/// least ``fairPeriod``. They yield again only once the host's CPUs were idle for at least ``idleToYield`` of
/// the last period (`/proc/stat`), so a saturated host does not starve them again and again; where the host's CPU
/// time cannot be read, they simply try after each period. A call that waits for its key's credit lease (which the
/// bookkeeping renews) makes them fair at once (``insist()``).
///
/// Leaving `SCHED_IDLE` needs `CAP_SYS_NICE` or an `RLIMIT_NICE` that allows the process's nice value (systemd
/// `LimitNICE=`, `docker run --ulimit nice=…`); the process tries it on a throwaway thread first, and where it is
/// refused the threads stay fair, as they were before yielding existed. `HOLYSHEEP_BACKGROUND_YIELD=0` keeps them fair.
final class BookkeepingScheduling: Sendable {
    enum Mode: Sendable, Equatable {
        case yielding, fair
    }

    /// Whether the threads may yield (the process can take them out of `SCHED_IDLE` again, and it is not turned off).
    let canYield: Bool
    /// The nice value of the fair mode.
    let fairNice: Int32
    /// The time slice the threads ask for: the longest the kernel grants (Linux 6.12+; older kernels ignore it).
    let slice: Duration
    let checkInterval: Duration
    let fairPeriod: Duration
    /// The share of the host's CPU time that must have been idle over a fair period to yield again.
    let idleToYield: Double
    /// The share of a check interval one thread must have waited for a CPU to count as starved.
    let starvedShare: Double
    /// The host's CPU time so far (``HostCPU/read()``; injected by tests).
    private let hostCPU: @Sendable () -> HostCPU?
    /// A thread's run-queue wait so far (``runQueueWait(_:)``; injected by tests).
    private let runQueueWait: @Sendable (Int32) -> UInt64?
    /// The bookkeeping loop, whose promptness the watchdog checks.
    private let loop: any EventLoop
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var threads: [ObjectIdentifier: [Int32]] = [:]
        var mode: Mode
        var fairUntil = NIODeadline.distantPast
        /// The host's CPU time when the current fair period began.
        var fairSince: HostCPU?
        var heartbeatPending = false
        var lastCheck: NIODeadline?
        /// Each thread's run-queue wait at the last check.
        var lastWaits: [Int32: UInt64] = [:]
        var watchdog: RepeatedTask?
    }

    /// - Parameters:
    ///   - loop: the bookkeeping loop the watchdog's heartbeats go to.
    ///   - fairNice: the fair mode's nice value.
    ///   - canYield: nil asks the kernel (``processCanYield``).
    init(
        loop: any EventLoop, fairNice: Int32, slice: Duration = .milliseconds(100), canYield: Bool? = nil,
        checkInterval: Duration = .milliseconds(200), fairPeriod: Duration = .seconds(2), idleToYield: Double = 0.2,
        starvedShare: Double = 0.25, hostCPU: @escaping @Sendable () -> HostCPU? = HostCPU.read,
        runQueueWait: @escaping @Sendable (Int32) -> UInt64? = BookkeepingScheduling.runQueueWait,
        logger: Logger = Logger(label: "holysheep.scheduling")
    ) {
        self.idleToYield = idleToYield
        self.starvedShare = starvedShare
        self.hostCPU = hostCPU
        self.runQueueWait = runQueueWait
        self.loop = loop
        self.fairNice = fairNice
        self.slice = slice
        self.checkInterval = checkInterval
        self.fairPeriod = fairPeriod
        self.logger = logger
        let canYield = canYield ?? Self.processCanYield
        self.canYield = canYield
        state = Mutex(State(mode: canYield ? .yielding : .fair))
    }

    /// Whether this process may yield its bookkeeping threads: it can leave `SCHED_IDLE` again (tried on a throwaway
    /// thread) and `HOLYSHEEP_BACKGROUND_YIELD` is not `0`.
    static let processCanYield: Bool = {
        guard ProcessInfo.processInfo.environment["HOLYSHEEP_BACKGROUND_YIELD"] != "0" else { return false }
        return holysheep_can_leave_idle_policy() == 0
    }()

    var mode: Mode { state.withLock { $0.mode } }

    /// The calling thread's kernel thread id.
    static var currentThread: Int32 { holysheep_thread_id() }

    /// Whether thread `id` runs yielding (`SCHED_IDLE`) now; nil where the kernel does not say.
    static func isYielding(_ id: Int32) -> Bool? {
        let policy = holysheep_thread_policy(id)
        return policy < 0 ? nil : policy == 5  // SCHED_IDLE
    }

    /// The kernel thread ids adopted, by owner.
    var threads: [Int32] { state.withLock { $0.threads.values.flatMap { $0 } } }

    /// Schedules thread `id` with the others from now on (the current mode at once); `owner` releases it.
    func adopt(_ ids: [Int32], owner: ObjectIdentifier) {
        state.withLock { state in
            state.threads[owner, default: []].append(contentsOf: ids)
            for id in ids { apply(state.mode, to: id) }
        }
    }

    /// Adopts the `count` threads of a started thread pool: each runs one registering item, and each item waits (up to
    /// a second) until all have arrived, so no thread takes two.
    func adopt(_ pool: NIOThreadPool, threads count: Int) async {
        let arrived = DispatchGroup()
        for _ in 0..<count { arrived.enter() }
        let ids = await withTaskGroup(of: Int32?.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try? await pool.runIfActive {
                        arrived.leave()
                        _ = arrived.wait(timeout: .now() + 1)
                        return holysheep_thread_id()
                    }
                }
            }
            var ids = Set<Int32>()
            for await id in group {
                if let id { ids.insert(id) }
            }
            return ids
        }
        adopt(Array(ids), owner: ObjectIdentifier(pool))
    }

    /// Forgets `pool`'s threads. Call it before the pool stops: a thread id can be reused by a later thread.
    func release(_ pool: NIOThreadPool) {
        _ = state.withLock { $0.threads.removeValue(forKey: ObjectIdentifier(pool)) }
    }

    /// Starts the watchdog on `watchLoop` (a thread that never yields), if the threads may yield at all.
    func startWatchdog(on watchLoop: any EventLoop) {
        guard canYield else { return }
        let interval = TimeAmount.nanoseconds(checkInterval.nanoseconds)
        let task = watchLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in self?.check(now: .now()) }
        state.withLock { $0.watchdog = task }
    }

    /// Stops the watchdog (tests; the shared one lives as long as the process).
    func stopWatchdog() {
        state.withLock { $0.watchdog }?.cancel()
    }

    /// One watchdog round. The threads are starved when one of them spent at least ``starvedShare`` of the time since
    /// the last round waiting for a CPU (`/proc/self/task/ID/schedstat`), or when the heartbeat sent last round has
    /// not run yet.
    func check(now: NIODeadline) {
        guard canYield else { return }
        let threads = self.threads
        let waits = threads.compactMap { id in runQueueWait(id).map { (id, $0) } }  // read outside the lock: /proc
        let (starved, turning) = state.withLock { state -> (Bool, Bool) in
            let elapsed = state.lastCheck.map { now - $0 } ?? .zero
            var longestWait = Int64(0)
            for (id, wait) in waits {
                if let before = state.lastWaits[id], wait > before { longestWait = max(longestWait, Int64(wait - before)) }
            }
            state.lastWaits = Dictionary(waits, uniquingKeysWith: max)
            state.lastCheck = now
            let starved = state.heartbeatPending || (elapsed > .zero && Double(longestWait) >= starvedShare * Double(elapsed.nanoseconds))
            return (starved, starved ? state.mode == .yielding : state.mode == .fair && now >= state.fairUntil)
        }
        // The host's CPU time is read (outside the lock) only when a fair period begins or ends.
        let cpu = turning ? hostCPU() : nil
        let send = state.withLock { state -> Bool in
            if starved {
                beFair(since: now, cpu: cpu, &state)
            } else if state.mode == .fair, now >= state.fairUntil {
                if let cpu, state.fairSince.map({ cpu.idleShare(since: $0) < idleToYield }) ?? true {
                    // Busy (or not yet measured): another period, measured from here.
                    state.fairUntil = now + .nanoseconds(fairPeriod.nanoseconds)
                    state.fairSince = cpu
                } else {
                    switchTo(.yielding, &state)  // the host had room (or its CPU time cannot be read)
                }
            }
            defer { state.heartbeatPending = true }
            return !state.heartbeatPending
        }
        if send {
            loop.execute { self.state.withLock { $0.heartbeatPending = false } }
        }
    }

    /// Nanoseconds thread `id` has spent runnable but waiting for a CPU (the second field of its `schedstat`); nil
    /// where the kernel does not say.
    @Sendable static func runQueueWait(_ id: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/self/task/\(id)/schedstat", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        return fields.count >= 2 ? UInt64(fields[1]) : nil
    }

    /// A call waits on the bookkeeping (its key's credit lease): fair at once, for at least a period.
    func insist() {
        guard canYield else { return }
        let cpu = state.withLock { $0.mode == .yielding } ? hostCPU() : nil
        state.withLock { beFair(since: .now(), cpu: cpu, &$0) }
    }

    /// Fair until a period from `now`; `cpu` is the host's CPU time now, which the period's end compares with.
    private func beFair(since now: NIODeadline, cpu: HostCPU?, _ state: inout State) {
        state.fairUntil = now + .nanoseconds(fairPeriod.nanoseconds)
        guard state.mode == .yielding else { return }
        switchTo(.fair, &state)
        state.fairSince = cpu
        logger.debug("bookkeeping threads take their fair share of the CPU")
    }

    private func switchTo(_ mode: Mode, _ state: inout State) {
        state.mode = mode
        for id in state.threads.values.joined() { apply(mode, to: id) }
    }

    private func apply(_ mode: Mode, to id: Int32) {
        let failed = holysheep_set_thread_policy(id, mode == .yielding ? 1 : 0, fairNice, UInt64(slice.nanoseconds))
        if failed != 0, failed != ENOSYS {
            logger.warning("could not set a bookkeeping thread's scheduling", metadata: ["thread": "\(id)", "mode": "\(mode)", "errno": "\(failed)"])
        }
    }
}

/// The host's CPU time since boot, from the first line of `/proc/stat` (clock ticks).
struct HostCPU: Sendable, Equatable {
    var idle: UInt64
    var total: UInt64

    /// The share of the host's CPU time that was idle between `earlier` and this reading (1 if no time passed).
    func idleShare(since earlier: HostCPU) -> Double {
        guard total > earlier.total, idle >= earlier.idle else { return 1 }
        return Double(idle - earlier.idle) / Double(total - earlier.total)
    }

    /// Reads `/proc/stat`; nil where there is none.
    @Sendable static func read() -> HostCPU? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        return parse(text)
    }

    /// `cpu  user nice system idle iowait irq softirq steal …`: idle is idle + iowait.
    static func parse(_ text: String) -> HostCPU? {
        guard let line = text.split(separator: "\n", maxSplits: 1).first, line.hasPrefix("cpu ") else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard fields.count >= 5 else { return nil }
        return HostCPU(idle: fields[3] + fields[4], total: fields.reduce(0, +))
    }
}
