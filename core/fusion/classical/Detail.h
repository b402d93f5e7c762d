#pragma once
// Internal helpers shared by the classical fusion methods (not part of the public API).

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include <opencv2/core.hpp>

#include "core/common/Error.h"

namespace vf::fusion::classical::detail {

// Runs a() and b() concurrently on OpenCV's thread pool (serially when nested inside another
// parallel region, where OpenCV runs the body inline).
template <class A, class B> void runPair(A&& a, B&& b) {
    cv::parallel_for_(cv::Range(0, 2), [&](const cv::Range& r) {
        for (int i = r.start; i < r.end; ++i) {
            if (i == 0)
                a();
            else
                b();
        }
    });
}

// exp(x) for x <= 0 (clamped at -87), relative error < 1e-5, written so that GCC vectorises
// loops that call it (no library call, no branches).
inline float expNeg(float x) {
    x = std::max(x, -87.f);
    const float t = x * 1.44269504088896341f; // log2(e), t in [-125.6, 0]
    // floor(t): t + 128 > 0, so truncation (cvttps2dq) is floor there.
    const std::int32_t i = static_cast<std::int32_t>(t + 128.f) - 128;
    const float f = t - static_cast<float>(i); // [0,1)
    // 2^f on [0,1): Taylor polynomial of exp(f ln 2), degree 6.
    float p = 1.5403530393381608e-4f;
    p = p * f + 1.3333558146428443e-3f;
    p = p * f + 9.618129107628477e-3f;
    p = p * f + 5.550410866482158e-2f;
    p = p * f + 2.402265069591007e-1f;
    p = p * f + 6.931471805599453e-1f;
    p = p * f + 1.0f;
    return p * std::bit_cast<float>((i + 127) << 23);
}

// Checks the common preconditions of fuseGray implementations.
inline void checkInputs(const cv::Mat& ir, const cv::Mat& vi, const char* method) {
    if (ir.empty() || vi.empty())
        throw Error(ErrorCode::InvalidArgument, std::string(method) + ": empty input image");
    if (ir.type() != CV_32FC1 || vi.type() != CV_32FC1)
        throw Error(ErrorCode::InvalidArgument,
                    std::string(method) + ": inputs must be single-channel 32-bit float images");
    if (ir.size() != vi.size())
        throw Error(ErrorCode::Mismatch,
                    std::string(method) + ": IR and visible differ in size: " +
                        std::to_string(ir.cols) + "x" + std::to_string(ir.rows) + " vs " +
                        std::to_string(vi.cols) + "x" + std::to_string(vi.rows));
}

// Normalised box mean over a (2r+1)^2 window, reflected borders.
cv::Mat boxMean(const cv::Mat& src, int r);
// MATLAB fspecial('gaussian', 2w+1, sigma) + imfilter(..., 'replicate'/'symmetric'):
// separable Gaussian with the given half-width; for very wide kernels (half-width > 60) a
// cascade of four box filters with the same variance is used (error < 1% of the kernel peak).
cv::Mat gaussian(const cv::Mat& src, double sigma, int halfWidth, int border);
// w1 = s1 / (s1 + s2) with 0/0 -> 0.5 (MATLAB produced NaN there).
cv::Mat ratioWeight(const cv::Mat& s1, const cv::Mat& s2);

} // namespace vf::fusion::classical::detail
