#ifdef __linux__
#define _GNU_SOURCE
#endif

#include "CThreadScheduling.h"

#include <errno.h>

#ifdef __linux__
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// `struct sched_attr` as sched_setattr(2) defines it (glibc before 2.41 has neither the struct nor a wrapper).
struct holysheep_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};

static int current_attributes(struct holysheep_sched_attr *attr) {
    memset(attr, 0, sizeof *attr);
    if (syscall(SYS_sched_getattr, 0, attr, sizeof *attr, 0) != 0) return errno;
    return 0;
}

int holysheep_set_thread_slice(uint64_t nanoseconds, int reset_on_fork) {
    struct holysheep_sched_attr attr;
    int failed = current_attributes(&attr);
    if (failed) return failed;
    if (attr.sched_policy != SCHED_OTHER && attr.sched_policy != SCHED_BATCH) return EINVAL;
    // The same policy and nice value, read just above; only the slice changes.
    attr.size = sizeof attr;
    attr.sched_flags = reset_on_fork ? 0x01 : 0;  // SCHED_FLAG_RESET_ON_FORK
    attr.sched_runtime = nanoseconds;
    if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) return errno;
    return 0;
}

uint64_t holysheep_thread_slice(void) {
    struct holysheep_sched_attr attr;
    if (current_attributes(&attr)) return 0;
    return attr.sched_runtime;
}

#else

int holysheep_set_thread_slice(uint64_t nanoseconds, int reset_on_fork) {
    (void)nanoseconds;
    (void)reset_on_fork;
    return ENOSYS;
}

uint64_t holysheep_thread_slice(void) { return 0; }

#endif
