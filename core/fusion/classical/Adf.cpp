// ADF: D. P. Bavirisetti, R. Dhuli, "Fusion of infrared and visible sensor images based on
// anisotropic diffusion and Karhunen-Loeve transform", IEEE Sensors Journal 16(1), 2016.
// Follows run_ADF.m / anisodiff2D.m of VIFB: Perona-Malik diffusion on the 8-neighbourhood
// (diagonals weighted 1/2), conduction exp(-(grad/kappa)^2), 10 iterations, dt = 0.15,
// kappa = 30 (grey levels); detail = image - diffused; detail weights from the principal
// eigenvector of the detail covariance (KL transform); base averaged.
// Deviation: imfilter's default zero padding made the MATLAB code diffuse towards 0 at the
// image border (a dark seam); the border is replicated here (no flux across it).
#if defined(__GNUC__) && !defined(__clang__)
// Lets GCC vectorise the branch-free expNeg() loops (no floating-point traps are enabled).
#pragma GCC optimize("no-trapping-math")
#endif

#include <utility>

#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

namespace {

// Perona-Malik diffusion of img ([0,1]); kappa in [0,1] units.
cv::Mat anisotropicDiffusion(const cv::Mat& img, int iterations, float dt, float kappa) {
    cv::Mat a, b;
    cv::copyMakeBorder(img, a, 1, 1, 1, 1, cv::BORDER_REPLICATE);
    b.create(a.size(), CV_32FC1);
    const float k = -1.f / (kappa * kappa);
    const int rows = img.rows, cols = img.cols;
    for (int it = 0; it < iterations; ++it) {
        for (int y = 1; y <= rows; ++y) {
            const float* up = a.ptr<float>(y - 1);
            const float* c = a.ptr<float>(y);
            const float* dn = a.ptr<float>(y + 1);
            float* o = b.ptr<float>(y);
            for (int x = 1; x <= cols; ++x) {
                const float v = c[x];
                const float n = up[x] - v, s = dn[x] - v, w = c[x - 1] - v, e = c[x + 1] - v;
                const float ne = up[x + 1] - v, nw = up[x - 1] - v;
                const float se = dn[x + 1] - v, sw = dn[x - 1] - v;
                const float axis = expNeg(n * n * k) * n + expNeg(s * s * k) * s +
                                   expNeg(w * w * k) * w + expNeg(e * e * k) * e;
                const float diag = expNeg(ne * ne * k) * ne + expNeg(nw * nw * k) * nw +
                                   expNeg(se * se * k) * se + expNeg(sw * sw * k) * sw;
                o[x] = v + dt * (axis + 0.5f * diag);
            }
        }
        // replicate the border of the new image
        for (int y = 1; y <= rows; ++y) {
            float* o = b.ptr<float>(y);
            o[0] = o[1];
            o[cols + 1] = o[cols];
        }
        std::copy(b.ptr<float>(1), b.ptr<float>(1) + cols + 2, b.ptr<float>(0));
        std::copy(b.ptr<float>(rows), b.ptr<float>(rows) + cols + 2, b.ptr<float>(rows + 1));
        std::swap(a, b);
    }
    return a(cv::Rect(1, 1, cols, rows)).clone();
}

} // namespace

cv::Mat fuseAdf(const cv::Mat& ir, const cv::Mat& vi, const AdfParams& p) {
    checkInputs(ir, vi, "adf");
    if (p.iterations < 0 || p.deltaT <= 0 || p.deltaT > 1.0 / 7.0 + 1e-9 || p.kappa <= 0)
        throw Error(ErrorCode::InvalidArgument,
                    "adf: need iterations >= 0, 0 < dt <= 1/7 (stability) and kappa > 0");
    const float kappa = static_cast<float>(p.kappa / 255.0);
    cv::Mat aIr, aVi;
    runPair(
        [&] { aIr = anisotropicDiffusion(ir, p.iterations, static_cast<float>(p.deltaT), kappa); },
        [&] { aVi = anisotropicDiffusion(vi, p.iterations, static_cast<float>(p.deltaT), kappa); });
    cv::Mat dIr = ir - aIr, dVi = vi - aVi;
    const auto [w1, w2] = pcaWeights(dIr, dVi);
    cv::Mat out(ir.size(), CV_32FC1);
    const float f1 = static_cast<float>(w1), f2 = static_cast<float>(w2);
    for (int y = 0; y < ir.rows; ++y) {
        const float* d1 = dIr.ptr<float>(y);
        const float* d2 = dVi.ptr<float>(y);
        const float* a1 = aIr.ptr<float>(y);
        const float* a2 = aVi.ptr<float>(y);
        float* o = out.ptr<float>(y);
        for (int x = 0; x < ir.cols; ++x)
            o[x] = f1 * d1[x] + f2 * d2[x] + 0.5f * (a1[x] + a2[x]);
    }
    return out;
}

} // namespace vf::fusion::classical
