import CExecutorHook
import Dispatch
import NIOCore
import NIOPosix

/// Where Swift concurrency runs the gateway's tasks.
///
/// By default every request hops threads four times: the socket's event loop reads the request, a thread of Swift's
/// cooperative pool runs the handler, the upstream client's event loop talks to the provider, and the pool gets the
/// answer back before the event loop writes it. Each hop is a futex wake-up and a context switch (about a third of
/// the gateway's CPU in the profile in docs/PERFORMANCE.md). Making NIO's event loops Swift's global executor
/// removes them: a task resumed by an event loop continues on that same loop (`EventLoopGroup.any()` is sticky),
/// so a request is read, handled, relayed and answered on one thread.
///
/// The price: a task that blocks its thread blocks an event loop. Nothing in the gateway blocks (SQLite runs on
/// NIO's thread pool, ffmpeg's pipes are read on threads of their own), and the same rule holds on the cooperative
/// pool anyway.
public enum EventLoopExecutor {
    /// Installs `MultiThreadedEventLoopGroup.singleton` (the group the server and the upstream client share) as
    /// Swift concurrency's global executor. Call it once, first thing, before starting the server or any task.
    ///
    /// Why not NIO's `unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`: it runs each job
    /// with the event loop as the job's *serial* executor. A `nonisolated` async function asks for the generic
    /// executor on entry, sees a different one, and so re-enqueues itself: one more trip through the loop's task
    /// queue (a lock, a queue slot, a later tick) for every async call the request makes. The chat path made 59 of
    /// them per call (uprobes on `swift_task_switch` and `swift_task_enqueue`, docs/PERFORMANCE.md). Here the hook
    /// runs each job on the generic executor, as Swift's own global executor does, only on the loop's thread: such
    /// calls continue in place.
    /// - Returns: whether it was installed (false on a runtime without the hook, or with one installed already; the
    ///   gateway then runs on Swift's cooperative pool).
    @discardableResult
    public static func install() -> Bool {
        guard MemoryLayout<UnownedSerialExecutor>.size == MemoryLayout<GenericExecutorBits>.size else { return false }
        let enqueue: EnqueueGlobalHook = { job, _ in
            // `any()` is the calling loop when called on one: a task stays on its connection's loop.
            MultiThreadedEventLoopGroup.singleton.any().execute {
                swiftJobRun(job, unsafeBitCast(GenericExecutorBits(), to: UnownedSerialExecutor.self))
            }
        }
        return withUnsafeTemporaryAllocation(of: EnqueueGlobalHook.self, capacity: 1) { storage in
            storage.baseAddress!.initialize(to: enqueue)
            // A thin function is one pointer: the runtime calls it through the hook variable.
            return storage.baseAddress!.withMemoryRebound(to: UnsafeMutableRawPointer.self, capacity: 1) {
                holysheep_install_enqueue_global_hook($0.pointee)
            }
        }
    }

    /// Starts the shared event loops' threads (the gateway serves requests on them) and the background thread
    /// (``BackgroundExecutor``) now, from the calling thread. Call it on the main thread, first thing: a new thread
    /// takes its scheduling from the thread that starts it, and only the main thread is sure to have the process's
    /// (`nice -n`, systemd's `Nice=`). A Swift concurrency thread has its QoS's instead, and the background thread its
    /// own; whichever first used them used to start them, so a gateway started at nice -10 served its requests at 0.
    public static func startLoops() {
        _ = MultiThreadedEventLoopGroup.singleton
        _ = BackgroundExecutor.shared
        _ = BackgroundExecutor.storage
        // Dispatch's timer thread (Task.sleep's) starts with whichever thread arms the first timer, and keeps its
        // policy: here, not on the yielding storage thread (BookkeepingScheduling).
        DispatchQueue.global().asyncAfter(deadline: .now()) {}
    }
}

/// The runtime's global-executor hook: `swift_task_enqueueGlobal_hook` (swift/Runtime/Concurrency.h).
private typealias EnqueueGlobalHook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

/// The runtime's `SerialExecutorRef::generic()`: no identity, no witness table. Two words, as `UnownedSerialExecutor`.
private struct GenericExecutorBits {
    var identity: UInt = 0
    var implementation: UInt = 0
}

/// Runs `job` as if on `executor` (swift/Runtime/Concurrency.h), what Swift's own global executor calls with the
/// generic executor.
@_silgen_name("swift_job_run")
private func swiftJobRun(_ job: UnownedJob, _ executor: UnownedSerialExecutor)
