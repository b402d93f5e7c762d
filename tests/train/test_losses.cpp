// Loss terms of core/train against values worked out by hand (float64 tensors).
#include "tests/train/test_train.h"

#include <cmath>

#include <ATen/ATen.h>

#include "core/common/Error.h"
#include "core/train/Losses.h"

using namespace vf::train;

namespace {

at::Tensor dbl(std::initializer_list<double> v) {
    return at::tensor(std::vector<double>(v), at::TensorOptions().dtype(at::kDouble));
}
double val(const at::Tensor& t) {
    return t.item<double>();
}

// A (1,3,13,13) image of a constant colour.
at::Tensor constant13(double r, double g, double b) {
    auto t = at::empty({1, 3, 13, 13}, at::kDouble);
    t.select(1, 0).fill_(r);
    t.select(1, 1).fill_(g);
    t.select(1, 2).fill_(b);
    return t;
}
// A (1,3,13,13) grey image: columns 0..6 = lo, columns 7..12 = hi.
at::Tensor step13(double lo, double hi) {
    auto t = at::full({1, 3, 13, 13}, lo, at::kDouble);
    t.narrow(3, 7, 6).fill_(hi);
    return t;
}

// Normalised 13-tap Gaussian (sigma 1.5): the centre weight is 1/S with
// S = 1 + 2 e1, e1 = sum_{k=1..6} exp(-k^2/4.5) = 1.379952... (S = 3.759904...).
double e1() {
    double s = 0;
    for (int k = 1; k <= 6; ++k)
        s += std::exp(-k * k / 4.5);
    return s;
}

} // namespace

void TestTrain::ycbcrOfOnePixel() {
    // RGB (0.2, 0.4, 0.6): Y = .0598 + .2348 + .0684 = .363;
    // Cb = -.0338 - .1324 + .3 + 128/255 = .1338 + .501961 = .635961;
    // Cr = .1 - .1676 - .0486 + 128/255 = -.1162 + .501961 = .385761.
    auto p = dbl({0.2, 0.4, 0.6}).view({1, 3, 1, 1});
    auto c = rgbToYCbCr(p);
    QVERIFY(std::abs(val(c.y) - 0.363) < 1e-12);
    QVERIFY(std::abs(val(c.cb) - (0.1338 + 128.0 / 255)) < 1e-12);
    QVERIFY(std::abs(val(c.cr) - (-0.1162 + 128.0 / 255)) < 1e-12);
    // Pure blue: Cb = .5 + 128/255 = 1.00196 -> clamped to 1.
    auto blue = rgbToYCbCr(dbl({0.0, 0.0, 1.0}).view({1, 3, 1, 1}));
    QCOMPARE(val(blue.cb), 1.0);
}

void TestTrain::sobelReplicatePadded() {
    // x = [[1,2,3],[4,5,6],[7,8,9]]. Replicate padding makes the outer differences one
    // step instead of two: |Sobel x| = 4 * (horizontal difference across the 3 columns)
    // -> [[4,8,4]] on every row; |Sobel y| = 4 * (vertical difference, 3 per row)
    // -> rows 12, 24, 12.
    auto x = at::arange(1, 10, at::kDouble).view({1, 1, 3, 3});
    auto [gx, gy] = sobelAbs(x);
    auto ex = dbl({4, 8, 4, 4, 8, 4, 4, 8, 4}).view({1, 1, 3, 3});
    auto ey = dbl({12, 12, 12, 24, 24, 24, 12, 12, 12}).view({1, 1, 3, 3});
    QVERIFY(at::allclose(gx, ex));
    QVERIFY(at::allclose(gy, ey));
    // Sign does not matter (absolute value): the mirrored image gives the same.
    auto [gx2, gy2] = sobelAbs(x.flip({3}));
    QVERIFY(at::allclose(gx2, ex.flip({3})));
}

void TestTrain::ssimByHand() {
    // Constants 0.5 vs 0.25 (L = 1: C1 = 1e-4, C2 = 9e-4, all sigmas 0):
    // SSIM = (2*.5*.25 + C1) / (.25 + .0625 + C1) = .2501/.3126 = .800064
    {
        auto a = at::full({1, 1, 13, 13}, 0.5, at::kDouble),
             b = at::full({1, 1, 13, 13}, 0.25, at::kDouble);
        QVERIFY(std::abs(val(ssim(a, b)) - 0.2501 / 0.3126) < 1e-10);
        QVERIFY(std::abs(val(ssimLoss(a, b)) - (1 - 0.2501 / 0.3126)) < 1e-10);
    }
    // L inferred from the FIRST argument: 200 vs 100 -> L = 255, C1 = 2.55^2 = 6.5025:
    // (2*200*100 + 6.5025) / (40000 + 10000 + 6.5025) = .800026
    {
        auto a = at::full({1, 1, 13, 13}, 200.0, at::kDouble),
             b = at::full({1, 1, 13, 13}, 100.0, at::kDouble);
        QVERIFY(std::abs(val(ssim(a, b)) - 40006.5025 / 50006.5025) < 1e-10);
    }
    // One bright column (x = 6, value v) in a 13x13 window and b = 2a. Along y the weights
    // sum to 1, so mu_a = v/S, E[a^2] = v^2/S, var_a = v^2 (S-1)/S^2; mu_b = 2 mu_a,
    // var_b = 4 var_a, cov = 2 var_a:
    // SSIM = (4 mu_a^2 + C1)(4 var_a + C2) / ((5 mu_a^2 + C1)(5 var_a + C2)).
    {
        const double v = 0.8, S = 1 + 2 * e1(), C1 = 1e-4, C2 = 9e-4;
        const double mu = v / S, var = v * v * (S - 1) / (S * S);
        const double expect =
            (4 * mu * mu + C1) * (4 * var + C2) / ((5 * mu * mu + C1) * (5 * var + C2));
        auto a = at::zeros({1, 1, 13, 13}, at::kDouble);
        a.narrow(3, 6, 1).fill_(v);
        QVERIFY2(std::abs(val(ssim(a, 2 * a)) - expect) < 1e-10,
                 qPrintable(QString("%1 vs %2").arg(val(ssim(a, 2 * a))).arg(expect)));
    }
    // Valid window: a 14x13 image has 2 window positions; identical images give 1.
    auto r = at::rand({2, 3, 14, 13}, at::kDouble);
    QVERIFY(std::abs(val(ssim(r, r)) - 1.0) < 1e-10);
    QVERIFY_THROWS_EXCEPTION(vf::Error, ssim(at::zeros({1, 1, 12, 13}), at::zeros({1, 1, 12, 13})));
}

void TestTrain::fusionTermsByHand() {
    // 13x13 images: IR grey 0.6; visible constant RGB (.2,.4,.6) (Y .363, Cb-128/255 =
    // .1338, Cr-128/255 = -.1162); fused grey with columns 0..6 = .3 and 7..12 = .5.
    // Grey has Cb = Cr = 128/255 and Y = value.
    auto ir = constant13(0.6, 0.6, 0.6), vi = constant13(0.2, 0.4, 0.6), f = step13(0.3, 0.5);
    auto t = fusionLoss(f, ir, vi);
    // color = 100 (|.1338| + |-.1162|) = 25
    QVERIFY(std::abs(val(t.color) - 25.0) < 1e-9);
    // int = 15 mean|max(.363, .6) - Y_F| = 15 (7*.3 + 6*.1)/13 = 40.5/13
    QVERIFY(std::abs(val(t.intensity) - 40.5 / 13) < 1e-9);
    // consist = (7*.063 + 6*.137)/13 + .8 (7*.3 + 6*.1)/13 = (1.263 + 2.16)/13
    QVERIFY(std::abs(val(t.consistency) - 3.423 / 13) < 1e-9);
    // grad: |Sobel x| of the step (0.2) is 4*.2 = .8 on columns 6 and 7 of all 13 rows,
    // 0 elsewhere; the sources are flat: grad = 2*13*.8/169 = 1.6/13.
    QVERIFY(std::abs(val(t.grad) - 1.6 / 13) < 1e-9);
    // ssim: one window position. Fused weights: p = (1 + e1)/S on columns 0..6 (.632982),
    // mu_F = .3 p + .5 (1-p), var_F = .04 p (1-p). Sources are flat (var 0, cov 0):
    // SSIM(src, F) = (2 mu_s mu_F + C1) C2 / ((mu_s^2 + mu_F^2 + C1)(var_F + C2)).
    const double S = 1 + 2 * e1(), p = (1 + e1()) / S, C1 = 1e-4, C2 = 9e-4;
    const double muF = 0.3 * p + 0.5 * (1 - p), varF = 0.04 * p * (1 - p);
    auto s = [&](double mus) {
        return (2 * mus * muF + C1) * C2 / ((mus * mus + muF * muF + C1) * (varF + C2));
    };
    const double ssimRgb = (s(0.2) + s(0.4) + s(0.6)) / 3; // mean over the 3 channels
    const double expectSsim = (1 - ssimRgb) + (1 - s(0.6));
    QVERIFY2(std::abs(val(t.ssim) - expectSsim) < 1e-9,
             qPrintable(QString("%1 vs %2").arg(val(t.ssim)).arg(expectSsim)));
    QVERIFY(std::abs(val(t.total) - (expectSsim + 40.5 / 13 + 3.423 / 13 + 25 + 1.6 / 13)) < 1e-9);
}

void TestTrain::fidelityByHand() {
    // rec grey [[.2,.4],[.6,.8]], gt grey .5: L1 = (.3+.1+.1+.3)/4 = .2.
    // 2x2 [[a,b],[c,d]] with replicate padding: |Sobel x| = 3(b-a)+(d-c) or (b-a)+3(d-c)
    // = .8 everywhere; |Sobel y| = 3(c-a)+(d-b) or (c-a)+3(d-b) = 1.6 everywhere; the flat
    // gt has 0. fidelity = 10*.2 + 10*.8 + 10*1.6 = 26.
    auto rec = dbl({0.2, 0.4, 0.6, 0.8}).view({1, 1, 2, 2}).expand({1, 3, 2, 2}).contiguous();
    auto gt = at::full({1, 3, 2, 2}, 0.5, at::kDouble);
    QVERIFY(std::abs(val(fidelityLoss(rec, gt)) - 26.0) < 1e-9);
}

void TestTrain::temporalByHand() {
    // a: frames [0,0], [1,2], [1,4] -> differences [1,2], [0,2];
    // b: frames [0,0], [0,0], [1,1] -> differences [0,0], [1,1];
    // TC = mean(|1|,|2|,|-1|,|1|) = 1.25.
    auto a = dbl({0, 0, 1, 2, 1, 4}).view({1, 3, 1, 1, 2});
    auto b = dbl({0, 0, 0, 0, 1, 1}).view({1, 3, 1, 1, 2});
    QVERIFY(std::abs(val(temporalConsistency(a, b)) - 1.25) < 1e-12);
    QVERIFY_THROWS_EXCEPTION(vf::Error, temporalConsistency(a.narrow(1, 0, 1), b.narrow(1, 0, 1)));
}

void TestTrain::totalAsTheCodeSumsIt() {
    // B=1, T=2. gt_ir, gt_vi constant over time; fused frame 1 = frame 0 + .1 everywhere;
    // rec_ir = gt_ir except frame 1 + .05; rec_vi = gt_vi.
    // temporal = 10 TC(rec_ir) + 10 TC(rec_vi) + 10 (TC(F, ir) + TC(F, vi))
    //          = 10 (.05 + 0 + .1 + .1) = 2.5
    // fid_ir = 10 * mean|rec_ir - gt_ir| = 10 * .025 = .25 (flat images: Sobel terms 0),
    // fid_vi = 0; fusion = fusionLoss over the 2 flattened frames.
    auto ir = constant13(0.6, 0.6, 0.6), vi = constant13(0.2, 0.4, 0.6), f = step13(0.3, 0.5);
    auto gtIr = at::stack({ir, ir}, 1), gtVi = at::stack({vi, vi}, 1);
    auto fused = at::stack({f, f + 0.1}, 1);
    auto recIr = at::stack({ir, ir + 0.05}, 1);
    auto l = videoFusionLoss(fused, recIr, gtVi.clone(), gtIr, gtVi);
    QVERIFY(std::abs(val(l.temporal) - 2.5) < 1e-9);
    QVERIFY(std::abs(val(l.fidelityIr) - 0.25) < 1e-9);
    QVERIFY(std::abs(val(l.fidelityVi)) < 1e-12);
    auto fu = fusionLoss(at::cat({f, f + 0.1}, 0), at::cat({ir, ir}, 0), at::cat({vi, vi}, 0));
    QVERIFY(std::abs(val(l.fusion.total) - val(fu.total)) < 1e-12);
    QVERIFY(std::abs(val(l.total) - (val(fu.total) + 0.25 + 2.5)) < 1e-9);
    // Differentiable with respect to the network outputs.
    auto fr = fused.clone().requires_grad_(true);
    auto l2 = videoFusionLoss(fr, recIr, gtVi, gtIr, gtVi);
    l2.total.backward();
    QVERIFY(fr.grad().defined());
    QVERIFY(fr.grad().abs().sum().item<double>() > 0);
    QVERIFY(at::isfinite(fr.grad()).all().item<bool>());
}
