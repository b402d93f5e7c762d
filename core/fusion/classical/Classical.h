#pragma once
// Classical image-level infrared/visible fusion baselines (the VIFB zoo, classical part).
//
// Every method fuses two single-channel CV_32FC1 images in [0, 1] of equal size (IR grey and
// visible luminance or one visible channel) into one CV_32FC1 image of that size, nominally in
// [0, 1] (the colour-policy code in FusionMethod.cpp clamps and rounds). Any size works (odd
// sizes, sizes that are not a multiple of 2^levels). Defaults are those of the VIFB benchmark
// (xingchenzhang/VIFB, MATLAB); deviations from the MATLAB code are noted in each .cpp file.
//
// registerClassicalMethods() adds them to a MethodRegistry under the names:
//   average, maximum, pca, lp, rp, dwt, gff, cbf, adf, tif, mgff, gtf, hybrid-msd, vsmwls
// The building blocks below are public so tests and benchmarks can check them directly.
// No Qt, no LibTorch. All functions are thread-safe (the only shared state is the pool of
// recycled scratch buffers, detail::scratch, which locks). The methods registered here fuse
// sequences several frames at once (one per OpenCV thread; see Register.cpp).

#include <utility>
#include <vector>

#include <opencv2/core.hpp>

namespace vf::fusion {

class MethodRegistry;

// Adds the classical methods listed above to `reg`.
void registerClassicalMethods(MethodRegistry& reg);

} // namespace vf::fusion

namespace vf::fusion::classical {

// ---- parameters (VIFB defaults) ------------------------------------------------------------

struct PyramidParams {
    int levels = 4; // decomposition levels (LP, RP, DWT)
};
struct GffParams {
    int r1 = 45;        // guided filter radius for the base-layer weights
    double eps1 = 0.3;  // ... regularisation ([0,1] intensities)
    int r2 = 7;         // guided filter radius for the detail-layer weights
    double eps2 = 1e-6; // ... regularisation
};
struct CbfParams {
    double sigmaS = 1.8; // spatial sigma of the cross bilateral filter (pixels)
    double sigmaR = 25;  // range sigma (grey levels of 0..255)
    int ksize = 11;      // kernel size (odd)
    int covWindow = 5;   // window of the covariance (edge-strength) weights (odd)
};
struct AdfParams {
    int iterations = 10;
    double deltaT = 0.15;
    double kappa = 30; // grey levels of 0..255
};
struct TifParams {
    int meanSize = 35;  // box (average) filter size for the base layer
    int medianSize = 3; // median filter size for the saliency (3 or 5)
};
struct MgffParams {
    int radius = 9;
    double eps = 1e3; // on 0..255 intensities, as in VIFB
    int levels = 4;
};
struct GtfParams {
    double lambda = 4;    // TV weight (on [0,1] intensities, as in VIFB)
    int iterations = 120; // primal-dual iterations at full resolution (coarser scales do more)
    int scales = 3;       // coarse-to-fine levels (1 = single scale)
};
struct HybridMsdParams {
    int levels = 4;
    double lambda = 30;   // IR perceptual-saliency gain
    double sigmaS = 2;    // spatial sigma of the first level (doubles per level)
    double sigmaR = 0.05; // range sigma of the first level ([0,1]; halves per level)
};
struct VsmwlsParams {
    int levels = 4;
    double sigmaS = 2;    // rolling guidance spatial sigma of the first level (doubles)
    double sigmaR = 0.05; // rolling guidance range sigma ([0,1])
    int rgfIterations = 4;
    double lambda = 0.01; // WLS data weight
};

// ---- the methods: CV_32FC1 [0,1] in, CV_32FC1 out --------------------------------------------

cv::Mat fuseAverage(const cv::Mat& ir, const cv::Mat& vi);
cv::Mat fuseMaximum(const cv::Mat& ir, const cv::Mat& vi);
cv::Mat fusePca(const cv::Mat& ir, const cv::Mat& vi);
cv::Mat fuseLaplacian(const cv::Mat& ir, const cv::Mat& vi, const PyramidParams& p = {});
cv::Mat fuseRatio(const cv::Mat& ir, const cv::Mat& vi, const PyramidParams& p = {});
cv::Mat fuseDwt(const cv::Mat& ir, const cv::Mat& vi, const PyramidParams& p = {});
cv::Mat fuseGff(const cv::Mat& ir, const cv::Mat& vi, const GffParams& p = {});
cv::Mat fuseCbf(const cv::Mat& ir, const cv::Mat& vi, const CbfParams& p = {});
cv::Mat fuseAdf(const cv::Mat& ir, const cv::Mat& vi, const AdfParams& p = {});
cv::Mat fuseTif(const cv::Mat& ir, const cv::Mat& vi, const TifParams& p = {});
cv::Mat fuseMgff(const cv::Mat& ir, const cv::Mat& vi, const MgffParams& p = {});
cv::Mat fuseGtf(const cv::Mat& ir, const cv::Mat& vi, const GtfParams& p = {});
cv::Mat fuseHybridMsd(const cv::Mat& ir, const cv::Mat& vi, const HybridMsdParams& p = {});
cv::Mat fuseVsmwls(const cv::Mat& ir, const cv::Mat& vi, const VsmwlsParams& p = {});

// ---- building blocks -----------------------------------------------------------------------

// PCA fusion weights: the eigenvector of the largest eigenvalue of the 2x2 covariance matrix
// of (a, b) (pixels as observations), normalised to sum 1. Equal weights when degenerate.
std::pair<double, double> pcaWeights(const cv::Mat& a, const cv::Mat& b);

// Burt-Adelson Laplacian pyramid (5-tap binomial filter, pyrDown/pyrUp, any size):
// `levels` band-pass images followed by the low-pass residual (levels+1 images).
std::vector<cv::Mat> laplacianPyramid(const cv::Mat& img, int levels);
cv::Mat reconstructLaplacianPyramid(const std::vector<cv::Mat>& pyr);

// One level of the orthonormal 2-D Haar DWT of an image with even width and height. For each
// 2x2 block [a b; c d]: ll=(a+b+c+d)/2, hl=(a-b+c-d)/2, lh=(a+b-c-d)/2, hh=(a-b-c+d)/2.
struct HaarBands {
    cv::Mat ll, hl, lh, hh;
};
HaarBands haarDwt2(const cv::Mat& img);
cv::Mat haarIdwt2(const HaarBands& b);

// "Choose max with consistency check" (Rockinger's selc, mode 3): activity = 3x3 maximum of
// |coefficient|, binary decision a-activity > b-activity, 3x3 majority vote of the decision;
// returns a where the vote says a, b elsewhere. `activityOffset` is subtracted before the
// absolute value (1 for ratio pyramids, whose contrast is |ratio - 1|).
cv::Mat chooseMaxConsistent(const cv::Mat& a, const cv::Mat& b, float activityOffset = 0.f);

// He et al. grey guided filter (box means, normalised at the borders); eps in the squared
// units of the guide. Output CV_32FC1.
cv::Mat guidedFilter(const cv::Mat& guide, const cv::Mat& src, int radius, double eps);

// TV-L1 denoising, min_u ||u - f||_1 + lambda * sum |grad u| (isotropic, forward differences,
// Neumann boundary), by Chambolle-Pock primal-dual iterations, coarse-to-fine over `scales`.
cv::Mat tvl1(const cv::Mat& f, double lambda, int iterations, int scales);
// The energy above for u (to check convergence).
double tvl1Energy(const cv::Mat& u, const cv::Mat& f, double lambda);

// Paris-Durand bilateral grid (the fast_blf used by Hybrid-MSD's code, early division): src in
// [0,1], sigmaS in pixels, sigmaR in intensity.
cv::Mat fastBilateral(const cv::Mat& src, double sigmaS, double sigmaR);

// CBF's pixel significance: for the n x n window of `detail` around each pixel (reflected
// borders), the sum of the eigenvalues of the horizontal covariance matrix (rows as
// observations) plus that of the vertical one (columns as observations), unbiased.
cv::Mat cbfEdgeStrength(const cv::Mat& detail, int n);

// Cross (joint) bilateral filter of `src` with range weights from `guide`, square ksize x ksize
// window, Gaussian spatial sigmaS and range sigmaR (in the units of guide), reflected borders.
cv::Mat crossBilateral(const cv::Mat& src, const cv::Mat& guide, double sigmaS, double sigmaR,
                       int ksize);

} // namespace vf::fusion::classical
