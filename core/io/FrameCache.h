#pragma once
// vf::io::FrameCache: a thread-safe frame cache shared by every consumer (views, metrics,
// fusion runner), keyed by (stream id, frame index), holding immutable frames
// (FramePtr = shared_ptr<const cv::Mat>) within a memory budget (LRU eviction).
//
// Each stream has an interactive reader (used by get() on a miss, on the caller's thread)
// and a background reader on its own thread that decodes a window around the playhead:
// `ahead` frames in the playing direction and `behind` frames the other way, so stepping
// backwards hits the cache instead of decoding a GOP per step. Frames in the window are the
// last to be evicted; the window is shrunk to what fits the budget.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/io/FrameSource.h"

namespace vf::io {

using FramePtr = std::shared_ptr<const cv::Mat>;

struct FrameCacheStats {
    size_t bytesUsed = 0;
    size_t budgetBytes = 0;
    size_t frames = 0;   // frames held
    uint64_t hits = 0;   // get() served from the cache
    uint64_t misses = 0; // get() that had to decode
    uint64_t evictions = 0;
    uint64_t prefetched = 0; // frames decoded by background threads
};

class FrameCache {
public:
    using StreamId = int;

    explicit FrameCache(size_t budgetBytes = size_t(512) << 20);
    ~FrameCache(); // stops the background threads
    FrameCache(const FrameCache&) = delete;
    FrameCache& operator=(const FrameCache&) = delete;

    // Registers a stream read in `mode`; the cache owns `source` (used for get() misses) and
    // a clone() of it (background thread). Returns its id (never reused).
    StreamId addStream(std::unique_ptr<FrameSource> source, ColorMode mode = ColorMode::BGR);
    // Drops the stream, its frames and its thread. Unknown ids are ignored.
    void removeStream(StreamId id);
    const StreamInfo& info(StreamId id) const; // throws Error(InvalidArgument) for unknown ids

    // Frame `index` of stream `id`: from the cache or decoded now. Throws vf::Error.
    FramePtr get(StreamId id, int64_t index);
    // Cached frame or nullptr; never decodes, does not count as hit/miss.
    FramePtr peek(StreamId id, int64_t index) const;

    // Tells the background reader where the playhead is and which way it moves (+1 / -1);
    // it then fills [index - behind, index + ahead] (mirrored for -1). Non-blocking.
    void setPlayhead(StreamId id, int64_t index, int direction = +1);
    // Window sizes in frames for all streams (default ahead 16, behind 32).
    void setWindow(int ahead, int behind);
    // Turns background reading on or off (off: only get() fills the cache).
    void setPrefetch(bool enabled);
    // Blocks until every background reader has nothing left to do (tests, benchmarks).
    void waitIdle();

    void setBudget(size_t bytes); // evicts at once if over
    size_t budget() const;
    FrameCacheStats stats() const;
    void resetCounters();
    void clear(); // drops all frames (streams stay)

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace vf::io
