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
    // One arena for all threads. Threads other than the main one otherwise get their own
    // arenas made of 64 MB heaps, and blocks larger than that (most tensors of a clip) are
    // then mmap'ed and unmapped every time whatever M_MMAP_THRESHOLD says: two VideoFusion
    // clips on worker threads took twice the CPU time of the same clips in two processes
    // (bench_model --stream: 124 s vs 72 s CPU for 4 clips).
    mallopt(M_ARENA_MAX, 1);
#endif
}

} // namespace vf
