#ifndef C_THREAD_SCHEDULING_H
#define C_THREAD_SCHEDULING_H

#include <stdint.h>

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
