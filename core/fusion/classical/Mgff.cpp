// MGFF: D. P. Bavirisetti, G. Xiao, J. Zhao, R. Dhuli, G. Liu, "Multi-scale guided image and
// video fusion: a fast and efficient approach", Circuits, Systems, and Signal Processing,
// 2019. Follows fuse_MGF_RGB.m of VIFB: r = 9, eps = 1e3 (on 0..255 intensities), 4 levels.
// At level k, A1k = GF(guide A1(k-1), input A2(k-1)) and A2k = GF(guide A2(k-1), input
// A1(k-1)) -- guidedfilter(I, p, ...) takes the guide first, so each source's base layer is
// the other source filtered with its structure, exactly as the MATLAB code does; detail
// D = A(k-1) - Ak, saliency |D|, detail weights S1/(S1+S2), base = mean of the last levels.
// Deviation: where S1 + S2 = 0 the MATLAB code produced NaN (0/0); equal weights are used.
// Implementation: the guided filter is scale-covariant (GF(kI, kp, k^2 eps) = k GF(I, p,
// eps)), so the work is done on [0,1] with eps / 255^2. The two filters of a level share
// their window means (of A1, A2 and A1*A2), computed in one pass over five planes.
#include <cmath>

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
    const cv::Size sz = ir.size();
    const int rows = sz.height, cols = sz.width, r = p.radius;
    const double eps = p.eps / (255.0 * 255.0);
    const double n = 1.0 / ((2.0 * r + 1) * (2.0 * r + 1));
    cv::Mat a1 = ir, a2 = vi;
    cv::Mat acc = scratch(sz); // fused detail, summed over levels
    acc.setTo(0);
    cv::Mat p12 = scratch(sz), p11 = scratch(sz), p22 = scratch(sz);
    cv::Mat A1 = scratch(sz), B1 = scratch(sz), A2 = scratch(sz), B2 = scratch(sz);
    for (int k = 0; k < p.levels; ++k) {
        product(a1, a2, p12);
        product(a1, a1, p11);
        product(a2, a2, p22);
        // Coefficients of GF(guide a1, input a2) and GF(guide a2, input a1).
        parallelRows(rows, [&](int y0, int y1) {
            boxSumRows<5>(
                {&a1, &a2, &p12, &p11, &p22}, r,
                [&](int y, const std::array<const double*, 5>& s) {
                    float *oa1 = A1.ptr<float>(y), *ob1 = B1.ptr<float>(y);
                    float *oa2 = A2.ptr<float>(y), *ob2 = B2.ptr<float>(y);
                    for (int x = 0; x < cols; ++x) {
                        const double m1 = s[0][x] * n, m2 = s[1][x] * n;
                        const double cov = s[2][x] * n - m1 * m2;
                        const double c1 = cov / (s[3][x] * n - m1 * m1 + eps);
                        const double c2 = cov / (s[4][x] * n - m2 * m2 + eps);
                        oa1[x] = static_cast<float>(c1);
                        ob1[x] = static_cast<float>(m2 - c1 * m1);
                        oa2[x] = static_cast<float>(c2);
                        ob2[x] = static_cast<float>(m1 - c2 * m2);
                    }
                },
                y0, y1);
        });
        // New base layers and the fused detail of this level.
        cv::Mat n1 = scratch(sz), n2 = scratch(sz);
        parallelRows(rows, [&](int y0, int y1) {
            boxSumRows<4>(
                {&A1, &B1, &A2, &B2}, r,
                [&](int y, const std::array<const double*, 4>& s) {
                    const float* p1 = a1.ptr<float>(y);
                    const float* p2 = a2.ptr<float>(y);
                    float* q1 = n1.ptr<float>(y);
                    float* q2 = n2.ptr<float>(y);
                    float* o = acc.ptr<float>(y);
                    for (int x = 0; x < cols; ++x) {
                        q1[x] = static_cast<float>((s[0][x] * p1[x] + s[1][x]) * n);
                        q2[x] = static_cast<float>((s[2][x] * p2[x] + s[3][x]) * n);
                        const float d1 = p1[x] - q1[x], d2 = p2[x] - q2[x];
                        const float s1 = std::abs(d1), s2 = std::abs(d2), sum = s1 + s2;
                        o[x] += sum > 0.f ? (s1 * d1 + s2 * d2) / sum : 0.5f * (d1 + d2);
                    }
                },
                y0, y1);
        });
        a1 = n1;
        a2 = n2;
    }
    cv::Mat out(sz, CV_32FC1);
    for (int y = 0; y < rows; ++y) {
        const float* p1 = a1.ptr<float>(y);
        const float* p2 = a2.ptr<float>(y);
        const float* d = acc.ptr<float>(y);
        float* o = out.ptr<float>(y);
        for (int x = 0; x < cols; ++x)
            o[x] = 0.5f * (p1[x] + p2[x]) + d[x];
    }
    return out;
}

} // namespace vf::fusion::classical
