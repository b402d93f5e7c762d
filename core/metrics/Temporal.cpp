// Temporal-consistency metrics: optical flow (OpenCV DIS / Farneback), warping, Lai et al.'s
// occlusion rule, flowD (TemCoCo / VideoFusion), BiSWE, MS2R, warping error, flicker.
//
// Flow directions. For a frame pair (t-1, t) we use two fields per clip:
//   bw = flow "t -> t-1": for each pixel x of frame t, frame t-1 holds it at x + bw(x). It is
//        what backward warping of frame t-1 onto frame t needs: W(I_{t-1}, bw)(x) =
//        I_{t-1}(x + bw(x)) ~ I_t(x).
//   fw = flow "t-1 -> t": W(I_t, fw) ~ I_{t-1}.
//
// Definitions (per pair; the clip value is the mean over pairs):
//  * flowD (TemCoCo metrics.py, the VideoFusion table's temporal column): flow estimated on the
//    VISIBLE source pair (bw), the previous fused frame warped onto frame t (bilinear), the
//    per-pixel L2 norm over colour channels of F_t - W(F_{t-1}) on [0,255], averaged over all
//    pixels (no occlusion mask, as TemCoCo). The paper used SEA-RAFT; we use DIS, so absolute
//    values differ from the paper's.
//  * Ewarp (Lai et al., ECCV 2018, "Learning blind video temporal consistency"): flow from the
//    visible source (their "input video"), non-occluded mask M by the forward-backward rule
//    |f + g(x+f)|^2 > 0.01 (|f|^2 + |g(x+f)|^2) + 0.5, then
//    sum_x M(x) ||F_t(x) - W(F_{t-1})(x)||^2 / sum_x M(x) on [0,1] colour values.
//  * SWE(X) (self-warping error of a clip X): flows estimated on X itself in both directions;
//    0.5 * [mean_M |X_t - W(X_{t-1}, bw_X)| + mean_M |X_{t-1} - W(X_t, fw_X)|], mean absolute
//    error over channels on [0,255], averaged over pixels of the mask M.
//  * BiSWE (after VF-Bench / UniVF, "bidirectional self-warping error"): SWE of the fused clip
//    with M = the pixels that are non-occluded (Lai's rule) in BOTH sources' flows, so that
//    regions whose motion is undefined in the scene (occlusions) do not count.
//  * MS2R (motion-smoothness ratio against both sources, after VF-Bench / UniVF): SWE of the
//    fused clip divided by the mean SWE of the two source clips, all with the same mask M:
//    MS2R = SWE(F) / (0.5 (SWE(A) + SWE(B))). 1 = the fused video is exactly as temporally
//    smooth as its sources; > 1 = fusion added flicker/jitter; < 1 = smoother than the
//    sources (e.g. removed sensor noise). NaN when both sources are perfectly static.
//  * Flicker: |mean grey(F_t) - mean grey(F_{t-1})| (MATLAB rgb2gray, [0,255]); Flicker_IR and
//    Flicker_VI: the same for the sources (reference values).
// With a mask (see Metrics.h) every mean above runs over the masked pixels only.
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "core/metrics/Metrics.h"

namespace vf::metrics {

namespace {

cv::Mat grey(const cv::Mat& m) {
    if (m.empty())
        throw Error(ErrorCode::InvalidArgument, "empty frame given to a temporal metric");
    if (m.depth() != CV_8U || (m.channels() != 1 && m.channels() != 3))
        throw Error(ErrorCode::Unsupported, "temporal metrics need 8-bit grey or BGR frames");
    return toGray8(m);
}

bool wants(const std::vector<Metric>& w, Metric m) {
    return std::find(w.begin(), w.end(), m) != w.end();
}

// Mean over the mask of a per-pixel residual between an 8-bit frame and a warped float frame.
// kind: 0 = L2 norm over channels, 1 = mean |.| over channels, 2 = squared L2 on [0,1].
// Per-pixel values go to a row buffer (vectorised loop), then summed in order in double.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VF_TMP_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VF_TMP_CLONES
#endif

// Element-wise |c - w| (absolute = true) or (c - w)^2 over n contiguous values, in double.
VF_TMP_CLONES void diffRow(const uchar* __restrict c, const float* __restrict w, int n,
                           bool absolute, double* __restrict out) {
    if (absolute)
        for (int i = 0; i < n; ++i)
            out[i] = std::abs(double(c[i]) - double(w[i]));
    else
        for (int i = 0; i < n; ++i) {
            const double d = double(c[i]) - double(w[i]);
            out[i] = d * d;
        }
}

// Mean over the mask of a per-pixel residual between an 8-bit frame and a warped float frame.
// kind: 0 = L2 norm over channels, 1 = mean |.| over channels, 2 = squared L2 on [0,1].
double residualMean(const cv::Mat& cur, const cv::Mat& warped, const cv::Mat& mask, int kind) {
    const int ch = cur.channels();
    const int w = cur.cols;
    std::vector<double> diff(size_t(w) * ch);
    double s = 0, n = 0;
    for (int y = 0; y < cur.rows; ++y) {
        const uchar* c = cur.ptr<uchar>(y);
        const float* wp = warped.ptr<float>(y);
        const uchar* m = mask.empty() ? nullptr : mask.ptr<uchar>(y);
        diffRow(c, wp, w * ch, kind == 1, diff.data());
        const double* d = diff.data();
        for (int x = 0; x < w; ++x, d += ch) {
            if (m && !m[x]) continue;
            double acc = d[0];
            for (int k = 1; k < ch; ++k)
                acc += d[k];
            s += kind == 0 ? std::sqrt(acc) : (kind == 1 ? acc / ch : acc / (255.0 * 255.0));
            n += 1;
        }
    }
    return n > 0 ? s / n : std::numeric_limits<double>::quiet_NaN();
}

cv::Mat andMasks(const cv::Mat& a, const cv::Mat& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    cv::Mat o;
    cv::bitwise_and(a, b, o);
    return o;
}

void checkPair(const cv::Mat& a, const cv::Mat& b, const char* what) {
    if (a.empty() || b.empty())
        throw Error(ErrorCode::InvalidArgument, std::string(what) + " frame pair is incomplete");
    if (a.size() != b.size())
        throw Error(ErrorCode::Mismatch,
                    std::string(what) + " frames differ in size between t-1 and t");
}

// Self-warping error of a clip pair with given flows (both directions) over `mask`.
template <class Memo>
double swe(Memo& memo, const cv::Mat& prev, const cv::Mat& cur, const cv::Mat& fw,
           const cv::Mat& bw, const cv::Mat& mask) {
    const double e1 = residualMean(cur, memo.warp(prev, bw), mask, 1);
    const double e2 = residualMean(prev, memo.warp(cur, fw), mask, 1);
    return 0.5 * (e1 + e2);
}

} // namespace

namespace {
// Flow between two 8-bit grey frames. One DIS object per thread and preset, reused: DIS
// re-creates nothing when the size is unchanged, and its result does not depend on earlier
// calls (an empty output Mat means no initial flow).
cv::Mat flowFromGrey(const cv::Mat& a, const cv::Mat& b, const FlowOptions& opt) {
    if (a.size() != b.size())
        throw Error(ErrorCode::Mismatch, "optical flow needs two frames of the same size");
    if (a.cols < 16 || a.rows < 16)
        throw Error(ErrorCode::InvalidArgument,
                    "optical flow needs frames of at least 16x16 pixels (got " +
                        std::to_string(a.cols) + "x" + std::to_string(a.rows) + ")");
    cv::Mat flow;
    if (opt.method == FlowMethod::Farneback) {
        cv::calcOpticalFlowFarneback(a, b, flow, 0.5, 4, 15, 3, 5, 1.2, 0);
        return flow;
    }
    thread_local cv::Ptr<cv::DISOpticalFlow> fast, medium;
    cv::Ptr<cv::DISOpticalFlow>& dis = opt.method == FlowMethod::DisFast ? fast : medium;
    if (!dis)
        dis = cv::DISOpticalFlow::create(opt.method == FlowMethod::DisFast
                                             ? cv::DISOpticalFlow::PRESET_FAST
                                             : cv::DISOpticalFlow::PRESET_MEDIUM);
    dis->calc(a, b, flow);
    return flow;
}

// Per-call memo of grey conversions keyed by the frame's data pointer (the key Mat is kept so
// its memory cannot be reused while the memo lives).
class GreyMemo {
public:
    const cv::Mat& operator()(const cv::Mat& img) {
        for (auto& [k, g] : items_)
            if (k.data == img.data && k.size() == img.size() && k.type() == img.type()) return g;
        items_.emplace_back(img, grey(img));
        return items_.back().second;
    }

private:
    std::deque<std::pair<cv::Mat, cv::Mat>> items_;
};
} // namespace

cv::Mat computeFlow(const cv::Mat& from, const cv::Mat& to, const FlowOptions& opt) {
    return flowFromGrey(grey(from), grey(to), opt);
}

namespace {
// Absolute sampling map x + flow(x) for cv::remap.
void absoluteMapInto(const cv::Mat& flow, cv::Mat& map) {
    map.create(flow.size(), CV_32FC2);
    for (int y = 0; y < flow.rows; ++y) {
        const cv::Vec2f* f = flow.ptr<cv::Vec2f>(y);
        cv::Vec2f* m = map.ptr<cv::Vec2f>(y);
        for (int x = 0; x < flow.cols; ++x)
            m[x] = cv::Vec2f(x + f[x][0], y + f[x][1]);
    }
}

cv::Mat absoluteMap(const cv::Mat& flow) {
    cv::Mat map;
    absoluteMapInto(flow, map);
    return map;
}

cv::Mat remapFloat(const cv::Mat& img32, const cv::Mat& map) {
    cv::Mat out;
    cv::remap(img32, out, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    return out;
}

// Per-call memo of float copies of frames and absolute maps of flows, keyed by the Mat's
// data pointer; the key Mat is kept (shared, not copied) so its memory cannot be reused by a
// different Mat while the memo lives. A pair's frames and flows serve several metrics.
// Scratch images reused between calls on the same thread (frame-sized float images, maps and
// warps would otherwise be fresh multi-megabyte allocations, each paid for in page faults).
// A WarpMemo takes slots in order and gives them back when it is destroyed; a slot whose Mat
// is still referenced elsewhere is simply re-allocated by cv::Mat::create.
struct ScratchPool {
    std::deque<cv::Mat> slots;
    size_t used = 0;
};
ScratchPool& scratch() {
    thread_local ScratchPool p;
    return p;
}

// Per-call memo of float copies of frames and absolute maps of flows, keyed by the Mat's
// data pointer; the key Mat is kept (shared, not copied) so its memory cannot be reused by a
// different Mat while the memo lives. A pair's frames and flows serve several metrics.
class WarpMemo {
public:
    WarpMemo() : base_(scratch().used) {}
    ~WarpMemo() { scratch().used = base_; }
    WarpMemo(const WarpMemo&) = delete;
    WarpMemo& operator=(const WarpMemo&) = delete;

    const cv::Mat& asFloat(const cv::Mat& img) {
        for (auto& [k, m] : floats_)
            if (k.data == img.data) return *m;
        cv::Mat& f = slot();
        img.convertTo(f, CV_32F);
        floats_.emplace_back(img, &f);
        return f;
    }
    const cv::Mat& map(const cv::Mat& flow) {
        for (auto& [k, m] : maps_)
            if (k.data == flow.data) return *m;
        cv::Mat& m = slot();
        absoluteMapInto(flow, m);
        maps_.emplace_back(flow, &m);
        return m;
    }
    // The result lives in a scratch slot until this memo is destroyed.
    const cv::Mat& warp(const cv::Mat& img, const cv::Mat& flow) {
        if (flow.type() != CV_32FC2 || flow.size() != img.size())
            throw Error(ErrorCode::Mismatch, "warp: the flow must be CV_32FC2 of the image size");
        const cv::Mat& src = asFloat(img);
        const cv::Mat& mp = map(flow);
        cv::Mat& out = slot();
        cv::remap(src, out, mp, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        return out;
    }

private:
    cv::Mat& slot() {
        ScratchPool& p = scratch();
        if (p.used == p.slots.size()) p.slots.emplace_back();
        cv::Mat& m = p.slots[p.used++];
        if (m.u && m.u->refcount > 1) m.release(); // still shared: never write into it
        return m;
    }
    size_t base_;
    std::vector<std::pair<cv::Mat, cv::Mat*>> floats_, maps_;
};
} // namespace

cv::Mat warpBackward(const cv::Mat& img, const cv::Mat& flow) {
    if (flow.type() != CV_32FC2 || flow.size() != img.size())
        throw Error(ErrorCode::Mismatch, "warp: the flow must be CV_32FC2 of the image size");
    if (img.depth() == CV_32F) return remapFloat(img, absoluteMap(flow));
    cv::Mat src;
    img.convertTo(src, CV_32F);
    return remapFloat(src, absoluteMap(flow));
}

cv::Mat consistencyMask(const cv::Mat& fw, const cv::Mat& bw) {
    if (fw.type() != CV_32FC2 || bw.type() != CV_32FC2 || fw.size() != bw.size())
        throw Error(ErrorCode::Mismatch, "consistency mask: flows must be CV_32FC2 of one size");
    const cv::Mat bwWarped = warpBackward(bw, fw); // bw(x + fw(x))
    cv::Mat mask(fw.size(), CV_8UC1);
    for (int y = 0; y < fw.rows; ++y) {
        const cv::Vec2f* f = fw.ptr<cv::Vec2f>(y);
        const cv::Vec2f* g = bwWarped.ptr<cv::Vec2f>(y);
        uchar* m = mask.ptr<uchar>(y);
        for (int x = 0; x < fw.cols; ++x) {
            const double sx = f[x][0] + g[x][0], sy = f[x][1] + g[x][1];
            const double lhs = sx * sx + sy * sy;
            const double rhs = 0.01 * (f[x][0] * f[x][0] + f[x][1] * f[x][1] + g[x][0] * g[x][0] +
                                       g[x][1] * g[x][1]) +
                               0.5;
            m[x] = lhs > rhs ? 0 : 255;
        }
    }
    return mask;
}

namespace {
SourceFlows sourceFlows(const TemporalInputs& in, const std::vector<Metric>& which,
                        const FlowOptions& opt, GreyMemo& g) {
    SourceFlows f;
    const bool needVi = wants(which, Metric::FlowD) || wants(which, Metric::WarpError) ||
                        wants(which, Metric::BiSWE) || wants(which, Metric::MS2R);
    const bool needVif = wants(which, Metric::WarpError) || wants(which, Metric::BiSWE) ||
                         wants(which, Metric::MS2R);
    const bool needIr = wants(which, Metric::BiSWE) || wants(which, Metric::MS2R);
    if (needVi) {
        checkPair(in.viPrev, in.viCur, "visible");
        f.viBw = flowFromGrey(g(in.viCur), g(in.viPrev), opt);
        if (needVif) f.viFw = flowFromGrey(g(in.viPrev), g(in.viCur), opt);
    }
    if (needIr) {
        checkPair(in.irPrev, in.irCur, "infrared");
        f.irBw = flowFromGrey(g(in.irCur), g(in.irPrev), opt);
        f.irFw = flowFromGrey(g(in.irPrev), g(in.irCur), opt);
        f.irMask = consistencyMask(f.irBw, f.irFw);
    }
    if (needVif) f.viMask = consistencyMask(f.viBw, f.viFw);
    return f;
}
} // namespace

SourceFlows computeSourceFlows(const TemporalInputs& in, const std::vector<Metric>& which,
                               const FlowOptions& opt) {
    GreyMemo g;
    return sourceFlows(in, which, opt, g);
}

double flowD(const cv::Mat& viPrev, const cv::Mat& viCur, const cv::Mat& fusedPrev,
             const cv::Mat& fusedCur, const FlowOptions& opt, const cv::Mat& mask) {
    TemporalInputs in;
    in.viPrev = viPrev;
    in.viCur = viCur;
    in.fusedPrev = fusedPrev;
    in.fusedCur = fusedCur;
    return temporalMetrics(in, {Metric::FlowD}, opt, mask).at(Metric::FlowD);
}

Values temporalMetrics(const TemporalInputs& in, const std::vector<Metric>& which,
                       const FlowOptions& opt, const cv::Mat& mask, const SourceFlows* given) {
    Values out;
    const bool any = std::any_of(which.begin(), which.end(),
                                 [](Metric m) { return metricKind(m) == MetricKind::Temporal; });
    if (!any) return out;
    checkPair(in.fusedPrev, in.fusedCur, "fused");
    if (in.fusedPrev.type() != in.fusedCur.type())
        throw Error(ErrorCode::Mismatch, "fused frames t-1 and t differ in type");
    if (!mask.empty() && (mask.type() != CV_8UC1 || mask.size() != in.fusedCur.size()))
        throw Error(ErrorCode::Mismatch, "temporal metric mask must be CV_8UC1 of the frame size");
    for (const cv::Mat* s : {&in.viPrev, &in.viCur, &in.irPrev, &in.irCur})
        if (!s->empty() && s->size() != in.fusedCur.size())
            throw Error(ErrorCode::Mismatch,
                        "source and fused frames differ in size: " + std::to_string(s->cols) + "x" +
                            std::to_string(s->rows) + " vs " + std::to_string(in.fusedCur.cols) +
                            "x" + std::to_string(in.fusedCur.rows));

    GreyMemo g;
    SourceFlows local;
    const SourceFlows& fl = given ? *given : (local = sourceFlows(in, which, opt, g));
    auto need = [&](const cv::Mat& m, const char* what) -> const cv::Mat& {
        if (m.empty())
            throw Error(ErrorCode::InvalidArgument,
                        std::string("precomputed source flows lack the ") + what + " flow");
        return m;
    };

    WarpMemo memo;
    cv::Mat fusedWarpedPrev; // F_{t-1} warped onto t with the visible flow (flowD, Ewarp)
    auto fusedWarped = [&]() -> const cv::Mat& {
        if (fusedWarpedPrev.empty())
            fusedWarpedPrev = memo.warp(in.fusedPrev, need(fl.viBw, "visible backward"));
        return fusedWarpedPrev;
    };
    if (wants(which, Metric::FlowD)) {
        const cv::Mat& warped = fusedWarped();
        out[Metric::FlowD] = residualMean(in.fusedCur, warped, mask, 0);
    }
    if (wants(which, Metric::WarpError)) {
        const cv::Mat occ = !fl.viMask.empty() ? fl.viMask
                                               : consistencyMask(need(fl.viBw, "visible backward"),
                                                                 need(fl.viFw, "visible forward"));
        const cv::Mat& warped = fusedWarped();
        out[Metric::WarpError] = residualMean(in.fusedCur, warped, andMasks(occ, mask), 2);
    }
    if (wants(which, Metric::BiSWE) || wants(which, Metric::MS2R)) {
        const cv::Mat& viBw = need(fl.viBw, "visible backward");
        const cv::Mat& viFw = need(fl.viFw, "visible forward");
        const cv::Mat& irBw = need(fl.irBw, "infrared backward");
        const cv::Mat& irFw = need(fl.irFw, "infrared forward");
        const cv::Mat viOk = fl.viMask.empty() ? consistencyMask(viBw, viFw) : fl.viMask;
        const cv::Mat irOk = fl.irMask.empty() ? consistencyMask(irBw, irFw) : fl.irMask;
        const cv::Mat srcMask = andMasks(andMasks(viOk, irOk), mask);
        const cv::Mat fBw = flowFromGrey(g(in.fusedCur), g(in.fusedPrev), opt);
        const cv::Mat fFw = flowFromGrey(g(in.fusedPrev), g(in.fusedCur), opt);
        const double sF = swe(memo, in.fusedPrev, in.fusedCur, fFw, fBw, srcMask);
        if (wants(which, Metric::BiSWE)) out[Metric::BiSWE] = sF;
        if (wants(which, Metric::MS2R)) {
            const double sA = swe(memo, in.irPrev, in.irCur, irFw, irBw, srcMask);
            const double sB = swe(memo, in.viPrev, in.viCur, viFw, viBw, srcMask);
            const double ref = 0.5 * (sA + sB);
            out[Metric::MS2R] = ref > 0 ? sF / ref : std::numeric_limits<double>::quiet_NaN();
        }
    }
    auto flick = [&](const cv::Mat& p, const cv::Mat& c) {
        const cv::Mat &gp = g(p), &gc = g(c);
        const double mp = mask.empty() ? cv::mean(gp)[0] : cv::mean(gp, mask)[0];
        const double mc = mask.empty() ? cv::mean(gc)[0] : cv::mean(gc, mask)[0];
        return std::abs(mc - mp);
    };
    if (wants(which, Metric::Flicker)) out[Metric::Flicker] = flick(in.fusedPrev, in.fusedCur);
    if (wants(which, Metric::FlickerIR)) {
        checkPair(in.irPrev, in.irCur, "infrared");
        out[Metric::FlickerIR] = flick(in.irPrev, in.irCur);
    }
    if (wants(which, Metric::FlickerVI)) {
        checkPair(in.viPrev, in.viCur, "visible");
        out[Metric::FlickerVI] = flick(in.viPrev, in.viCur);
    }
    return out;
}

} // namespace vf::metrics
