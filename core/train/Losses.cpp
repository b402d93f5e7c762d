#include "core/train/Losses.h"

#include <cmath>
#include <sstream>
#include <vector>

#include <ATen/ATen.h>

#include "core/common/Error.h"

namespace vf::train {

namespace {

void require(bool ok, const std::string& msg) {
    if (!ok) throw Error(ErrorCode::InvalidArgument, msg);
}

std::string shapeText(const at::Tensor& t) {
    std::ostringstream s;
    s << '(';
    for (int64_t i = 0; i < t.dim(); ++i)
        s << (i ? "," : "") << t.size(i);
    s << ')';
    return s.str();
}

void requireImage(const at::Tensor& t, const char* what, int64_t channels = -1) {
    require(t.defined() && t.dim() == 4 && (channels < 0 || t.size(1) == channels),
            std::string(what) + " must be (N," + (channels < 0 ? "C" : std::to_string(channels)) +
                ",H,W), got " + (t.defined() ? shapeText(t) : "undefined"));
}

at::Tensor l1(const at::Tensor& a, const at::Tensor& b) {
    return (a - b).abs().mean();
}

at::Tensor conv(const at::Tensor& x, const at::Tensor& w, int64_t groups) {
    return at::conv2d(x, w, at::Tensor(), at::IntArrayRef{1, 1}, at::IntArrayRef{0, 0},
                      at::IntArrayRef{1, 1}, groups);
}

} // namespace

YCbCr rgbToYCbCr(const at::Tensor& rgb) {
    requireImage(rgb, "YCbCr input", 3);
    auto r = rgb.narrow(1, 0, 1), g = rgb.narrow(1, 1, 1), b = rgb.narrow(1, 2, 1);
    YCbCr o;
    o.y = (0.299 * r + 0.587 * g + 0.114 * b).clamp(0.0, 1.0);
    o.cb = (-0.169 * r - 0.331 * g + 0.5 * b + 128.0 / 255.0).clamp(0.0, 1.0);
    o.cr = (0.5 * r - 0.419 * g - 0.081 * b + 128.0 / 255.0).clamp(0.0, 1.0);
    return o;
}

std::pair<at::Tensor, at::Tensor> sobelAbs(const at::Tensor& x) {
    requireImage(x, "Sobel input");
    const int64_t c = x.size(1);
    auto opts = x.options();
    auto kx = at::tensor({-1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0}, opts).view({1, 1, 3, 3});
    auto ky = at::tensor({-1.0, -2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0}, opts).view({1, 1, 3, 3});
    auto p = at::replication_pad2d(x, {1, 1, 1, 1});
    return {conv(p, kx.expand({c, 1, 3, 3}).contiguous(), c).abs(),
            conv(p, ky.expand({c, 1, 3, 3}).contiguous(), c).abs()};
}

at::Tensor ssim(const at::Tensor& a, const at::Tensor& b, int window) {
    requireImage(a, "SSIM input");
    require(a.sizes() == b.sizes(),
            "SSIM inputs differ in shape: " + shapeText(a) + " vs " + shapeText(b));
    require(a.size(2) >= window && a.size(3) >= window,
            "SSIM needs images of at least " + std::to_string(window) + "x" +
                std::to_string(window) + ", got " + shapeText(a));
    // Dynamic range inferred from the first argument, as the official code does.
    const double maxV = a.max().item<double>() > 128 ? 255.0 : 1.0;
    const double minV = a.min().item<double>() < -0.5 ? -1.0 : 0.0;
    const double L = maxV - minV;
    const double C1 = (0.01 * L) * (0.01 * L), C2 = (0.03 * L) * (0.03 * L);

    std::vector<double> g(static_cast<size_t>(window));
    double sum = 0;
    for (int i = 0; i < window; ++i) {
        const double d = i - window / 2;
        g[size_t(i)] = std::exp(-d * d / (2 * 1.5 * 1.5));
        sum += g[size_t(i)];
    }
    for (auto& v : g)
        v /= sum;
    auto g1 = at::tensor(g, a.options()).view({window, 1});
    const int64_t c = a.size(1);
    auto w = g1.mm(g1.t()).view({1, 1, window, window}).expand({c, 1, window, window}).contiguous();

    auto mu1 = conv(a, w, c), mu2 = conv(b, w, c);
    auto mu1sq = mu1 * mu1, mu2sq = mu2 * mu2, mu12 = mu1 * mu2;
    auto s1 = conv(a * a, w, c) - mu1sq;
    auto s2 = conv(b * b, w, c) - mu2sq;
    auto s12 = conv(a * b, w, c) - mu12;
    auto map = ((2 * mu12 + C1) * (2 * s12 + C2)) / ((mu1sq + mu2sq + C1) * (s1 + s2 + C2));
    return map.mean();
}

at::Tensor ssimLoss(const at::Tensor& a, const at::Tensor& b, int window) {
    return 1.0 - ssim(a, b, window);
}

at::Tensor temporalConsistency(const at::Tensor& a, const at::Tensor& b) {
    require(a.dim() == 5 && a.sizes() == b.sizes() && a.size(1) >= 2,
            "temporal consistency needs two (B,T,C,H,W) tensors of equal shape with T >= 2, got " +
                shapeText(a) + " and " + shapeText(b));
    const int64_t T = a.size(1);
    auto da = a.narrow(1, 1, T - 1) - a.narrow(1, 0, T - 1);
    auto db = b.narrow(1, 1, T - 1) - b.narrow(1, 0, T - 1);
    return l1(da, db);
}

FusionTerms fusionLoss(const at::Tensor& fused, const at::Tensor& gtIr, const at::Tensor& gtVi) {
    requireImage(fused, "fused image", 3);
    require(fused.sizes() == gtIr.sizes() && fused.sizes() == gtVi.sizes(),
            "fusion loss inputs differ in shape: " + shapeText(fused) + ", " + shapeText(gtIr) +
                ", " + shapeText(gtVi));
    const auto f = rgbToYCbCr(fused), i = rgbToYCbCr(gtIr), v = rgbToYCbCr(gtVi);
    FusionTerms t;
    t.ssim = ssimLoss(gtVi, fused) + ssimLoss(i.y, f.y);
    t.intensity = 15.0 * l1(at::max(v.y, i.y), f.y);
    t.consistency = l1(v.y, f.y) + 0.8 * l1(i.y, f.y);
    t.color = 100.0 * (l1(f.cb, v.cb) + l1(f.cr, v.cr));
    const auto [fx, fy] = sobelAbs(f.y);
    const auto [vx, vy] = sobelAbs(v.y);
    const auto [ix, iy] = sobelAbs(i.y);
    t.grad = l1(fx, at::max(vx, ix)) + l1(fy, at::max(vy, iy));
    t.total = t.ssim + t.intensity + t.consistency + t.color + t.grad;
    return t;
}

at::Tensor fidelityLoss(const at::Tensor& rec, const at::Tensor& gt) {
    requireImage(rec, "restored image", 3);
    require(rec.sizes() == gt.sizes(),
            "fidelity loss inputs differ in shape: " + shapeText(rec) + " vs " + shapeText(gt));
    const auto [rx, ry] = sobelAbs(rgbToYCbCr(rec).y);
    const auto [gx, gy] = sobelAbs(rgbToYCbCr(gt).y);
    return 10.0 * l1(rec, gt) + 10.0 * l1(rx, gx) + 10.0 * l1(ry, gy);
}

LossTerms videoFusionLoss(const at::Tensor& fused, const at::Tensor& recIr, const at::Tensor& recVi,
                          const at::Tensor& gtIr, const at::Tensor& gtVi) {
    require(fused.dim() == 5 && fused.size(2) == 3,
            "network outputs must be (B,T,3,H,W), got " + shapeText(fused));
    for (const auto* t : {&recIr, &recVi, &gtIr, &gtVi})
        require(t->sizes() == fused.sizes(),
                "loss inputs differ in shape: " + shapeText(fused) + " vs " + shapeText(*t));
    auto flat = [](const at::Tensor& x) {
        return x.reshape({x.size(0) * x.size(1), x.size(2), x.size(3), x.size(4)});
    };
    LossTerms l;
    l.fusion = fusionLoss(flat(fused), flat(gtIr), flat(gtVi));
    l.fidelityIr = fidelityLoss(flat(recIr), flat(gtIr));
    l.fidelityVi = fidelityLoss(flat(recVi), flat(gtVi));
    l.temporal = 10.0 * temporalConsistency(recIr, gtIr) + 10.0 * temporalConsistency(recVi, gtVi) +
                 10.0 * (temporalConsistency(fused, gtIr) + temporalConsistency(fused, gtVi));
    l.total = l.fusion.total + l.fidelityIr + l.fidelityVi + l.temporal;
    return l;
}

} // namespace vf::train
