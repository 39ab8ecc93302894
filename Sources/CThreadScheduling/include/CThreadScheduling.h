#ifndef C_THREAD_SCHEDULING_H
#define C_THREAD_SCHEDULING_H

#include <stdint.h>

/// Asks the kernel for a time slice of `nanoseconds` for the calling thread, keeping its policy and nice value.
///
/// Linux 6.12 and later (the EEVDF scheduler) take a custom slice for SCHED_OTHER threads through `sched_setattr`'s
/// `sched_runtime`, unprivileged, clamped to 0.1–100 ms. A thread with a longer slice than another gets the same share of
/// the CPU, but a later virtual deadline: a thread with a shorter slice that wakes up runs before it, preempting it.
/// Older kernels accept the call and ignore the slice (``holysheep_thread_slice`` then reads 0).
///
/// Threads the calling thread starts later inherit the slice unless `reset_on_fork` is non-zero
/// (SCHED_FLAG_RESET_ON_FORK: they start with the default slice).
///
/// Returns 0, or the `errno` of the failed call (ENOSYS where there is no `sched_setattr`; EINVAL for a thread that is
/// not SCHED_OTHER or SCHED_BATCH).
int holysheep_set_thread_slice(uint64_t nanoseconds, int reset_on_fork);

/// The calling thread's time slice in nanoseconds as the kernel reports it (the default one, or a custom one); 0 where
/// the kernel does not say (before Linux 6.12, or off Linux).
uint64_t holysheep_thread_slice(void);

/// The calling thread's kernel thread id (`gettid`); 0 off Linux.
int32_t holysheep_thread_id(void);

/// Sets thread `tid`'s policy: SCHED_IDLE if `idle` (it runs only on a CPU nothing else wants, and any other thread
/// that wakes up preempts it at once), else SCHED_OTHER at `nice`; with a time slice of `slice_nanoseconds` (0: the
/// default) and SCHED_FLAG_RESET_ON_FORK, so threads it starts later get the defaults.
///
/// Entering SCHED_IDLE is always allowed. Leaving it for SCHED_OTHER needs CAP_SYS_NICE or an RLIMIT_NICE that
/// allows `nice` (see ``holysheep_can_leave_idle_policy``). Returns 0 or the `errno` of the failed call.
int holysheep_set_thread_policy(int32_t tid, int idle, int32_t nice, uint64_t slice_nanoseconds);

/// Thread `tid`'s policy (SCHED_OTHER 0, SCHED_BATCH 3, SCHED_IDLE 5, …), or -1.
int holysheep_thread_policy(int32_t tid);

/// Whether this process may put a thread into SCHED_IDLE and take it out again, tried on a throwaway thread: 0, or
/// the `errno` that refused (EPERM: an unprivileged process whose RLIMIT_NICE does not allow its nice value).
int holysheep_can_leave_idle_policy(void);

#endif
