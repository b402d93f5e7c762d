// MGFF: D. P. Bavirisetti, G. Xiao, J. Zhao, R. Dhuli, G. Liu, "Multi-scale guided image and
// video fusion: a fast and efficient approach", Circuits, Systems, and Signal Processing,
// 2019. Follows fuse_MGF_RGB.m of VIFB: r = 9, eps = 1e3 (on 0..255 intensities), 4 levels.
// At level k, A1k = GF(guide A1(k-1), input A2(k-1)) and A2k = GF(guide A2(k-1), input
// A1(k-1)) -- guidedfilter(I, p, ...) takes the guide first, so each source's base layer is
// the other source filtered with its structure, exactly as the MATLAB code does; detail
// D = A(k-1) - Ak, saliency |D|, detail weights S1/(S1+S2), base = mean of the last levels.
// Deviation: where S1 + S2 = 0 the MATLAB code produced NaN (0/0); the detail 0 is used.
// Implementation: the guided filter is scale-covariant (GF(kI, kp, k^2 eps) = k GF(I, p,
// eps)), so the work is done on [0,1] with eps / 255^2. The two filters of a level share
// their window means (of A1, A2 and A1*A2), computed in one pass over five planes.
#include <algorithm>
#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

namespace {

// Coefficients of GF(guide a1, input a2) -> (A1, B1) and GF(guide a2, input a1) -> (A2, B2)
// for one row, from the window sums of a1, a2, a1*a2, a1^2, a2^2 (n = 1 / window area).
VF_SIMD_CLONES void coefficientRow(const double* __restrict s1, const double* __restrict s2,
                                   const double* __restrict s12, const double* __restrict s11,
                                   const double* __restrict s22, double n, double eps,
                                   float* __restrict A1, float* __restrict B1, float* __restrict A2,
                                   float* __restrict B2, int cols) {
    for (int x = 0; x < cols; ++x) {
        const double m1 = s1[x] * n, m2 = s2[x] * n;
        const double cov = s12[x] * n - m1 * m2;
        const double c1 = cov / (s11[x] * n - m1 * m1 + eps);
        const double c2 = cov / (s22[x] * n - m2 * m2 + eps);
        A1[x] = static_cast<float>(c1);
        B1[x] = static_cast<float>(m2 - c1 * m1);
        A2[x] = static_cast<float>(c2);
        B2[x] = static_cast<float>(m1 - c2 * m2);
    }
}

// The filtered row of both sources (q = mean(A) * guide + mean(B)) and this level's fused
// detail added to acc: weights |D1| / (|D1| + |D2|). Where both details are 0 the MATLAB
// code's 0/0 is replaced by 0, the value of any weighting of two zero details.
VF_SIMD_CLONES void outputRow(const double* __restrict sA1, const double* __restrict sB1,
                              const double* __restrict sA2, const double* __restrict sB2, double n,
                              const float* __restrict p1, const float* __restrict p2,
                              float* __restrict q1, float* __restrict q2, float* __restrict acc,
                              int cols) {
    for (int x = 0; x < cols; ++x) {
        const float v1 = static_cast<float>((sA1[x] * p1[x] + sB1[x]) * n);
        const float v2 = static_cast<float>((sA2[x] * p2[x] + sB2[x]) * n);
        q1[x] = v1;
        q2[x] = v2;
        const float d1 = p1[x] - v1, d2 = p2[x] - v2;
        const float s1 = std::abs(d1), s2 = std::abs(d2);
        acc[x] += (s1 * d1 + s2 * d2) / std::max(s1 + s2, std::numeric_limits<float>::min());
    }
}

} // namespace

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
    cv::Mat A1 = scratch(sz), B1 = scratch(sz), A2 = scratch(sz), B2 = scratch(sz);
    for (int k = 0; k < p.levels; ++k) {
        parallelRows(rows, [&](int y0, int y1) {
            boxSumRows<5>(
                {BoxPlane(&a1), BoxPlane(&a2), BoxPlane(&a1, &a2), BoxPlane(&a1, &a1),
                 BoxPlane(&a2, &a2)},
                r,
                [&](int y, const std::array<const double*, 5>& s) {
                    coefficientRow(s[0], s[1], s[2], s[3], s[4], n, eps, A1.ptr<float>(y),
                                   B1.ptr<float>(y), A2.ptr<float>(y), B2.ptr<float>(y), cols);
                },
                y0, y1);
        });
        cv::Mat n1 = scratch(sz), n2 = scratch(sz);
        parallelRows(rows, [&](int y0, int y1) {
            boxSumRows<4>(
                {BoxPlane(&A1), BoxPlane(&B1), BoxPlane(&A2), BoxPlane(&B2)}, r,
                [&](int y, const std::array<const double*, 4>& s) {
                    outputRow(s[0], s[1], s[2], s[3], n, a1.ptr<float>(y), a2.ptr<float>(y),
                              n1.ptr<float>(y), n2.ptr<float>(y), acc.ptr<float>(y), cols);
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
