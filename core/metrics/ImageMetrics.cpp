// Image fusion metrics, faithful to the MATLAB toolbox behind the VideoFusion paper
// (Linfeng-Tang/Evaluation-for-Image-Fusion) under the "toolbox" convention; see Metrics.h
// and ../shared/videofusion/SPEC.md "The metric toolbox in detail" for each definition.
//
// Intermediate results are computed once per frame in a Workspace and shared between the
// metrics that need them (grey conversion, double images, Gaussian moments, Sobel maps).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "core/metrics/Internal.h"
#include "core/metrics/Metrics.h"
#include "core/metrics/SepFilter.h"
#include "core/metrics/VecMath.h"

namespace vf::metrics {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Vectorised kernels get an x86-64-v3 clone picked at run time. VF_IM_CLONES allows FMA
// contraction (rounding may differ by an ulp); VF_IM_CLONES_NOFMA (AVX2 without FMA) keeps
// the rounding of the plain code, for the SSIM / VIF terms that subtract nearly equal
// moments (local variances).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VF_IM_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#define VF_IM_CLONES_NOFMA __attribute__((target_clones("avx2", "default")))
#else
#define VF_IM_CLONES
#define VF_IM_CLONES_NOFMA
#endif

std::string sizeStr(const cv::Mat& m) {
    return std::to_string(m.cols) + "x" + std::to_string(m.rows);
}

void checkImage(const cv::Mat& m, const char* what) {
    if (m.empty()) throw Error(ErrorCode::InvalidArgument, std::string(what) + " image is empty");
    if (m.depth() != CV_8U || (m.channels() != 1 && m.channels() != 3))
        throw Error(ErrorCode::Unsupported, std::string(what) +
                                                " image must be 8-bit grey or BGR (got type " +
                                                std::to_string(m.type()) + ")");
}

void checkSameSize(const cv::Mat& a, const cv::Mat& b, const char* wa, const char* wb) {
    if (a.size() != b.size())
        throw Error(ErrorCode::Mismatch, std::string(wa) + " and " + wb +
                                             " images differ in size: " + sizeStr(a) + " vs " +
                                             sizeStr(b));
}

// Validates a mask; returns an empty Mat for "whole image".
cv::Mat checkMask(const cv::Mat& mask, cv::Size size) {
    if (mask.empty()) return {};
    if (mask.type() != CV_8UC1)
        throw Error(ErrorCode::InvalidArgument, "metric mask must be CV_8UC1 (8-bit, one channel)");
    if (mask.size() != size)
        throw Error(ErrorCode::Mismatch,
                    "metric mask size " + sizeStr(mask) + " differs from the image size " +
                        std::to_string(size.width) + "x" + std::to_string(size.height));
    if (cv::countNonZero(mask) == 0)
        throw Error(ErrorCode::InvalidArgument, "metric mask selects no pixel");
    return mask;
}

double logb(double x, LogBase b) {
    return b == LogBase::Bits ? std::log2(x) : std::log(x);
}

cv::Mat toDouble(const cv::Mat& g8) {
    cv::Mat d;
    g8.convertTo(d, CV_64F);
    return d;
}

// 256-bin histogram of an 8-bit image (masked). Integer counts (exact, so the same as
// counting in double), in four sub-histograms so that runs of equal values do not wait on
// each other's increments.
std::array<double, 256> histogram(const cv::Mat& g8, const cv::Mat& mask, double* n) {
    std::array<std::uint32_t, 4 * 256> c{};
    std::uint64_t cnt = 0;
    for (int y = 0; y < g8.rows; ++y) {
        const uchar* p = g8.ptr<uchar>(y);
        if (mask.empty()) {
            int x = 0;
            for (; x + 4 <= g8.cols; x += 4) {
                ++c[p[x]];
                ++c[256 + p[x + 1]];
                ++c[512 + p[x + 2]];
                ++c[768 + p[x + 3]];
            }
            for (; x < g8.cols; ++x)
                ++c[p[x]];
            cnt += g8.cols;
        } else {
            const uchar* m = mask.ptr<uchar>(y);
            for (int x = 0; x < g8.cols; ++x)
                if (m[x]) {
                    ++c[p[x]];
                    ++cnt;
                }
        }
    }
    std::array<double, 256> h;
    for (int i = 0; i < 256; ++i)
        h[i] = double(c[i]) + double(c[256 + i]) + double(c[512 + i]) + double(c[768 + i]);
    *n = double(cnt);
    return h;
}

template <class Count> double entropyOfCounts(const Count* h, size_t bins, double n, LogBase b) {
    double e = 0;
    for (size_t i = 0; i < bins; ++i)
        if (h[i] > 0) {
            const double p = double(h[i]) / n;
            e -= p * logb(p, b);
        }
    return e;
}

// Joint entropy as Hab.m: indices are uint8 + 1 (saturating), so with `saturate` the levels
// 254 and 255 share a bin. Integer counts (exact).
double jointEntropy(const cv::Mat& a8, const cv::Mat& f8, const cv::Mat& mask, bool saturate,
                    LogBase b) {
    std::vector<std::uint32_t> h(256 * 256, 0);
    std::uint64_t n = 0;
    const int cap = saturate ? 254 : 255;
    for (int y = 0; y < a8.rows; ++y) {
        const uchar* pa = a8.ptr<uchar>(y);
        const uchar* pf = f8.ptr<uchar>(y);
        const uchar* m = mask.empty() ? nullptr : mask.ptr<uchar>(y);
        if (!m) {
            for (int x = 0; x < a8.cols; ++x)
                ++h[std::min<int>(pa[x], cap) * 256 + std::min<int>(pf[x], cap)];
            n += a8.cols;
        } else {
            for (int x = 0; x < a8.cols; ++x)
                if (m[x]) {
                    ++h[std::min<int>(pa[x], cap) * 256 + std::min<int>(pf[x], cap)];
                    ++n;
                }
        }
    }
    return entropyOfCounts(h.data(), h.size(), double(n), b);
}

// Sums over the mask of the three 8-bit images, their squares and their pairwise products,
// exact integers: CC and SCD are Pearson correlations of A, B, F, F - B and F - A, which all
// follow from them (one pass over the bytes instead of passes over double maps and two
// difference images).
struct MomentSums {
    std::int64_t n = 0, a = 0, b = 0, f = 0, aa = 0, bb = 0, ff = 0, ab = 0, af = 0, bf = 0;
};

// The sums of one row segment (at most kMomentChunk pixels: every 32-bit sum fits).
constexpr int kMomentChunk = 16384;
VF_IM_CLONES void momentRow(const uchar* __restrict pa, const uchar* __restrict pb,
                            const uchar* __restrict pf, const uchar* __restrict mk, int n,
                            std::int32_t* __restrict s) {
    std::int32_t c = 0, a = 0, b = 0, f = 0, aa = 0, bb = 0, ff = 0, ab = 0, af = 0, bf = 0;
    for (int x = 0; x < n; ++x) {
        const std::int32_t w = mk ? (mk[x] != 0) : 1;
        const std::int32_t va = w * pa[x], vb = w * pb[x], vf = w * pf[x];
        c += w;
        a += va;
        b += vb;
        f += vf;
        aa += va * va;
        bb += vb * vb;
        ff += vf * vf;
        ab += va * vb;
        af += va * vf;
        bf += vb * vf;
    }
    const std::int32_t r[10] = {c, a, b, f, aa, bb, ff, ab, af, bf};
    std::copy(r, r + 10, s);
}

MomentSums momentSums(const cv::Mat& a8, const cv::Mat& b8, const cv::Mat& f8,
                      const cv::Mat& mask) {
    MomentSums t;
    std::int64_t* acc[10] = {&t.n, &t.a, &t.b, &t.f, &t.aa, &t.bb, &t.ff, &t.ab, &t.af, &t.bf};
    for (int y = 0; y < a8.rows; ++y)
        for (int x0 = 0; x0 < a8.cols; x0 += kMomentChunk) {
            const int n = std::min(kMomentChunk, a8.cols - x0);
            std::int32_t s[10];
            momentRow(a8.ptr<uchar>(y) + x0, b8.ptr<uchar>(y) + x0, f8.ptr<uchar>(y) + x0,
                      mask.empty() ? nullptr : mask.ptr<uchar>(y) + x0, n, s);
            for (int k = 0; k < 10; ++k)
                *acc[k] += s[k];
        }
    return t;
}

// n^2 times the covariance of x and y from the count n and the sums of x, y and x y, exact
// (n * sums exceed 64 bits for large frames: 128-bit; GCC and Clang on 64-bit targets).
double nSqCovariance(std::int64_t n, std::int64_t sx, std::int64_t sy, std::int64_t sxy) {
    __extension__ typedef __int128 I;
    return double(I(n) * sxy - I(sx) * sy);
}

// Pearson correlation from the count n and the sums of x, y, x^2, y^2 and x y; 0 when either
// is constant (MATLAB's corr2 gives NaN).
double pearsonFromSums(std::int64_t n, std::int64_t sx, std::int64_t sy, std::int64_t sxx,
                       std::int64_t syy, std::int64_t sxy) {
    const double d = std::sqrt(nSqCovariance(n, sx, sx, sxx) * nSqCovariance(n, sy, sy, syy));
    return d > 0 ? nSqCovariance(n, sx, sy, sxy) / d : 0.0;
}

// Row y of MATLAB's [gx, gy] = gradient(f) (central differences inside, one-sided at the
// borders) into gx and gy.
void matlabGradientRows(const cv::Mat& f, int y, double* gx, double* gy) {
    const int n = f.cols, m = f.rows;
    const double* p = f.ptr<double>(y);
    if (n == 1) {
        gx[0] = 0;
    } else {
        gx[0] = p[1] - p[0];
        gx[n - 1] = p[n - 1] - p[n - 2];
        for (int x = 1; x < n - 1; ++x)
            gx[x] = 0.5 * (p[x + 1] - p[x - 1]);
    }
    if (m == 1) {
        std::fill(gy, gy + n, 0.0);
        return;
    }
    const double* up = f.ptr<double>(y == 0 ? 0 : (y == m - 1 ? m - 2 : y - 1));
    const double* dn = f.ptr<double>(y == 0 ? 1 : (y == m - 1 ? m - 1 : y + 1));
    const double sc = (y == 0 || y == m - 1) ? 1.0 : 0.5;
    for (int x = 0; x < n; ++x)
        gy[x] = sc * (dn[x] - up[x]);
}

// SSIM map of one row: means a, b, second moments aa, bb, ab.
VF_IM_CLONES_NOFMA void ssimTerms(const double* __restrict ma, const double* __restrict aa,
                                  const double* __restrict mb, const double* __restrict bb,
                                  const double* __restrict ab, int n, double C1, double C2,
                                  double* __restrict out) {
    for (int c = 0; c < n; ++c) {
        const double a = ma[c], b = mb[c];
        const double sa = aa[c] - a * a, sb = bb[c] - b * b, sab = ab[c] - a * b;
        out[c] = ((2 * a * b + C1) * (2 * sab + C2)) / ((a * a + b * b + C1) * (sa + sb + C2));
    }
}

// ---------------------------------------------------------------------------- SSIM
// MATLAB ssim(): Gaussian moments (11x11, sigma 1.5, replicate padding) of F and each X, mean
// of the SSIM map. All moments are filtered in one fused pass (SepFilter.h) and the map is
// reduced row by row. Returns the mean SSIM of (F, X) for every X in `xs`.
std::vector<double> ssimAgainst(const cv::Mat& f, const std::vector<const cv::Mat*>& xs, double L,
                                const cv::Mat& mask) {
    static const std::vector<double> k = [] {
        const cv::Mat g = cv::getGaussianKernel(11, 1.5, CV_64F);
        return std::vector<double>(g.begin<double>(), g.end<double>());
    }();
    const double C1 = (0.01 * L) * (0.01 * L), C2 = (0.03 * L) * (0.03 * L);
    const int nx = static_cast<int>(xs.size());
    std::vector<const cv::Mat*> images{&f};
    std::vector<detail::MomentChannel> ch{{0, -1}, {0, 0}};
    for (int i = 0; i < nx; ++i) {
        images.push_back(xs[i]);
        ch.push_back({i + 1, -1});
        ch.push_back({i + 1, i + 1});
        ch.push_back({0, i + 1});
    }
    std::vector<double> sum(nx, 0.0), n(nx, 0.0);
    std::vector<double> terms(f.cols);
    detail::filterMoments(images, ch, k, detail::FilterBorder::Replicate,
                          [&](int y, int x0, int cols, const double* const* r) {
                              const uchar* m = mask.empty() ? nullptr : mask.ptr<uchar>(y) + x0;
                              for (int i = 0; i < nx; ++i) {
                                  ssimTerms(r[0], r[1], r[2 + 3 * i], r[3 + 3 * i], r[4 + 3 * i],
                                            cols, C1, C2, terms.data());
                                  detail::maskedRowSum(terms.data(), m, cols, sum[i], n[i]);
                              }
                          });
    for (int i = 0; i < nx; ++i)
        sum[i] /= n[i];
    return sum;
}

// ---------------------------------------------------------------------------- VIF
// LIVE vifp_mscale (pixel-domain multiscale VIF), filter2(...,'valid'): at scale s the window
// is N = 2^(5-s)+1 with sigma N/5; from scale 2 on, the images are first filtered 'valid'
// with that window and subsampled by 2. The distorted image (F) is shared by the references:
// one fused pass per scale filters F, every reference, their squares and their products with F.
std::vector<double> gaussKernel1D(int n, double sigma) {
    std::vector<double> k(n);
    const double c = (n - 1) / 2.0;
    double s = 0;
    for (int i = 0; i < n; ++i) {
        const double v = std::exp(-(i - c) * (i - c) / (2 * sigma * sigma));
        k[i] = v;
        s += v;
    }
    for (double& v : k)
        v /= s;
    return k;
}

cv::Mat cropValid(const cv::Mat& m, int r) {
    if (m.empty()) return m;
    return m(cv::Rect(r, r, m.cols - 2 * r, m.rows - 2 * r)).clone();
}

cv::Mat subsample2(const cv::Mat& m) {
    if (m.empty()) return m;
    cv::Mat o((m.rows + 1) / 2, (m.cols + 1) / 2, m.type());
    for (int y = 0; y < o.rows; ++y) {
        const uchar* p = m.ptr<uchar>(2 * y);
        uchar* q = o.ptr<uchar>(y);
        for (int x = 0; x < o.cols; ++x)
            q[x] = p[2 * x];
    }
    return o;
}

// sum(log10(x_i)) over millions of x_i >= 1: multiply the x_i in blocks and take one log10
// per block (the product stays far below the double range; relative rounding ~1e-15).
struct LogSum {
    double sum = 0, prod = 1;
    void add(double x) {
        prod *= x;
        if (prod > 1e200) flush();
    }
    void flush() {
        sum += std::log10(prod);
        prod = 1;
    }
    // add(t[0]), ..., add(t[n - 1]), four interleaved products over blocks of 16 terms (the
    // VIF terms are below 1e4: local variances of 8-bit data; a block whose product is not
    // below 1e100 is added term by term).
    void addRow(const double* t, int n) {
        int x = 0;
        for (; x + 16 <= n; x += 16) {
            double p0 = t[x], p1 = t[x + 1], p2 = t[x + 2], p3 = t[x + 3];
            for (int j = 4; j < 16; j += 4) {
                p0 *= t[x + j];
                p1 *= t[x + j + 1];
                p2 *= t[x + j + 2];
                p3 *= t[x + j + 3];
            }
            const double p = (p0 * p1) * (p2 * p3);
            if (p < 1e100) {
                add(p);
            } else {
                for (int j = 0; j < 16; ++j)
                    add(t[x + j]);
            }
        }
        for (; x < n; ++x)
            add(t[x]);
    }
};

// Per-pixel VIF terms of one row (vifp_mscale): num = 1 + g^2 sigma1 / (sv + sigma_n^2),
// den = 1 + sigma1 / sigma_n^2 from the local moments; the LIVE code's ifs as selects.
VF_IM_CLONES_NOFMA void vifTerms(const double* __restrict m1, const double* __restrict q1,
                                 const double* __restrict x12, const double* __restrict m2,
                                 const double* __restrict q2, int n, double* __restrict num,
                                 double* __restrict den) {
    constexpr double sigmaNsq = 2.0;
    for (int c = 0; c < n; ++c) {
        double sigma1 = q1[c] - m1[c] * m1[c];
        double sigma2 = q2[c] - m2[c] * m2[c];
        const double sigma12 = x12[c] - m1[c] * m2[c];
        sigma1 = sigma1 < 0 ? 0.0 : sigma1;
        sigma2 = sigma2 < 0 ? 0.0 : sigma2;
        double g = sigma12 / (sigma1 + 1e-10);
        double sv = sigma2 - g * sigma12;
        const bool flat1 = sigma1 < 1e-10, flat2 = sigma2 < 1e-10;
        g = flat1 ? 0.0 : g; // if (sigma1 < 1e-10) { g = 0; sv = sigma2; sigma1 = 0; }
        sv = flat1 ? sigma2 : sv;
        sigma1 = flat1 ? 0.0 : sigma1;
        g = flat2 ? 0.0 : g; // if (sigma2 < 1e-10) { g = 0; sv = 0; }
        sv = flat2 ? 0.0 : sv;
        const bool neg = g < 0; // if (g < 0) { sv = sigma2; g = 0; }
        sv = neg ? sigma2 : sv;
        g = neg ? 0.0 : g;
        sv = sv <= 1e-10 ? 1e-10 : sv;
        num[c] = 1 + g * g * sigma1 / (sv + sigmaNsq);
        den[c] = 1 + sigma1 / sigmaNsq;
    }
}

// vifp_mscale(ref, dist) for every ref in `refs` (all against the same dist).
std::vector<double> vifAgainst(const cv::Mat& dist, const std::vector<const cv::Mat*>& refs,
                               const cv::Mat& mask) {
    const int nr = static_cast<int>(refs.size());
    std::vector<LogSum> num(nr), den(nr);
    std::vector<double> numT(dist.cols), denT(dist.cols);
    std::vector<cv::Mat> cur{dist};
    for (const cv::Mat* r : refs)
        cur.push_back(*r);
    cv::Mat curMask = mask;
    for (int scale = 1; scale <= 4; ++scale) {
        const int N = (1 << (4 - scale + 1)) + 1;
        const std::vector<double> k = gaussKernel1D(N, N / 5.0);
        if (scale > 1) {
            for (cv::Mat& c : cur)
                c = detail::filterValidSubsample2(c, k);
            curMask = subsample2(cropValid(curMask, N / 2));
        }
        if (cur[0].empty() || cur[0].rows < N || cur[0].cols < N) break;
        const cv::Mat maskValid = cropValid(curMask, N / 2);
        std::vector<const cv::Mat*> images;
        for (const cv::Mat& c : cur)
            images.push_back(&c);
        // channels: mu2 (dist), dist^2, then per ref: mu1, ref^2, ref*dist
        std::vector<detail::MomentChannel> ch{{0, -1}, {0, 0}};
        for (int i = 0; i < nr; ++i) {
            ch.push_back({i + 1, -1});
            ch.push_back({i + 1, i + 1});
            ch.push_back({i + 1, 0});
        }
        detail::filterMoments(images, ch, k, detail::FilterBorder::Valid,
                              [&](int y, int x0, int w, const double* const* r) {
                                  const uchar* mk =
                                      maskValid.empty() ? nullptr : maskValid.ptr<uchar>(y) + x0;
                                  for (int i = 0; i < nr; ++i) {
                                      vifTerms(r[2 + 3 * i], r[3 + 3 * i], r[4 + 3 * i], r[0], r[1],
                                               w, numT.data(), denT.data());
                                      if (mk)
                                          for (int c = 0; c < w; ++c)
                                              if (!mk[c])
                                                  numT[c] = denT[c] = 1.0; // a factor 1: skipped
                                      num[i].addRow(numT.data(), w);
                                      den[i].addRow(denT.data(), w);
                                  }
                              });
    }
    std::vector<double> out(nr);
    for (int i = 0; i < nr; ++i) {
        num[i].flush();
        den[i].flush();
        // no texture anywhere (den = 0): the LIVE code divides 0/0; we return 1 if the
        // distorted image has no structure either (num = 0), else 0
        out[i] = den[i].sum > 0 ? num[i].sum / den[i].sum : (num[i].sum == 0 ? 1.0 : 0.0);
    }
    return out;
}

// ---------------------------------------------------------------------------- Qabf / Nabf
// Both metrics work on the Sobel responses of A, B and F:
//  - analysis_Qabf.m: conv2(p, h, 'same') with zero padding; conv2 flips the kernel, so with
//    h3 = [-1 0 1; -2 0 2; -1 0 1] and h1 = [1 2 1; 0 0 0; -1 -2 -1]:
//    SAx = conv2(p, h3) = -Sobel_x,  SAy = conv2(p, h1) = Sobel_y;
//  - Kumar's sobel_fn: correlation with v = [-1 -2 -1; 0 0 0; 1 2 1] (gv = Sobel_y) and its
//    transpose (gh = Sobel_x) over the image extended by one edge-replicated row/column.
// (OpenCV's Sobel is a correlation with [-1 0 1; -2 0 2; -1 0 1] / its transpose.) The two
// differ only on the image border (padding) and in the sign of x. Everything below is in
// Kumar's signs (sx = Sobel_x, sy = Sobel_y); the Qabf terms are written so that they do not
// depend on the sign of x (see gradTerms). Inside the image one Sobel map per image and axis
// serves both metrics; the border pixels are gathered with both paddings (gradientSums).

inline double clampExpArg(double x) {
    return x < -700.0 ? -700.0 : (x > 700.0 ? 700.0 : x);
}

// Per-pixel terms of Qabf (qNum, qDen) and/or Nabf (nNum, nDen), written branch-free (selects,
// VecMath.h's exp/atan) so that each row is one vectorised loop; the caller sums the rows.
//
// Magnitudes: g = sqrt(m), m = sx^2 + sy^2 an exact integer, so every comparison of
// magnitudes (gA > gF, gA == gF, the artefact test gF > gA, gB, g >= Td) is done exactly on m.
//
// Orientation: both metrics use only the angle between the gradient of X (A or B) and that of
// F. With T = atan(|cross| / |dot|) in [0, pi/2] the acute angle between the two gradient
// lines (cross, dot: exact integers; atanRatio needs one division):
//  - Nabf, aX = atan(gv / gh) (0 for a zero gradient, +-pi/2 for gh = 0) is the line's
//    angle in [-pi/2, pi/2], so |aX - aF| is T or pi - T and ||aX - aF| - pi/2| = pi/2 - T:
//    AA = 1 - T / (pi/2). A zero gradient of X counts as (1, 0); a zero gradient of F never
//    matters (Nabf counts only pixels where gF exceeds both source gradients).
//  - Qabf, aX = atan(SAy / SAx) (pi/2 where SAx = 0) is the angle of the gradient flipped into
//    the right half-plane (u = s (SAx, SAy) with s = sign(SAx), or u = (0, 1) where SAx = 0),
//    so |aX - aF| = atan2(|cross|, dot(uX, uF)) = T, or pi - T when sX sF dot < 0 (then
//    Qabf's AA = -Nabf's AA). A zero gradient of F counts as (0, 1) (aF = pi/2); that of X
//    does not matter (its weight gX is 0).
//  Both exps of the angle terms come from one: with x = exp(-22 (AA_N - 0.5)),
//  exp(-22 (AA_Q - 0.8)) is e^6.6 x, or e^28.6 / x when flipped.
// Qabf's weighted sum qa gA + qb gB = Tg Ta (gA / DA + gB / DB), D = (1 + e_g)(1 + e_a), is
// taken with one division. The results agree with the literal formulas to rounding.
template <bool Q, bool N>
[[gnu::always_inline]] inline void
gradTerms(const double* __restrict pax, const double* __restrict pay, const double* __restrict pbx,
          const double* __restrict pby, const double* __restrict pfx, const double* __restrict pfy,
          const double* __restrict mask, int n, double* __restrict qNum, double* __restrict qDen,
          double* __restrict nNum, double* __restrict nDen) {
    // Qabf
    constexpr double Tg = 0.9994, kg = -15, Dg = 0.5, Ta = 0.9879;
    // Nabf (Lg = 1.5: g^Lg as g * sqrt(g))
    constexpr double Td = 2, wtMin = 0.001, Nrg = 0.9999, kgN = 19, sg = 0.5, Nra = 0.9995;
    constexpr double twoOverPi = 2 / kPi;
    const double eFlat = std::exp(6.6), eFlip = std::exp(28.6); // see above
    for (int c = 0; c < n; ++c) {
        const double ax = pax[c], ay = pay[c], bx = pbx[c], by = pby[c], fx = pfx[c], fy = pfy[c];
        const double mA = ax * ax + ay * ay, mB = bx * bx + by * by, mF = fx * fx + fy * fy;
        const double gA = std::sqrt(mA), gB = std::sqrt(mB), gF = std::sqrt(mF);
        // min / max of the magnitudes (0 where both are 0)
        const double loA = mA < mF ? gA : gF, hiA = mA < mF ? gF : gA;
        const double loB = mB < mF ? gB : gF, hiB = mB < mF ? gF : gB;
        const double rA = loA / (hiA > 0 ? hiA : 1.0), rB = loB / (hiB > 0 ? hiB : 1.0);
        // gradient lines, zero gradients replaced as described above
        const double uAx = mA == 0 ? 1.0 : ax, uBx = mB == 0 ? 1.0 : bx;
        const double uFy = mF == 0 ? 1.0 : fy;
        const double crossA = ay * fx - uAx * uFy, dotA = uAx * fx + ay * uFy;
        const double crossB = by * fx - uBx * uFy, dotB = uBx * fx + by * uFy;
        const double tA = detail::atanRatio(std::abs(crossA), std::abs(dotA));
        const double tB = detail::atanRatio(std::abs(crossB), std::abs(dotB));
        const double xA = detail::expVec(-22 * ((1 - tA * twoOverPi) - 0.5));
        const double xB = detail::expVec(-22 * ((1 - tB * twoOverPi) - 0.5));
        const bool inside = mask[c] != 0;
        double eNA = 0, eNB = 0; // Nabf's exp(-kgN (G - sg))
        if constexpr (Q) {
            // flip signs of the Qabf gradients (SAx = -sx): +1 if SAx > 0, or SAx = 0, sy > 0
            const double sA = uAx < 0 || (uAx == 0 && ay > 0) ? 1.0 : -1.0;
            const double sB = uBx < 0 || (uBx == 0 && by > 0) ? 1.0 : -1.0;
            const double sF = fx < 0 || (fx == 0 && uFy > 0) ? 1.0 : -1.0;
            const bool flipA = sA * sF * dotA < 0, flipB = sB * sF * dotB < 0;
            // G = gF / gX if gX > gF; gF if equal (toolbox quirk); gX / gF otherwise
            const double GA = mA == mF ? gF : rA, GB = mB == mF ? gF : rB;
            double egA, egB; // exp(kg (G - Dg))
            if constexpr (N) {
                // with Nabf: exp(-15 u) and exp(-19 u) (u = G - 0.5; Nabf's G is the same where
                // it counts) as powers of E = exp(-u): 9 products instead of two exps, relative
                // error below 3e-15. u is capped at 35 (exp(-15 u) <= e^-525 adds nothing to
                // 1, as the clamped exp did; keeps E^19 normal).
                static_assert(kg == -15 && kgN == 19 && Dg == 0.5 && sg == 0.5);
                const double EA = detail::expVec(-std::min(GA - Dg, 35.0));
                const double EB = detail::expVec(-std::min(GB - Dg, 35.0));
                const double EA2 = EA * EA, EA4 = EA2 * EA2, EA8 = EA4 * EA4;
                const double EB2 = EB * EB, EB4 = EB2 * EB2, EB8 = EB4 * EB4;
                egA = (EA8 * EA4) * (EA2 * EA);
                egB = (EB8 * EB4) * (EB2 * EB);
                eNA = (EA8 * EA8) * (EA2 * EA);
                eNB = (EB8 * EB8) * (EB2 * EB);
            } else {
                egA = detail::expVec(clampExpArg(kg * (GA - Dg)));
                egB = detail::expVec(clampExpArg(kg * (GB - Dg)));
            }
            const double DA = (1 + egA) * (flipA ? xA + eFlip : 1 + eFlat * xA);
            const double DB = (1 + egB) * (flipB ? xB + eFlip : 1 + eFlat * xB);
            const double nA = flipA ? gA * xA : gA, nB = flipB ? gB * xB : gB;
            qNum[c] = inside ? (Tg * Ta) * (nA * DB + nB * DA) / (DA * DB) : 0.0;
            qDen[c] = inside ? gA + gB : 0.0;
        }
        if constexpr (N) {
            const double wA = mA >= Td * Td ? gA * std::sqrt(gA) : wtMin;
            const double wB = mB >= Td * Td ? gB * std::sqrt(gB) : wtMin;
            // where it counts (gF > gA, gB), G = gX / gF = rX
            if constexpr (!Q) {
                eNA = detail::expVec(-kgN * (rA - sg));
                eNB = detail::expVec(-kgN * (rB - sg));
            }
            const double qa = std::sqrt((Nrg * Nra) / ((1 + eNA) * (1 + xA)));
            const double qb = std::sqrt((Nrg * Nra) / ((1 + eNB) * (1 + xB)));
            const bool artefact = mF > mA && mF > mB;
            nNum[c] = (inside && artefact) ? (1 - qa) * wA + (1 - qb) * wB : 0.0;
            nDen[c] = inside ? wA + wB : 0.0;
        }
    }
}

// One row of inputs, as doubles: mixing shorts and bytes with doubles in the loop above makes
// GCC vectorise it 8 or 16 lanes wide, which spills most of the registers.
struct GradRow {
    const double *ax, *ay, *bx, *by, *fx, *fy, *mask;
};
using GradRowFn = void (*)(const GradRow&, int, double*, double*, double*, double*);

VF_IM_CLONES void gradRowQ(const GradRow& in, int n, double* qNum, double* qDen, double* nNum,
                           double* nDen) {
    gradTerms<true, false>(in.ax, in.ay, in.bx, in.by, in.fx, in.fy, in.mask, n, qNum, qDen, nNum,
                           nDen);
}
VF_IM_CLONES void gradRowN(const GradRow& in, int n, double* qNum, double* qDen, double* nNum,
                           double* nDen) {
    gradTerms<false, true>(in.ax, in.ay, in.bx, in.by, in.fx, in.fy, in.mask, n, qNum, qDen, nNum,
                           nDen);
}
VF_IM_CLONES void gradRowQN(const GradRow& in, int n, double* qNum, double* qDen, double* nNum,
                            double* nDen) {
    gradTerms<true, true>(in.ax, in.ay, in.bx, in.by, in.fx, in.fy, in.mask, n, qNum, qDen, nNum,
                          nDen);
}

// Converts n values to double.
template <class T> void toDoubles(const T* __restrict in, int n, double* __restrict out) {
    for (int x = 0; x < n; ++x)
        out[x] = in[x];
}

// Sobel_x and Sobel_y (OpenCV signs) of an 8-bit image at (r, c), with zero padding
// (conv2 'same') or replicated edges.
void sobelAt(const cv::Mat& img, int r, int c, bool replicate, short* sx, short* sy) {
    auto p = [&](int y, int x) -> int {
        if (replicate) {
            y = std::clamp(y, 0, img.rows - 1);
            x = std::clamp(x, 0, img.cols - 1);
        } else if (y < 0 || y >= img.rows || x < 0 || x >= img.cols) {
            return 0;
        }
        return img.at<uchar>(y, x);
    };
    *sx = static_cast<short>((p(r - 1, c + 1) + 2 * p(r, c + 1) + p(r + 1, c + 1)) -
                             (p(r - 1, c - 1) + 2 * p(r, c - 1) + p(r + 1, c - 1)));
    *sy = static_cast<short>((p(r + 1, c - 1) + 2 * p(r + 1, c) + p(r + 1, c + 1)) -
                             (p(r - 1, c - 1) + 2 * p(r - 1, c) + p(r - 1, c + 1)));
}

struct GradientSums {
    double qNum = 0, qDen = 0, nNum = 0, nDen = 0;
};

// Sums of the Qabf and/or Nabf terms over the (masked) image. Interior pixels: one pass over
// Sobel maps shared by both metrics; border pixels: gathered with each metric's padding.
GradientSums gradientSums(const cv::Mat& a8, const cv::Mat& b8, const cv::Mat& f8,
                          const cv::Mat& mask, bool wantQ, bool wantN) {
    GradientSums s;
    if (!wantQ && !wantN) return s;
    const int rows = f8.rows, cols = f8.cols;
    const std::array<const cv::Mat*, 3> img{&a8, &b8, &f8};
    auto maskAt = [&](int r, int c) -> uchar { return mask.empty() ? 255 : mask.at<uchar>(r, c); };
    // row buffers: 4 outputs, 6 inputs and the mask
    const size_t len = size_t(std::max(cols, 2 * (rows + cols)));
    std::vector<double> buf(11 * len);
    double* qn = buf.data();
    double* qd = qn + len;
    double* nn = qd + len;
    double* nd = nn + len;
    double* in = nd + len;
    const GradRow row{in,           in + len,     in + 2 * len, in + 3 * len,
                      in + 4 * len, in + 5 * len, in + 6 * len};
    auto accumulate = [&](int n, bool q, bool nb) {
        if (q) {
            s.qNum += detail::sumRow(qn, n);
            s.qDen += detail::sumRow(qd, n);
        }
        if (nb) {
            s.nNum += detail::sumRow(nn, n);
            s.nDen += detail::sumRow(nd, n);
        }
    };

    // interior: rows and columns 1 .. size - 2, where both paddings give the same Sobel
    if (rows >= 3 && cols >= 3) {
        std::array<cv::Mat, 6> sob;
        for (int i = 0; i < 3; ++i) {
            cv::Sobel(*img[i], sob[2 * i], CV_16S, 1, 0, 3, 1.0, 0, cv::BORDER_REPLICATE);
            cv::Sobel(*img[i], sob[2 * i + 1], CV_16S, 0, 1, 3, 1.0, 0, cv::BORDER_REPLICATE);
        }
        const GradRowFn fn = wantQ && wantN ? gradRowQN : (wantQ ? gradRowQ : gradRowN);
        const int n = cols - 2;
        if (mask.empty()) std::fill(in + 6 * len, in + 6 * len + n, 1.0);
        for (int r = 1; r + 1 < rows; ++r) {
            for (int k = 0; k < 6; ++k)
                toDoubles(sob[k].ptr<short>(r) + 1, n, in + k * len);
            if (!mask.empty()) toDoubles(mask.ptr<uchar>(r) + 1, n, in + 6 * len);
            fn(row, n, qn, qd, nn, nd);
            accumulate(n, wantQ, wantN);
        }
    }

    // border pixels (all pixels of an image thinner than 3), gathered with both paddings
    std::vector<cv::Point> border;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            if (r > 0 && r + 1 < rows && c > 0 && c + 1 < cols && rows >= 3 && cols >= 3) {
                c = cols - 2; // jump to the last column
                continue;
            }
            border.push_back({c, r});
        }
    const int nb = static_cast<int>(border.size());
    for (int pass = 0; pass < 2; ++pass) {
        const bool q = pass == 0; // zero padding for Qabf, replicated edges for Nabf
        if (q ? !wantQ : !wantN) continue;
        for (int i = 0; i < nb; ++i) {
            const cv::Point p = border[i];
            for (int k = 0; k < 3; ++k) {
                short sx, sy;
                sobelAt(*img[k], p.y, p.x, !q, &sx, &sy);
                in[2 * k * len + i] = sx;
                in[(2 * k + 1) * len + i] = sy;
            }
            in[6 * len + i] = maskAt(p.y, p.x);
        }
        (q ? gradRowQ : gradRowN)(row, nb, qn, qd, nn, nd);
        accumulate(nb, q, !q);
    }
    return s;
}

double ratioOr0(double num, double den) {
    return den > 0 ? num / den : 0.0;
}

// AG's per-pixel term sqrt((gx^2 + gy^2) / 2) (vectorised).
VF_IM_CLONES void agRow(const double* __restrict gx, const double* __restrict gy, int n,
                        double* __restrict out) {
    for (int x = 0; x < n; ++x)
        out[x] = std::sqrt((gx[x] * gx[x] + gy[x] * gy[x]) / 2);
}

// MATLAB rgb2gray of one BGR row: (0.114020904255103 B + 0.587043074451121 G) +
// 0.298936021293775 R in double, rounded half up (values are >= 0, so truncating v + 0.5 is
// floor(v + 0.5)), saturated at 255. Branch-free so that it vectorises.
VF_IM_CLONES void rgb2grayRow(const uchar* __restrict p, uchar* __restrict o, int n) {
    for (int x = 0; x < n; ++x) {
        const double v =
            (0.114020904255103 * double(p[3 * x]) + 0.587043074451121 * double(p[3 * x + 1])) +
            0.298936021293775 * double(p[3 * x + 2]);
        const int r = static_cast<int>(v + 0.5);
        o[x] = static_cast<uchar>(r > 255 ? 255 : r);
    }
}

// ---------------------------------------------------------------------------- workspace
struct Workspace {
    Conventions conv;
    cv::Mat mask;
    cv::Mat a8, b8, f8; // grey uint8
    cv::Mat a, b, f;    // CV_64F on [0,255]
};

} // namespace

// ============================================================================= public
cv::Mat toGray8(const cv::Mat& image, GrayConversion how) {
    checkImage(image, "input");
    if (image.channels() == 1) return image;
    if (how == GrayConversion::OpenCV) {
        cv::Mat g;
        cv::cvtColor(image, g, cv::COLOR_BGR2GRAY);
        return g;
    }
    // MATLAB rgb2gray on uint8: weighted sum in double, rounded (half away from zero).
    cv::Mat g(image.size(), CV_8UC1);
    for (int y = 0; y < image.rows; ++y)
        rgb2grayRow(image.ptr<uchar>(y), g.ptr<uchar>(y), image.cols);
    return g;
}

double entropy(const cv::Mat& gray8, const Conventions& conv, const cv::Mat& mask) {
    const cv::Mat g = toGray8(gray8, conv.gray);
    const cv::Mat m = checkMask(mask, g.size());
    double n = 0;
    const auto h = histogram(g, m, &n);
    return entropyOfCounts(h.data(), h.size(), n, conv.logBase);
}

double mutualInformation(const cv::Mat& a8, const cv::Mat& f8, const Conventions& conv,
                         const cv::Mat& mask) {
    const cv::Mat a = toGray8(a8, conv.gray), f = toGray8(f8, conv.gray);
    checkSameSize(a, f, "source", "fused");
    const cv::Mat m = checkMask(mask, a.size());
    double n = 0;
    const auto ha = histogram(a, m, &n);
    const auto hf = histogram(f, m, &n);
    return entropyOfCounts(ha.data(), 256, n, conv.logBase) +
           entropyOfCounts(hf.data(), 256, n, conv.logBase) -
           jointEntropy(a, f, m, conv.miJointSaturation, conv.logBase);
}

double ssimSingle(const cv::Mat& x8, const cv::Mat& y8, double L, const cv::Mat& mask) {
    const cv::Mat x = toDouble(toGray8(x8)), y = toDouble(toGray8(y8));
    checkSameSize(x, y, "first", "second");
    const cv::Mat m = checkMask(mask, x.size());
    return ssimAgainst(x, {&y}, L, m)[0];
}

double vifpMultiscale(const cv::Mat& ref8, const cv::Mat& dist8, const cv::Mat& mask) {
    const cv::Mat r = toDouble(toGray8(ref8)), d = toDouble(toGray8(dist8));
    checkSameSize(r, d, "reference", "distorted");
    const cv::Mat m = checkMask(mask, r.size());
    return vifAgainst(d, {&r}, m)[0];
}

double qabf(const cv::Mat& a8, const cv::Mat& b8, const cv::Mat& f8, const cv::Mat& mask) {
    const cv::Mat a8g = toGray8(a8), b8g = toGray8(b8), f8g = toGray8(f8);
    checkSameSize(a8g, f8g, "IR", "fused");
    checkSameSize(b8g, f8g, "visible", "fused");
    const cv::Mat m = checkMask(mask, f8g.size());
    const GradientSums s = gradientSums(a8g, b8g, f8g, m, true, false);
    return ratioOr0(s.qNum, s.qDen);
}

double psnr8(const cv::Mat& restored, const cv::Mat& clean, const cv::Mat& mask) {
    checkImage(restored, "restored");
    checkImage(clean, "clean reference");
    checkSameSize(restored, clean, "restored", "clean reference");
    if (restored.channels() != clean.channels())
        throw Error(ErrorCode::Mismatch, "restored and clean reference differ in channel count: " +
                                             std::to_string(restored.channels()) + " vs " +
                                             std::to_string(clean.channels()));
    const cv::Mat m = checkMask(mask, restored.size());
    double se = 0, n = 0;
    const int ch = restored.channels();
    for (int y = 0; y < restored.rows; ++y) {
        const uchar* p = restored.ptr<uchar>(y);
        const uchar* q = clean.ptr<uchar>(y);
        const uchar* mk = m.empty() ? nullptr : m.ptr<uchar>(y);
        for (int x = 0; x < restored.cols; ++x) {
            if (mk && !mk[x]) continue;
            for (int c = 0; c < ch; ++c) {
                const double d = double(p[x * ch + c]) - double(q[x * ch + c]);
                se += d * d;
            }
            n += ch;
        }
    }
    const double mse = se / n;
    if (mse == 0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(255.0 * 255.0 / mse);
}

double ssim8(const cv::Mat& restored, const cv::Mat& clean, const cv::Mat& mask) {
    checkImage(restored, "restored");
    checkImage(clean, "clean reference");
    checkSameSize(restored, clean, "restored", "clean reference");
    return ssimSingle(restored, clean, 255.0, mask);
}

cv::Mat rectMask(cv::Size size, cv::Rect rect) {
    cv::Mat m = cv::Mat::zeros(size, CV_8UC1);
    const cv::Rect r = rect & cv::Rect(0, 0, size.width, size.height);
    if (r.area() > 0) m(r).setTo(255);
    return m;
}

cv::Mat polygonMask(cv::Size size, const std::vector<cv::Point>& polygon) {
    if (polygon.size() < 3)
        throw Error(ErrorCode::InvalidArgument, "a polygon mask needs at least 3 points (got " +
                                                    std::to_string(polygon.size()) + ")");
    cv::Mat m = cv::Mat::zeros(size, CV_8UC1);
    std::vector<std::vector<cv::Point>> polys{polygon};
    cv::fillPoly(m, polys, cv::Scalar(255));
    return m;
}

Values imageMetrics(const cv::Mat& ir, const cv::Mat& vi, const cv::Mat& fused,
                    const std::vector<Metric>& which, const Conventions& conv,
                    const cv::Mat& mask) {
    checkImage(ir, "infrared");
    checkImage(vi, "visible");
    checkImage(fused, "fused");
    checkSameSize(ir, fused, "infrared", "fused");
    checkSameSize(vi, fused, "visible", "fused");

    Workspace w;
    w.conv = conv;
    w.mask = checkMask(mask, fused.size());
    w.a8 = toGray8(ir, conv.gray);
    w.b8 = toGray8(vi, conv.gray);
    w.f8 = toGray8(fused, conv.gray);
    w.a = toDouble(w.a8);
    w.b = toDouble(w.b8);
    w.f = toDouble(w.f8);
    const cv::Mat& m = w.mask;
    const int rows = w.f.rows, cols = w.f.cols;

    auto wants = [&](Metric x) { return std::find(which.begin(), which.end(), x) != which.end(); };
    Values out;
    const double combineMi = conv.miCombine == SourceCombine::Sum ? 1.0 : 0.5;

    std::optional<std::array<double, 256>> histF;
    double nPix = 0;
    auto hF = [&]() -> const std::array<double, 256>& {
        if (!histF) histF = histogram(w.f8, m, &nPix);
        return *histF;
    };

    if (wants(Metric::EN)) {
        const auto& h = hF();
        out[Metric::EN] = entropyOfCounts(h.data(), 256, nPix, conv.logBase);
    }

    if (wants(Metric::MI)) {
        const auto& hfh = hF();
        const double hf = entropyOfCounts(hfh.data(), 256, nPix, conv.logBase);
        double n = 0;
        const auto ha = histogram(w.a8, m, &n);
        const auto hb = histogram(w.b8, m, &n);
        const double miA = entropyOfCounts(ha.data(), 256, n, conv.logBase) + hf -
                           jointEntropy(w.a8, w.f8, m, conv.miJointSaturation, conv.logBase);
        const double miB = entropyOfCounts(hb.data(), 256, n, conv.logBase) + hf -
                           jointEntropy(w.b8, w.f8, m, conv.miJointSaturation, conv.logBase);
        out[Metric::MI] = combineMi * (miA + miB);
    }

    if (wants(Metric::SD)) {
        // population SD (divides by N), sqrt(mean((F - mean)^2)), from the grey-level counts:
        // N^2 var = N sum v^2 - (sum v)^2 exactly in integers
        const auto& h = hF();
        std::int64_t s1 = 0, s2 = 0;
        for (int v = 0; v < 256; ++v) {
            const auto c = static_cast<std::int64_t>(h[size_t(v)]);
            s1 += c * v;
            s2 += c * v * v;
        }
        const auto n = static_cast<std::int64_t>(nPix);
        out[Metric::SD] = n > 0 ? std::sqrt(nSqCovariance(n, s1, s1, s2)) / double(n) : 0.0;
    }

    if (wants(Metric::SF)) {
        // sums of squared differences of 8-bit values: exact integers (the same in any order,
        // and the same as summing w.f's doubles)
        std::int64_t rf = 0, nr = 0, cf = 0, nc = 0;
        for (int y = 0; y < rows; ++y) {
            const uchar* p = w.f8.ptr<uchar>(y);
            const uchar* pn = y + 1 < rows ? w.f8.ptr<uchar>(y + 1) : nullptr;
            if (m.empty()) {
                if (pn) {
                    for (int x = 0; x < cols; ++x) {
                        const int d = int(pn[x]) - int(p[x]);
                        rf += d * d;
                    }
                    nr += cols;
                }
                for (int x = 0; x + 1 < cols; ++x) {
                    const int d = int(p[x + 1]) - int(p[x]);
                    cf += d * d;
                }
                nc += cols - 1;
                continue;
            }
            const uchar* mk = m.ptr<uchar>(y);
            const uchar* mkn = pn ? m.ptr<uchar>(y + 1) : nullptr;
            for (int x = 0; x < cols; ++x) {
                if (pn && mk[x] && mkn[x]) {
                    const int d = int(pn[x]) - int(p[x]);
                    rf += d * d;
                    nr += 1;
                }
                if (x + 1 < cols && mk[x] && mk[x + 1]) {
                    const int d = int(p[x + 1]) - int(p[x]);
                    cf += d * d;
                    nc += 1;
                }
            }
        }
        const double RF = nr > 0 ? double(rf) / double(nr) : 0,
                     CF = nc > 0 ? double(cf) / double(nc) : 0;
        out[Metric::SF] = std::sqrt(RF + CF);
    }

    if (wants(Metric::AG)) {
        // MATLAB gradient rows of F made as they are needed (no gradient images)
        std::vector<double> row(cols), gx(cols), gy(cols);
        double s = 0, n = 0;
        for (int y = 0; y < rows; ++y) {
            matlabGradientRows(w.f, y, gx.data(), gy.data());
            agRow(gx.data(), gy.data(), cols, row.data());
            detail::maskedRowSum(row.data(), m.empty() ? nullptr : m.ptr<uchar>(y), cols, s, n);
        }
        // Toolbox: sum / ((r-1)(c-1)); under a mask the same normalisation scaled to the
        // masked pixel count (identical for a full mask).
        const double norm = double(rows - 1) * double(cols - 1);
        out[Metric::AG] = norm > 0 ? s / norm * (double(rows) * cols / n) : 0.0;
    }

    if (wants(Metric::SSIM)) {
        const auto ss = ssimAgainst(w.f, {&w.a, &w.b}, conv.ssimDynamicRange, m);
        const double sa = ss[0], sb = ss[1];
        out[Metric::SSIM] = 0.5 * sa + 0.5 * sb;
    }

    if (wants(Metric::VIF)) {
        const auto vv = vifAgainst(w.f, {&w.a, &w.b}, m);
        const double va = vv[0], vb = vv[1];
        out[Metric::VIF] = conv.vifCombine == SourceCombine::Sum ? va + vb : 0.5 * (va + vb);
    }

    if (wants(Metric::Qabf) || wants(Metric::Nabf)) {
        // Kumar's NABF: Td = 2, wt_min = 0.001, Lg = 1.5, Nrg = 0.9999, kg = 19, sg = 0.5,
        // Nra = 0.9995, ka = 22, sa = 0.5; only pixels where gF exceeds both source gradients
        // count in the numerator. Both metrics in one pass when both are asked for.
        const GradientSums g =
            gradientSums(w.a8, w.b8, w.f8, m, wants(Metric::Qabf), wants(Metric::Nabf));
        if (wants(Metric::Qabf)) out[Metric::Qabf] = ratioOr0(g.qNum, g.qDen);
        if (wants(Metric::Nabf)) out[Metric::Nabf] = ratioOr0(g.nNum, g.nDen);
    }

    if (wants(Metric::PSNR)) {
        // exact integer sums of squared 8-bit differences (see SF)
        std::int64_t ia = 0, ib = 0, in = 0;
        for (int y = 0; y < rows; ++y) {
            const uchar* pa = w.a8.ptr<uchar>(y);
            const uchar* pb = w.b8.ptr<uchar>(y);
            const uchar* pf = w.f8.ptr<uchar>(y);
            const uchar* mk = m.empty() ? nullptr : m.ptr<uchar>(y);
            if (!mk) {
                for (int x = 0; x < cols; ++x) {
                    const int da = int(pf[x]) - int(pa[x]), db = int(pf[x]) - int(pb[x]);
                    ia += da * da;
                    ib += db * db;
                }
                in += cols;
                continue;
            }
            for (int x = 0; x < cols; ++x) {
                if (!mk[x]) continue;
                const int da = int(pf[x]) - int(pa[x]), db = int(pf[x]) - int(pb[x]);
                ia += da * da;
                ib += db * db;
                in += 1;
            }
        }
        const double sa = double(ia), sb = double(ib), n = double(in);
        double mse = 0.5 * sa / n + 0.5 * sb / n;     // on [0,255]
        if (conv.psnrUnitScale) mse /= 255.0 * 255.0; // toolbox: on [0,1], peak still 255
        out[Metric::PSNR] = mse > 0 ? 20.0 * std::log10(255.0 / std::sqrt(mse))
                                    : std::numeric_limits<double>::infinity();
    }

    if (wants(Metric::CC) || wants(Metric::SCD)) {
        const MomentSums t = momentSums(w.a8, w.b8, w.f8, m);
        // CC: the toolbox's r_BF numerator centres B on mean(A) instead of mean(B); against the
        // centred F that changes nothing but rounding (sum (B - c)(F - mean F) is the same for
        // every c), so both conventions take the exact value
        if (wants(Metric::CC))
            out[Metric::CC] = 0.5 * (pearsonFromSums(t.n, t.a, t.f, t.aa, t.ff, t.af) +
                                     pearsonFromSums(t.n, t.b, t.f, t.bb, t.ff, t.bf));
        // SCD = corr2(F - B, A) + corr2(F - A, B)
        if (wants(Metric::SCD))
            out[Metric::SCD] =
                pearsonFromSums(t.n, t.f - t.b, t.a, t.ff - 2 * t.bf + t.bb, t.aa, t.af - t.ab) +
                pearsonFromSums(t.n, t.f - t.a, t.b, t.ff - 2 * t.af + t.aa, t.bb, t.bf - t.ab);
    }

    if (wants(Metric::FMI)) out[Metric::FMI] = detail::fmiGradient(w.a8, w.b8, w.f8, m);

    return out;
}

} // namespace vf::metrics
