// Pixel-level baselines: average, per-pixel maximum, PCA weights.
#include <cmath>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

cv::Mat fuseAverage(const cv::Mat& ir, const cv::Mat& vi) {
    detail::checkInputs(ir, vi, "average");
    cv::Mat out(ir.size(), CV_32FC1);
    for (int y = 0; y < ir.rows; ++y) {
        const float* a = ir.ptr<float>(y);
        const float* b = vi.ptr<float>(y);
        float* o = out.ptr<float>(y);
        for (int x = 0; x < ir.cols; ++x)
            o[x] = 0.5f * (a[x] + b[x]);
    }
    return out;
}

cv::Mat fuseMaximum(const cv::Mat& ir, const cv::Mat& vi) {
    detail::checkInputs(ir, vi, "maximum");
    cv::Mat out;
    cv::max(ir, vi, out);
    return out;
}

// The ADF/PCA rule of Bavirisetti's code: C = cov([a(:) b(:)]) (unbiased), [V,D] = eig(C),
// take the eigenvector of the larger eigenvalue and divide it by the sum of its components.
// Deviation: absolute values of the components (see below).
std::pair<double, double> pcaWeights(const cv::Mat& a, const cv::Mat& b) {
    CV_Assert(a.type() == CV_32FC1 && b.type() == CV_32FC1 && a.size() == b.size());
    const double n = static_cast<double>(a.total());
    if (n < 2) return {0.5, 0.5};
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int y = 0; y < a.rows; ++y) {
        const float* pa = a.ptr<float>(y);
        const float* pb = b.ptr<float>(y);
        double ra = 0, rb = 0, raa = 0, rbb = 0, rab = 0;
        for (int x = 0; x < a.cols; ++x) {
            const double u = pa[x], v = pb[x];
            ra += u;
            rb += v;
            raa += u * u;
            rbb += v * v;
            rab += u * v;
        }
        sa += ra;
        sb += rb;
        saa += raa;
        sbb += rbb;
        sab += rab;
    }
    const double caa = (saa - sa * sa / n) / (n - 1);
    const double cbb = (sbb - sb * sb / n) / (n - 1);
    const double cab = (sab - sa * sb / n) / (n - 1);
    // Largest eigenvalue of [[caa, cab], [cab, cbb]] and its eigenvector.
    const double tr = caa + cbb;
    const double disc = std::sqrt(std::max(0.0, 0.25 * (caa - cbb) * (caa - cbb) + cab * cab));
    const double lmax = 0.5 * tr + disc;
    double v1, v2;
    if (std::fabs(cab) > 1e-15 * std::max(1.0, std::fabs(tr))) {
        v1 = cab;
        v2 = lmax - caa;
    } else if (caa >= cbb) { // uncorrelated: the axis with the larger variance
        v1 = 1;
        v2 = 0;
    } else {
        v1 = 0;
        v2 = 1;
    }
    // For negatively correlated inputs the principal eigenvector has components of opposite
    // sign and the MATLAB rule gives weights outside [0, 1] (or divides by ~0); the component
    // magnitudes are used instead (identical for the usual, positively correlated case).
    v1 = std::fabs(v1);
    v2 = std::fabs(v2);
    const double s = v1 + v2;
    if (!std::isfinite(s) || std::fabs(s) < 1e-12 || (caa == 0 && cbb == 0)) return {0.5, 0.5};
    return {v1 / s, v2 / s};
}

cv::Mat fusePca(const cv::Mat& ir, const cv::Mat& vi) {
    detail::checkInputs(ir, vi, "pca");
    const auto [w1, w2] = pcaWeights(ir, vi);
    cv::Mat out;
    cv::addWeighted(ir, w1, vi, w2, 0.0, out, CV_32F);
    return out;
}

} // namespace vf::fusion::classical
