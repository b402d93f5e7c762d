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
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

namespace {

// Perona-Malik diffusion of img ([0,1]); kappa in [0,1] units. Each flux between two pixels
// is computed once (4 per pixel: E, S, SE, SW) and used with opposite signs by both ends.
// Bound by the exponentials of the fluxes: built for AVX2 too (VF_SIMD_CLONES).
VF_SIMD_CLONES cv::Mat anisotropicDiffusion(const cv::Mat& img, int iterations, float dt,
                                            float kappa) {
    const cv::Size padded(img.cols + 2, img.rows + 2);
    cv::Mat a = scratch(padded), b = scratch(padded);
    cv::copyMakeBorder(img, a, 1, 1, 1, 1, cv::BORDER_REPLICATE);
    const float k = -1.f / (kappa * kappa);
    const int rows = img.rows, cols = img.cols, pw = cols + 2;
    // fluxes from row y to row y+1 (index = padded column of the upper pixel), and the same
    // for the previous row pair
    std::vector<float> fS(static_cast<size_t>(pw)), fSE(static_cast<size_t>(pw)),
        fSW(static_cast<size_t>(pw)), pS(static_cast<size_t>(pw)), pSE(static_cast<size_t>(pw)),
        pSW(static_cast<size_t>(pw)), fE(static_cast<size_t>(pw));
    auto flux = [k](float d) { return expNeg(d * d * k) * d; };
    auto rowPair = [&](const float* c, const float* dn, float* s, float* se, float* sw) {
        for (int x = 0; x < pw; ++x)
            s[x] = flux(dn[x] - c[x]);
        for (int x = 0; x + 1 < pw; ++x)
            se[x] = flux(dn[x + 1] - c[x]);
        for (int x = 1; x < pw; ++x)
            sw[x] = flux(dn[x - 1] - c[x]);
    };
    for (int it = 0; it < iterations; ++it) {
        rowPair(a.ptr<float>(0), a.ptr<float>(1), pS.data(), pSE.data(), pSW.data());
        for (int y = 1; y <= rows; ++y) {
            const float* c = a.ptr<float>(y);
            rowPair(c, a.ptr<float>(y + 1), fS.data(), fSE.data(), fSW.data());
            for (int x = 0; x + 1 < pw; ++x)
                fE[static_cast<size_t>(x)] = flux(c[x + 1] - c[x]);
            float* o = b.ptr<float>(y);
            const float* e = fE.data();
            const float *s = fS.data(), *se = fSE.data(), *sw = fSW.data();
            const float *ps = pS.data(), *pse = pSE.data(), *psw = pSW.data();
            for (int x = 1; x <= cols; ++x) {
                const float axis = e[x] - e[x - 1] + s[x] - ps[x];
                const float diag = se[x] + sw[x] - pse[x - 1] - psw[x + 1];
                o[x] = c[x] + dt * (axis + 0.5f * diag);
            }
            fS.swap(pS);
            fSE.swap(pSE);
            fSW.swap(pSW);
        }
        // replicate the border of the new image
        for (int y = 1; y <= rows; ++y) {
            float* o = b.ptr<float>(y);
            o[0] = o[1];
            o[cols + 1] = o[cols];
        }
        std::copy(b.ptr<float>(1), b.ptr<float>(1) + pw, b.ptr<float>(0));
        std::copy(b.ptr<float>(rows), b.ptr<float>(rows) + pw, b.ptr<float>(rows + 1));
        std::swap(a, b);
    }
    cv::Mat out = scratch(img.size());
    a(cv::Rect(1, 1, cols, rows)).copyTo(out);
    return out;
}

} // namespace

cv::Mat fuseAdf(const cv::Mat& ir, const cv::Mat& vi, const AdfParams& p) {
    checkInputs(ir, vi, "adf");
    if (p.iterations < 0 || p.deltaT <= 0 || p.deltaT > 0.25 || p.kappa <= 0)
        throw Error(ErrorCode::InvalidArgument,
                    "adf: need iterations >= 0, 0 < dt <= 0.25 and kappa > 0");
    const float kappa = static_cast<float>(p.kappa / 255.0);
    cv::Mat aIr, aVi;
    runPair(
        [&] { aIr = anisotropicDiffusion(ir, p.iterations, static_cast<float>(p.deltaT), kappa); },
        [&] { aVi = anisotropicDiffusion(vi, p.iterations, static_cast<float>(p.deltaT), kappa); });
    cv::Mat dIr = scratch(ir.size()), dVi = scratch(ir.size());
    cv::subtract(ir, aIr, dIr);
    cv::subtract(vi, aVi, dVi);
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
