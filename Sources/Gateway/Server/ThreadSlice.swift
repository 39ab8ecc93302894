import CThreadScheduling
import HolySheepCore

/// The calling thread's time slice: Linux 6.12 and later take a custom slice for a normal (SCHED_OTHER) thread, without
/// privileges, clamped to 0.1–100 ms. A longer slice keeps the thread's share of the CPU but gives it a later virtual
/// deadline, so threads with the default slice that wake up run first (``BookkeepingScheduling`` asks for one).
enum ThreadSlice {
    /// The calling thread's slice (the kernel's default or a custom one); nil where the kernel does not say.
    static var current: Duration? {
        let nanoseconds = holysheep_thread_slice()
        return nanoseconds == 0 ? nil : .nanoseconds(Int64(nanoseconds))
    }
}
