// MGFF: D. P. Bavirisetti, G. Xiao, J. Zhao, R. Dhuli, G. Liu, "Multi-scale guided image and
// video fusion: a fast and efficient approach", Circuits, Systems, and Signal Processing,
// 2019. Follows fuse_MGF_RGB.m of VIFB: r = 9, eps = 1e3 (on 0..255 intensities), 4 levels.
// At level k, A1k = GF(guide A1(k-1), input A2(k-1)) and A2k = GF(guide A2(k-1), input
// A1(k-1)) -- guidedfilter(I, p, ...) takes the guide first, so each source's base layer is
// the other source filtered with its structure, exactly as the MATLAB code does; detail
// D = A(k-1) - Ak, saliency |D|, detail weights S1/(S1+S2), base = mean of the last levels.
// Deviation: where S1 + S2 = 0 the MATLAB code produced NaN (0/0); equal weights are used.
#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

cv::Mat fuseMgff(const cv::Mat& ir, const cv::Mat& vi, const MgffParams& p) {
    checkInputs(ir, vi, "mgff");
    if (p.radius < 1 || p.eps <= 0 || p.levels < 1 || p.levels > 10)
        throw Error(ErrorCode::InvalidArgument,
                    "mgff: need radius >= 1, eps > 0 and 1 <= levels <= 10");
    // Work on 0..255 intensities (eps = 1e3 is in squared grey levels).
    cv::Mat a1 = ir * 255.0, a2 = vi * 255.0;
    cv::Mat acc = cv::Mat::zeros(ir.size(), CV_32FC1); // fused detail, summed over levels
    for (int k = 0; k < p.levels; ++k) {
        cv::Mat n1, n2;
        runPair([&] { n1 = guidedFilter(a1, a2, p.radius, p.eps); },
                [&] { n2 = guidedFilter(a2, a1, p.radius, p.eps); });
        for (int y = 0; y < ir.rows; ++y) {
            const float* p1 = a1.ptr<float>(y);
            const float* p2 = a2.ptr<float>(y);
            const float* q1 = n1.ptr<float>(y);
            const float* q2 = n2.ptr<float>(y);
            float* o = acc.ptr<float>(y);
            for (int x = 0; x < ir.cols; ++x) {
                const float d1 = p1[x] - q1[x], d2 = p2[x] - q2[x];
                const float s1 = std::abs(d1), s2 = std::abs(d2), s = s1 + s2;
                o[x] += s > 0.f ? (s1 * d1 + s2 * d2) / s : 0.5f * (d1 + d2);
            }
        }
        a1 = n1;
        a2 = n2;
    }
    cv::Mat out = (0.5 * (a1 + a2) + acc) * (1.0 / 255.0);
    return out;
}

} // namespace vf::fusion::classical
