import Foundation
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The thread the gateway's bookkeeping runs on: usage flushes and credit sync, key refresh, video job workers and
/// the webhook sender.
///
/// With the event loops serving as Swift's global executor (``EventLoopExecutor``), a background loop's work would
/// otherwise run on whichever event loop resumed it, and a usage flush of a few thousand rows would hold up every
/// request on that loop for its duration (the p99 of a c=1 run). Here it runs on a thread of its own. Its nice value
/// is 0 unless `HOLYSHEEP_BACKGROUND_NICE` says otherwise: at nice 5 the usage writer fell behind a saturated host
/// and its buffer grew. The gateway's services run here through ``BackgroundService``.
public final class BackgroundExecutor: TaskExecutor {
    public static let shared = BackgroundExecutor()
    /// The thread's nice value (HOLYSHEEP_BACKGROUND_NICE, default 0: an equal share).
    static let niceness = Int32(ProcessInfo.processInfo.environment["HOLYSHEEP_BACKGROUND_NICE"] ?? "") ?? 0

    /// The background thread's event loop: storage connections live here, so their I/O and completions never run on
    /// the event loops that serve requests.
    public let loop: any EventLoop

    private init() {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        loop.execute {
            #if os(Linux)
            // On Linux the nice value is per thread, and 0 means the calling thread.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, BackgroundExecutor.niceness)
            #endif
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
