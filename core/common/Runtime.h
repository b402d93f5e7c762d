#pragma once
// Process-wide runtime set-up for programs that run the engine (call first thing in main).

namespace vf {

// Keeps freed memory in the process instead of returning it to the kernel, so large tensor
// and frame buffers are reused instead of paying page faults each time (see
// ../shared/videofusion/REFERENCE_SPEED.md: an add of 4.9 M floats took 78 ms with fresh
// pages and 0.4 ms with reused ones). Safe to call more than once.
void initRuntime();

} // namespace vf
