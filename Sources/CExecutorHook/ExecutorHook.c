#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>

#include "CExecutorHook.h"

bool holysheep_install_enqueue_global_hook(void *hook) {
    void *_Atomic *slot = (void *_Atomic *)dlsym(RTLD_DEFAULT, "swift_task_enqueueGlobal_hook");
    if (slot == NULL) {
        return false;
    }
    void *expected = NULL;
    return atomic_compare_exchange_strong(slot, &expected, hook);
}
