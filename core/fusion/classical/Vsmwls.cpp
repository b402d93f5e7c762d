// VSMWLS: J. Ma, Z. Zhou, B. Wang, H. Zong, "Infrared and visible image fusion based on
// visual saliency map and weighted least square optimization", Infrared Physics & Technology
// 82, 2017. Follows WLS_Fusion.m of VIFB (intensities in [0,1]): 4 levels; levels 1..3 by a
// guided rolling guidance filter (sigma_s 2, 4, 8; sigma_r 0.05; 4 iterations), the last by a
// Gaussian (sigma 2); base fused with the histogram visual saliency maps; finest detail by
// max-abs; other details by the WLS rule with lambda = 0.01.
// The WLS system of Solve_Optimal.m is diagonal (2I + lambda (A + A^T) with A diagonal), so
// its exact solution is pointwise: d = (M + lambda a IR) / (1 + lambda a), a = 1/(|mean7(vi
// detail)| + 1e-6) -- no sparse solve or approximation is needed.
#include <array>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

namespace {

// gaussFilter.m: window uint8(3 sigma)*2+1, replicated borders.
cv::Mat gaussFilter(const cv::Mat& img, double sigma) {
    return gaussian(img, sigma, static_cast<int>(std::lround(3 * sigma)), cv::BORDER_REPLICATE);
}

cv::Mat rollingGuidance(const cv::Mat& img, double sigmaS, double sigmaR, int iterations) {
    cv::Mat res = gaussFilter(img, sigmaS);
    const int r = static_cast<int>(std::lround(sigmaS));
    for (int i = 0; i < iterations; ++i)
        res = guidedFilter(res, img, r, sigmaR * sigmaR);
    return res;
}

struct Decomp {
    std::vector<cv::Mat> l; // l[0..levels-1] details, l[levels] base
};

Decomp decompose(const cv::Mat& img, const VsmwlsParams& p) {
    Decomp d;
    d.l.resize(static_cast<size_t>(p.levels) + 1);
    cv::Mat g = img;
    double s = p.sigmaS;
    for (int i = 0; i + 1 < p.levels; ++i) {
        cv::Mat n = rollingGuidance(g, s, p.sigmaR, p.rgfIterations);
        d.l[static_cast<size_t>(i)] = g - n;
        g = n;
        s *= 2;
    }
    cv::Mat last = gaussFilter(g, 2.0);
    d.l[static_cast<size_t>(p.levels) - 1] = g - last;
    d.l[static_cast<size_t>(p.levels)] = last;
    return d;
}

// Visual_Weight_Map.m: histogram contrast of the 8-bit image, min-max normalised.
cv::Mat visualWeight(const cv::Mat& img) {
    cv::Mat u8;
    img.convertTo(u8, CV_8U, 255.0);
    std::array<double, 256> hist{};
    for (int y = 0; y < u8.rows; ++y) {
        const uchar* r = u8.ptr<uchar>(y);
        for (int x = 0; x < u8.cols; ++x)
            hist[r[x]] += 1;
    }
    std::array<double, 256> sal{};
    for (int j = 0; j < 256; ++j)
        for (int i = 0; i < 256; ++i)
            sal[static_cast<size_t>(j)] += hist[static_cast<size_t>(i)] * std::abs(j - i);
    double mn = 1e300, mx = -1e300;
    for (int j = 0; j < 256; ++j)
        if (hist[static_cast<size_t>(j)] > 0) {
            mn = std::min(mn, sal[static_cast<size_t>(j)]);
            mx = std::max(mx, sal[static_cast<size_t>(j)]);
        }
    std::array<float, 256> lut{};
    for (int j = 0; j < 256; ++j)
        lut[static_cast<size_t>(j)] =
            mx > mn ? static_cast<float>((sal[static_cast<size_t>(j)] - mn) / (mx - mn)) : 0.f;
    cv::Mat w(img.size(), CV_32FC1);
    for (int y = 0; y < u8.rows; ++y) {
        const uchar* r = u8.ptr<uchar>(y);
        float* o = w.ptr<float>(y);
        for (int x = 0; x < u8.cols; ++x)
            o[x] = lut[r[x]];
    }
    return w;
}

} // namespace

cv::Mat fuseVsmwls(const cv::Mat& ir, const cv::Mat& vi, const VsmwlsParams& p) {
    checkInputs(ir, vi, "vsmwls");
    if (p.levels < 2 || p.levels > 6 || p.sigmaS <= 0 || p.sigmaR <= 0 || p.rgfIterations < 1 ||
        p.lambda < 0)
        throw Error(ErrorCode::InvalidArgument,
                    "vsmwls: need 2 <= levels <= 6, positive sigmas, rgf iterations >= 1 and "
                    "lambda >= 0");
    // 1 = IR, 2 = visible (WLS_Fusion(I1 = IR, I2 = VI) in run_VSMWLS.m).
    Decomp d1, d2;
    cv::Mat w1, w2;
    runPair(
        [&] {
            d1 = decompose(ir, p);
            w1 = visualWeight(ir);
        },
        [&] {
            d2 = decompose(vi, p);
            w2 = visualWeight(vi);
        });
    const size_t L = static_cast<size_t>(p.levels);
    cv::Mat out(ir.size(), CV_32FC1);
    // base
    for (int y = 0; y < out.rows; ++y) {
        const float* a = w1.ptr<float>(y);
        const float* b = w2.ptr<float>(y);
        const float* b1 = d1.l[L].ptr<float>(y);
        const float* b2 = d2.l[L].ptr<float>(y);
        const float* l1 = d1.l[0].ptr<float>(y);
        const float* l2 = d2.l[0].ptr<float>(y);
        float* o = out.ptr<float>(y);
        for (int x = 0; x < out.cols; ++x) {
            const float wd = 0.5f * (a[x] - b[x]);
            o[x] = (0.5f + wd) * b1[x] + (0.5f - wd) * b2[x];
            o[x] += std::abs(l1[x]) < std::abs(l2[x]) ? l2[x] : l1[x];
        }
    }
    const float lam = static_cast<float>(p.lambda);
    for (size_t i = L - 1; i >= 1; --i) {
        const cv::Mat& a1 = d1.l[i];
        const cv::Mat& a2 = d2.l[i];
        cv::Mat c(a1.size(), CV_32FC1);
        for (int y = 0; y < c.rows; ++y) {
            const float* p1 = a1.ptr<float>(y);
            const float* p2 = a2.ptr<float>(y);
            float* o = c.ptr<float>(y);
            for (int x = 0; x < c.cols; ++x)
                o[x] = std::abs(p1[x]) < std::abs(p2[x]) ? 1.f : 0.f;
        }
        c = gaussian(c, 2.0, 6, cv::BORDER_REFLECT);
        cv::Mat m7;
        cv::blur(a2, m7, cv::Size(7, 7), cv::Point(-1, -1), cv::BORDER_REPLICATE);
        for (int y = 0; y < c.rows; ++y) {
            const float* cc = c.ptr<float>(y);
            const float* p1 = a1.ptr<float>(y);
            const float* p2 = a2.ptr<float>(y);
            const float* mm = m7.ptr<float>(y);
            float* o = out.ptr<float>(y);
            for (int x = 0; x < c.cols; ++x) {
                const float mix = cc[x] * p2[x] + (1.f - cc[x]) * p1[x];
                const float a = 1.f / (std::abs(mm[x]) + 1e-6f);
                o[x] += (mix + lam * a * p1[x]) / (1.f + lam * a);
            }
        }
    }
    return out;
}

} // namespace vf::fusion::classical
