#include "core/common/Runtime.h"

#include <malloc.h>

namespace vf {

void initRuntime() {
#if defined(__GLIBC__)
    // Serve large blocks from the heap (reused) rather than fresh mmap'ed pages, and never
    // trim the heap back to the kernel.
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, -1);
    mallopt(M_TOP_PAD, 64 << 20);
#endif
}

} // namespace vf
