#pragma once
// Internal helpers shared by the classical fusion methods (not part of the public API).

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "core/common/Error.h"

namespace vf::fusion::classical::detail {

// Marks a hot loop function to be built twice on x86-64 with GCC, for AVX2+FMA and for the
// baseline, the variant being chosen at load time from the CPU (an ifunc): loops bound by
// expNeg() run about twice as fast with 8-wide vectors.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define VF_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VF_SIMD_CLONES
#endif

// Set on threads that already run one frame each of a frame-parallel sequence run (see
// Register.cpp): the helpers below then stay on the calling thread instead of competing for
// OpenCV's pool.
inline thread_local bool tlSerial = false;

// Runs a() and b() concurrently on OpenCV's thread pool (serially when nested inside another
// parallel region, where OpenCV runs the body inline, or when tlSerial is set).
template <class A, class B> void runPair(A&& a, B&& b) {
    if (tlSerial) {
        a();
        b();
        return;
    }
    cv::parallel_for_(cv::Range(0, 2), [&](const cv::Range& r) {
        for (int i = r.start; i < r.end; ++i) {
            if (i == 0)
                a();
            else
                b();
        }
    });
}

// exp(x) for x <= 0 (clamped at -87), relative error < 1e-5, written so that GCC vectorises
// loops that call it (no library call, no branches).
inline float expNeg(float x) {
    x = std::max(x, -87.f);
    const float t = x * 1.44269504088896341f; // log2(e), t in [-125.6, 0]
    // floor(t): t + 128 > 0, so truncation (cvttps2dq) is floor there.
    const std::int32_t i = static_cast<std::int32_t>(t + 128.f) - 128;
    const float f = t - static_cast<float>(i); // [0,1)
    // 2^f on [0,1): Taylor polynomial of exp(f ln 2), degree 6.
    float p = 1.5403530393381608e-4f;
    p = p * f + 1.3333558146428443e-3f;
    p = p * f + 9.618129107628477e-3f;
    p = p * f + 5.550410866482158e-2f;
    p = p * f + 2.402265069591007e-1f;
    p = p * f + 6.931471805599453e-1f;
    p = p * f + 1.0f;
    return p * std::bit_cast<float>((i + 127) << 23);
}

// Checks the common preconditions of fuseGray implementations.
inline void checkInputs(const cv::Mat& ir, const cv::Mat& vi, const char* method) {
    if (ir.empty() || vi.empty())
        throw Error(ErrorCode::InvalidArgument, std::string(method) + ": empty input image");
    if (ir.type() != CV_32FC1 || vi.type() != CV_32FC1)
        throw Error(ErrorCode::InvalidArgument,
                    std::string(method) + ": inputs must be single-channel 32-bit float images");
    if (ir.size() != vi.size())
        throw Error(ErrorCode::Mismatch,
                    std::string(method) + ": IR and visible differ in size: " +
                        std::to_string(ir.cols) + "x" + std::to_string(ir.rows) + " vs " +
                        std::to_string(vi.cols) + "x" + std::to_string(vi.rows));
}

// Normalised box mean over a (2r+1)^2 window, reflected borders.
cv::Mat boxMean(const cv::Mat& src, int r);

// Column-sum updates of boxSumRows: cs[x] += a[x], cs[x] += add[x] - sub[x], and the same
// for products of two rows (a[x] * b[x], in double).
void columnAdd(double* cs, const float* a, int n);
void columnUpdate(double* cs, const float* add, const float* sub, int n);
void columnAddProduct(double* cs, const float* a, const float* b, int n);
void columnUpdateProduct(double* cs, const float* addA, const float* addB, const float* subA,
                         const float* subB, int n);

// An input plane of boxSumRows: the image a, or the element-wise product a .* b when b is
// given (formed on the fly, in double, never stored).
struct BoxPlane {
    const cv::Mat* a = nullptr;
    const cv::Mat* b = nullptr;
    BoxPlane(const cv::Mat* img) : a(img) {} // NOLINT: implicit, for plain planes
    BoxPlane(const cv::Mat* u, const cv::Mat* v) : a(u), b(v) {}
};
// One row of guided-filter coefficients from window sums (s = sums of I, p, I*p, I*I; norm =
// 1 / window area): a = cov / (var + eps), b = mean(p) - a mean(I).
void guidedCoefficientRow(const double* sI, const double* sp, const double* sIp, const double* sII,
                          double norm, double eps, float* a, float* b, int n);

// Window sums of N single-channel CV_32FC1 planes (or products of two, BoxPlane) of equal
// size over the (2r+1) x (2r+1)
// window centred on each pixel, with reflected borders (cv::BORDER_REFLECT, repeated for
// windows larger than the image), accumulated in double: running column sums down the image
// and a running sum along each row, so the cost per pixel does not depend on r and there is
// no drift. For every output row y, fn(y, sums) is called with sums[c][x] = the window sum
// of plane c at (y, x), x in [0, cols). Rows are produced in increasing order; the row
// buffers are reused after fn returns. (One cv::boxFilter of a 4-channel float image costs
// more than this pass over four planes: OpenCV converts to double in separate passes.)
// Only rows [y0, y1) are produced when given (y1 < 0: to the last row), so that stripes of
// rows can run in parallel (parallelRows); each stripe starts its column sums afresh.
template <int N, class RowFn>
void boxSumRows(const std::array<BoxPlane, N>& in, int r, RowFn&& fn, int y0 = 0, int y1 = -1) {
    static_assert(N >= 1 && N <= 8);
    const int rows = in[0].a->rows, cols = in[0].a->cols;
    if (y1 < 0) y1 = rows;
    for (const BoxPlane& p : in)
        for (const cv::Mat* m : {p.a, p.b})
            CV_Assert(!m || (m->type() == CV_32FC1 && m->rows == rows && m->cols == cols));
    CV_Assert(r >= 0);
    const size_t w = static_cast<size_t>(cols);
    // Source row / column of the padded index k in [-r-1, len+r), stored at k + r + 1.
    auto table = [r](int len) {
        std::vector<int> t(static_cast<size_t>(len + 2 * r + 1));
        for (int k = -r - 1; k < len + r; ++k)
            t[static_cast<size_t>(k + r + 1)] = cv::borderInterpolate(k, len, cv::BORDER_REFLECT);
        return t;
    };
    const std::vector<int> ry = table(rows), cx = table(cols);
    std::vector<double> colBuf(N * w), rowBuf(N * w);
    std::array<double*, N> col, sum;
    for (int c = 0; c < N; ++c) {
        col[c] = colBuf.data() + static_cast<size_t>(c) * w;
        sum[c] = rowBuf.data() + static_cast<size_t>(c) * w;
    }
    std::array<const double*, N> sumOut;
    for (int c = 0; c < N; ++c)
        sumOut[c] = sum[c];
    for (int y = y0; y < y1; ++y) {
        for (int c = 0; c < N; ++c) {
            double* cs = col[c];
            const cv::Mat* pa = in[c].a;
            const cv::Mat* pb = in[c].b;
            if (y == y0) {
                std::fill(cs, cs + w, 0.0);
                for (int k = y - r; k <= y + r; ++k) {
                    const int j = ry[static_cast<size_t>(k + r + 1)];
                    if (pb)
                        columnAddProduct(cs, pa->ptr<float>(j), pb->ptr<float>(j), cols);
                    else
                        columnAdd(cs, pa->ptr<float>(j), cols);
                }
            } else {
                const int ja = ry[static_cast<size_t>(y + 2 * r + 1)];
                const int jb = ry[static_cast<size_t>(y)];
                if (pb)
                    columnUpdateProduct(cs, pa->ptr<float>(ja), pb->ptr<float>(ja),
                                        pa->ptr<float>(jb), pb->ptr<float>(jb), cols);
                else
                    columnUpdate(cs, pa->ptr<float>(ja), pa->ptr<float>(jb), cols);
            }
        }
        // Running sums along the row, the N planes side by side (independent chains); with
        // one or two planes the row is also cut in two halves run side by side, as a chain
        // of additions is bound by their latency.
        auto windowAt = [&](int x0, std::array<double, N>& s) {
            s.fill(0.0);
            for (int k = x0 - r; k <= x0 + r; ++k) {
                const size_t j = static_cast<size_t>(cx[static_cast<size_t>(k + r + 1)]);
                for (int c = 0; c < N; ++c)
                    s[c] += col[c][j];
            }
            for (int c = 0; c < N; ++c)
                sum[c][x0] = s[c];
        };
        auto step = [&](int x, std::array<double, N>& s) {
            const size_t ja = static_cast<size_t>(cx[static_cast<size_t>(x + 2 * r + 1)]);
            const size_t jb = static_cast<size_t>(cx[static_cast<size_t>(x)]);
            for (int c = 0; c < N; ++c) {
                s[c] += col[c][ja] - col[c][jb];
                sum[c][x] = s[c];
            }
        };
        std::array<double, N> s, t;
        if (N <= 2 && cols >= 128) {
            const int m = cols / 2; // [0, m) and [m, cols), cols - m is m or m + 1
            windowAt(0, s);
            windowAt(m, t);
            for (int i = 1; i < m; ++i) {
                step(i, s);
                step(m + i, t);
            }
            if (cols - m > m) step(cols - 1, t);
        } else {
            windowAt(0, s);
            for (int x = 1; x < cols; ++x)
                step(x, s);
        }
        fn(y, sumOut);
    }
}

// Calls f(y0, y1) for stripes of [0, rows) that together cover it: `stripes` stripes on
// OpenCV's pool, or the whole range at once when nested in a parallel region, when tlSerial is set
// or for small images.
template <class F> void parallelRows(int rows, F&& f, double stripes = 2) {
    if (tlSerial || rows < 64) {
        f(0, rows);
        return;
    }
    cv::parallel_for_(
        cv::Range(0, rows), [&](const cv::Range& r) { f(r.start, r.end); }, stripes);
}

// Normalised (2r+1)^2 box means of N planes at once (boxSumRows), written to out[c] as
// CV_32FC1 (allocated here).
template <int N>
void boxMeans(const std::array<const cv::Mat*, N>& in, const std::array<cv::Mat*, N>& out, int r) {
    const double norm = 1.0 / ((2.0 * r + 1) * (2.0 * r + 1));
    for (int c = 0; c < N; ++c)
        out[c]->create(in[0]->size(), CV_32FC1);
    const int cols = in[0]->cols;
    std::array<BoxPlane, N> planes = [&]<size_t... I>(std::index_sequence<I...>) {
        return std::array<BoxPlane, N>{BoxPlane(in[I])...};
    }
    (std::make_index_sequence<N>());
    parallelRows(in[0]->rows, [&](int y0, int y1) {
        boxSumRows<N>(
            planes, r,
            [&](int y, const std::array<const double*, N>& s) {
                for (int c = 0; c < N; ++c) {
                    float* o = out[c]->template ptr<float>(y);
                    const double* sc = s[c];
                    for (int x = 0; x < cols; ++x)
                        o[x] = static_cast<float>(sc[x] * norm);
                }
            },
            y0, y1);
    });
}

// A recycled image buffer of the given shape: memory of an earlier scratch() buffer that no
// cv::Mat refers to any more is handed out again (process-wide pool, thread-safe, at most
// 512 MB kept). Contents are undefined. Fresh large allocations are expensive here: glibc
// returns freed blocks of this size to the kernel, so every new buffer costs page faults
// (measured on the 2-core build machine: 4.7 ms per 6 MB, about as much as GFF's arithmetic).
cv::Mat scratch(cv::Size size, int type = CV_32FC1);

// The guided filter in two steps (Gff.cpp uses them with two radii on the same planes).
// Coefficients of the grey guided filter with guide I and input p over (2r+1)^2 windows:
// a = cov(I, p) / (var(I) + eps), b = mean(p) - a mean(I) (means and moments in double).
// a and b are CV_32FC1 ((re)allocated unless they have the shape).
void guidedCoefficients(const cv::Mat& I, const cv::Mat& p, int r, double eps, cv::Mat& a,
                        cv::Mat& b);
// q = mean(a) * I + mean(b) over (2r+1)^2 windows (q as a and b above).
void guidedOutput(const cv::Mat& I, const cv::Mat& a, const cv::Mat& b, int r, cv::Mat& q);
// MATLAB fspecial('gaussian', 2w+1, sigma) + imfilter(..., 'replicate'/'symmetric'):
// separable Gaussian with the given half-width; for very wide kernels (half-width > 60) a
// cascade of four box filters with the same variance is used (error < 1% of the kernel peak).
cv::Mat gaussian(const cv::Mat& src, double sigma, int halfWidth, int border);
// w1 = s1 / (s1 + s2) with 0/0 -> 0.5 (MATLAB produced NaN there).
cv::Mat ratioWeight(const cv::Mat& s1, const cv::Mat& s2);

} // namespace vf::fusion::classical::detail
