import CThreadScheduling
import Foundation
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A thread for the gateway's bookkeeping, off the event loops that serve requests.
///
/// With the event loops serving as Swift's global executor (``EventLoopExecutor``), a background loop's work would
/// otherwise run on whichever event loop resumed it, and a usage flush of a few thousand rows would hold up every
/// request on that loop for its duration (the p99 of a c=1 run). There are two, each one thread with its own
/// ``BookkeepingScheduling``:
/// - ``storage``: storage connections (their I/O and completions) and the usage recorder's flushes and credit sync.
///   With SQLite's threads (``sqliteThreads``) it **yields** to every other thread while the host has a CPU to spare,
///   and takes its fair share when it has not.
/// - ``shared``: key refresh, video job workers and the webhook sender: always its **fair** share. A thread or process
///   started from a yielding thread would inherit its policy for good (`SCHED_RESET_ON_FORK` does not reset
///   `SCHED_IDLE`); the video workers start ffmpeg, so they never run on ``storage``. Nothing that runs there may start
///   a thread or a process.
///
/// The gateway's services run on them through ``BackgroundService``.
public final class BackgroundExecutor: TaskExecutor {
    /// Key refresh, video workers, webhooks: fair.
    public static let shared = BackgroundExecutor(yields: false)
    /// Storage connections and the usage recorder: yielding while the host has room.
    public static let storage = BackgroundExecutor(yields: true)
    /// How much nicer than the rest of the process the threads run when they take their fair share
    /// (HOLYSHEEP_BACKGROUND_NICE, default 0: an equal share). At nice 5 the usage writer fell behind a saturated host
    /// and its buffer grew; at nice 19 it wrote a third of a c=64 run's calls.
    static let extraNiceness = Int32(ProcessInfo.processInfo.environment["HOLYSHEEP_BACKGROUND_NICE"] ?? "") ?? 0
    /// The time slice the threads ask for in their fair share: the longest the kernel grants (Linux 6.12+), so that a
    /// request loop that wakes up while a flush runs preempts it (c=1 p99 1.47 → 0.99 ms, session 9).
    static let slice = Duration.milliseconds(100)

    /// The thread's event loop.
    public let loop: any EventLoop
    /// How the thread (and for ``storage`` SQLite's threads) is scheduled now.
    let scheduling: BookkeepingScheduling

    /// Made on the thread that starts the event loops (``EventLoopExecutor/startLoops()``, the main thread): its nice
    /// value is the process's, the fair mode's base.
    private init(yields: Bool) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        let scheduling = BookkeepingScheduling(
            loop: loop, fairNice: min(19, Self.processNice + Self.extraNiceness), slice: Self.slice, canYield: yields ? nil : false)
        self.scheduling = scheduling
        let owner = ObjectIdentifier(loop)
        loop.execute { scheduling.adopt([holysheep_thread_id()], owner: owner) }
        if yields { scheduling.startWatchdog(on: BackgroundExecutor.shared.loop) }  // a fair thread, never a request loop
    }

    /// The calling thread's nice value (on Linux it is per thread; a new thread takes its starter's).
    static var processNice: Int32 {
        #if os(Linux)
        errno = 0
        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)  // -1 may be a value: errno tells
        return errno == 0 ? nice : 0
        #else
        return 0
        #endif
    }

    /// SQLite's threads scheduled with the ``storage`` thread (``SQLStore/open(_:logger:eventLoopGroup:threads:)``).
    static let sqliteThreads = SQLStore.Threads(
        start: { pool, count in
            pool.start()
            await storage.scheduling.adopt(pool, threads: count)
        },
        stop: { pool in storage.scheduling.release(pool) })

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Runs `body` (and the tasks it starts) on this thread.
    public func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await withTaskExecutorPreference(self, operation: body)
    }
}

/// Runs a service on a background thread: the gateway's bookkeeping services are wrapped in it where the server
/// starts them, so each service's own code does not need to know where it runs.
struct BackgroundService: Service, CustomStringConvertible {
    let service: any Service
    var executor = BackgroundExecutor.shared

    /// The wrapped service's name, for ServiceLifecycle's logs.
    var description: String { String(describing: service) }

    func run() async throws {
        try await executor.run { try await service.run() }
    }
}
