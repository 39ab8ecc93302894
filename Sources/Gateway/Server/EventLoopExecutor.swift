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
    /// Swift concurrency's global executor. Call it once, first thing, before starting the server.
    /// - Returns: whether it was installed (false on a runtime without the hook; the gateway then runs as before).
    @discardableResult
    public static func install() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Starts the shared event loops' threads (the gateway serves requests on them) and the background thread
    /// (``BackgroundExecutor``) now, from the calling thread. Call it on the main thread, first thing: a new thread
    /// takes its scheduling from the thread that starts it, and only the main thread is sure to have the process's
    /// (`nice -n`, systemd's `Nice=`). A Swift concurrency thread has its QoS's instead, and the background thread its
    /// own; whichever first used them used to start them, so a gateway started at nice -10 served its requests at 0.
    public static func startLoops() {
        _ = MultiThreadedEventLoopGroup.singleton
        _ = BackgroundExecutor.shared
    }
}
