// TIF: D. P. Bavirisetti, R. Dhuli, "Two-scale image fusion of visible and infrared images
// using saliency detection", Infrared Physics & Technology 76, 2016. Follows run_TIF.m of
// VIFB: base = 35x35 mean, detail = image - base, saliency = (mean - 3x3 median)^2, detail
// weights = saliency / sum of saliencies, base averaged.
// Deviations: the MATLAB mean uses circular (wrap-around) borders and medfilt2 pads with
// zeros; both are replaced by replicated borders here (the wrap mixes opposite image edges).
// Where both saliencies are 0 MATLAB produced NaN (0/0); equal weights are used instead.
#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

cv::Mat fuseTif(const cv::Mat& ir, const cv::Mat& vi, const TifParams& p) {
    checkInputs(ir, vi, "tif");
    if (p.meanSize < 1 || p.meanSize % 2 == 0)
        throw Error(ErrorCode::InvalidArgument,
                    "tif: mean filter size must be odd and positive, got " +
                        std::to_string(p.meanSize));
    if (p.medianSize != 3 && p.medianSize != 5)
        throw Error(ErrorCode::InvalidArgument,
                    "tif: median size must be 3 or 5, got " + std::to_string(p.medianSize));
    cv::Mat bIr, bVi, sIr, sVi;
    auto split = [&](const cv::Mat& img, cv::Mat& base, cv::Mat& sal) {
        cv::blur(img, base, cv::Size(p.meanSize, p.meanSize), cv::Point(-1, -1),
                 cv::BORDER_REPLICATE);
        cv::Mat med;
        cv::medianBlur(img, med, p.medianSize);
        sal = base - med;
        sal = sal.mul(sal);
    };
    runPair([&] { split(vi, bVi, sVi); }, [&] { split(ir, bIr, sIr); });
    cv::Mat out(vi.size(), CV_32FC1);
    for (int y = 0; y < vi.rows; ++y) {
        const float* iv = vi.ptr<float>(y);
        const float* ii = ir.ptr<float>(y);
        const float* bv = bVi.ptr<float>(y);
        const float* bi = bIr.ptr<float>(y);
        const float* s1 = sVi.ptr<float>(y);
        const float* s2 = sIr.ptr<float>(y);
        float* o = out.ptr<float>(y);
        for (int x = 0; x < vi.cols; ++x) {
            const float s = s1[x] + s2[x];
            const float w1 = s > 0.f ? s1[x] / s : 0.5f;
            o[x] = w1 * (iv[x] - bv[x]) + (1.f - w1) * (ii[x] - bi[x]) + 0.5f * (bv[x] + bi[x]);
        }
    }
    return out;
}

} // namespace vf::fusion::classical
