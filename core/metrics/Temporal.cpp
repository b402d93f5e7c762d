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
//    values differ from the paper's. Grey frames count as three equal colour channels (as the
//    reference code reads images), here and in Ewarp: a grey clip scores as its 3-channel copy.
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
#include <cstring>
#include <deque>
#include <limits>
#if defined(__SSE2__)
#include <emmintrin.h>
#define VF_TMP_SSE2 1
#endif

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "core/metrics/Internal.h"
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

// Residuals between an 8-bit frame and a warped float row: per-element values go to a row
// buffer (vectorised loop), then are combined per pixel and summed per row (detail::maskedRowSum).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VF_TMP_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VF_TMP_CLONES
#endif

// Per-pixel residual values of a row of BGR pixels: v = f(((e0 + e1) + e2)) with
// e_k = |c_k - w_k| (kind 1) or (c_k - w_k)^2 (kinds 0, 2), in double, and f = sqrt (kind 0),
// / 3 (kind 1) or / 255^2 (kind 2): exactly the scalar per-pixel values. Cloned for AVX2
// WITHOUT FMA (a fused multiply-add would round the squares differently).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VF_TMP_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VF_TMP_AVX2_CLONES
#endif
template <int Kind>
VF_TMP_AVX2_CLONES void residualRow3(const uchar* __restrict c, const float* __restrict w, int n,
                                     double* __restrict out) {
    for (int x = 0; x < n; ++x) {
        const double d0 = double(c[3 * x]) - double(w[3 * x]);
        const double d1 = double(c[3 * x + 1]) - double(w[3 * x + 1]);
        const double d2 = double(c[3 * x + 2]) - double(w[3 * x + 2]);
        if constexpr (Kind == 1) {
            const double acc = (std::abs(d0) + std::abs(d1)) + std::abs(d2);
            out[x] = acc / 3;
        } else {
            const double e0 = d0 * d0, e1 = d1 * d1, e2 = d2 * d2;
            const double acc = (e0 + e1) + e2;
            out[x] = Kind == 0 ? std::sqrt(acc) : acc / (255.0 * 255.0);
        }
    }
}

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
    thread_local cv::Ptr<cv::DISOpticalFlow> ultrafast, fast, medium;
    const bool uf = opt.method == FlowMethod::DisUltrafast, f = opt.method == FlowMethod::DisFast;
    cv::Ptr<cv::DISOpticalFlow>& dis = uf ? ultrafast : (f ? fast : medium);
    if (!dis)
        dis = cv::DISOpticalFlow::create(
            uf ? cv::DISOpticalFlow::PRESET_ULTRAFAST
               : (f ? cv::DISOpticalFlow::PRESET_FAST : cv::DISOpticalFlow::PRESET_MEDIUM));
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

cv::Mat remapFloat(const cv::Mat& img32, const cv::Mat& map) {
    cv::Mat out;
    cv::remap(img32, out, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    return out;
}

// ---- the backward warp of the metrics, fused with what consumes it ------------------------
// cv::remap(src32f, map = x + flow, INTER_LINEAR, BORDER_REPLICATE) evaluated row by row
// straight from the 8-bit (or float) source, with exactly cv::remap's arithmetic, so the
// warped values are bit-identical (tests/metrics compares them with cv::remap):
//   * the map is converted to fixed point as remap does: X = cvRound(32 (x + fx)),
//     integer part X >> 5 (saturated to int16), fraction index (Y & 31) * 32 + (X & 31);
//   * weights from remap's float table: w = {(1-b)(1-a), (1-b)a, b(1-a), ba}, a = (X&31)/32
//     and b = (Y&31)/32 in float; value = ((s00 w0 + s01 w1) + s10 w2) + s11 w3 in float
//     (no fused multiply-add: this file is compiled without FMA code);
//   * BORDER_REPLICATE: a tap outside the image is clamped to the nearest edge pixel.
// What is saved: the float copies of the frames, the full-size float warped images (written
// and read back), and remap's per-block map conversion, repeated for every image warped with
// the same flow; the residuals read each warped row while it is in cache.
struct BilinearTable {
    float w[32 * 32][4];
    BilinearTable() {
        const float scale = 1.f / 32;
        for (int i = 0; i < 32; ++i)       // fraction of y
            for (int j = 0; j < 32; ++j) { // fraction of x
                const float b = i * scale, a = j * scale;
                const float vy[2] = {1.f - b, b}, vx[2] = {1.f - a, a};
                for (int k1 = 0; k1 < 2; ++k1)
                    for (int k2 = 0; k2 < 2; ++k2)
                        w[i * 32 + j][k1 * 2 + k2] = vy[k1] * vx[k2];
            }
    }
};
const BilinearTable& bilinearTable() {
    static const BilinearTable t;
    return t;
}

// Fixed-point sampling map of a flow: per pixel the integer source position (x, y) and the
// index of its fractions in the bilinear table.
struct FixedMap {
    std::vector<cv::Point_<short>> xy;
    std::vector<unsigned short> frac;
    int cols = 0, rows = 0;
};

void fixedMapInto(const cv::Mat& flow, FixedMap& fm) {
    fm.cols = flow.cols;
    fm.rows = flow.rows;
    fm.xy.resize(size_t(flow.cols) * flow.rows);
    fm.frac.resize(size_t(flow.cols) * flow.rows);
    for (int y = 0; y < flow.rows; ++y) {
        const cv::Vec2f* f = flow.ptr<cv::Vec2f>(y);
        cv::Point_<short>* xy = fm.xy.data() + size_t(y) * flow.cols;
        unsigned short* fr = fm.frac.data() + size_t(y) * flow.cols;
        int x = 0;
#ifdef VF_TMP_SSE2
        // 4 pixels at a time: the same float adds and products, cvtps2dq rounds to nearest
        // even as cvRound does (and gives INT_MIN out of range, as cvRound's cvtss2si), the
        // int16 pack saturates as saturate_cast<short>.
        const __m128 s32 = _mm_set1_ps(32.f);
        const __m128i m31 = _mm_set1_epi32(31), mul = _mm_set_epi16(32, 1, 32, 1, 32, 1, 32, 1);
        const float fy = float(y);
        for (; x + 4 <= flow.cols; x += 4) {
            const float* fp = reinterpret_cast<const float*>(f + x);
            const __m128 b0 = _mm_set_ps(fy, float(x + 1), fy, float(x));
            const __m128 b1 = _mm_set_ps(fy, float(x + 3), fy, float(x + 2));
            const __m128i i0 = _mm_cvtps_epi32(_mm_mul_ps(_mm_add_ps(b0, _mm_loadu_ps(fp)), s32));
            const __m128i i1 =
                _mm_cvtps_epi32(_mm_mul_ps(_mm_add_ps(b1, _mm_loadu_ps(fp + 4)), s32));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(xy + x),
                             _mm_packs_epi32(_mm_srai_epi32(i0, 5), _mm_srai_epi32(i1, 5)));
            const __m128i fr16 =
                _mm_packs_epi32(_mm_and_si128(i0, m31), _mm_and_si128(i1, m31)); // X Y X Y ..
            const __m128i idx = _mm_madd_epi16(fr16, mul);                       // X + 32 Y
            _mm_storel_epi64(reinterpret_cast<__m128i*>(fr + x), _mm_packs_epi32(idx, idx));
        }
#endif
        for (; x < flow.cols; ++x) {
            const float mx = x + f[x][0], my = y + f[x][1]; // the absolute map, in float
            const int X = cv::saturate_cast<int>(mx * 32), Y = cv::saturate_cast<int>(my * 32);
            xy[x] = cv::Point_<short>(cv::saturate_cast<short>(X >> 5),
                                      cv::saturate_cast<short>(Y >> 5));
            fr[x] = static_cast<unsigned short>((Y & 31) * 32 + (X & 31));
        }
    }
}

inline int clampTap(int v, int n) {
    return v >= 0 ? (v < n ? v : n - 1) : 0;
}

// Row y of remap(src, map) as float (CN interleaved channels), src of element type T.
template <class T, int CN>
void warpRowT(const cv::Mat& src, const FixedMap& fm, int y, float* __restrict out,
              int xStart = 0) {
    const BilinearTable& tab = bilinearTable();
    const int W = src.cols, H = src.rows;
    const unsigned w1 = unsigned(std::max(W - 1, 0)), h1 = unsigned(std::max(H - 1, 0));
    const uchar* base = src.data;
    const size_t step = src.step;
    const cv::Point_<short>* xy = fm.xy.data() + size_t(y) * fm.cols;
    const unsigned short* fr = fm.frac.data() + size_t(y) * fm.cols;
    out += size_t(xStart) * CN;
    for (int x = xStart; x < fm.cols; ++x, out += CN) {
        const int sx = xy[x].x, sy = xy[x].y;
        const float* w = tab.w[fr[x]];
        int x0 = sx, x1 = sx + 1, y0 = sy, y1 = sy + 1;
        if (!(unsigned(sx) < w1 && unsigned(sy) < h1)) {
            x0 = clampTap(sx, W);
            x1 = clampTap(sx + 1, W);
            y0 = clampTap(sy, H);
            y1 = clampTap(sy + 1, H);
        }
        const T* r0 = reinterpret_cast<const T*>(base + size_t(y0) * step);
        const T* r1 = reinterpret_cast<const T*>(base + size_t(y1) * step);
        const T *p00 = r0 + x0 * CN, *p01 = r0 + x1 * CN, *p10 = r1 + x0 * CN, *p11 = r1 + x1 * CN;
        for (int k = 0; k < CN; ++k) {
            float v = float(p00[k]) * w[0];
            v = v + float(p01[k]) * w[1];
            v = v + float(p10[k]) * w[2];
            v = v + float(p11[k]) * w[3];
            out[k] = v;
        }
    }
}

#ifdef VF_TMP_SSE2
// The same row for 8-bit BGR and for 2-channel float (flows) with the channels in SSE lanes:
// per lane the same float products and sums in the same order as the scalar code (no FMA);
// one spare float is written after the row (callers' buffers have room for it).
inline __m128 tapU8x3(const uchar* p, const uchar* end) {
    int v;
    if (p + 4 <= end)
        std::memcpy(&v, p, 4);
    else
        v = int(p[0]) | (int(p[1]) << 8) | (int(p[2]) << 16); // the image's very last pixel
    const __m128i z = _mm_setzero_si128();
    const __m128i b = _mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(v), z), z);
    return _mm_cvtepi32_ps(b);
}

template <class Tap>
void warpRowSse(const cv::Mat& src, const FixedMap& fm, int y, float* __restrict out, int cn,
                int xStart, Tap tap) {
    const BilinearTable& tab = bilinearTable();
    const int W = src.cols, H = src.rows;
    const unsigned w1 = unsigned(std::max(W - 1, 0)), h1 = unsigned(std::max(H - 1, 0));
    const size_t step = src.step, es = src.elemSize();
    const cv::Point_<short>* xy = fm.xy.data() + size_t(y) * fm.cols;
    const unsigned short* fr = fm.frac.data() + size_t(y) * fm.cols;
    out += size_t(xStart) * cn;
    for (int x = xStart; x < fm.cols; ++x, out += cn) {
        const int sx = xy[x].x, sy = xy[x].y;
        const __m128 w = _mm_loadu_ps(tab.w[fr[x]]);
        int x0 = sx, x1 = sx + 1, y0 = sy, y1 = sy + 1;
        if (!(unsigned(sx) < w1 && unsigned(sy) < h1)) {
            x0 = clampTap(sx, W);
            x1 = clampTap(sx + 1, W);
            y0 = clampTap(sy, H);
            y1 = clampTap(sy + 1, H);
        }
        const uchar* r0 = src.data + size_t(y0) * step;
        const uchar* r1 = src.data + size_t(y1) * step;
        __m128 v = _mm_mul_ps(tap(r0 + x0 * es), _mm_shuffle_ps(w, w, 0x00));
        v = _mm_add_ps(v, _mm_mul_ps(tap(r0 + x1 * es), _mm_shuffle_ps(w, w, 0x55)));
        v = _mm_add_ps(v, _mm_mul_ps(tap(r1 + x0 * es), _mm_shuffle_ps(w, w, 0xaa)));
        v = _mm_add_ps(v, _mm_mul_ps(tap(r1 + x1 * es), _mm_shuffle_ps(w, w, 0xff)));
        _mm_storeu_ps(out, v);
    }
}
#endif

#ifdef VF_TMP_SSE2
// 2-channel float (flows): the two taps of a row are adjacent, one 16-byte load each row;
// lanes (x, y, x', y') * (w0, w0, w1, w1), then the halves summed in the scalar order
// ((t00 + t01) + t10) + t11. Border pixels go through the clamped path.
void warpRowFlowSse(const cv::Mat& src, const FixedMap& fm, int y, float* __restrict out) {
    const BilinearTable& tab = bilinearTable();
    const int W = src.cols, H = src.rows;
    const unsigned w1 = unsigned(std::max(W - 1, 0)), h1 = unsigned(std::max(H - 1, 0));
    const size_t step = src.step;
    const cv::Point_<short>* xy = fm.xy.data() + size_t(y) * fm.cols;
    const unsigned short* fr = fm.frac.data() + size_t(y) * fm.cols;
    for (int x = 0; x < fm.cols; ++x, out += 2) {
        const int sx = xy[x].x, sy = xy[x].y;
        const __m128 w = _mm_loadu_ps(tab.w[fr[x]]);
        const __m128 wA = _mm_unpacklo_ps(w, w), wB = _mm_unpackhi_ps(w, w);
        __m128 p, q;
        if (unsigned(sx) < w1 && unsigned(sy) < h1) {
            const float* r0 = reinterpret_cast<const float*>(src.data + size_t(sy) * step) + 2 * sx;
            const float* r1 =
                reinterpret_cast<const float*>(src.data + size_t(sy + 1) * step) + 2 * sx;
            p = _mm_mul_ps(_mm_loadu_ps(r0), wA);
            q = _mm_mul_ps(_mm_loadu_ps(r1), wB);
        } else {
            const int x0 = clampTap(sx, W), x1 = clampTap(sx + 1, W);
            const int y0 = clampTap(sy, H), y1 = clampTap(sy + 1, H);
            const float* r0 = reinterpret_cast<const float*>(src.data + size_t(y0) * step);
            const float* r1 = reinterpret_cast<const float*>(src.data + size_t(y1) * step);
            p = _mm_mul_ps(_mm_setr_ps(r0[2 * x0], r0[2 * x0 + 1], r0[2 * x1], r0[2 * x1 + 1]), wA);
            q = _mm_mul_ps(_mm_setr_ps(r1[2 * x0], r1[2 * x0 + 1], r1[2 * x1], r1[2 * x1 + 1]), wB);
        }
        __m128 v = _mm_add_ps(p, _mm_movehl_ps(p, p)); // t00 + t01 (lanes 0, 1)
        v = _mm_add_ps(v, q);                          // + t10
        v = _mm_add_ps(v, _mm_movehl_ps(q, q));        // + t11
        _mm_storel_pi(reinterpret_cast<__m64*>(out), v);
    }
}
#endif

#if defined(VF_TMP_SSE2) && defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define VF_TMP_AVX2 1
// Byte shuffles picking bytes 3 (j + t) + k (j = 0..7; channel k, tap t) out of 32 loaded
// bytes, as two 16-byte halves ([.][.][0]: from bytes 0-15, [.][.][1]: from bytes 16-31).
struct RunShuffles {
    alignas(16) signed char m[3][2][2][16];
    RunShuffles() {
        for (int k = 0; k < 3; ++k)
            for (int t = 0; t < 2; ++t)
                for (int j = 0; j < 16; ++j) {
                    const int b = j < 8 ? 3 * (j + t) + k : -1;
                    m[k][t][0][j] = static_cast<signed char>(b >= 0 && b < 16 ? b : -128);
                    m[k][t][1][j] = static_cast<signed char>(b >= 16 ? b - 16 : -128);
                }
    }
};
const RunShuffles shuf;

// 8 pixels at a time with AVX2 gathers (AVX2 only: no FMA, so every product and sum is
// rounded as in the scalar code; weights computed as remap's table computes them:
// a = j / 32, w = {(1-b)(1-a), (1-b)a, b(1-a), ba}). Taps are clamped to the image
// (border replicate; for inside pixels clamping changes nothing). 8-bit BGR (cn 3, 4-byte
// gathers of which the 4th byte is ignored). Returns the number of pixels
// done; a group that would read past the image's last byte is left to the caller.
__attribute__((target("avx2"))) int warpRowAvx2Bgr(const cv::Mat& src, const FixedMap& fm, int y,
                                                   float* __restrict out) {
    const int W = src.cols, H = src.rows;
    const int step = int(src.step), es = int(src.elemSize());
    const int lastOffset = (H - 1) * step + W * es - 4; // the last 4-byte load that stays inside
    const cv::Point_<short>* xy = fm.xy.data() + size_t(y) * fm.cols;
    const unsigned short* fr = fm.frac.data() + size_t(y) * fm.cols;
    const __m256i zero = _mm256_setzero_si256(), wMax = _mm256_set1_epi32(W - 1),
                  hMax = _mm256_set1_epi32(H - 1), one = _mm256_set1_epi32(1),
                  m31 = _mm256_set1_epi32(31), vStep = _mm256_set1_epi32(step),
                  vEs = _mm256_set1_epi32(es), vLast = _mm256_set1_epi32(lastOffset),
                  m255 = _mm256_set1_epi32(255);
    const __m256 scale = _mm256_set1_ps(1.f / 32), fone = _mm256_set1_ps(1.f);
    const int* base = reinterpret_cast<const int*>(src.data);
    int x = 0;
    for (; x + 8 <= fm.cols; x += 8) {
        const __m256i p = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xy + x));
        const __m256i sx = _mm256_srai_epi32(_mm256_slli_epi32(p, 16), 16);
        const __m256i sy = _mm256_srai_epi32(p, 16);
        const __m256i f =
            _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(fr + x)));
        const __m256 a = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_and_si256(f, m31)), scale);
        const __m256 b = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(f, 5)), scale);
        const __m256 a0 = _mm256_sub_ps(fone, a), b0 = _mm256_sub_ps(fone, b);
        const __m256 w0 = _mm256_mul_ps(b0, a0), w1 = _mm256_mul_ps(b0, a),
                     w2 = _mm256_mul_ps(b, a0), w3 = _mm256_mul_ps(b, a);
#define VF_CLAMPV(v, hi) _mm256_min_epi32(_mm256_max_epi32(v, zero), hi)
        const __m256i x0 = _mm256_mullo_epi32(VF_CLAMPV(sx, wMax), vEs);
        const __m256i x1 = _mm256_mullo_epi32(VF_CLAMPV(_mm256_add_epi32(sx, one), wMax), vEs);
        const __m256i y0 = _mm256_mullo_epi32(VF_CLAMPV(sy, hMax), vStep);
        const __m256i y1 = _mm256_mullo_epi32(VF_CLAMPV(_mm256_add_epi32(sy, one), hMax), vStep);
        const __m256i o00 = _mm256_add_epi32(y0, x0), o01 = _mm256_add_epi32(y0, x1),
                      o10 = _mm256_add_epi32(y1, x0), o11 = _mm256_add_epi32(y1, x1);
        alignas(32) float t[3][8];
        {
            // Smooth flows: often the 8 pixels sample 8 consecutive source pixels of one row
            // pair (same sy, sx = sx0 .. sx0 + 7). Then the 9 source pixels of each row are
            // 27 contiguous bytes: two 16-byte loads and byte shuffles instead of gathers.
            const int sx0 = _mm256_cvtsi256_si32(sx), sy0 = _mm256_cvtsi256_si32(sy);
            const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            const __m256i run = _mm256_and_si256(
                _mm256_cmpeq_epi32(sx, _mm256_add_epi32(_mm256_set1_epi32(sx0), iota)),
                _mm256_cmpeq_epi32(sy, _mm256_set1_epi32(sy0)));
            if (_mm256_movemask_epi8(run) == -1 && sx0 >= 0 && sx0 + 11 <= W && sy0 >= 0 &&
                sy0 + 1 < H) {
                const uchar* p0 = src.data + size_t(sy0) * step + size_t(3) * sx0;
                const uchar* p1 = p0 + step;
                const __m128i a0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p0));
                const __m128i a1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p0 + 16));
                const __m128i b0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p1));
                const __m128i b1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p1 + 16));
                for (int k = 0; k < 3; ++k) {
                    __m256 tap[2][2]; // [row][t]
                    for (int tt = 0; tt < 2; ++tt) {
                        const __m128i mlo =
                            _mm_load_si128(reinterpret_cast<const __m128i*>(shuf.m[k][tt][0]));
                        const __m128i mhi =
                            _mm_load_si128(reinterpret_cast<const __m128i*>(shuf.m[k][tt][1]));
                        const __m128i r0b =
                            _mm_or_si128(_mm_shuffle_epi8(a0, mlo), _mm_shuffle_epi8(a1, mhi));
                        const __m128i r1b =
                            _mm_or_si128(_mm_shuffle_epi8(b0, mlo), _mm_shuffle_epi8(b1, mhi));
                        tap[0][tt] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(r0b));
                        tap[1][tt] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(r1b));
                    }
                    __m256 v = _mm256_mul_ps(tap[0][0], w0);
                    v = _mm256_add_ps(v, _mm256_mul_ps(tap[0][1], w1));
                    v = _mm256_add_ps(v, _mm256_mul_ps(tap[1][0], w2));
                    v = _mm256_add_ps(v, _mm256_mul_ps(tap[1][1], w3));
                    _mm256_store_ps(t[k], v);
                }
                for (int i = 0; i < 8; ++i) {
                    out[3 * (x + i)] = t[0][i];
                    out[3 * (x + i) + 1] = t[1][i];
                    out[3 * (x + i) + 2] = t[2][i];
                }
                continue;
            }
            // o11 is the largest offset of the four
            if (_mm256_movemask_epi8(_mm256_cmpgt_epi32(o11, vLast)) != 0) break;
            const __m256i g00 = _mm256_i32gather_epi32(base, o00, 1);
            const __m256i g01 = _mm256_i32gather_epi32(base, o01, 1);
            const __m256i g10 = _mm256_i32gather_epi32(base, o10, 1);
            const __m256i g11 = _mm256_i32gather_epi32(base, o11, 1);
            for (int k = 0; k < 3; ++k) {
                const __m128i sh = _mm_cvtsi32_si128(8 * k);
#define VF_CHAN(g) _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(g, sh), m255))
                __m256 v = _mm256_mul_ps(VF_CHAN(g00), w0);
                v = _mm256_add_ps(v, _mm256_mul_ps(VF_CHAN(g01), w1));
                v = _mm256_add_ps(v, _mm256_mul_ps(VF_CHAN(g10), w2));
                v = _mm256_add_ps(v, _mm256_mul_ps(VF_CHAN(g11), w3));
                _mm256_store_ps(t[k], v);
#undef VF_CHAN
            }
            for (int i = 0; i < 8; ++i) {
                out[3 * (x + i)] = t[0][i];
                out[3 * (x + i) + 1] = t[1][i];
                out[3 * (x + i) + 2] = t[2][i];
            }
        }
    }
#undef VF_CLAMPV
    return x;
}

bool haveAvx2() {
    static const bool yes = __builtin_cpu_supports("avx2");
    return yes;
}
#endif

void warpRow(const cv::Mat& src, const FixedMap& fm, int y, float* out) {
    const int cn = src.channels();
    int x0 = 0; // pixels [0, x0) done by the AVX2 code
#ifdef VF_TMP_AVX2
    // AVX2 for the bulk of the row (offsets in int: frames below 2 GB), the rest below
    if (src.type() == CV_8UC3 && haveAvx2() && double(src.step) * src.rows < 2e9)
        x0 = warpRowAvx2Bgr(src, fm, y, out);
#endif
#ifdef VF_TMP_SSE2
    if (src.type() == CV_32FC2) return warpRowFlowSse(src, fm, y, out);
#endif
#ifdef VF_TMP_SSE2
    if (src.type() == CV_8UC3) {
        const uchar* end = src.data + size_t(src.rows - 1) * src.step + size_t(src.cols) * 3;
        return warpRowSse(src, fm, y, out, 3, x0,
                          [end](const uchar* p) { return tapU8x3(p, end); });
    }
    if (src.type() == CV_32FC2)
        return warpRowSse(src, fm, y, out, 2, x0, [](const uchar* p) {
            return _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p)));
        });
#endif
    if (src.depth() == CV_8U) {
        if (cn == 1) return warpRowT<uchar, 1>(src, fm, y, out);
        if (cn == 3) return warpRowT<uchar, 3>(src, fm, y, out, x0);
        if (cn == 4) return warpRowT<uchar, 4>(src, fm, y, out);
    } else if (src.depth() == CV_32F) {
        if (cn == 1) return warpRowT<float, 1>(src, fm, y, out);
        if (cn == 2) return warpRowT<float, 2>(src, fm, y, out, x0);
        if (cn == 3) return warpRowT<float, 3>(src, fm, y, out);
    }
    throw Error(ErrorCode::Unsupported, "warp: unsupported image type (8-bit with 1, 3 or 4 "
                                        "channels, or float with 1 to 3)");
}

// One residual mean over a mask, accumulated row by row. kind: 0 = L2 norm over channels,
// 1 = mean |.| over channels, 2 = squared L2 on [0,1] (colour values / 255).
struct Residual {
    int kind;
    const cv::Mat* mask; // empty Mat: all pixels
    double s = 0, n = 0;
    double mean() const { return n > 0 ? s / n : std::numeric_limits<double>::quiet_NaN(); }
};

// cur (8-bit) against src warped by the fixed map, for each of the residuals in r: the same
// per-pixel values as the residual of cur against warpBackward(src, flow), summed per row.
void warpResiduals(const cv::Mat& src, const cv::Mat& cur, const FixedMap& fm, Residual* r,
                   int nr) {
    const int ch = cur.channels();
    if (cur.depth() != CV_8U || src.depth() != CV_8U || src.channels() != ch)
        throw Error(ErrorCode::Unsupported, "temporal metrics need 8-bit grey or BGR frames");
    const int w = cur.cols;
    std::vector<float> warped(size_t(w) * ch + 1); // + room for warpRow's spare float
    std::vector<double> diff(size_t(w) * ch), vals(w);
    for (int y = 0; y < cur.rows; ++y) {
        warpRow(src, fm, y, warped.data());
        const uchar* c = cur.ptr<uchar>(y);
        for (int q = 0; q < nr; ++q) {
            Residual& R = r[q];
            const uchar* m = R.mask->empty() ? nullptr : R.mask->ptr<uchar>(y);
            double* v = vals.data();
            if (ch == 3) {
                // per-pixel values (vectorised)
                if (R.kind == 0)
                    residualRow3<0>(c, warped.data(), w, v);
                else if (R.kind == 1)
                    residualRow3<1>(c, warped.data(), w, v);
                else
                    residualRow3<2>(c, warped.data(), w, v);
            } else {
                // grey frames (ch == 1) count as three equal channels, as the reference code
                // reads them (3-channel images): the sums over channels of kinds 0 and 2 are
                // 3 d^2, so a grey clip and its 3-channel copy score the same
                diffRow(c, warped.data(), w, R.kind == 1, diff.data());
                for (int x = 0; x < w; ++x) {
                    const double d = diff[x];
                    const double acc = R.kind == 1 ? d : (d + d) + d; // = the 3-channel sum
                    v[x] =
                        R.kind == 0 ? std::sqrt(acc) : (R.kind == 1 ? acc : acc / (255.0 * 255.0));
                }
            }
            detail::maskedRowSum(v, m, w, R.s, R.n);
        }
    }
}

// Lai's rule on f and g(x + f) (g warped by f's fixed map), row by row.
cv::Mat consistencyFromMap(const cv::Mat& fw, const cv::Mat& bw, const FixedMap& fm) {
    cv::Mat mask(fw.size(), CV_8UC1);
    std::vector<float> gRow(size_t(fw.cols) * 2 + 2); // + room for warpRow's spare float
    for (int y = 0; y < fw.rows; ++y) {
        warpRow(bw, fm, y, gRow.data());
        const cv::Vec2f* f = fw.ptr<cv::Vec2f>(y);
        const float* g = gRow.data();
        uchar* m = mask.ptr<uchar>(y);
        for (int x = 0; x < fw.cols; ++x, g += 2) {
            const double sx = f[x][0] + g[0], sy = f[x][1] + g[1];
            const double lhs = sx * sx + sy * sy;
            const double rhs =
                0.01 * (f[x][0] * f[x][0] + f[x][1] * f[x][1] + g[0] * g[0] + g[1] * g[1]) + 0.5;
            m[x] = lhs > rhs ? 0 : 255;
        }
    }
    return mask;
}

// Per-call memo of the fixed maps of flows, keyed by the flow's data pointer (the key Mat is
// kept so its memory cannot be reused while the memo lives). Map storage is kept per thread
// between calls (frame-sized buffers would otherwise be fresh allocations every call).
struct MapPool {
    std::deque<FixedMap> maps;
    size_t used = 0;
};
MapPool& mapPool() {
    thread_local MapPool p;
    return p;
}

class MapMemo {
public:
    MapMemo() : base_(mapPool().used) {}
    ~MapMemo() { mapPool().used = base_; }
    MapMemo(const MapMemo&) = delete;
    MapMemo& operator=(const MapMemo&) = delete;

    const FixedMap& operator()(const cv::Mat& flow) {
        if (flow.type() != CV_32FC2)
            throw Error(ErrorCode::Mismatch, "warp: the flow must be CV_32FC2");
        for (auto& [k, m] : items_)
            if (k.data == flow.data && k.size() == flow.size()) return *m;
        MapPool& p = mapPool();
        if (p.used == p.maps.size()) p.maps.emplace_back();
        FixedMap& m = p.maps[p.used++];
        fixedMapInto(flow, m);
        items_.emplace_back(flow, &m);
        return m;
    }

private:
    size_t base_;
    std::vector<std::pair<cv::Mat, FixedMap*>> items_;
};
} // namespace

cv::Mat warpBackward(const cv::Mat& img, const cv::Mat& flow) {
    if (flow.type() != CV_32FC2 || flow.size() != img.size())
        throw Error(ErrorCode::Mismatch, "warp: the flow must be CV_32FC2 of the image size");
    cv::Mat map;
    absoluteMapInto(flow, map);
    if (img.depth() == CV_32F) return remapFloat(img, map);
    cv::Mat src;
    img.convertTo(src, CV_32F);
    return remapFloat(src, map);
}

namespace {
void checkFlowPair(const cv::Mat& fw, const cv::Mat& bw) {
    if (fw.type() != CV_32FC2 || bw.type() != CV_32FC2 || fw.size() != bw.size())
        throw Error(ErrorCode::Mismatch, "consistency mask: flows must be CV_32FC2 of one size");
}
} // namespace

cv::Mat consistencyMask(const cv::Mat& fw, const cv::Mat& bw) {
    checkFlowPair(fw, bw);
    MapMemo maps;
    return consistencyFromMap(fw, bw, maps(fw));
}

namespace detail {
cv::Mat warpBackwardFused(const cv::Mat& img, const cv::Mat& flow) {
    if (flow.type() != CV_32FC2 || flow.size() != img.size())
        throw Error(ErrorCode::Mismatch, "warp: the flow must be CV_32FC2 of the image size");
    MapMemo maps;
    const FixedMap& fm = maps(flow);
    cv::Mat out(img.size(), CV_MAKETYPE(CV_32F, img.channels()));
    const size_t rowLen = size_t(img.cols) * img.channels();
    std::vector<float> row(rowLen + 1); // + room for warpRow's spare float
    for (int y = 0; y < img.rows; ++y) {
        warpRow(img, fm, y, row.data());
        std::memcpy(out.ptr<float>(y), row.data(), rowLen * sizeof(float));
    }
    return out;
}
} // namespace detail

namespace {
// Self-warping error of a clip: 0.5 (mean |X_t - W(X_{t-1}, bw)| + mean |X_{t-1} - W(X_t, fw)|)
// over srcMask.
double selfWarpError(const cv::Mat& prev, const cv::Mat& cur, const cv::Mat& fw, const cv::Mat& bw,
                     const cv::Mat& srcMask, MapMemo& maps) {
    Residual e1{1, &srcMask}, e2{1, &srcMask};
    warpResiduals(prev, cur, maps(bw), &e1, 1);
    warpResiduals(cur, prev, maps(fw), &e2, 1);
    return 0.5 * (e1.mean() + e2.mean());
}

// |mean grey(t) - mean grey(t-1)| over the mask.
double flicker(const cv::Mat& gp, const cv::Mat& gc, const cv::Mat& mask) {
    const double mp = mask.empty() ? cv::mean(gp)[0] : cv::mean(gp, mask)[0];
    const double mc = mask.empty() ? cv::mean(gc)[0] : cv::mean(gc, mask)[0];
    return std::abs(mc - mp);
}

SourceFlows sourceFlows(const TemporalInputs& in, const std::vector<Metric>& which,
                        const FlowOptions& opt, GreyMemo& g, MapMemo& maps, const cv::Mat& mask) {
    SourceFlows f;
    f.mask = mask;
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
        f.irMask = consistencyFromMap(f.irBw, f.irFw, maps(f.irBw));
    }
    if (needVif) f.viMask = consistencyFromMap(f.viBw, f.viFw, maps(f.viBw));
    // the sources' own values: the same for every fused stream
    if (wants(which, Metric::MS2R)) {
        const cv::Mat srcMask = andMasks(andMasks(f.viMask, f.irMask), mask);
        f.sweIr = selfWarpError(in.irPrev, in.irCur, f.irFw, f.irBw, srcMask, maps);
        f.sweVi = selfWarpError(in.viPrev, in.viCur, f.viFw, f.viBw, srcMask, maps);
    }
    if (wants(which, Metric::FlickerIR)) {
        checkPair(in.irPrev, in.irCur, "infrared");
        f.flickerIr = flicker(g(in.irPrev), g(in.irCur), mask);
    }
    if (wants(which, Metric::FlickerVI)) {
        checkPair(in.viPrev, in.viCur, "visible");
        f.flickerVi = flicker(g(in.viPrev), g(in.viCur), mask);
    }
    return f;
}
} // namespace

SourceFlows computeSourceFlows(const TemporalInputs& in, const std::vector<Metric>& which,
                               const FlowOptions& opt, const cv::Mat& mask) {
    GreyMemo g;
    MapMemo maps;
    return sourceFlows(in, which, opt, g, maps, mask);
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
    MapMemo maps; // fixed-point maps of the flows, each shared by every warp with that flow
    SourceFlows local;
    const SourceFlows& fl = given ? *given : (local = sourceFlows(in, which, opt, g, maps, mask));
    // the sources' own values are reusable when computed over the same region
    const bool sameRegion = fl.mask.data == mask.data && fl.mask.size() == mask.size();
    auto reuse = [&](double v) { return sameRegion && !std::isnan(v); };
    auto need = [&](const cv::Mat& m, const char* what) -> const cv::Mat& {
        if (m.empty())
            throw Error(ErrorCode::InvalidArgument,
                        std::string("precomputed source flows lack the ") + what + " flow");
        if (m.type() != CV_32FC2 || m.size() != in.fusedCur.size())
            throw Error(ErrorCode::Mismatch, std::string("precomputed ") + what +
                                                 " flow is not CV_32FC2 of the frame size");
        return m;
    };
    auto maskOf = [&](const cv::Mat& given, const cv::Mat& bw, const cv::Mat& fw) {
        if (!given.empty()) return given;
        checkFlowPair(bw, fw);
        return consistencyFromMap(bw, fw, maps(bw));
    };

    // flowD and Ewarp: F_{t-1} warped onto t with the visible flow, one pass for both.
    const bool wantD = wants(which, Metric::FlowD), wantE = wants(which, Metric::WarpError);
    if (wantD || wantE) {
        const cv::Mat& viBw = need(fl.viBw, "visible backward");
        cv::Mat ewMask;
        if (wantE)
            ewMask = andMasks(maskOf(fl.viMask, viBw, need(fl.viFw, "visible forward")), mask);
        Residual r[2] = {{0, &mask}, {2, &ewMask}};
        const int first = wantD ? 0 : 1, count = (wantD ? 1 : 0) + (wantE ? 1 : 0);
        warpResiduals(in.fusedPrev, in.fusedCur, maps(viBw), r + first, count);
        if (wantD) out[Metric::FlowD] = r[0].mean();
        if (wantE) out[Metric::WarpError] = r[1].mean();
    }
    if (wants(which, Metric::BiSWE) || wants(which, Metric::MS2R)) {
        const cv::Mat& viBw = need(fl.viBw, "visible backward");
        const cv::Mat& viFw = need(fl.viFw, "visible forward");
        const cv::Mat& irBw = need(fl.irBw, "infrared backward");
        const cv::Mat& irFw = need(fl.irFw, "infrared forward");
        const cv::Mat viOk = maskOf(fl.viMask, viBw, viFw);
        const cv::Mat irOk = maskOf(fl.irMask, irBw, irFw);
        const cv::Mat srcMask = andMasks(andMasks(viOk, irOk), mask);
        const cv::Mat fBw = flowFromGrey(g(in.fusedCur), g(in.fusedPrev), opt);
        const cv::Mat fFw = flowFromGrey(g(in.fusedPrev), g(in.fusedCur), opt);
        const double sF = selfWarpError(in.fusedPrev, in.fusedCur, fFw, fBw, srcMask, maps);
        if (wants(which, Metric::BiSWE)) out[Metric::BiSWE] = sF;
        if (wants(which, Metric::MS2R)) {
            checkPair(in.irPrev, in.irCur, "infrared");
            checkPair(in.viPrev, in.viCur, "visible");
            const double sA = reuse(fl.sweIr)
                                  ? fl.sweIr
                                  : selfWarpError(in.irPrev, in.irCur, irFw, irBw, srcMask, maps);
            const double sB = reuse(fl.sweVi)
                                  ? fl.sweVi
                                  : selfWarpError(in.viPrev, in.viCur, viFw, viBw, srcMask, maps);
            const double ref = 0.5 * (sA + sB);
            out[Metric::MS2R] = ref > 0 ? sF / ref : std::numeric_limits<double>::quiet_NaN();
        }
    }
    auto flick = [&](const cv::Mat& p, const cv::Mat& c) { return flicker(g(p), g(c), mask); };
    if (wants(which, Metric::Flicker)) out[Metric::Flicker] = flick(in.fusedPrev, in.fusedCur);
    if (wants(which, Metric::FlickerIR)) {
        checkPair(in.irPrev, in.irCur, "infrared");
        out[Metric::FlickerIR] = reuse(fl.flickerIr) ? fl.flickerIr : flick(in.irPrev, in.irCur);
    }
    if (wants(which, Metric::FlickerVI)) {
        checkPair(in.viPrev, in.viCur, "visible");
        out[Metric::FlickerVI] = reuse(fl.flickerVi) ? fl.flickerVi : flick(in.viPrev, in.viCur);
    }
    return out;
}

} // namespace vf::metrics
