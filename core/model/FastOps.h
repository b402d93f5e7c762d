#pragma once
// Fused CPU kernels used by VideoFusion's fast path (core/model internal; ATen-level).
// Each has a plain-torch equivalent in VideoFusionNet.cpp's reference path; tests check
// that both paths agree.

#include <ATen/core/Tensor.h>

namespace vf::model::fast {

// Restormer LayerNorm over the channels of a contiguous (N, C, H, W) float/double CPU
// tensor: y = (x - mean_c) / sqrt(var_c + 1e-5) * w + b (biased variance; b may be
// undefined = BiasFree, which does not subtract the mean: y = x / sqrt(var_c + eps) * w).
at::Tensor layerNormChannels(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

// Depthwise 3x3 convolution (groups = channels, stride 1, zero padding 1) of a (N, C, H, W)
// float/double CPU tensor with weight (C, 1, 3, 3) and optional bias (C): a direct
// per-plane kernel, 2-3x faster here than at::conv2d's grouped path.
at::Tensor depthwise3x3(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

// Gated GELU of Restormer's feed-forward block: y (N, 2h, H, W) -> gelu(y[:, :h]) * y[:, h:]
// (exact erf GELU), in one pass. float: erf by Abramowitz & Stegun 7.1.26 (as ATen's
// vectorised float erf; |error| <= 1.5e-7) with a vectorised expf; double: std::erf.
at::Tensor geluGate(const at::Tensor& y);

// 1x1 convolution (stride 1, no groups) of a (N, C, H, W) float/double CPU tensor with weight
// (O, C, 1, 1) and optional bias (O) as one explicit GEMM per frame, y[n] = W x[n] + b. Torch
// routes 1x1 convolutions to oneDNN whenever more than one thread is set, which is about 2x
// slower here than the BLAS GEMM (OpenBLAS, honours torch's thread count).
at::Tensor conv1x1(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

// Dense 3x3 convolution (groups 1, stride 1, zero padding 1) of a (N, C, H, W) float/double
// CPU tensor with weight (O, C, 3, 3) and optional bias (O) by Winograd F(tile, 3) (tile 2
// or 4): tile x tile output tiles, weights transformed to U = G g G^T ((tile+2)^2 matrices
// O x C), inputs to V = B^T d B ((tile+2)^2 matrices C x tiles), one GEMM per matrix and
// block of tiles, output Y = A^T M A. 2.25x (F(2,3)) or 4x (F(4,3)) fewer multiplications
// than direct convolution; rounding differs from it by ~1e-6 relative (float). If slope >= 0
// a LeakyReLU with that negative slope is applied to the output.
at::Tensor conv3x3(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                   double slope = -1.0, int tile = 4);

// Conv3d 3x3x3 (stride 1, zero padding 1 in time and space) of the frames of B clips of T
// frames, x (B*T, C, H, W), weight (O, C, 3, 3, 3), optional bias (O), by Winograd F(4,3) with
// the sum over the kernel's time slices done in the transformed domain (one output transform
// per output channel); LeakyReLU(slope) if slope >= 0. Returns (B*T, O, H, W).
at::Tensor conv3x3x3Frames(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, int64_t T,
                           double slope = -1.0);

// Conv3d (3x3x3, zero padding in time) from the three temporal slices of a 2D convolution:
// y (B, T, 3, O, H, W) holds, for every frame, the 2D convolutions with the kernel's time
// slices 0, 1, 2; out[b, t] = y[b, t, 1] + y[b, t - 1, 0] + y[b, t + 1, 2] (missing frames
// are zeros) + bias, then LeakyReLU(slope) if slope >= 0. One pass; returns (B, T, O, H, W).
// bias may be undefined.
at::Tensor temporalSum3(const at::Tensor& y, const at::Tensor& bias, double slope = -1.0);

// Which of the kernels above the fast path uses (process-wide; for A/B benchmarks in one
// process - bench_model's --ab - and for diagnosis). Defaults: all on, F(4,3).
struct KernelOptions {
    bool gemm1x1 = true;  // false: 1x1 convolutions through at::conv2d
    int winogradTile = 4; // 4 = F(4,3), 2 = F(2,3), 0 = dense 3x3 through at::conv2d
    // Conv3d with F(4,3): the sum over the kernel's time slices in the Winograd domain
    // (conv3x3x3Frames); false: a 2D Winograd convolution with 3 O outputs, then temporalSum3.
    bool winogradTime = true;
};
void setKernelOptions(const KernelOptions& o);
KernelOptions kernelOptions();

// True when conv3x3 is worth it (and supported) for this input/weight: channel counts large
// enough for the GEMMs to be efficient, and torch set to 1 thread (at 2 threads the
// Winograd path measured 4-6x slower than at::conv2d; see bench/model/RESULTS.md).
bool winogradPays(const at::Tensor& x, const at::Tensor& w);

// True when the fused kernels handle this tensor (CPU, float32/float64, no autograd needed).
bool supported(const at::Tensor& x);

} // namespace vf::model::fast
