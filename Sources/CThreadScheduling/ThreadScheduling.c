#ifdef __linux__
#define _GNU_SOURCE
#endif

#include "CThreadScheduling.h"

#include <errno.h>

#ifdef __linux__
#include <pthread.h>
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

uint64_t holysheep_thread_slice(void) {
    struct holysheep_sched_attr attr;
    if (current_attributes(&attr)) return 0;
    return attr.sched_runtime;
}

int32_t holysheep_thread_id(void) { return (int32_t)syscall(SYS_gettid); }

int holysheep_set_thread_policy(int32_t tid, int idle, int32_t nice, uint64_t slice_nanoseconds) {
    struct holysheep_sched_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.sched_policy = idle ? SCHED_IDLE : SCHED_OTHER;
    attr.sched_flags = 0x01;  // SCHED_FLAG_RESET_ON_FORK: threads it starts get the default policy, slice and nice >= 0
    attr.sched_nice = nice;
    attr.sched_runtime = slice_nanoseconds;
    if (syscall(SYS_sched_setattr, tid, &attr, 0) == 0) return 0;
    // A kernel before 6.12 may refuse a slice it does not know: the policy and nice value are what matter.
    if (errno == EINVAL && slice_nanoseconds != 0) {
        attr.sched_runtime = 0;
        if (syscall(SYS_sched_setattr, tid, &attr, 0) == 0) return 0;
    }
    return errno;
}

int holysheep_thread_policy(int32_t tid) {
    struct holysheep_sched_attr attr;
    memset(&attr, 0, sizeof attr);
    if (syscall(SYS_sched_getattr, tid, &attr, sizeof attr, 0) != 0) return -1;
    return (int)attr.sched_policy;
}

static void *probe_leaving_idle(void *result) {
    struct holysheep_sched_attr attr;
    int *outcome = result;
    *outcome = current_attributes(&attr);
    if (*outcome) return NULL;
    int32_t nice = attr.sched_nice;
    int32_t tid = holysheep_thread_id();
    *outcome = holysheep_set_thread_policy(tid, 1, nice, 0);
    if (*outcome) return NULL;
    *outcome = holysheep_set_thread_policy(tid, 0, nice, 0);
    return NULL;
}

int holysheep_can_leave_idle_policy(void) {
    // On a throwaway thread: a thread that entered SCHED_IDLE and may not leave it would stay there.
    pthread_t thread;
    int outcome = ENOSYS;
    if (pthread_create(&thread, NULL, probe_leaving_idle, &outcome) != 0) return EAGAIN;
    pthread_join(thread, NULL);
    return outcome;
}

#else

uint64_t holysheep_thread_slice(void) { return 0; }

int32_t holysheep_thread_id(void) { return 0; }

int holysheep_set_thread_policy(int32_t tid, int idle, int32_t nice, uint64_t slice_nanoseconds) {
    (void)tid;
    (void)idle;
    (void)nice;
    (void)slice_nanoseconds;
    return ENOSYS;
}

int holysheep_thread_policy(int32_t tid) {
    (void)tid;
    return -1;
}

int holysheep_can_leave_idle_policy(void) { return ENOSYS; }

#endif
