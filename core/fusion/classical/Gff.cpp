// GFF: S. Li, X. Kang, J. Hu, "Image fusion with guided filtering", IEEE TIP 22(7), 2013.
// Follows GFF.m (Xudong Kang) as run by VIFB: two-scale split by a 31x31 mean, saliency =
// |3x3 Laplacian| smoothed by an 11x11 Gaussian (sigma 5), winner-take-all initial weights
// (ties go to the first source, which VIFB's run_GFF makes the visible image), weights refined
// by guided filtering (r1=45, eps1=0.3 for the base, r2=7, eps2=1e-6 for the detail), clipped
// to [0,1] and normalised.
// Deviations: VIFB round-trips the inputs through JPEG files and quantises the weights to 8
// bits; neither is done here. Guided-filter borders are reflected (see Filters.cpp).
// Implementation: guided filters by running double sums (Filters.cpp), with the products I*P
// and I*I formed on the fly; the base layers, saliency maps and weights in recycled buffers.
#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

namespace {

// The fused row: weights clipped to [0,1] (+1e-12, as GFF.m) and normalised per layer.
VF_SIMD_CLONES void combineRow(const float* __restrict iv, const float* __restrict ii,
                               const float* __restrict bv, const float* __restrict bi,
                               const float* __restrict w1, const float* __restrict w2,
                               const float* __restrict d1, const float* __restrict d2,
                               float* __restrict o, int cols) {
    auto clip01 = [](float v) { return std::min(std::max(v, 0.f), 1.f); };
    for (int x = 0; x < cols; ++x) {
        const float a1 = clip01(w1[x]) + 1e-12f, a2 = clip01(w2[x]) + 1e-12f;
        const float c1 = clip01(d1[x]) + 1e-12f, c2 = clip01(d2[x]) + 1e-12f;
        const float base = (bv[x] * a1 + bi[x] * a2) / (a1 + a2);
        const float det = ((iv[x] - bv[x]) * c1 + (ii[x] - bi[x]) * c2) / (c1 + c2);
        o[x] = base + det;
    }
}

} // namespace

cv::Mat fuseGff(const cv::Mat& ir, const cv::Mat& vi, const GffParams& p) {
    checkInputs(ir, vi, "gff");
    if (p.r1 < 1 || p.r2 < 1 || p.eps1 <= 0 || p.eps2 <= 0)
        throw Error(ErrorCode::InvalidArgument, "gff: radii and eps must be positive");
    const cv::Size sz = vi.size();
    // Saliency maps and base layers.
    auto saliency = [&](const cv::Mat& img, cv::Mat& s) {
        cv::Mat h = scratch(sz);
        const cv::Mat lap = (cv::Mat_<float>(3, 3) << 0, 1, 0, 1, -4, 1, 0, 1, 0);
        cv::filter2D(img, h, CV_32F, lap, cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
        for (int y = 0; y < h.rows; ++y) {
            float* r = h.ptr<float>(y);
            for (int x = 0; x < h.cols; ++x)
                r[x] = std::abs(r[x]);
        }
        cv::Mat k = cv::getGaussianKernel(11, 5.0, CV_32F);
        s = scratch(sz);
        cv::sepFilter2D(h, s, CV_32F, k, k, cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
    };
    cv::Mat sVi, sIr, bVi = scratch(sz), bIr = scratch(sz);
    runPair(
        [&] {
            saliency(vi, sVi);
            cv::blur(vi, bVi, cv::Size(31, 31), cv::Point(-1, -1), cv::BORDER_REPLICATE);
        },
        [&] {
            saliency(ir, sIr);
            cv::blur(ir, bIr, cv::Size(31, 31), cv::Point(-1, -1), cv::BORDER_REPLICATE);
        });
    // P_vi = 1 where the visible saliency is the (first) maximum, P_ir = 1 - P_vi.
    cv::Mat pVi = scratch(sz), pIr = scratch(sz);
    for (int y = 0; y < vi.rows; ++y) {
        const float* a = sVi.ptr<float>(y);
        const float* b = sIr.ptr<float>(y);
        float* pv = pVi.ptr<float>(y);
        float* pi = pIr.ptr<float>(y);
        for (int x = 0; x < vi.cols; ++x) {
            pv[x] = a[x] >= b[x] ? 1.f : 0.f;
            pi[x] = 1.f - pv[x];
        }
    }
    // Base (r1, eps1) and detail (r2, eps2) weights of one source.
    auto weights = [&](const cv::Mat& img, const cv::Mat& pw, cv::Mat& wb, cv::Mat& wd) {
        cv::Mat a = scratch(sz), b = scratch(sz);
        wb = scratch(sz);
        wd = scratch(sz);
        guidedCoefficients(img, pw, p.r1, p.eps1, a, b);
        guidedOutput(img, a, b, p.r1, wb);
        guidedCoefficients(img, pw, p.r2, p.eps2, a, b);
        guidedOutput(img, a, b, p.r2, wd);
    };
    cv::Mat wbVi, wdVi, wbIr, wdIr;
    runPair([&] { weights(vi, pVi, wbVi, wdVi); }, [&] { weights(ir, pIr, wbIr, wdIr); });
    cv::Mat out(vi.size(), CV_32FC1);
    for (int y = 0; y < vi.rows; ++y)
        combineRow(vi.ptr<float>(y), ir.ptr<float>(y), bVi.ptr<float>(y), bIr.ptr<float>(y),
                   wbVi.ptr<float>(y), wbIr.ptr<float>(y), wdVi.ptr<float>(y), wdIr.ptr<float>(y),
                   out.ptr<float>(y), vi.cols);
    return out;
}

} // namespace vf::fusion::classical
