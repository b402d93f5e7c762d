// GFF: S. Li, X. Kang, J. Hu, "Image fusion with guided filtering", IEEE TIP 22(7), 2013.
// Follows GFF.m (Xudong Kang) as run by VIFB: two-scale split by a 31x31 mean, saliency =
// |3x3 Laplacian| smoothed by an 11x11 Gaussian (sigma 5), winner-take-all initial weights
// (ties go to the first source, which VIFB's run_GFF makes the visible image), weights refined
// by guided filtering (r1=45, eps1=0.3 for the base, r2=7, eps2=1e-6 for the detail), clipped
// to [0,1] and normalised.
// Deviations: VIFB round-trips the inputs through JPEG files and quantises the weights to 8
// bits; neither is done here. Guided-filter borders are reflected (see Filters.cpp).
#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

cv::Mat fuseGff(const cv::Mat& ir, const cv::Mat& vi, const GffParams& p) {
    checkInputs(ir, vi, "gff");
    if (p.r1 < 1 || p.r2 < 1 || p.eps1 <= 0 || p.eps2 <= 0)
        throw Error(ErrorCode::InvalidArgument, "gff: radii and eps must be positive");
    // Saliency maps.
    auto saliency = [](const cv::Mat& img) {
        cv::Mat h, s;
        const cv::Mat lap = (cv::Mat_<float>(3, 3) << 0, 1, 0, 1, -4, 1, 0, 1, 0);
        cv::filter2D(img, h, CV_32F, lap, cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
        h = cv::abs(h);
        return gaussian(h, 5.0, 5, cv::BORDER_REPLICATE);
    };
    cv::Mat sVi, sIr, bVi, bIr;
    runPair(
        [&] {
            sVi = saliency(vi);
            cv::blur(vi, bVi, cv::Size(31, 31), cv::Point(-1, -1), cv::BORDER_REPLICATE);
        },
        [&] {
            sIr = saliency(ir);
            cv::blur(ir, bIr, cv::Size(31, 31), cv::Point(-1, -1), cv::BORDER_REPLICATE);
        });
    // P_vi = 1 where the visible saliency is the (first) maximum, P_ir = 1 - P_vi.
    cv::Mat pVi(vi.size(), CV_32FC1), pIr(vi.size(), CV_32FC1);
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
    cv::Mat wbVi, wdVi, wbIr, wdIr;
    runPair(
        [&] {
            wbVi = guidedFilter(vi, pVi, p.r1, p.eps1);
            wdVi = guidedFilter(vi, pVi, p.r2, p.eps2);
        },
        [&] {
            wbIr = guidedFilter(ir, pIr, p.r1, p.eps1);
            wdIr = guidedFilter(ir, pIr, p.r2, p.eps2);
        });
    cv::Mat out(vi.size(), CV_32FC1);
    auto clip01 = [](float v) { return v < 0.f ? 0.f : (v > 1.f ? 1.f : v); };
    for (int y = 0; y < vi.rows; ++y) {
        const float* iv = vi.ptr<float>(y);
        const float* ii = ir.ptr<float>(y);
        const float* bv = bVi.ptr<float>(y);
        const float* bi = bIr.ptr<float>(y);
        const float* w1 = wbVi.ptr<float>(y);
        const float* w2 = wbIr.ptr<float>(y);
        const float* d1 = wdVi.ptr<float>(y);
        const float* d2 = wdIr.ptr<float>(y);
        float* o = out.ptr<float>(y);
        for (int x = 0; x < vi.cols; ++x) {
            const float a1 = clip01(w1[x]) + 1e-12f, a2 = clip01(w2[x]) + 1e-12f;
            const float c1 = clip01(d1[x]) + 1e-12f, c2 = clip01(d2[x]) + 1e-12f;
            const float base = (bv[x] * a1 + bi[x] * a2) / (a1 + a2);
            const float det = ((iv[x] - bv[x]) * c1 + (ii[x] - bi[x]) * c2) / (c1 + c2);
            o[x] = base + det;
        }
    }
    return out;
}

} // namespace vf::fusion::classical
