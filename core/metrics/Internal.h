#pragma once
// Internal kernels of vfcore_metrics shared between its .cpp files (not installed, not API).
// All take 8-bit grey images of one size and an optional CV_8UC1 mask (empty = whole image)
// that the caller has validated.
#include <cstddef>

#include <opencv2/core.hpp>

namespace vf::metrics::detail {

// Haghighat's FMI with feature 'gradient' (MATLAB gradient(img) x derivative) and 3x3 windows,
// averaged over the windows whose centre is in the mask: 0.5 (FMI(A,F) + FMI(B,F)).
// Exact reformulation of fmi.m (see Fmi.cpp); agrees with a literal per-window translation to
// floating-point rounding.
// path: Best = the eight-windows-per-vector kernel where the CPU has AVX2 and FMA, Portable =
// the one-window-at-a-time code every CPU runs (tests compare both with the literal fmi.m).
enum class FmiPath { Best, Portable };
double fmiGradient(const cv::Mat& a8, const cv::Mat& b8, const cv::Mat& f8, const cv::Mat& mask,
                   FmiPath path = FmiPath::Best);

// Sum of a row of terms in four interleaved partial sums (one running sum is a chain of
// dependent additions; the order differs from a plain loop only by rounding).
inline double sumRow(const double* p, int n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int x = 0;
    for (; x + 4 <= n; x += 4) {
        s0 += p[x];
        s1 += p[x + 1];
        s2 += p[x + 2];
        s3 += p[x + 3];
    }
    for (; x < n; ++x)
        s0 += p[x];
    return (s0 + s1) + (s2 + s3);
}

// s += the sum (sumRow) of v[x] over the pixels with m[x] != 0 (all when m is null; v is
// scratch: masked-out values are set to 0), n += their count.
inline void maskedRowSum(double* v, const unsigned char* m, int w, double& s, double& n) {
    int cnt = w;
    if (m) {
        cnt = 0;
        for (int x = 0; x < w; ++x) {
            v[x] = m[x] ? v[x] : 0.0;
            cnt += m[x] != 0;
        }
    }
    s += sumRow(v, w);
    n += cnt;
}

// ent(x) = -x log2|x| (0 for x = 0) of every element, in place; vectorised.
void entInPlace(double* x, std::size_t n);

// The backward warp of the temporal metrics (Temporal.cpp), as an image: out(x) = img(x + flow(x))
// bilinear, border replicate, CV_32F with img's channels (8-bit 1/3/4 or float 1-3 channels);
// bit-identical to warpBackward (cv::remap), which tests/metrics checks.
cv::Mat warpBackwardFused(const cv::Mat& img, const cv::Mat& flow);

} // namespace vf::metrics::detail
