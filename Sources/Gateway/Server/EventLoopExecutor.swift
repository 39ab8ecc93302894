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
}
