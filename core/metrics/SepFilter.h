#pragma once
// Internal: fused separable symmetric filtering of several "moment" channels (images and
// products of images, e.g. x, y, x*x, y*y, x*y for SSIM / VIF) in double precision, row by
// row, without materialising the product images or the filtered maps. Each output row is
// handed to a callback, which reduces it (SSIM / VIF terms) on the fly.
#include <functional>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

namespace vf::metrics::detail {

// channel = images[first] * images[second], or images[first] alone when second < 0
struct MomentChannel {
    int first, second;
};

enum class FilterBorder {
    Replicate, // output of the image size, borders replicated (MATLAB imgaussfilt 'replicate')
    Valid      // output (rows - N + 1) x (cols - N + 1) (MATLAB filter2 'valid')
};

// onRow(y, x0, w, rows): output row y (0-based in the output), columns x0 .. x0 + w - 1, as
// one pointer per channel (w doubles each).
using MomentRowFn = std::function<void(int y, int x0, int w, const double* const* rows)>;

// Filters every channel with the separable kernel k (odd length N, symmetric) in x and y.
// `images` are CV_64FC1 of one size. The output is handed to onRow in vertical strips (so
// that the working set stays in cache): strip by strip from the left, each strip in
// increasing y; every output pixel exactly once. Outputs nothing if the image is smaller
// than N x N for Valid.
void filterMoments(const std::vector<const cv::Mat*>& images,
                   const std::vector<MomentChannel>& channels, const std::vector<double>& k,
                   FilterBorder border, const MomentRowFn& onRow);

// filter2(k k', img, 'valid') sampled at even rows and columns (img(1:2:end, 1:2:end) in
// MATLAB): the next scale of the VIF pyramid, without computing the discarded samples.
cv::Mat filterValidSubsample2(const cv::Mat& img64, const std::vector<double>& k);

} // namespace vf::metrics::detail
