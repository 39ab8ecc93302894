import CThreadScheduling
import HolySheepCore

/// The calling thread's time slice: Linux 6.12 and later take a custom slice for a normal (SCHED_OTHER) thread, without
/// privileges, clamped to 0.1–100 ms. A longer slice keeps the thread's share of the CPU but gives it a later virtual
/// deadline, so threads with the default slice that wake up run first (see ``BackgroundExecutor``).
enum ThreadSlice {
    /// Asks for `slice` for the calling thread; threads it starts later inherit it if `inherited`, else they start with
    /// the default slice.
    /// - Returns: whether the kernel now reports it; if not (refused, or a kernel that ignores it), the default stays.
    @discardableResult
    static func request(_ slice: Duration, inherited: Bool) -> Bool {
        holysheep_set_thread_slice(UInt64(slice.nanoseconds), inherited ? 0 : 1) == 0 && current == slice
    }

    /// The calling thread's slice (the kernel's default or a custom one); nil where the kernel does not say.
    static var current: Duration? {
        let nanoseconds = holysheep_thread_slice()
        return nanoseconds == 0 ? nil : .nanoseconds(Int64(nanoseconds))
    }
}
