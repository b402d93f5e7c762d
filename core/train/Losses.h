#pragma once
// The official VideoFusion training losses (SPEC.md section 6), torch-level (include only
// from core/train and its test). All images are float RGB in [0, 1].
//
//  YCbCr:  Y = .299R + .587G + .114B; Cb = -.169R - .331G + .5B + 128/255;
//          Cr = .5R - .419G - .081B + 128/255; each clamped to [0, 1].
//  Sobel:  |x (*) [[-1,0,1],[-2,0,2],[-1,0,1]]| and |x (*) [[-1,-2,-1],[0,0,0],[1,2,1]]|,
//          cross-correlation after replicate padding by 1.
//  SSIM:   13x13 Gaussian window (sigma 1.5, normalised), valid convolution per channel,
//          C1 = (0.01 L)^2, C2 = (0.03 L)^2 with L inferred from the FIRST argument
//          (max > 128 -> 255 else 1; min < -0.5 -> range from -1 else from 0);
//          L_SSIM(a, b) = 1 - mean(SSIM map).
//  Fusion (fused F, clean IR I, clean visible V; (N,3,H,W)):
//      ssim   = L_SSIM(V_rgb, F_rgb) + L_SSIM(Y_I, Y_F)
//      int    = 15 * L1(max(Y_V, Y_I), Y_F)
//      consist= L1(Y_V, Y_F) + 0.8 * L1(Y_I, Y_F)
//      color  = 100 * (L1(Cb_F, Cb_V) + L1(Cr_F, Cr_V))
//      grad   = L1(|dx Y_F|, max(|dx Y_V|, |dx Y_I|)) + L1(|dy Y_F|, max(|dy Y_V|, |dy Y_I|))
//      fusion = ssim + int + consist + color + grad
//  Fidelity per modality: 10 L1(rec, gt) + 10 L1(|dx Y_rec|, |dx Y_gt|) + 10 L1(|dy ..|, ..)
//  Temporal: TC(a, b) = L1(a[:,1:] - a[:,:-1], b[:,1:] - b[:,:-1]) on (B,T,C,H,W);
//      var = 10 TC(rec_ir, gt_ir) + 10 TC(rec_vi, gt_vi) + 10 (TC(F, gt_ir) + TC(F, gt_vi))
//  Total = fusion + fid_ir + fid_vi + var. L1 is the mean absolute difference.

#include <utility>

#include <ATen/core/Tensor.h>

namespace vf::train {

// (N,3,H,W) RGB -> Y, Cb, Cr, each (N,1,H,W), clamped to [0,1].
struct YCbCr {
    at::Tensor y, cb, cr;
};
YCbCr rgbToYCbCr(const at::Tensor& rgb);

// |Sobel x| and |Sobel y| of (N,C,H,W) (per channel), replicate padding: same size.
std::pair<at::Tensor, at::Tensor> sobelAbs(const at::Tensor& x);

// Mean SSIM (not 1 - SSIM) of two (N,C,H,W) images, valid 13x13 window; H, W >= window.
at::Tensor ssim(const at::Tensor& a, const at::Tensor& b, int window = 13);
// 1 - ssim(a, b).
at::Tensor ssimLoss(const at::Tensor& a, const at::Tensor& b, int window = 13);

// Mean absolute difference of the two tensors' frame-to-frame differences, (B,T,C,H,W).
at::Tensor temporalConsistency(const at::Tensor& a, const at::Tensor& b);

struct FusionTerms {
    at::Tensor ssim, intensity, consistency, color, grad, total;
};
// fused, gtIr, gtVi: (N,3,H,W) (frames flattened).
FusionTerms fusionLoss(const at::Tensor& fused, const at::Tensor& gtIr, const at::Tensor& gtVi);

// 10 L1(rec, gt) + 10 L1(|dx Y|) + 10 L1(|dy Y|), (N,3,H,W).
at::Tensor fidelityLoss(const at::Tensor& rec, const at::Tensor& gt);

struct LossTerms {
    FusionTerms fusion;
    at::Tensor fidelityIr, fidelityVi, temporal, total;
};
// Network outputs and clean targets, all (B,T,3,H,W).
LossTerms videoFusionLoss(const at::Tensor& fused, const at::Tensor& recIr, const at::Tensor& recVi,
                          const at::Tensor& gtIr, const at::Tensor& gtVi);

} // namespace vf::train
