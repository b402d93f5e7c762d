// Hybrid-MSD: Z. Zhou, B. Wang, S. Li, M. Dong, "Perceptual fusion of infrared and visible
// images through a hybrid multi-scale decomposition with Gaussian and bilateral filters",
// Information Fusion 30, 2016. Follows Hybrid_MSD() of VIFB's run_Hybrid_MSD.m: 4 levels,
// Gaussian sigma 2 (doubling), bilateral (Paris-Durand grid, as fast_blf) with sigma_s equal
// to the Gaussian sigma and sigma_r = 0.05 / 2^(j-2) on [0,1]; the IR perceptual saliency
// R = max(|E_ir| - |E_vi|, 0) normalised by its maximum, C = atan(lambda P)/atan(lambda),
// lambda = 30; base weights C_N smoothed by a Gaussian of sigma 64, large-scale weights by
// sigma 1, small scale by binary max-abs selection (sigma 0.2 = a 1x1 kernel).
// Deviations: the sigma-64 smoothing (a 385x385 kernel) uses a four-box cascade of the same
// variance; where R is zero everywhere (IR nowhere more salient, e.g. identical inputs) the
// MATLAB code divides 0/0 and returns a white image, here C = 0 (the visible layers).
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

namespace {

struct Msd {
    std::vector<cv::Mat> g;    // Gaussian levels M{1..N+1}
    std::vector<cv::Mat> d, e; // MD{j}, ME{j} for j = 2..N+1 (index j)
};

// img in 0..255.
Msd decompose(const cv::Mat& img, int levels, double sigma, double sigmaR) {
    Msd m;
    m.g.resize(static_cast<size_t>(levels) + 2);
    m.d.resize(static_cast<size_t>(levels) + 2);
    m.e.resize(static_cast<size_t>(levels) + 2);
    m.g[1] = img;
    cv::Mat bl = img; // M1L{j-1}
    double s0 = sigma;
    for (int j = 2; j <= levels + 1; ++j) {
        const int w = static_cast<int>(std::floor(3 * s0));
        const size_t J = static_cast<size_t>(j);
        m.g[J] = gaussian(m.g[J - 1], s0, w, cv::BORDER_REFLECT);
        cv::Mat b01 = scratch(img.size()), nbl = scratch(img.size());
        bl.convertTo(b01, CV_32F, 1.0 / 255.0);
        fastBilateral(b01, s0, sigmaR / std::pow(2.0, j - 2)).convertTo(nbl, CV_32F, 255.0);
        m.d[J] = scratch(img.size());
        m.e[J] = scratch(img.size());
        cv::subtract(m.g[J - 1], nbl, m.d[J]);
        cv::subtract(nbl, m.g[J], m.e[J]);
        bl = nbl;
        s0 *= 2;
    }
    return m;
}

} // namespace

cv::Mat fuseHybridMsd(const cv::Mat& ir, const cv::Mat& vi, const HybridMsdParams& p) {
    checkInputs(ir, vi, "hybrid-msd");
    if (p.levels < 1 || p.levels > 6 || p.lambda <= 0 || p.sigmaS <= 0 || p.sigmaR <= 0)
        throw Error(ErrorCode::InvalidArgument,
                    "hybrid-msd: need 1 <= levels <= 6 and positive lambda and sigmas");
    const int N = p.levels;
    Msd m1, m2; // 1 = visible, 2 = IR (Hybrid_MSD(img2=visible, img1=IR) in run_Hybrid_MSD)
    auto to255 = [](const cv::Mat& img) {
        cv::Mat o = scratch(img.size());
        img.convertTo(o, CV_32F, 255.0);
        return o;
    };
    runPair([&] { m1 = decompose(to255(vi), N, p.sigmaS, p.sigmaR); },
            [&] { m2 = decompose(to255(ir), N, p.sigmaS, p.sigmaR); });
    const double atanL = std::atan(p.lambda);
    double sigma0 = p.sigmaS * std::pow(2.0, N); // value after the decomposition loop
    cv::Mat mf;
    auto blend = [](const cv::Mat& c, const cv::Mat& a2, const cv::Mat& a1) {
        cv::Mat o = scratch(c.size());
        for (int y = 0; y < c.rows; ++y) {
            const float* w = c.ptr<float>(y);
            const float* q = a2.ptr<float>(y);
            const float* r = a1.ptr<float>(y);
            float* d = o.ptr<float>(y);
            for (int x = 0; x < c.cols; ++x)
                d[x] = w[x] * q[x] + (1.f - w[x]) * r[x];
        }
        return o;
    };
    for (int j = N + 1; j >= 3; --j) {
        const size_t J = static_cast<size_t>(j);
        cv::Mat r = cv::abs(m2.e[J]) - cv::abs(m1.e[J]);
        cv::max(r, 0.0, r);
        double emax = 0;
        cv::minMaxLoc(r, nullptr, &emax);
        cv::Mat c = scratch(r.size());
        const float inv = emax > 0 ? static_cast<float>(1.0 / emax) : 0.f;
        const float lam = static_cast<float>(p.lambda), nrm = static_cast<float>(1.0 / atanL);
        for (int y = 0; y < r.rows; ++y) {
            const float* s = r.ptr<float>(y);
            float* o = c.ptr<float>(y);
            for (int x = 0; x < r.cols; ++x)
                o[x] = std::atan(lam * s[x] * inv) * nrm;
        }
        sigma0 = 2 * sigma0;
        if (j == N + 1) {
            const int w = static_cast<int>(std::floor(3 * sigma0));
            cv::Mat cn = gaussian(c, sigma0, w, cv::BORDER_REFLECT);
            mf = blend(cn, m2.g[J], m1.g[J]);
        }
        sigma0 = 1.0;
        cv::Mat cs = gaussian(c, sigma0, 3, cv::BORDER_REFLECT);
        mf += blend(cs, m2.e[J], m1.e[J]);
        mf += blend(cs, m2.d[J], m1.d[J]);
    }
    // Small scale (j = 2): binary choose-max-abs (the sigma 0.2 Gaussian is a 1x1 kernel).
    for (int y = 0; y < mf.rows; ++y) {
        const float* e1 = m1.e[2].ptr<float>(y);
        const float* e2 = m2.e[2].ptr<float>(y);
        const float* d1 = m1.d[2].ptr<float>(y);
        const float* d2 = m2.d[2].ptr<float>(y);
        float* o = mf.ptr<float>(y);
        for (int x = 0; x < mf.cols; ++x) {
            o[x] += std::abs(e1[x]) < std::abs(e2[x]) ? e2[x] : e1[x];
            o[x] += std::abs(d1[x]) < std::abs(d2[x]) ? d2[x] : d1[x];
        }
    }
    cv::Mat out;
    cv::min(cv::max(mf, 0.0), 255.0, out);
    return out * (1.0 / 255.0);
}

} // namespace vf::fusion::classical
