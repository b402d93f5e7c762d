// Shared filters of the classical fusion methods: box/Gaussian helpers, the grey guided
// filter, the Paris-Durand bilateral grid and the cross bilateral filter.
#if defined(__GNUC__) && !defined(__clang__)
// Lets GCC vectorise the branch-free expNeg() loops (no floating-point traps are enabled).
#pragma GCC optimize("no-trapping-math")
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

namespace detail {

cv::Mat boxMean(const cv::Mat& src, int r) {
    cv::Mat dst = scratch(src.size());
    cv::boxFilter(src, dst, CV_32F, cv::Size(2 * r + 1, 2 * r + 1), cv::Point(-1, -1), true,
                  cv::BORDER_REFLECT);
    return dst;
}

cv::Mat gaussian(const cv::Mat& src, double sigma, int halfWidth, int border) {
    cv::Mat dst = scratch(src.size());
    if (halfWidth <= 0 || sigma <= 0) {
        src.copyTo(dst);
        return dst;
    }
    if (halfWidth <= 60) {
        cv::Mat k = cv::getGaussianKernel(2 * halfWidth + 1, sigma, CV_32F);
        cv::sepFilter2D(src, dst, CV_32F, k, k, cv::Point(-1, -1), 0, border);
        return dst;
    }
    // Four box passes of width w have variance 4 (w^2 - 1) / 12 = sigma^2. (The MATLAB kernel
    // is truncated at 3 sigma; the cascade is not, a difference below 1% of the peak.)
    int w = static_cast<int>(std::lround(std::sqrt(3.0 * sigma * sigma + 1.0)));
    if (w % 2 == 0) ++w;
    cv::Mat t = scratch(src.size());
    cv::boxFilter(src, dst, CV_32F, cv::Size(w, w), cv::Point(-1, -1), true, border);
    for (int i = 1; i < 4; ++i) {
        cv::boxFilter(dst, t, CV_32F, cv::Size(w, w), cv::Point(-1, -1), true, border);
        std::swap(dst, t);
    }
    return dst;
}

cv::Mat ratioWeight(const cv::Mat& s1, const cv::Mat& s2) {
    CV_Assert(s1.type() == CV_32FC1 && s2.type() == CV_32FC1 && s1.size() == s2.size());
    cv::Mat w(s1.size(), CV_32FC1);
    for (int y = 0; y < s1.rows; ++y) {
        const float* a = s1.ptr<float>(y);
        const float* b = s2.ptr<float>(y);
        float* o = w.ptr<float>(y);
        for (int x = 0; x < s1.cols; ++x) {
            const float s = a[x] + b[x];
            o[x] = s > 0.f ? a[x] / s : 0.5f;
        }
    }
    return w;
}

} // namespace detail

using namespace detail;

namespace {

// out[z] = (in[z - o] + 2 in[z] + in[z + o]) / 4 for z in [0, n): one [1 2 1]/4 pass of the
// bilateral grid along the dimension whose stride is o.
void blur121(const float* __restrict in, float* __restrict out, size_t o, int n) {
    for (int z = 0; z < n; ++z)
        out[z] = (in[z - o] + in[z + o] + 2.f * in[z]) * 0.25f;
}

} // namespace

// ---------------------------------------------------------------------------------------
// Guided filter (He et al.): q = mean(a) * I + mean(b), a = cov(I,p) / (var(I) + eps),
// b = mean(p) - a mean(I). Box means with reflected borders (MATLAB normalises by the number
// of valid pixels instead; the two differ only within r pixels of the border), computed by
// boxSumRows (double sums, cost independent of r) in stripes of rows.
// ---------------------------------------------------------------------------------------
namespace detail {

cv::Mat scratch(cv::Size size, int type) {
    static std::mutex mu;
    static std::vector<cv::Mat> pool;
    static size_t bytes = 0;
    constexpr size_t cap = size_t(512) << 20;
    auto unused = [](const cv::Mat& m) {
        return std::atomic_ref<int>(m.u->refcount).load(std::memory_order_acquire) == 1;
    };
    if (size.area() == 0) return cv::Mat(size, type);
    std::lock_guard lock(mu);
    for (const cv::Mat& m : pool)
        if (m.rows == size.height && m.cols == size.width && m.type() == type && unused(m))
            return m;
    cv::Mat m(size, type);
    const size_t need = m.total() * m.elemSize();
    // Over the cap: forget unused buffers (of other shapes) until the new one fits.
    for (size_t i = pool.size(); i-- > 0 && bytes + need > cap;)
        if (unused(pool[i])) {
            bytes -= pool[i].total() * pool[i].elemSize();
            pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(i));
        }
    if (bytes + need <= cap) {
        pool.push_back(m);
        bytes += need;
    }
    return m;
}

VF_SIMD_CLONES void columnAdd(double* __restrict cs, const float* __restrict a, int n) {
    for (int x = 0; x < n; ++x)
        cs[x] += static_cast<double>(a[x]);
}

VF_SIMD_CLONES void columnUpdate(double* __restrict cs, const float* __restrict add,
                                 const float* __restrict sub, int n) {
    for (int x = 0; x < n; ++x)
        cs[x] += static_cast<double>(add[x]) - static_cast<double>(sub[x]);
}

VF_SIMD_CLONES void columnAddProduct(double* __restrict cs, const float* __restrict a,
                                     const float* __restrict b, int n) {
    for (int x = 0; x < n; ++x)
        cs[x] += static_cast<double>(a[x]) * static_cast<double>(b[x]);
}

VF_SIMD_CLONES void columnUpdateProduct(double* __restrict cs, const float* __restrict addA,
                                        const float* __restrict addB, const float* __restrict subA,
                                        const float* __restrict subB, int n) {
    for (int x = 0; x < n; ++x)
        cs[x] += static_cast<double>(addA[x]) * static_cast<double>(addB[x]) -
                 static_cast<double>(subA[x]) * static_cast<double>(subB[x]);
}

VF_SIMD_CLONES void guidedCoefficientRow(const double* __restrict sI, const double* __restrict sp,
                                         const double* __restrict sIp, const double* __restrict sII,
                                         double norm, double eps, float* __restrict a,
                                         float* __restrict b, int n) {
    for (int x = 0; x < n; ++x) {
        const double mi = sI[x] * norm, mp = sp[x] * norm;
        const double av = (sIp[x] * norm - mi * mp) / (sII[x] * norm - mi * mi + eps);
        a[x] = static_cast<float>(av);
        b[x] = static_cast<float>(mp - av * mi);
    }
}

void guidedCoefficients(const cv::Mat& I, const cv::Mat& p, int r, double eps, cv::Mat& a,
                        cv::Mat& b) {
    a.create(I.size(), CV_32FC1);
    b.create(I.size(), CV_32FC1);
    const double n = 1.0 / ((2.0 * r + 1) * (2.0 * r + 1));
    const int cols = I.cols;
    parallelRows(I.rows, [&](int y0, int y1) {
        boxSumRows<4>(
            {BoxPlane(&I), BoxPlane(&p), BoxPlane(&I, &p), BoxPlane(&I, &I)}, r,
            [&](int y, const std::array<const double*, 4>& s) {
                guidedCoefficientRow(s[0], s[1], s[2], s[3], n, eps, a.ptr<float>(y),
                                     b.ptr<float>(y), cols);
            },
            y0, y1);
    });
}

void guidedOutput(const cv::Mat& I, const cv::Mat& a, const cv::Mat& b, int r, cv::Mat& q) {
    q.create(I.size(), CV_32FC1);
    const double n = 1.0 / ((2.0 * r + 1) * (2.0 * r + 1));
    const int cols = I.cols;
    parallelRows(I.rows, [&](int y0, int y1) {
        boxSumRows<2>(
            {BoxPlane(&a), BoxPlane(&b)}, r,
            [&](int y, const std::array<const double*, 2>& s) {
                const float* g = I.ptr<float>(y);
                float* o = q.ptr<float>(y);
                for (int x = 0; x < cols; ++x)
                    o[x] = static_cast<float>((s[0][x] * g[x] + s[1][x]) * n);
            },
            y0, y1);
    });
}

} // namespace detail

cv::Mat guidedFilter(const cv::Mat& guide, const cv::Mat& src, int radius, double eps) {
    CV_Assert(guide.type() == CV_32FC1 && src.type() == CV_32FC1 && guide.size() == src.size());
    if (radius < 0)
        throw Error(ErrorCode::InvalidArgument,
                    "guided filter: radius must be >= 0, got " + std::to_string(radius));
    const cv::Size sz = guide.size();
    cv::Mat a = scratch(sz), b = scratch(sz), q;
    guidedCoefficients(guide, src, radius, eps, a, b);
    guidedOutput(guide, a, b, radius, q);
    return q;
}

namespace {

// Numerator and denominator of the cross bilateral filter for output row y (padded inputs).
VF_SIMD_CLONES void crossBilateralRow(const cv::Mat& gp, const cv::Mat& sp, int y, int h,
                                      const float* spatial, float rc, float* nu, float* de,
                                      int cols) {
    const int ksize = 2 * h + 1;
    std::fill(nu, nu + cols, 0.f);
    std::fill(de, de + cols, 0.f);
    const float* gc = gp.ptr<float>(y + h) + h; // guide centre row
    for (int dy = -h; dy <= h; ++dy) {
        const float* grow = gp.ptr<float>(y + h + dy) + h;
        const float* srow = sp.ptr<float>(y + h + dy) + h;
        for (int dx = -h; dx <= h; ++dx) {
            const float ws = spatial[(dy + h) * ksize + dx + h];
            const float* gq = grow + dx;
            const float* sq = srow + dx;
            for (int x = 0; x < cols; ++x) {
                const float d = gq[x] - gc[x];
                const float w = ws * expNeg(d * d * rc);
                nu[x] += w * sq[x];
                de[x] += w;
            }
        }
    }
}

} // namespace

// ---------------------------------------------------------------------------------------
// Cross bilateral filter, square window as in Shreyamsha Kumar's cross_bilateral_filt2Df.m
// (which used periodic-extension borders; reflected here). Vectorised over rows: for each
// tap, the range weight of a whole row is computed at once.
// ---------------------------------------------------------------------------------------
cv::Mat crossBilateral(const cv::Mat& src, const cv::Mat& guide, double sigmaS, double sigmaR,
                       int ksize) {
    CV_Assert(src.type() == CV_32FC1 && guide.type() == CV_32FC1 && src.size() == guide.size());
    if (ksize < 1 || ksize % 2 == 0)
        throw Error(ErrorCode::InvalidArgument,
                    "cross bilateral filter: kernel size must be odd and positive, got " +
                        std::to_string(ksize));
    const int h = ksize / 2;
    cv::Mat sp, gp;
    cv::copyMakeBorder(src, sp, h, h, h, h, cv::BORDER_REFLECT);
    cv::copyMakeBorder(guide, gp, h, h, h, h, cv::BORDER_REFLECT);
    std::vector<float> spatial(static_cast<size_t>(ksize * ksize));
    for (int dy = -h; dy <= h; ++dy)
        for (int dx = -h; dx <= h; ++dx)
            spatial[static_cast<size_t>((dy + h) * ksize + dx + h)] =
                static_cast<float>(std::exp(-(dx * dx + dy * dy) / (2.0 * sigmaS * sigmaS)));
    const float rc = static_cast<float>(-1.0 / (2.0 * sigmaR * sigmaR));
    cv::Mat dst(src.size(), CV_32FC1);
    const int cols = src.cols;
    parallelRows(src.rows, [&](int y0, int y1) {
        std::vector<float> num(static_cast<size_t>(cols)), den(static_cast<size_t>(cols));
        for (int y = y0; y < y1; ++y) {
            crossBilateralRow(gp, sp, y, h, spatial.data(), rc, num.data(), den.data(), cols);
            const float* nu = num.data();
            const float* de = den.data();
            float* o = dst.ptr<float>(y);
            for (int x = 0; x < cols; ++x)
                o[x] = nu[x] / de[x];
        }
    });
    return dst;
}

// ---------------------------------------------------------------------------------------
// Paris-Durand bilateral grid, as in fast_blf.h of the Hybrid-MSD code: sampling rates equal
// to the sigmas, 2 cells of padding, nearest-cell splatting, [1 2 1]/4 applied twice per
// dimension, early division (each cell normalised by its weight before interpolation),
// trilinear slicing.
// ---------------------------------------------------------------------------------------
cv::Mat fastBilateral(const cv::Mat& src, double sigmaS, double sigmaR) {
    CV_Assert(src.type() == CV_32FC1);
    if (sigmaS <= 0 || sigmaR <= 0)
        throw Error(ErrorCode::InvalidArgument, "bilateral grid: sigmas must be positive");
    const int W = src.cols, H = src.rows;
    double mn = 0, mx = 0;
    cv::minMaxLoc(src, &mn, &mx);
    const int pad = 2;
    const int sw = static_cast<int>((W - 1) / sigmaS) + 1 + 2 * pad;
    const int sh = static_cast<int>((H - 1) / sigmaS) + 1 + 2 * pad;
    const int sd = static_cast<int>((mx - mn) / sigmaR) + 1 + 2 * pad;
    const size_t n = static_cast<size_t>(sw) * sh * sd;
    // layout: z fastest, then x, then y. The grids (tens of MB at the finest level) come from
    // the scratch pool: fresh ones cost more in page faults than the whole filter.
    const cv::Size gridShape(static_cast<int>(n), 1);
    cv::Mat valM = scratch(gridShape), wgtM = scratch(gridShape);
    cv::Mat bvM = scratch(gridShape), bwM = scratch(gridShape);
    // (all zero: the blur below writes interior cells only and reads the zero border cells)
    for (cv::Mat* m : {&valM, &wgtM, &bvM, &bwM})
        m->setTo(0);
    float* val = valM.ptr<float>();
    float* wgt = wgtM.ptr<float>();
    float* bv = bvM.ptr<float>();
    float* bw = bwM.ptr<float>();
    auto idx = [&](int x, int y, int z) {
        return (static_cast<size_t>(y) * sw + static_cast<size_t>(x)) * sd + static_cast<size_t>(z);
    };
    const float invS = static_cast<float>(1.0 / sigmaS), invR = static_cast<float>(1.0 / sigmaR);
    const float fmn = static_cast<float>(mn);
    for (int y = 0; y < H; ++y) {
        const float* s = src.ptr<float>(y);
        const int cy = static_cast<int>(y * invS + 0.5f) + pad;
        for (int x = 0; x < W; ++x) {
            const int cx = static_cast<int>(x * invS + 0.5f) + pad;
            const int cz = static_cast<int>((s[x] - fmn) * invR + 0.5f) + pad;
            const size_t i = idx(cx, cy, cz);
            val[i] += s[x];
            wgt[i] += 1.f;
        }
    }
    // blur: [1 2 1]/4 twice along each dimension, interior cells only (as the original)
    const size_t off[3] = {static_cast<size_t>(sd), static_cast<size_t>(sw) * sd, 1};
    for (int dim = 0; dim < 3; ++dim) {
        const size_t o = off[dim];
        for (int it = 0; it < 2; ++it) {
            std::swap(bv, val);
            std::swap(bw, wgt);
            for (int y = 1; y < sh - 1; ++y)
                for (int x = 1; x < sw - 1; ++x) {
                    const size_t base = idx(x, y, 1);
                    blur121(bv + base, val + base, o, sd - 2);
                    blur121(bw + base, wgt + base, o, sd - 2);
                }
        }
    }
    for (size_t i = 0; i < n; ++i)
        val[i] /= (wgt[i] != 0.f ? wgt[i] : 1.f);
    cv::Mat dst = scratch(src.size());
    parallelRows(H, [&](int ya, int yb) {
        for (int y = ya; y < yb; ++y) {
            const float* s = src.ptr<float>(y);
            float* d = dst.ptr<float>(y);
            const float fy = y * invS + pad;
            const int y0 = std::min(static_cast<int>(fy), sh - 2);
            const float ty = fy - y0;
            for (int x = 0; x < W; ++x) {
                const float fx = x * invS + pad;
                const float fz = (s[x] - fmn) * invR + pad;
                const int x0 = std::min(static_cast<int>(fx), sw - 2);
                const int z0 = std::min(static_cast<int>(fz), sd - 2);
                const float tx = fx - x0, tz = fz - z0;
                const size_t i000 = idx(x0, y0, z0);
                const size_t ox = static_cast<size_t>(sd), oy = static_cast<size_t>(sw) * sd;
                auto lerpz = [&](size_t i) { return val[i] * (1.f - tz) + val[i + 1] * tz; };
                const float c00 = lerpz(i000), c10 = lerpz(i000 + ox);
                const float c01 = lerpz(i000 + oy), c11 = lerpz(i000 + ox + oy);
                const float c0 = c00 * (1.f - tx) + c10 * tx;
                const float c1 = c01 * (1.f - tx) + c11 * tx;
                d[x] = c0 * (1.f - ty) + c1 * ty;
            }
        }
    });
    return dst;
}

} // namespace vf::fusion::classical
