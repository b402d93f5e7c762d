// CBF: B. K. Shreyamsha Kumar, "Image fusion based on pixel significance using cross
// bilateral filter", Signal, Image and Video Processing, 2015. Follows run_CBF.m of VIFB:
// each source is cross-bilateral filtered with range weights from the other source (sigma_s
// 1.8, sigma_r 25 grey levels, 11x11 window), detail = source - filtered; the weight of a
// source is the sum of the eigenvalues (= trace) of the horizontal and vertical covariance
// matrices of its detail in a 5x5 window; fused = weighted average of the sources.
// The trace is computed with separable box sums (same value as the eigen decomposition).
// Deviation: borders reflected instead of the original periodic extension.
#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

// hor_es + ver_es of cbf_ieeeconf2011f.m for every pixel: with the window's columns as
// variables, trace(cov) = sum over columns of the unbiased variance of the column; the
// vertical matrix uses rows.
cv::Mat cbfEdgeStrength(const cv::Mat& d, int n) {
    CV_Assert(d.type() == CV_32FC1 && n >= 3 && n % 2 == 1);
    const cv::Size win(n, n);
    cv::Mat sq = d.mul(d), boxSq;
    cv::boxFilter(sq, boxSq, CV_32F, win, cv::Point(-1, -1), false, cv::BORDER_REFLECT);
    cv::Mat colSum, rowSum; // vertical and horizontal n-sums of d
    cv::boxFilter(d, colSum, CV_32F, cv::Size(1, n), cv::Point(-1, -1), false, cv::BORDER_REFLECT);
    cv::boxFilter(d, rowSum, CV_32F, cv::Size(n, 1), cv::Point(-1, -1), false, cv::BORDER_REFLECT);
    cv::Mat colSq = colSum.mul(colSum), rowSq = rowSum.mul(rowSum);
    cv::Mat hSum, vSum; // sum over the n columns of (column sum)^2, and over the n rows
    cv::boxFilter(colSq, hSum, CV_32F, cv::Size(n, 1), cv::Point(-1, -1), false,
                  cv::BORDER_REFLECT);
    cv::boxFilter(rowSq, vSum, CV_32F, cv::Size(1, n), cv::Point(-1, -1), false,
                  cv::BORDER_REFLECT);
    // hor = (boxSq - hSum/n)/(n-1), ver = (boxSq - vSum/n)/(n-1)
    cv::Mat es(d.size(), CV_32FC1);
    const float invN = 1.f / n, invN1 = 1.f / (n - 1);
    for (int y = 0; y < d.rows; ++y) {
        const float* b = boxSq.ptr<float>(y);
        const float* h = hSum.ptr<float>(y);
        const float* v = vSum.ptr<float>(y);
        float* o = es.ptr<float>(y);
        for (int x = 0; x < d.cols; ++x) {
            const float s = ((b[x] - h[x] * invN) + (b[x] - v[x] * invN)) * invN1;
            o[x] = s > 0.f ? s : 0.f; // rounding can make a zero variance slightly negative
        }
    }
    return es;
}

cv::Mat fuseCbf(const cv::Mat& ir, const cv::Mat& vi, const CbfParams& p) {
    checkInputs(ir, vi, "cbf");
    if (p.ksize < 1 || p.ksize % 2 == 0 || p.covWindow < 3 || p.covWindow % 2 == 0 ||
        p.sigmaS <= 0 || p.sigmaR <= 0)
        throw Error(ErrorCode::InvalidArgument,
                    "cbf: kernel and covariance window sizes must be odd (>= 1 and >= 3), "
                    "sigmas positive");
    // Work on 0..255 intensities as the original (sigma_r is in grey levels).
    cv::Mat a = ir * 255.0, b = vi * 255.0;
    cv::Mat wa, wb;
    runPair(
        [&] {
            cv::Mat d = a - crossBilateral(a, b, p.sigmaS, p.sigmaR, p.ksize);
            wa = cbfEdgeStrength(d, p.covWindow);
        },
        [&] {
            cv::Mat d = b - crossBilateral(b, a, p.sigmaS, p.sigmaR, p.ksize);
            wb = cbfEdgeStrength(d, p.covWindow);
        });
    cv::Mat out(ir.size(), CV_32FC1);
    const float tiny = 2.220446e-16f; // MATLAB eps replaces zero weights
    for (int y = 0; y < ir.rows; ++y) {
        const float* pa = ir.ptr<float>(y);
        const float* pb = vi.ptr<float>(y);
        const float* w1 = wa.ptr<float>(y);
        const float* w2 = wb.ptr<float>(y);
        float* o = out.ptr<float>(y);
        for (int x = 0; x < ir.cols; ++x) {
            const float u = w1[x] > 0.f ? w1[x] : tiny, v = w2[x] > 0.f ? w2[x] : tiny;
            o[x] = (pa[x] * u + pb[x] * v) / (u + v);
        }
    }
    return out;
}

} // namespace vf::fusion::classical
