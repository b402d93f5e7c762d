#include "core/fusion/ClipRunner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <future>
#include <map>

#include <unistd.h>

#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"

namespace vf::fusion {

// ---------------------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------------------

std::vector<ClipPlan> planClips(int frames, int clipFrames, int overlap, ClipWindow window) {
    if (clipFrames < 2)
        throw Error(ErrorCode::InvalidArgument, "clip length must be at least 2 frames (got " +
                                                    std::to_string(clipFrames) +
                                                    "): the network needs temporal neighbours");
    if (overlap < 0 || overlap >= clipFrames)
        throw Error(ErrorCode::InvalidArgument, "clip overlap must be in [0, " +
                                                    std::to_string(clipFrames - 1) + "] (got " +
                                                    std::to_string(overlap) + ")");
    if (frames < 1) throw Error(ErrorCode::InvalidArgument, "no frames to fuse");
    if (frames <= clipFrames) return {ClipPlan{0, frames, 0, frames}};

    const int stride = clipFrames - overlap;
    std::vector<ClipPlan> plans;
    for (int s = 0; s + clipFrames <= frames; s += stride)
        plans.push_back(ClipPlan{s, clipFrames, 0, 0});
    if (plans.back().start + clipFrames < frames)
        plans.push_back(ClipPlan{frames - clipFrames, clipFrames, 0, 0});

    plans.front().emitBegin = 0;
    for (size_t c = 0; c + 1 < plans.size(); ++c) {
        const ClipPlan& a = plans[c];
        const ClipPlan& b = plans[c + 1];
        int boundary = b.start; // Official: the later clip overwrites the overlap
        if (window == ClipWindow::Centre) {
            int ov = a.start + a.length - b.start;
            if (ov > 0) boundary = b.start + ov / 2;
        }
        plans[c].emitEnd = boundary;
        plans[c + 1].emitBegin = boundary;
    }
    plans.back().emitEnd = frames;
    return plans;
}

// ---------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------

void appendFrame(model::ClipBuffer& clip, const cv::Mat& frame) {
    if (frame.empty()) throw Error(ErrorCode::InvalidArgument, "empty frame");
    if (frame.depth() != CV_8U || (frame.channels() != 1 && frame.channels() != 3))
        throw Error(ErrorCode::Unsupported,
                    "frames must be 8-bit BGR or grey (got " + std::to_string(frame.channels()) +
                        " channels, depth " + std::to_string(frame.depth()) + ")");
    if (clip.T == 0) {
        clip.H = frame.rows;
        clip.W = frame.cols;
        clip.data.clear();
    } else if (clip.H != frame.rows || clip.W != frame.cols) {
        throw Error(ErrorCode::Mismatch,
                    "frame size changes within the clip: " + std::to_string(frame.cols) + "x" +
                        std::to_string(frame.rows) + " vs " + std::to_string(clip.W) + "x" +
                        std::to_string(clip.H));
    }
    const size_t plane = size_t(clip.H) * size_t(clip.W);
    const size_t base = clip.data.size();
    clip.data.resize(base + 3 * plane);
    float* r = clip.data.data() + base;
    float* g = r + plane;
    float* b = g + plane;
    const float k = 1.0f / 255.0f;
    for (int y = 0; y < clip.H; ++y) {
        const uchar* p = frame.ptr<uchar>(y);
        const size_t row = size_t(y) * size_t(clip.W);
        if (frame.channels() == 3) {
            for (int x = 0; x < clip.W; ++x) {
                b[row + x] = float(p[3 * x + 0]) * k;
                g[row + x] = float(p[3 * x + 1]) * k;
                r[row + x] = float(p[3 * x + 2]) * k;
            }
        } else {
            for (int x = 0; x < clip.W; ++x)
                r[row + x] = g[row + x] = b[row + x] = float(p[x]) * k;
        }
    }
    ++clip.T;
}

static int reflectIndex(int i, int n) {
    if (n == 1) return 0;
    const int period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

model::ClipBuffer padClip(const model::ClipBuffer& clip, int padH, int padW) {
    if (padH < clip.H || padW < clip.W)
        throw Error(ErrorCode::Internal, "padClip: target smaller than the clip");
    if (padH == clip.H && padW == clip.W) return clip;
    model::ClipBuffer out;
    out.T = clip.T, out.H = padH, out.W = padW;
    out.data.resize(out.size());
    std::vector<int> xs(size_t(padW), 0);
    for (int x = 0; x < padW; ++x)
        xs[size_t(x)] = reflectIndex(x, clip.W);
    for (int p = 0; p < clip.T * 3; ++p) {
        const float* src = clip.data.data() + size_t(p) * size_t(clip.H) * size_t(clip.W);
        float* dst = out.data.data() + size_t(p) * size_t(padH) * size_t(padW);
        for (int y = 0; y < padH; ++y) {
            const float* srow = src + size_t(reflectIndex(y, clip.H)) * size_t(clip.W);
            float* drow = dst + size_t(y) * size_t(padW);
            for (int x = 0; x < padW; ++x)
                drow[x] = srow[xs[size_t(x)]];
        }
    }
    return out;
}

cv::Mat clipFrameToMat(const model::ClipBuffer& clip, int t, int h, int w, Stretch stretch) {
    if (t < 0 || t >= clip.T || h > clip.H || w > clip.W || h <= 0 || w <= 0)
        throw Error(ErrorCode::Internal, "clipFrameToMat: frame or crop outside the clip");
    const size_t plane = size_t(clip.H) * size_t(clip.W);
    const float* c[3];
    for (int k = 0; k < 3; ++k)
        c[k] = clip.data.data() + (size_t(t) * 3 + size_t(k)) * plane;
    float mn = 0.0f, mx = 1.0f;
    if (stretch == Stretch::MinMax) {
        mn = std::numeric_limits<float>::infinity();
        mx = -mn;
        for (int k = 0; k < 3; ++k)
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x) {
                    float v = c[k][size_t(y) * size_t(clip.W) + size_t(x)];
                    mn = std::min(mn, v);
                    mx = std::max(mx, v);
                }
        if (!(mx > mn)) mn = 0.0f, mx = 1.0f; // constant frame: plain clamp
    }
    const float range = mx - mn;
    cv::Mat out(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y) {
        uchar* o = out.ptr<uchar>(y);
        for (int x = 0; x < w; ++x) {
            const size_t i = size_t(y) * size_t(clip.W) + size_t(x);
            for (int k = 0; k < 3; ++k) {
                float v = std::clamp(c[k][i], mn, mx);
                v = (v - mn) / range;
                v = v * 255.0f;
                // RGB planes -> BGR pixel; round half to even as numpy's round().
                o[3 * x + (2 - k)] = cv::saturate_cast<uchar>(std::nearbyint(v));
            }
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------

ClipRunner::ClipRunner(model::VideoFusionEngine& engine)
    : fn_([&engine](const model::ClipBuffer& ir, const model::ClipBuffer& vi,
                    const model::TapRequest& taps,
                    const vf::CancelToken* cancel) { return engine.run(ir, vi, taps, cancel); }),
      engine_(&engine) {}

ClipRunner::ClipRunner(ClipFn fn) : fn_(std::move(fn)) {
    if (!fn_) throw Error(ErrorCode::InvalidArgument, "clip runner without a model");
}

namespace {

cv::Mat prepare(const cv::Mat& frame, const ClipRunnerOptions& o, const char* what, int index) {
    cv::Mat f = frame;
    if (f.depth() != CV_8U)
        throw Error(ErrorCode::Unsupported,
                    std::string(what) + " frame " + std::to_string(index) + " is not 8-bit");
    if (f.channels() == 4) cv::cvtColor(f, f, cv::COLOR_BGRA2BGR);
    if (o.roi.area() > 0) {
        cv::Rect full(0, 0, f.cols, f.rows);
        if ((o.roi & full) != o.roi)
            throw Error(ErrorCode::InvalidArgument,
                        "region of interest " + std::to_string(o.roi.width) + "x" +
                            std::to_string(o.roi.height) + "+" + std::to_string(o.roi.x) + "+" +
                            std::to_string(o.roi.y) + " lies outside the " +
                            std::to_string(f.cols) + "x" + std::to_string(f.rows) + " frame");
        f = f(o.roi);
    }
    if (o.previewScale > 1) {
        cv::Size s(std::max(1, f.cols / o.previewScale), std::max(1, f.rows / o.previewScale));
        cv::Mat r;
        cv::resize(f, r, s, 0, 0, cv::INTER_AREA);
        f = r;
    }
    return f;
}

void checkResult(const model::ClipBuffer& b, const char* what, int T, int H, int W) {
    if (b.T != T || b.H != H || b.W != W || b.data.size() != b.size())
        throw Error(ErrorCode::Model, std::string("the model returned a ") + what + " clip of " +
                                          std::to_string(b.T) + "x" + std::to_string(b.H) + "x" +
                                          std::to_string(b.W) + ", expected " + std::to_string(T) +
                                          "x" + std::to_string(H) + "x" + std::to_string(W));
}

} // namespace

static int inflightLimit(const model::VideoFusionEngine* engine, const ClipRunnerOptions& o,
                         int clips, int T, int H, int W) {
    if (!engine || clips < 2) return 1;
    int n = o.clipsInFlight > 0 ? o.clipsInFlight : engine->clipWorkers();
    n = std::clamp(n, 1, clips);
    if (o.clipsInFlight <= 0 && n > 1) {
        // Auto: keep the clips in flight within half of the machine's physical memory.
        const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
        if (pages > 0 && page > 0) {
            const double budget = 0.5 * double(pages) * double(page);
            const double per = double(engine->estimateClipBytes(T, H, W));
            n = std::clamp(int(budget / std::max(per, 1.0)), 1, n);
        }
    }
    return n;
}

SequenceStats ClipRunner::run(PairSequence& seq, const ClipRunnerOptions& o, const FrameSink& sink,
                              const SequenceOptions& so) {
    if (o.previewScale != 1 && o.previewScale != 2 && o.previewScale != 4)
        throw Error(ErrorCode::InvalidArgument,
                    "preview scale must be 1, 2 or 4 (got " + std::to_string(o.previewScale) + ")");
    auto [first, count] = sequenceSpan(seq, so);
    const std::vector<ClipPlan> plans = planClips(count, o.clipFrames, o.overlap, o.window);
    const bool want = o.wantRestored || so.wantRestored;
    model::TapRequest request = o.taps; // taps as asked; restored frames only when wanted
    request.restored = want;

    auto t0 = std::chrono::steady_clock::now();
    SequenceStats st;
    std::map<int, std::pair<cv::Mat, cv::Mat>> cache; // relative index -> prepared (ir, vi)

    // Clips in flight (submitted to the engine's workers), oldest first. Outputs are emitted
    // strictly in clip order, so the sink sees the same frames in the same order as with one
    // clip at a time.
    struct Pending {
        size_t plan;
        int H, W;
        std::future<model::ClipResult> result;
    };
    std::deque<Pending> inflight;
    int maxInflight = 1;
    // Never leave with clips still running: they use `so.cancel` and the engine.
    struct Drain {
        std::deque<Pending>& q;
        ~Drain() {
            for (auto& p : q)
                if (p.result.valid()) p.result.wait();
        }
    } drain{inflight};

    auto emit = [&](size_t c, int H, int W, model::ClipResult res) {
        const ClipPlan& p = plans[c];
        const int padH = roundUpTo4(H), padW = roundUpTo4(W), T = std::max(p.length, 2);
        checkResult(res.fusion, "fused", T, padH, padW);
        if (want) {
            checkResult(res.ir, "restored infrared", T, padH, padW);
            checkResult(res.vi, "restored visible", T, padH, padW);
        }
        if (o.tapSink && o.taps.enabled) o.tapSink(p, first + p.start, std::move(res.taps));
        for (int f = p.emitBegin; f < p.emitEnd; ++f) {
            const int t = f - p.start;
            FusedFrame out;
            out.index = first + f;
            out.fused = clipFrameToMat(res.fusion, t, H, W, o.stretch);
            if (want) {
                out.restoredIr = clipFrameToMat(res.ir, t, H, W, Stretch::Clamp);
                out.restoredVi = clipFrameToMat(res.vi, t, H, W, Stretch::Clamp);
            }
            if (sink) sink(out);
            ++st.frames;
        }
        if (so.progress)
            so.progress(p.emitEnd, count,
                        "clip " + std::to_string(c + 1) + "/" + std::to_string(plans.size()));
    };
    auto finishOldest = [&] {
        Pending p = std::move(inflight.front());
        inflight.pop_front();
        emit(p.plan, p.H, p.W, p.result.get());
    };

    for (size_t c = 0; c < plans.size(); ++c) {
        const ClipPlan& p = plans[c];
        if (so.cancel) so.cancel->check();
        // Drop frames no longer needed, read the new ones.
        cache.erase(cache.begin(), cache.lower_bound(p.start));
        model::ClipBuffer ir, vi;
        for (int f = p.start; f < p.start + p.length; ++f) {
            auto it = cache.find(f);
            if (it == cache.end()) {
                cv::Mat a, b;
                seq.read(first + f, a, b);
                if (a.empty() || b.empty())
                    throw Error(ErrorCode::Unreadable,
                                "frame " + std::to_string(first + f) + " could not be read");
                if (a.size() != b.size())
                    throw Error(ErrorCode::Mismatch,
                                "frame " + std::to_string(first + f) +
                                    ": infrared and visible differ in size: " +
                                    std::to_string(a.cols) + "x" + std::to_string(a.rows) + " vs " +
                                    std::to_string(b.cols) + "x" + std::to_string(b.rows));
                a = prepare(a, o, "infrared", first + f);
                b = prepare(b, o, "visible", first + f);
                it = cache.emplace(f, std::make_pair(a, b)).first;
            }
            appendFrame(ir, it->second.first);
            appendFrame(vi, it->second.second);
        }
        if (p.length == 1) { // T >= 2: repeat the single frame
            appendFrame(ir, cache.at(p.start).first);
            appendFrame(vi, cache.at(p.start).second);
        }
        const int H = ir.H, W = ir.W, padH = roundUpTo4(H), padW = roundUpTo4(W);
        if (c == 0) maxInflight = inflightLimit(engine_, o, int(plans.size()), ir.T, padH, padW);
        if (maxInflight <= 1) {
            emit(c, H, W,
                 fn_(padClip(ir, padH, padW), padClip(vi, padH, padW), request, so.cancel));
            continue;
        }
        inflight.push_back(Pending{
            c, H, W,
            engine_->submit(padClip(ir, padH, padW), padClip(vi, padH, padW), request, so.cancel)});
        if (int(inflight.size()) >= maxInflight) finishOldest();
    }
    while (!inflight.empty())
        finishOldest();
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return st;
}

} // namespace vf::fusion
