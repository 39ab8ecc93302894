import Foundation
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The thread the gateway's bookkeeping runs on: usage flushes and credit sync, key refresh, video job workers and
/// the webhook sender.
///
/// With the event loops serving as Swift's global executor (``EventLoopExecutor``), a background loop's work would
/// otherwise run on whichever event loop resumed it, and a usage flush of a few thousand rows would hold up every
/// request on that loop for its duration (the p99 of a c=1 run). Here it runs on a thread of its own, scheduled so
/// that it gives way to the request loops without being starved by them:
/// - The process's own nice value (`HOLYSHEEP_BACKGROUND_NICE` adds to it): an equal share of the CPU. At nice 5 the
///   usage writer fell behind a saturated host and its buffer grew; at nice 19 it wrote a third of a c=64 run's calls.
///   (It used to be set to 0 outright, which for a gateway started at nice -10, as the benchmark does, was +10.)
/// - The longest time slice the kernel grants (``slice``, Linux 6.12+): the same share of the CPU, but a later
///   virtual deadline, so a request loop (or the client or upstream it talks to) that wakes up while a flush runs
///   preempts the flush at once instead of waiting out its slice. That cut the c=1 p99 by a third on the 2-vCPU
///   bench host (1.47 → 0.99 ms, docs/PERFORMANCE.md); older kernels ignore the request.
///
/// SQLite's threads run the same way (``startThreads(_:)``). The gateway's services run here through
/// ``BackgroundService``.
public final class BackgroundExecutor: TaskExecutor {
    public static let shared = BackgroundExecutor()
    /// How much nicer than the rest of the process the thread runs (HOLYSHEEP_BACKGROUND_NICE, default 0: an equal
    /// share).
    static let extraNiceness = Int32(ProcessInfo.processInfo.environment["HOLYSHEEP_BACKGROUND_NICE"] ?? "") ?? 0
    /// The time slice the thread asks for: the longest the kernel grants.
    static let slice = Duration.milliseconds(100)

    /// The background thread's event loop: storage connections live here, so their I/O and completions never run on
    /// the event loops that serve requests.
    public let loop: any EventLoop

    private init() {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        loop.execute {
            #if os(Linux)
            if BackgroundExecutor.extraNiceness != 0 {
                // On Linux the nice value is per thread, and 0 means the calling thread (which has the process's value:
                // a new thread takes its starter's). getpriority may return -1 as a value: errno tells.
                errno = 0
                let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
                if errno == 0 {
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(19, nice + BackgroundExecutor.extraNiceness))
                }
            }
            #endif
            // A kernel that refuses (or ignores) it leaves the default slice: nothing else changes. Threads that merely
            // happen to be started from this thread (a Dispatch worker, an event loop group created lazily) start with
            // the default slice.
            ThreadSlice.request(BackgroundExecutor.slice, inherited: false)
        }
    }

    /// Runs `start` on the background thread, with its slice (and nice value) passed on to the threads `start`
    /// starts: SQLite's (``SQLStore/open(_:logger:eventLoopGroup:startThreads:)``).
    static func startThreads(_ start: @escaping @Sendable () -> Void) async {
        do {
            try await shared.loop.submit {
                ThreadSlice.request(slice, inherited: true)
                defer { ThreadSlice.request(slice, inherited: false) }
                start()
            }.get()
        } catch {
            start()  // the loop refused the work (it lives as long as the process, so never): the threads must start
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Runs `body` (and the tasks it starts) on the background thread.
    public static func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await withTaskExecutorPreference(shared, operation: body)
    }
}

/// Runs a service on the background thread: the gateway's bookkeeping services are wrapped in it where the server
/// starts them, so each service's own code does not need to know where it runs.
struct BackgroundService: Service, CustomStringConvertible {
    let service: any Service

    /// The wrapped service's name, for ServiceLifecycle's logs.
    var description: String { String(describing: service) }

    func run() async throws {
        try await BackgroundExecutor.run { try await service.run() }
    }
}
