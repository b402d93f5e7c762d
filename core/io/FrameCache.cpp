#include "core/io/FrameCache.h"

#include <algorithm>
#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/common/Error.h"

namespace vf::io {

namespace {

struct Key {
    int stream;
    int64_t index;
    bool operator==(const Key& o) const { return stream == o.stream && index == o.index; }
};
struct KeyHash {
    size_t operator()(const Key& k) const noexcept {
        return std::hash<int64_t>()(k.index * 1315423911LL + k.stream);
    }
};

size_t frameBytes(const cv::Mat& m) {
    return m.total() * m.elemSize();
}

} // namespace

struct FrameCache::Impl {
    struct Entry {
        Key key;
        FramePtr frame;
        size_t bytes;
    };
    struct Stream {
        StreamId id = 0;
        ColorMode mode = ColorMode::BGR;
        StreamInfo info;
        std::mutex readerMutex;                  // guards `reader`
        std::unique_ptr<FrameSource> reader;     // interactive (get() misses)
        std::unique_ptr<FrameSource> background; // used only by `thread`
        std::thread thread;
        // guarded by Impl::m
        int64_t playhead = -1;
        int direction = 1;
        uint64_t generation = 0, doneGeneration = 0;
        bool stop = false;
        bool busy = false;
        int64_t winLo = 0, winHi = -1; // protected window
        std::string lastError;
    };

    mutable std::mutex m;
    std::condition_variable wake; // workers wait on it
    std::condition_variable idle; // waitIdle() waits on it
    size_t budget;
    size_t used = 0;
    std::list<Entry> lru; // front = most recently used
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> map;
    std::map<StreamId, std::shared_ptr<Stream>> streams;
    StreamId nextId = 1;
    int ahead = 16, behind = 32;
    bool prefetch = true;
    FrameCacheStats st;

    explicit Impl(size_t b) : budget(b) {}

    // --- cache proper (call with m held) ---
    bool isProtected(const Key& k) const {
        auto it = streams.find(k.stream);
        return it != streams.end() && k.index >= it->second->winLo && k.index <= it->second->winHi;
    }

    void evictLocked(size_t incoming) {
        if (used + incoming <= budget) return;
        // First pass: least recently used frames outside the playhead windows.
        for (auto it = lru.end(); it != lru.begin() && used + incoming > budget;) {
            --it;
            if (isProtected(it->key)) continue;
            used -= it->bytes;
            map.erase(it->key);
            it = lru.erase(it);
            ++st.evictions;
        }
        // Then anything, least recently used first.
        while (used + incoming > budget && !lru.empty()) {
            auto& e = lru.back();
            used -= e.bytes;
            map.erase(e.key);
            lru.pop_back();
            ++st.evictions;
        }
    }

    FramePtr findLocked(const Key& k, bool touch) {
        auto it = map.find(k);
        if (it == map.end()) return nullptr;
        if (touch) lru.splice(lru.begin(), lru, it->second);
        return it->second->frame;
    }

    FramePtr insertLocked(const Key& k, FramePtr f) {
        if (auto existing = findLocked(k, true)) return existing;
        const size_t bytes = frameBytes(*f);
        if (bytes > budget) return f; // never fits: hand it out uncached
        evictLocked(bytes);
        lru.push_front(Entry{k, f, bytes});
        map.emplace(k, lru.begin());
        used += bytes;
        return f;
    }

    void dropStreamLocked(StreamId id) {
        for (auto it = lru.begin(); it != lru.end();) {
            if (it->key.stream == id) {
                used -= it->bytes;
                map.erase(it->key);
                it = lru.erase(it);
            } else {
                ++it;
            }
        }
    }

    // Window actually used for a stream: shrunk so that all streams' windows fit the budget.
    void windowFor(const Stream& s, int& a, int& b) const {
        a = ahead;
        b = behind;
        const size_t fb =
            size_t(s.info.width) * size_t(s.info.height) * (s.mode == ColorMode::Gray ? 1 : 3);
        const size_t n = std::max<size_t>(1, streams.size());
        const int64_t maxFrames = fb ? int64_t(budget * 9 / 10 / n / fb) : 0;
        const int64_t want = int64_t(a) + b + 1;
        if (want > maxFrames) {
            if (maxFrames <= 1) {
                a = b = 0;
            } else {
                const double scale = double(maxFrames - 1) / double(a + b);
                a = int(a * scale);
                b = int(b * scale);
            }
        }
    }

    // --- background reader ---
    void worker(std::shared_ptr<Stream> s) {
        std::unique_lock lk(m);
        for (;;) {
            wake.wait(lk,
                      [&] { return s->stop || (prefetch && s->generation != s->doneGeneration); });
            if (s->stop) break;
            const uint64_t gen = s->generation;
            const int64_t p = s->playhead;
            const int dir = s->direction;
            int a, b;
            windowFor(*s, a, b);
            s->busy = true;
            const int64_t n = s->info.frameCount;
            // Regions in priority order: the playing direction first, then the other side.
            struct Range {
                int64_t lo, hi;
            };
            std::vector<Range> plan;
            if (p >= 0 && p < n) {
                const Range fwd{std::max<int64_t>(0, p), std::min<int64_t>(n - 1, p + a)};
                const Range back{std::max<int64_t>(0, p - b), std::max<int64_t>(-1, p - 1)};
                const Range rev{std::max<int64_t>(0, p - a), std::min<int64_t>(n - 1, p)};
                const Range revBack{std::min<int64_t>(n, p + 1), std::min<int64_t>(n - 1, p + b)};
                if (dir >= 0)
                    plan = {fwd, back};
                else
                    plan = {rev, revBack};
                s->winLo = dir >= 0 ? back.lo : rev.lo;
                s->winHi = dir >= 0 ? fwd.hi : revBack.hi;
            }
            lk.unlock();
            bool interrupted = false;
            cv::Mat tmp;
            for (const Range& r : plan) {
                if (r.hi < r.lo) continue;
                // first and last missing frame of the range
                int64_t first = -1, last = -1;
                {
                    std::lock_guard g(m);
                    for (int64_t i = r.lo; i <= r.hi; ++i)
                        if (!map.count(Key{s->id, i})) {
                            if (first < 0) first = i;
                            last = i;
                        }
                }
                if (first < 0) continue;
                // Decode forward from the first missing frame: consecutive reads are
                // sequential decodes, so one keyframe seek serves the whole range.
                for (int64_t i = first; i <= last; ++i) {
                    {
                        std::lock_guard g(m);
                        if (s->stop || !prefetch) {
                            interrupted = true;
                            break;
                        }
                        // A new playhead: stop only when this frame is no longer wanted, so
                        // that stepping (which moves the playhead every frame) does not
                        // restart the keyframe seek of the range being filled.
                        if (s->generation != gen) {
                            const int64_t reach = std::max(ahead, behind);
                            if (i < s->playhead - reach || i > s->playhead + reach) {
                                interrupted = true;
                                break;
                            }
                        }
                    }
                    try {
                        s->background->readInto(i, tmp, s->mode);
                    } catch (const std::exception& e) {
                        std::lock_guard g(m);
                        s->lastError = e.what();
                        interrupted = false;
                        i = last; // give up on this range
                        continue;
                    }
                    auto f = std::make_shared<const cv::Mat>(std::move(tmp));
                    tmp = cv::Mat();
                    std::lock_guard g(m);
                    if (!map.count(Key{s->id, i})) {
                        insertLocked(Key{s->id, i}, std::move(f));
                        ++st.prefetched;
                    }
                }
                if (interrupted) break;
            }
            lk.lock();
            s->busy = false;
            if (!interrupted) s->doneGeneration = gen;
            idle.notify_all();
        }
        s->busy = false;
        idle.notify_all();
    }

    std::shared_ptr<Stream> streamLocked(StreamId id) const {
        auto it = streams.find(id);
        if (it == streams.end())
            throw Error(ErrorCode::InvalidArgument,
                        "frame cache: unknown stream id " + std::to_string(id));
        return it->second;
    }
};

FrameCache::FrameCache(size_t budgetBytes) : d(std::make_unique<Impl>(budgetBytes)) {}

FrameCache::~FrameCache() {
    std::vector<std::shared_ptr<Impl::Stream>> all;
    {
        std::lock_guard g(d->m);
        for (auto& [id, s] : d->streams) {
            s->stop = true;
            all.push_back(s);
        }
        d->wake.notify_all();
    }
    for (auto& s : all)
        if (s->thread.joinable()) s->thread.join();
}

FrameCache::StreamId FrameCache::addStream(std::unique_ptr<FrameSource> source, ColorMode mode) {
    if (!source) throw Error(ErrorCode::InvalidArgument, "frame cache: no source");
    auto s = std::make_shared<Impl::Stream>();
    s->mode = mode;
    s->info = source->info();
    s->background = source->clone();
    s->reader = std::move(source);
    std::lock_guard g(d->m);
    s->id = d->nextId++;
    d->streams[s->id] = s;
    s->thread = std::thread([this, s] { d->worker(s); });
    return s->id;
}

void FrameCache::removeStream(StreamId id) {
    std::shared_ptr<Impl::Stream> s;
    {
        std::lock_guard g(d->m);
        auto it = d->streams.find(id);
        if (it == d->streams.end()) return;
        s = it->second;
        s->stop = true;
        d->wake.notify_all();
    }
    if (s->thread.joinable()) s->thread.join();
    std::lock_guard g(d->m);
    d->streams.erase(id);
    d->dropStreamLocked(id);
}

const StreamInfo& FrameCache::info(StreamId id) const {
    std::lock_guard g(d->m);
    return d->streamLocked(id)->info;
}

FramePtr FrameCache::get(StreamId id, int64_t index) {
    std::shared_ptr<Impl::Stream> s;
    {
        std::lock_guard g(d->m);
        s = d->streamLocked(id);
        if (auto f = d->findLocked(Key{id, index}, true)) {
            ++d->st.hits;
            return f;
        }
        ++d->st.misses;
    }
    cv::Mat m;
    {
        std::lock_guard rg(s->readerMutex);
        {
            std::lock_guard g(d->m); // filled meanwhile by the background reader?
            if (auto f = d->findLocked(Key{id, index}, true)) return f;
        }
        s->reader->readInto(index, m, s->mode);
    }
    auto f = std::make_shared<const cv::Mat>(std::move(m));
    std::lock_guard g(d->m);
    return d->insertLocked(Key{id, index}, std::move(f));
}

FramePtr FrameCache::peek(StreamId id, int64_t index) const {
    std::lock_guard g(d->m);
    auto it = d->map.find(Key{id, index});
    return it == d->map.end() ? nullptr : it->second->frame;
}

void FrameCache::setPlayhead(StreamId id, int64_t index, int direction) {
    std::lock_guard g(d->m);
    auto s = d->streamLocked(id);
    s->playhead = index;
    s->direction = direction < 0 ? -1 : 1;
    ++s->generation;
    d->wake.notify_all();
}

void FrameCache::setWindow(int ahead, int behind) {
    std::lock_guard g(d->m);
    d->ahead = std::max(0, ahead);
    d->behind = std::max(0, behind);
    for (auto& [id, s] : d->streams)
        ++s->generation;
    d->wake.notify_all();
}

void FrameCache::setPrefetch(bool enabled) {
    std::lock_guard g(d->m);
    d->prefetch = enabled;
    d->wake.notify_all();
    d->idle.notify_all();
}

void FrameCache::waitIdle() {
    std::unique_lock lk(d->m);
    d->idle.wait(lk, [&] {
        for (auto& [id, s] : d->streams)
            if (s->busy || (d->prefetch && s->generation != s->doneGeneration && !s->stop))
                return false;
        return true;
    });
}

void FrameCache::setBudget(size_t bytes) {
    std::lock_guard g(d->m);
    d->budget = bytes;
    d->evictLocked(0);
}

size_t FrameCache::budget() const {
    std::lock_guard g(d->m);
    return d->budget;
}

FrameCacheStats FrameCache::stats() const {
    std::lock_guard g(d->m);
    FrameCacheStats s = d->st;
    s.bytesUsed = d->used;
    s.budgetBytes = d->budget;
    s.frames = d->lru.size();
    return s;
}

void FrameCache::resetCounters() {
    std::lock_guard g(d->m);
    d->st = FrameCacheStats{};
}

void FrameCache::clear() {
    std::lock_guard g(d->m);
    d->lru.clear();
    d->map.clear();
    d->used = 0;
}

} // namespace vf::io
