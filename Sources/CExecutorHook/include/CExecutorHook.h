#ifndef C_EXECUTOR_HOOK_H
#define C_EXECUTOR_HOOK_H

#include <stdbool.h>

/// Sets the Swift runtime's `swift_task_enqueueGlobal_hook` to `hook` (a Swift `@convention(thin)` function of the
/// hook's type, swift/Runtime/Concurrency.h) unless a hook is set already: one atomic compare-and-swap, as NIO's own
/// installer does, since the runtime reads the variable from any thread.
///
/// Returns false when the runtime has no such variable or another hook is set.
bool holysheep_install_enqueue_global_hook(void *hook);

#endif
