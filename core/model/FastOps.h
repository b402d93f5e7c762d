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

// True when the fused kernels handle this tensor (CPU, float32/float64, no autograd needed).
bool supported(const at::Tensor& x);

} // namespace vf::model::fast
