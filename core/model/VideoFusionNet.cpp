// VideoFusion_Trans modules: construction under the official names, the reference forward
// (plain torch ops, official order) and the fast inference forward. See VideoFusionNet.h.
#include "core/model/VideoFusionNet.h"

#include <algorithm>
#include <sstream>

#include "core/common/Error.h"
#include "core/model/FastOps.h"

namespace vf::model::net {

namespace F = torch::nn::functional;
using at::Tensor;

namespace {

torch::nn::Conv2d conv2d(int64_t in, int64_t out, int64_t k, bool bias, int64_t groups = 1) {
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, k).padding(k / 2).bias(bias).groups(groups));
}

Tensor lrelu(const Tensor& x, double slope, bool inplace) {
    if (inplace && !(at::GradMode::is_enabled() && x.requires_grad()))
        return at::leaky_relu_(const_cast<Tensor&>(x), slope);
    return at::leaky_relu(x, slope);
}

bool useFast(bool fast, const Tensor& x) {
    return fast && fast::supported(x);
}

// Depthwise 3x3 conv module: the direct kernel on the fast path, the module otherwise.
Tensor dw(torch::nn::Conv2d& m, const Tensor& x, bool fast) {
    if (useFast(fast, x)) return fast::depthwise3x3(x, m->weight, m->bias);
    return m->forward(x);
}

// 1x1 conv module: one explicit GEMM per frame on the fast path (see FastOps.h).
Tensor pw(torch::nn::Conv2d& m, const Tensor& x, bool fast) {
    if (useFast(fast, x) && fast::kernelOptions().gemm1x1)
        return fast::conv1x1(x, m->weight, m->bias);
    return m->forward(x);
}

// Dense 3x3 conv module, optionally followed by LeakyReLU(slope >= 0): Winograd F(2,3) on the
// fast path where the channel counts make it pay (see FastOps.h).
Tensor c3x3(torch::nn::Conv2d& m, const Tensor& x, bool fast, double slope = -1.0) {
    if (useFast(fast, x) && fast::winogradPays(x, m->weight))
        return fast::conv3x3(x, m->weight, m->bias, slope, fast::kernelOptions().winogradTile);
    Tensor y = m->forward(x);
    return slope >= 0 ? lrelu(y, slope, useFast(fast, y)) : y;
}

// Feature energy: mean over channels of x^2, (N, C, h, w) -> (N, h, w).
Tensor energy(const Tensor& x) {
    return x.detach().square().mean(1);
}

void tapPut(TapSink* taps, const std::string& name, const std::string& desc,
            const std::function<Tensor()>& make) {
    if (taps && taps->want(name)) taps->put(name, desc, make().detach());
}

// L2-normalised channel attention (Restormer MDTA / Cross / Co attention) for one frame.
// q, k: (heads, c, hw). Returns softmax((q/|q|)(k/|k|)^T * temperature) (heads, c, c).
// Normalisation is folded into the small c x c matrix: G_ij / (max(|q_i|,eps) max(|k_j|,eps)),
// which equals normalising q and k over hw first (F.normalize, eps 1e-12).
Tensor attnMatrix(const Tensor& q, const Tensor& k, const Tensor& temperature) {
    Tensor g = at::bmm(q, k.transpose(1, 2));
    Tensor qn = at::linalg_vector_norm(q, 2, {-1}, true).clamp_min_(1e-12);    // (h,c,1)
    Tensor kn = at::linalg_vector_norm(k, 2, {-1}, true).clamp_min_(1e-12);    // (h,c,1)
    g.div_(qn).div_(kn.transpose(1, 2)).mul_(temperature.to(g.scalar_type())); // temp (h,1,1)
    return at::softmax(g, -1);
}

} // namespace

std::shared_ptr<torch::nn::Module> makeContainer() {
    return std::make_shared<torch::nn::Module>();
}

// ------------------------------------------------------------------------------------------
LNBodyImpl::LNBodyImpl(int64_t dim, bool withBias) {
    weight = register_parameter("weight", torch::ones({dim}));
    if (withBias) bias = register_parameter("bias", torch::zeros({dim}));
}

LayerNormImpl::LayerNormImpl(int64_t dim, bool withBias) {
    body = register_module("body", LNBody(dim, withBias));
}

Tensor LayerNormImpl::forward(const Tensor& x, bool fast) {
    if (useFast(fast, x)) return fast::layerNormChannels(x, body->weight, body->bias);
    const auto N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    Tensor x3 = x.flatten(2).transpose(1, 2); // b (h w) c
    Tensor var = x3.var({-1}, /*unbiased=*/false, /*keepdim=*/true);
    Tensor y;
    if (body->bias.defined()) {
        Tensor mu = x3.mean({-1}, true);
        y = (x3 - mu) / at::sqrt(var + 1e-5) * body->weight + body->bias;
    } else {
        y = x3 / at::sqrt(var + 1e-5) * body->weight;
    }
    return y.transpose(1, 2).reshape({N, C, H, W});
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, double ffn, bool bias) {
    int64_t hidden = static_cast<int64_t>(double(dim) * ffn);
    project_in = register_module("project_in", conv2d(dim, hidden * 2, 1, bias));
    dwconv = register_module("dwconv", conv2d(hidden * 2, hidden * 2, 3, bias, hidden * 2));
    project_out = register_module("project_out", conv2d(hidden, dim, 1, bias));
}

Tensor FeedForwardImpl::forward(const Tensor& x, bool fast) {
    Tensor y = dw(dwconv, pw(project_in, x, fast), fast);
    if (useFast(fast, y)) return pw(project_out, fast::geluGate(y), true);
    auto ch = y.chunk(2, 1);
    return project_out(at::gelu(ch[0]) * ch[1]);
}

AttentionImpl::AttentionImpl(int64_t dim, int64_t h, bool bias) : heads(h) {
    temperature = register_parameter("temperature", torch::ones({h, 1, 1}));
    qkv = register_module("qkv", conv2d(dim, dim * 3, 1, bias));
    qkv_dwconv = register_module("qkv_dwconv", conv2d(dim * 3, dim * 3, 3, bias, dim * 3));
    project_out = register_module("project_out", conv2d(dim, dim, 1, bias));
}

Tensor AttentionImpl::forward(const Tensor& x, bool fast) {
    const auto b = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    Tensor t = dw(qkv_dwconv, pw(qkv, x, fast), fast);
    if (useFast(fast, t)) {
        t = t.contiguous();
        Tensor out = at::empty({b, C, H, W}, t.options());
        for (int64_t n = 0; n < b; ++n) {
            Tensor f = t[n].view({3, heads, C / heads, H * W});
            Tensor a = attnMatrix(f[0], f[1], temperature);
            Tensor o = out[n].view({heads, C / heads, H * W});
            at::bmm_out(o, a, f[2]);
        }
        return pw(project_out, out, true);
    }
    auto ch = t.chunk(3, 1);
    auto split = [&](const Tensor& z) { return z.reshape({b, heads, C / heads, H * W}); };
    Tensor q = F::normalize(split(ch[0]), F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12));
    Tensor k = F::normalize(split(ch[1]), F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12));
    Tensor v = split(ch[2]);
    Tensor attn = at::softmax(at::matmul(q, k.transpose(-2, -1)) * temperature, -1);
    Tensor out = at::matmul(attn, v).reshape({b, C, H, W});
    return project_out(out);
}

CrossAttentionImpl::CrossAttentionImpl(int64_t dim, int64_t h, bool bias) : heads(h) {
    temperature = register_parameter("temperature", torch::ones({h, 1, 1}));
    // Always WithBias: the official call sites pass `group` (an int) as LayerNorm_type.
    norm = register_module("norm", LayerNorm(dim, true));
    q = register_module("q", conv2d(dim, dim, 1, bias));
    kv = register_module("kv", conv2d(dim, dim * 2, 1, bias));
    q_dwconv = register_module("q_dwconv", conv2d(dim, dim, 3, bias, dim));
    kv_dwconv = register_module("kv_dwconv", conv2d(dim * 2, dim * 2, 3, bias, dim * 2));
    project_out = register_module("project_out", conv2d(dim, dim, 1, bias));
}

Tensor CrossAttentionImpl::query(const Tensor& xa, bool fast) {
    return dw(q_dwconv, pw(q, xa, fast), fast);
}

Tensor CrossAttentionImpl::forward(const Tensor& xa, const Tensor& xb, bool fast,
                                   const Tensor& qPre) {
    // xa may be undefined when the query is precomputed; xb has the same shape.
    const auto b = xb.size(0), C = xb.size(1), H = xb.size(2), W = xb.size(3);
    Tensor qq = qPre.defined() ? qPre : query(xa, fast);
    Tensor kvt = dw(kv_dwconv, pw(kv, xb, fast), fast);
    if (useFast(fast, kvt)) {
        qq = qq.contiguous();
        kvt = kvt.contiguous();
        Tensor out = at::empty({b, C, H, W}, kvt.options());
        for (int64_t n = 0; n < b; ++n) {
            Tensor qf = qq[n].view({heads, C / heads, H * W});
            Tensor f = kvt[n].view({2, heads, C / heads, H * W});
            Tensor a = attnMatrix(qf, f[0], temperature);
            Tensor o = out[n].view({heads, C / heads, H * W});
            at::bmm_out(o, a, f[1]);
        }
        return pw(project_out, out, true);
    }
    auto ch = kvt.chunk(2, 1);
    auto split = [&](const Tensor& z) { return z.reshape({b, heads, C / heads, H * W}); };
    auto nopt = F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12);
    Tensor qn = F::normalize(split(qq), nopt);
    Tensor k = F::normalize(split(ch[0]), nopt);
    Tensor v = split(ch[1]);
    Tensor attn = at::softmax(at::matmul(qn, k.transpose(-2, -1)) * temperature, -1);
    return project_out(at::matmul(attn, v).reshape({b, C, H, W}));
}

CoAttentionImpl::CoAttentionImpl(int64_t dim, int64_t h, bool bias) : heads(h) {
    temperature = register_parameter("temperature", torch::ones({h, 1, 1}));
    q = register_module("q", conv2d(dim, dim, 1, bias));
    kv_prev = register_module("kv_prev", conv2d(dim, dim * 2, 1, bias));
    kv_next = register_module("kv_next", conv2d(dim, dim * 2, 1, bias));
    q_dwconv = register_module("q_dwconv", conv2d(dim, dim, 3, bias, dim));
    kv_dwconv_prev = register_module("kv_dwconv_prev", conv2d(dim * 2, dim * 2, 3, bias, dim * 2));
    kv_dwconv_next = register_module("kv_dwconv_next", conv2d(dim * 2, dim * 2, 3, bias, dim * 2));
    project_out = register_module("project_out", conv2d(dim, dim, 1, bias));
}

// Reference co-attention of one frame batch (the official per-t call).
Tensor CoAttentionImpl::forward(const Tensor& cur, const Tensor& prev, const Tensor& next,
                                bool /*fast*/, Tensor* aPrev, Tensor* aNext, Tensor* aComb) {
    const auto b = cur.size(0), C = cur.size(1), H = cur.size(2), W = cur.size(3);
    auto split = [&](const Tensor& z) { return z.reshape({b, heads, C / heads, H * W}); };
    auto nopt = F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12);
    Tensor qq = q_dwconv(q(cur));
    auto kvp = kv_dwconv_prev(kv_prev(prev)).chunk(2, 1);
    auto kvn = kv_dwconv_next(kv_next(next)).chunk(2, 1);
    Tensor qn = F::normalize(split(qq), nopt);
    Tensor kp = F::normalize(split(kvp[0]), nopt);
    Tensor kn = F::normalize(split(kvn[0]), nopt);
    Tensor ap = at::softmax(at::matmul(qn, kp.transpose(-2, -1)) * temperature, -1);
    Tensor an = at::softmax(at::matmul(qn, kn.transpose(-2, -1)) * temperature, -1);
    Tensor a = at::softmax(ap * an, -1);
    if (aPrev) *aPrev = ap;
    if (aNext) *aNext = an;
    if (aComb) *aComb = a;
    Tensor outP = at::matmul(a, split(kvp[1])).reshape({b, C, H, W});
    Tensor outN = at::matmul(a, split(kvn[1])).reshape({b, C, H, W});
    return project_out(outP + outN);
}

TransformerBlockImpl::TransformerBlockImpl(int64_t dim, int64_t h, double ffnF, bool bias,
                                           bool lnBias) {
    norm1 = register_module("norm1", LayerNorm(dim, lnBias));
    attn = register_module("attn", Attention(dim, h, bias));
    norm2 = register_module("norm2", LayerNorm(dim, lnBias));
    ffn = register_module("ffn", FeedForward(dim, ffnF, bias));
}

Tensor TransformerBlockImpl::forward(const Tensor& x, bool fast) {
    if (useFast(fast, x)) {
        Tensor y = attn->forward(norm1->forward(x, true), true);
        y.add_(x);
        y.add_(ffn->forward(norm2->forward(y, true), true));
        return y;
    }
    Tensor y = x + attn->forward(norm1->forward(x, false), false);
    return y + ffn->forward(norm2->forward(y, false), false);
}

CrossTransformerBlockImpl::CrossTransformerBlockImpl(int64_t dim, int64_t h, double ffnF, bool bias,
                                                     bool lnBias) {
    norm1 = register_module("norm1", LayerNorm(dim, lnBias));
    attn = register_module("attn", CrossAttention(dim, h, bias));
    norm2 = register_module("norm2", LayerNorm(dim, lnBias));
    ffn = register_module("ffn", FeedForward(dim, ffnF, bias));
}

Tensor CrossTransformerBlockImpl::forward(const Tensor& x, const Tensor& s, bool fast,
                                          const Tensor& qPre) {
    if (useFast(fast, x)) {
        Tensor qx = qPre.defined() ? qPre : attn->query(norm1->forward(x, true), true);
        Tensor y = attn->forward(Tensor(), norm1->forward(s, true), true, qx);
        y.add_(x);
        y.add_(ffn->forward(norm2->forward(y, true), true));
        return y;
    }
    // The same norm1 is applied to both inputs.
    Tensor y = x + attn->forward(norm1->forward(x, false), norm1->forward(s, false), false);
    return y + ffn->forward(norm2->forward(y, false), false);
}

CoTransformerBlockImpl::CoTransformerBlockImpl(int64_t dim, int64_t h, double ffnF, bool bias,
                                               bool lnBias) {
    norm1 = register_module("norm1", LayerNorm(dim, lnBias));
    attn = register_module("attn", CoAttention(dim, h, bias));
    norm2 = register_module("norm2", LayerNorm(dim, lnBias));
    ffn = register_module("ffn", FeedForward(dim, ffnF, bias));
}

ResidualBlockNoBNImpl::ResidualBlockNoBNImpl(int64_t nf) {
    conv1 = register_module("conv1", conv2d(nf, nf, 3, true));
    conv2 = register_module("conv2", conv2d(nf, nf, 3, true));
}

Tensor ResidualBlockNoBNImpl::forward(const Tensor& x, bool fast) {
    if (useFast(fast, x)) {
        Tensor y = c3x3(conv2, c3x3(conv1, x, true, 0.1), true);
        return y.add_(x);
    }
    return x + conv2(at::leaky_relu(conv1(x), 0.1));
}

ResidualBlocks2DImpl::ResidualBlocks2DImpl(int64_t nf, int64_t n) {
    auto inner = makeContainer();
    for (int64_t i = 0; i < n; ++i) {
        list.push_back(ResidualBlockNoBN(nf));
        inner->register_module(std::to_string(i), list.back());
    }
    auto outer = makeContainer();
    outer->register_module("0", inner);
    blocks = register_module("blocks", outer);
}

Tensor ResidualBlocks2DImpl::forward(const Tensor& x, bool fast) {
    Tensor y = x;
    for (auto& b : list)
        y = b->forward(y, fast);
    return y;
}

Conv3DModuleImpl::Conv3DModuleImpl(int64_t in, int64_t out) {
    c0 = torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, 3).padding(1).bias(true));
    c2 = torch::nn::Conv3d(torch::nn::Conv3dOptions(out, out, 3).padding(1).bias(true));
    auto seq = makeContainer(); // Sequential(Conv3d, LeakyReLU(0.2), Conv3d)
    seq->register_module("0", c0);
    seq->register_module("2", c2);
    module = register_module("module", seq);
}

namespace {
// A 3x3x3 Conv3d with zero padding in time, on (B*T, C, H, W) frames, then LeakyReLU(slope)
// if slope >= 0. With F(4,3) Winograd: the time sum in the transformed domain
// (fast::conv3x3x3Frames). Otherwise one 2D convolution with the three temporal kernel slices
// stacked on the output channels, then out[t] = bias + Y1[t] + Y0[t-1] + Y2[t+1] (missing
// neighbours = zero padding).
Tensor conv3dFrames(const Tensor& x, const torch::nn::Conv3d& conv, int64_t T,
                    double slope = -1.0) {
    const Tensor& w = conv->weight; // (O, C, 3, 3, 3)
    const auto O = w.size(0), C = w.size(1);
    const auto BT = x.size(0), H = x.size(2), W = x.size(3), B = BT / T;
    Tensor w2 = w.permute({2, 0, 1, 3, 4}).reshape({3 * O, C, 3, 3}).to(x.scalar_type());
    const bool wino = fast::winogradPays(x, w2);
    if (wino && fast::kernelOptions().winogradTile == 4 && fast::kernelOptions().winogradTime)
        return fast::conv3x3x3Frames(x, w, conv->bias, T, slope);
    Tensor y = (wino ? fast::conv3x3(x, w2, {}, -1.0, fast::kernelOptions().winogradTile)
                     : at::conv2d(x, w2, {}, 1, 1))
                   .view({B, T, 3, O, H, W});
    if (fast::supported(y)) return fast::temporalSum3(y, conv->bias, slope).view({BT, O, H, W});
    Tensor out = y.select(2, 1).clone(at::MemoryFormat::Contiguous); // (B, T, O, H, W)
    if (T > 1) {
        out.narrow(1, 1, T - 1).add_(y.select(2, 0).narrow(1, 0, T - 1));
        out.narrow(1, 0, T - 1).add_(y.select(2, 2).narrow(1, 1, T - 1));
    }
    if (conv->bias.defined()) out.add_(conv->bias.to(x.scalar_type()).view({1, 1, O, 1, 1}));
    out = out.view({BT, O, H, W});
    return slope >= 0 ? at::leaky_relu(out, slope) : out;
}
} // namespace

Tensor Conv3DModuleImpl::forward(const Tensor& x, bool fast, int64_t T) {
    if (fast) {
        return conv3dFrames(conv3dFrames(x, c0, T, 0.2), c2, T);
    }
    return c2(at::leaky_relu(c0(x), 0.2));
}

DownsampleImpl::DownsampleImpl(int64_t nf) {
    conv = conv2d(nf, nf / 2, 3, false);
    auto seq = makeContainer(); // Sequential(Conv2d, PixelUnshuffle(2))
    seq->register_module("0", conv);
    body = register_module("body", seq);
}

Tensor DownsampleImpl::forward(const Tensor& x, bool fast) {
    return at::pixel_unshuffle(c3x3(conv, x, fast), 2);
}

UpsampleImpl::UpsampleImpl(int64_t nf) {
    c0 = conv2d(nf, nf / 2, 3, false);
    c2 = conv2d(nf / 2, nf / 2, 3, true);
    auto seq = makeContainer(); // Sequential(Conv2d, Upsample(x2 bilinear, align), Conv2d)
    seq->register_module("0", c0);
    seq->register_module("2", c2);
    body = register_module("body", seq);
}

Tensor UpsampleImpl::forward(const Tensor& x, bool fast) {
    Tensor y = c3x3(c0, x, fast);
    y = at::upsample_bilinear2d(y, {y.size(2) * 2, y.size(3) * 2}, /*align_corners=*/true);
    return c3x3(c2, y, fast);
}

ChannelAttentionImpl::ChannelAttentionImpl(int64_t c) {
    fc1 = register_module("fc1", conv2d(c, c / 16, 1, false));
    fc2 = register_module("fc2", conv2d(c / 16, c, 1, false));
}

Tensor ChannelAttentionImpl::forward(const Tensor& x) {
    Tensor avg = x.mean({2, 3}, true);
    Tensor mx = x.amax({2, 3}, true);
    Tensor a = fc2(at::leaky_relu(fc1(avg), 0.2));
    Tensor m = fc2(at::leaky_relu(fc1(mx), 0.2));
    return at::sigmoid(a + m);
}

SpatialAttentionImpl::SpatialAttentionImpl() {
    conv1 = register_module("conv1", conv2d(2, 1, 3, false));
}

Tensor SpatialAttentionImpl::forward(const Tensor& x) {
    // Order: mean first, then max.
    Tensor s = at::cat({x.mean(1, true), std::get<0>(x.max(1, true))}, 1);
    return at::sigmoid(conv1(s));
}

CrossModalAggregationImpl::CrossModalAggregationImpl(int64_t c) {
    conv = register_module("conv", conv2d(2 * c, 2, 1, false));
    ChannelAttention_ = register_module("ChannelAttention", ChannelAttention(c));
    SpatialAttention_ = register_module("SpatialAttention", SpatialAttention());
}

Tensor CrossModalAggregationImpl::forward(const Tensor& main, const Tensor& supple, TapSink* taps,
                                          const std::string& tapName, int64_t T) {
    Tensor w = conv(at::cat({main, supple}, 1));
    Tensor wm = at::sigmoid(w.narrow(1, 0, 1)).mean({2, 3}, true); // (N,1,1,1)
    Tensor ws = at::sigmoid(w.narrow(1, 1, 1)).mean({2, 3}, true);
    Tensor g1 = wm * main;
    Tensor g2 = ws * supple;
    Tensor ca = ChannelAttention_->forward(g1);
    Tensor x1 = ca * g1;
    Tensor sa = SpatialAttention_->forward(x1);
    Tensor x2 = sa * x1;
    const std::string p = "cma/" + tapName;
    tapPut(taps, p + "/weights", "CMA global gate weights (wm, ws) per frame", [&] {
        return at::cat({wm.flatten(1), ws.flatten(1)}, 1);
    });
    tapPut(taps, p + "/channel", "CMA channel-attention weights per frame",
           [&] { return ca.flatten(1); });
    tapPut(taps, p + "/spatial", "CMA spatial-attention map SA(x1) in (0,1)",
           [&] { return sa.squeeze(1); });
    (void)T;
    return x2 + g2;
}

VideoDecompositionImpl::VideoDecompositionImpl(int64_t c) {
    channel_attention_ir = register_module("channel_attention_ir", ChannelAttention(c));
    channel_attention_vi = register_module("channel_attention_vi", ChannelAttention(c));
    spatial_attention_ir = register_module("spatial_attention_ir", SpatialAttention());
    spatial_attention_vi = register_module("spatial_attention_vi", SpatialAttention());
}

std::pair<Tensor, Tensor> VideoDecompositionImpl::forward(const Tensor& x, TapSink* taps,
                                                          int64_t /*T*/) {
    Tensor cir = channel_attention_ir->forward(x);
    Tensor xir = cir * x;
    Tensor sir = spatial_attention_ir->forward(xir);
    xir = sir * xir;
    Tensor cvi = channel_attention_vi->forward(x);
    Tensor xvi = cvi * x;
    Tensor svi = spatial_attention_vi->forward(xvi);
    xvi = svi * xvi;
    tapPut(taps, "unmix/ir/channel", "modality-unmixing IR channel attention",
           [&] { return cir.flatten(1); });
    tapPut(taps, "unmix/ir/spatial", "modality-unmixing IR spatial attention",
           [&] { return sir.squeeze(1); });
    tapPut(taps, "unmix/vi/channel", "modality-unmixing visible channel attention",
           [&] { return cvi.flatten(1); });
    tapPut(taps, "unmix/vi/spatial", "modality-unmixing visible spatial attention",
           [&] { return svi.squeeze(1); });
    return {xir, xvi};
}

FusionModuleImpl::FusionModuleImpl(int64_t c, int64_t h, double ffn, bool bias, bool lnBias) {
    cross_transformer =
        register_module("cross_transformer", CrossTransformerBlock(c, h, ffn, bias, lnBias));
}

Tensor FusionModuleImpl::forward(const Tensor& ir, const Tensor& vi, bool fast) {
    Tensor Q = ir + vi;
    if (useFast(fast, Q)) {
        // The query side (norm1(Q) -> q -> q_dwconv) is the same for both calls: once.
        auto& ct = cross_transformer;
        Tensor qx = ct->attn->query(ct->norm1->forward(Q, true), true);
        Tensor a = ct->forward(Q, ir, true, qx);
        a.add_(ct->forward(Q, vi, true, qx));
        return a;
    }
    // One block applied twice (shared weights).
    return cross_transformer->forward(Q, ir, false) + cross_transformer->forward(Q, vi, false);
}

CrossModalityDiffEnhanceImpl::CrossModalityDiffEnhanceImpl(int64_t c, int64_t h, double ffn,
                                                           bool bias, bool lnBias) {
    cross_transformer =
        register_module("cross_transformer", CrossTransformerBlock(c, h, ffn, bias, lnBias));
}

Tensor CrossModalityDiffEnhanceImpl::forward(const Tensor& x, const Tensor& suppl, bool fast,
                                             TapSink* taps, const std::string& tapName,
                                             int64_t /*T*/) {
    Tensor diff = suppl - x;
    tapPut(taps, "diff/" + tapName,
           "energy of the cross-modal difference (suppl - x) entering the block",
           [&] { return energy(diff); });
    return cross_transformer->forward(x, diff, fast);
}

FusionEnhanceImpl::FusionEnhanceImpl(int64_t c, int64_t n, int64_t h, double ffn, bool bias,
                                     bool lnBias) {
    auto seq = makeContainer();
    for (int64_t i = 0; i < n; ++i) {
        list.push_back(TransformerBlock(c, h, ffn, bias, lnBias));
        seq->register_module(std::to_string(i), list.back());
    }
    transformer = register_module("transformer", seq);
}

Tensor FusionEnhanceImpl::forward(const Tensor& x, bool fast) {
    Tensor y = x;
    for (auto& b : list)
        y = b->forward(y, fast);
    return y;
}

namespace {
struct CoAttentionModuleImpl : torch::nn::Module {
    CoAttentionModuleImpl(int64_t c, int64_t h, double ffn, bool bias, bool lnBias) {
        co_transformer =
            register_module("co_transformer", CoTransformerBlock(c, h, ffn, bias, lnBias));
    }
    CoTransformerBlock co_transformer{nullptr};
};
TORCH_MODULE(CoAttentionModule);
} // namespace

StackedCoAttentionImpl::StackedCoAttentionImpl(int64_t c, int64_t n, int64_t h, double ffn,
                                               bool bias, bool lnBias) {
    auto ml = makeContainer(); // ModuleList
    for (int64_t i = 0; i < n; ++i) {
        CoAttentionModule m(c, h, ffn, bias, lnBias);
        list.push_back(m->co_transformer);
        ml->register_module(std::to_string(i), m);
    }
    layers = register_module("layers", ml);
}

Tensor StackedCoAttentionImpl::forward(const Tensor& xIn, bool fast, TapSink* taps,
                                       const std::string& tapName) {
    const auto B = xIn.size(0), T = xIn.size(1), C = xIn.size(2), H = xIn.size(3), W = xIn.size(4);
    if (T < 2)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "VideoFusion needs clips of at least 2 frames (got " + std::to_string(T) +
                            "): the bi-temporal co-attention has no neighbour frame");
    Tensor x = xIn;
    for (size_t li = 0; li < list.size(); ++li) {
        auto& blk = list[li];
        const std::string tp = "bicam/" + tapName + "/" + std::to_string(li) + "/";
        const bool wantA = taps && (taps->want(tp + "prev") || taps->want(tp + "next") ||
                                    taps->want(tp + "combined"));
        if (useFast(fast, x)) {
            // All frames at once: per-frame ops (LN, 1x1 and depthwise convs) are computed
            // once on every frame and the prev/next neighbours are gathered afterwards.
            auto& at_ = blk->attn;
            const int64_t h = at_->heads, c = C / h, HW = H * W;
            Tensor flat = x.reshape({B * T, C, H, W});
            Tensor ln = blk->norm1->forward(flat, true);
            Tensor q = dw(at_->q_dwconv, pw(at_->q, ln, true), true).contiguous();
            // Frames 0 .. T-2 of every clip are someone's previous frame, 1 .. T-1 someone's
            // next one: kv_prev / kv_next only on those (T - 1 frames per clip, not T).
            auto frames = [&](int64_t first) {
                if (B == 1) return ln.narrow(0, first, T - 1);
                std::vector<Tensor> parts;
                for (int64_t b = 0; b < B; ++b)
                    parts.push_back(ln.narrow(0, b * T + first, T - 1));
                return at::cat(parts);
            };
            Tensor kvp =
                dw(at_->kv_dwconv_prev, pw(at_->kv_prev, frames(0), true), true).contiguous();
            Tensor kvn =
                dw(at_->kv_dwconv_next, pw(at_->kv_next, frames(1), true), true).contiguous();
            Tensor out = at::empty({B * T, C, H, W}, q.options());
            std::vector<Tensor> ap, an, ac;
            for (int64_t b = 0; b < B; ++b)
                for (int64_t t = 0; t < T; ++t) {
                    const int64_t n = b * T + t;
                    // frame t - 1 (t = 0: t) in kvp, frame t + 1 (t = T - 1: t) in kvn
                    const int64_t np = b * (T - 1) + std::max<int64_t>(t - 1, 0);
                    const int64_t nn = b * (T - 1) + std::min<int64_t>(t, T - 2);
                    Tensor qf = q[n].view({h, c, HW});
                    Tensor fp = kvp[np].view({2, h, c, HW});
                    Tensor fn = kvn[nn].view({2, h, c, HW});
                    Tensor a1 = attnMatrix(qf, fp[0], at_->temperature);
                    Tensor a2 = attnMatrix(qf, fn[0], at_->temperature);
                    Tensor a = at::softmax(a1 * a2, -1);
                    Tensor o = out[n].view({h, c, HW});
                    at::bmm_out(o, a, fp[1]);
                    o.baddbmm_(a, fn[1]);
                    if (wantA) {
                        ap.push_back(a1);
                        an.push_back(a2);
                        ac.push_back(a);
                    }
                }
            Tensor y = pw(at_->project_out, out, true);
            y.add_(flat);
            y.add_(blk->ffn->forward(blk->norm2->forward(y, true), true));
            x = y.view({B, T, C, H, W});
            if (wantA) {
                tapPut(taps, tp + "prev", "BiCAM softmax(q k_prev^T) per frame and head",
                       [&] { return at::stack(ap); });
                tapPut(taps, tp + "next", "BiCAM softmax(q k_next^T) per frame and head",
                       [&] { return at::stack(an); });
                tapPut(taps, tp + "combined", "BiCAM combined softmax(A_prev * A_next)",
                       [&] { return at::stack(ac); });
            }
            continue;
        }
        // Reference: the official per-t loop; every y[t] comes from the layer input.
        std::vector<Tensor> ys, ap, an, ac;
        for (int64_t t = 0; t < T; ++t) {
            Tensor cur = x.select(1, t);
            Tensor prev = x.select(1, t == 0 ? t : t - 1);
            Tensor next = x.select(1, t == T - 1 ? t : t + 1);
            Tensor a1, a2, a3;
            Tensor y = cur + blk->attn->forward(
                                 blk->norm1->forward(cur, false), blk->norm1->forward(prev, false),
                                 blk->norm1->forward(next, false), false, wantA ? &a1 : nullptr,
                                 wantA ? &a2 : nullptr, wantA ? &a3 : nullptr);
            y = y + blk->ffn->forward(blk->norm2->forward(y, false), false);
            ys.push_back(y);
            if (wantA) {
                ap.push_back(a1);
                an.push_back(a2);
                ac.push_back(a3);
            }
        }
        x = at::stack(ys, 1);
        if (wantA) {
            // (B, T, h, c, c) -> (B*T, h, c, c), b outer
            auto st = [](std::vector<Tensor>& v) {
                Tensor s = at::stack(v, 1);
                return s.reshape({s.size(0) * s.size(1), s.size(2), s.size(3), s.size(4)});
            };
            tapPut(taps, tp + "prev", "BiCAM softmax(q k_prev^T) per frame and head",
                   [&] { return st(ap); });
            tapPut(taps, tp + "next", "BiCAM softmax(q k_next^T) per frame and head",
                   [&] { return st(an); });
            tapPut(taps, tp + "combined", "BiCAM combined softmax(A_prev * A_next)",
                   [&] { return st(ac); });
        }
    }
    return x;
}

Decoder3DImpl::Decoder3DImpl(int64_t c, int64_t out, int64_t n, int64_t h, double ffn, bool bias,
                             bool lnBias) {
    auto dec = makeContainer();
    for (int64_t i = 0; i < n; ++i) {
        list.push_back(TransformerBlock(c, h, ffn, bias, lnBias));
        dec->register_module(std::to_string(i), list.back());
    }
    decoder = register_module("decoder", dec);
    c0 = torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c / 2, 1).bias(true));
    c2 = conv2d(c / 2, out, 3, false);
    auto cv = makeContainer(); // Sequential(Conv2d 1x1, LeakyReLU(0.2), Conv2d 3x3)
    cv->register_module("0", c0);
    cv->register_module("2", c2);
    conv = register_module("conv", cv);
}

Tensor Decoder3DImpl::forward(const Tensor& x, bool fast) {
    Tensor y = x;
    for (auto& b : list)
        y = b->forward(y, fast);
    y = pw(c0, y, fast);
    y = lrelu(y, 0.2, useFast(fast, y));
    return c2(y);
}

// ------------------------------------------------------------------------------------------
const std::vector<std::string>& topLevelNames() {
    static const std::vector<std::string> n = {"conv3d_ir_1",
                                               "conv3d_vi_1",
                                               "fusion_1",
                                               "fusion_enhance_1",
                                               "down_ir_1",
                                               "down_vi_1",
                                               "conv3d_ir_2",
                                               "conv3d_vi_2",
                                               "ir_conv_enhance_2",
                                               "vi_conv_enhance_2",
                                               "cross_modal_enhance_ir_2",
                                               "cross_modal_enhance_vi_2",
                                               "CMA_ir_2",
                                               "CMA_vi_2",
                                               "fusion_2",
                                               "fusion_enhance_2",
                                               "down_ir_2",
                                               "down_vi_2",
                                               "conv3d_ir_3",
                                               "conv3d_vi_3",
                                               "ir_conv_enhance_3",
                                               "vi_conv_enhance_3",
                                               "cross_modal_enhance_ir_3",
                                               "cross_modal_enhance_vi_3",
                                               "CMA_ir_3",
                                               "CMA_vi_3",
                                               "fusion_3",
                                               "co_attention_3",
                                               "up2",
                                               "co_attention_2",
                                               "up1",
                                               "co_attention_1",
                                               "decomposition",
                                               "decoder_ir",
                                               "decoder_vi",
                                               "decoder_fusion"};
    return n;
}

VideoFusionNetImpl::VideoFusionNetImpl(const VideoFusionConfig& c) : cfg(c) {
    const int64_t Fn = c.numFeatures;
    const auto& h = c.numHeads;
    const double ffn = c.ffnExpansion;
    const bool bias = c.bias, ln = c.withBiasLayerNorm;
    if (Fn <= 0 || Fn % 16 != 0)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "VideoFusion num_features must be a positive multiple of 16 (got " +
                            std::to_string(Fn) + ")");
    for (int k = 0; k < 3; ++k)
        if (h[k] <= 0 || ((Fn << k) % h[k]) != 0)
            throw vf::Error(vf::ErrorCode::InvalidArgument,
                            "VideoFusion num_heads[" + std::to_string(k) +
                                "] = " + std::to_string(h[k]) +
                                " does not divide the channel count " + std::to_string(Fn << k));
    conv3d_ir_1 = register_module("conv3d_ir_1", Conv3DModule(3, Fn));
    conv3d_vi_1 = register_module("conv3d_vi_1", Conv3DModule(3, Fn));
    fusion_1 = register_module("fusion_1", FusionModule(Fn, h[0], ffn, bias, ln));
    fusion_enhance_1 =
        register_module("fusion_enhance_1", FusionEnhance(Fn, c.numBlocks[0], h[0], ffn, bias, ln));
    down_ir_1 = register_module("down_ir_1", Downsample(Fn));
    down_vi_1 = register_module("down_vi_1", Downsample(Fn));
    conv3d_ir_2 = register_module("conv3d_ir_2", Conv3DModule(2 * Fn, 2 * Fn));
    conv3d_vi_2 = register_module("conv3d_vi_2", Conv3DModule(2 * Fn, 2 * Fn));
    ir_conv_enhance_2 = register_module("ir_conv_enhance_2", ResidualBlocks2D(2 * Fn, 4));
    vi_conv_enhance_2 = register_module("vi_conv_enhance_2", ResidualBlocks2D(2 * Fn, 4));
    cross_modal_enhance_ir_2 = register_module(
        "cross_modal_enhance_ir_2", CrossModalityDiffEnhance(2 * Fn, h[1], ffn, bias, ln));
    cross_modal_enhance_vi_2 = register_module(
        "cross_modal_enhance_vi_2", CrossModalityDiffEnhance(2 * Fn, h[1], ffn, bias, ln));
    CMA_ir_2 = register_module("CMA_ir_2", CrossModalAggregation(2 * Fn));
    CMA_vi_2 = register_module("CMA_vi_2", CrossModalAggregation(2 * Fn));
    fusion_2 = register_module("fusion_2", FusionModule(2 * Fn, h[1], ffn, bias, ln));
    fusion_enhance_2 = register_module("fusion_enhance_2",
                                       FusionEnhance(2 * Fn, c.numBlocks[1], h[1], ffn, bias, ln));
    down_ir_2 = register_module("down_ir_2", Downsample(2 * Fn));
    down_vi_2 = register_module("down_vi_2", Downsample(2 * Fn));
    conv3d_ir_3 = register_module("conv3d_ir_3", Conv3DModule(4 * Fn, 4 * Fn));
    conv3d_vi_3 = register_module("conv3d_vi_3", Conv3DModule(4 * Fn, 4 * Fn));
    ir_conv_enhance_3 = register_module("ir_conv_enhance_3", ResidualBlocks2D(4 * Fn, 4));
    vi_conv_enhance_3 = register_module("vi_conv_enhance_3", ResidualBlocks2D(4 * Fn, 4));
    cross_modal_enhance_ir_3 = register_module(
        "cross_modal_enhance_ir_3", CrossModalityDiffEnhance(4 * Fn, h[2], ffn, bias, ln));
    cross_modal_enhance_vi_3 = register_module(
        "cross_modal_enhance_vi_3", CrossModalityDiffEnhance(4 * Fn, h[2], ffn, bias, ln));
    CMA_ir_3 = register_module("CMA_ir_3", CrossModalAggregation(4 * Fn));
    CMA_vi_3 = register_module("CMA_vi_3", CrossModalAggregation(4 * Fn));
    fusion_3 = register_module("fusion_3", FusionModule(4 * Fn, h[2], ffn, bias, ln));
    co_attention_3 = register_module(
        "co_attention_3", StackedCoAttention(4 * Fn, c.numBlocks[2], h[2], ffn, bias, ln));
    up2 = register_module("up2", Upsample(4 * Fn));
    co_attention_2 = register_module(
        "co_attention_2", StackedCoAttention(2 * Fn, c.numBlocks[1], h[1], ffn, bias, ln));
    up1 = register_module("up1", Upsample(2 * Fn));
    co_attention_1 = register_module("co_attention_1",
                                     StackedCoAttention(Fn, c.numBlocks[0], h[0], ffn, bias, ln));
    decomposition = register_module("decomposition", VideoDecomposition(Fn));
    decoder_ir =
        register_module("decoder_ir", Decoder3D(Fn, 3, c.numDecoderBlocks, h[0], ffn, bias, ln));
    decoder_vi =
        register_module("decoder_vi", Decoder3D(Fn, 3, c.numDecoderBlocks, h[0], ffn, bias, ln));
    decoder_fusion = register_module("decoder_fusion",
                                     Decoder3D(Fn, 3, c.numDecoderBlocks, h[0], ffn, bias, ln));
}

ForwardOutput VideoFusionNetImpl::forward(const Tensor& x_ir, const Tensor& x_vi,
                                          const ForwardOptions& opt) {
    if (x_ir.dim() != 5 || x_ir.sizes() != x_vi.sizes() || x_ir.size(2) != 3)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "VideoFusion expects IR and visible clips of equal shape (B, T, 3, H, W)");
    const auto B = x_ir.size(0), T = x_ir.size(1), H = x_ir.size(3), W = x_ir.size(4);
    if (H % 4 || W % 4)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "VideoFusion needs H and W multiples of 4 (got " + std::to_string(W) + "x" +
                            std::to_string(H) + "); pad the frames first");
    if (T < 2)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "VideoFusion needs clips of at least 2 frames (got " + std::to_string(T) +
                            ")");
    const bool fast = opt.fast;
    TapSink* taps = opt.taps;
    auto step = [&] {
        if (opt.checkpoint) opt.checkpoint();
    };
    const int64_t BT = B * T;
    // Top-level taps: the official layout and the feature energy.
    auto top = [&](const std::string& name, const Tensor& frames,
                   const std::function<Tensor()>& official) {
        if (!taps) return;
        tapPut(taps, "module/" + name, "output of the top-level module " + name, official);
        tapPut(taps, "energy/" + name, "feature energy (mean of squares over channels) of " + name,
               [&] { return energy(frames); });
    };
    auto asFrames = [](const Tensor& t) { return [t] { return t; }; };
    // (B*T, C, h, w) <-> (B, C, T, h, w)
    auto to5 = [&](const Tensor& f) {
        return f.view({B, T, f.size(1), f.size(2), f.size(3)}).permute({0, 2, 1, 3, 4});
    };
    auto from5 = [&](const Tensor& v) {
        return v.permute({0, 2, 1, 3, 4}).reshape({BT, v.size(1), v.size(3), v.size(4)});
    };
    auto conv3d = [&](Conv3DModule& m, const Tensor& frames) {
        if (useFast(fast, frames)) return m->forward(frames.contiguous(), true, T);
        return from5(m->forward(to5(frames), false, T));
    };

    // ---- scale 1
    Tensor f_ir1 = conv3d(conv3d_ir_1, x_ir.reshape({BT, 3, H, W}));
    top("conv3d_ir_1", f_ir1, [&] { return to5(f_ir1); });
    Tensor f_vi1 = conv3d(conv3d_vi_1, x_vi.reshape({BT, 3, H, W}));
    top("conv3d_vi_1", f_vi1, [&] { return to5(f_vi1); });
    step();
    Tensor ff1 = fusion_1->forward(f_ir1, f_vi1, fast);
    top("fusion_1", ff1, asFrames(ff1));
    tapPut(taps, "fused/1", "energy of the fused features of fusion_1",
           [&] { return energy(ff1); });
    ff1 = fusion_enhance_1->forward(ff1, fast);
    top("fusion_enhance_1", ff1, asFrames(ff1));
    step();

    // ---- scale 2
    Tensor f_ir2 = down_ir_1->forward(f_ir1, fast);
    top("down_ir_1", f_ir2, asFrames(f_ir2));
    Tensor f_vi2 = down_vi_1->forward(f_vi1, fast);
    top("down_vi_1", f_vi2, asFrames(f_vi2));
    f_ir2 = conv3d(conv3d_ir_2, f_ir2);
    top("conv3d_ir_2", f_ir2, [&] { return to5(f_ir2); });
    f_vi2 = conv3d(conv3d_vi_2, f_vi2);
    top("conv3d_vi_2", f_vi2, [&] { return to5(f_vi2); });
    step();
    f_ir2 = ir_conv_enhance_2->forward(f_ir2, fast);
    top("ir_conv_enhance_2", f_ir2, asFrames(f_ir2));
    f_vi2 = vi_conv_enhance_2->forward(f_vi2, fast);
    top("vi_conv_enhance_2", f_vi2, asFrames(f_vi2));
    step();
    Tensor e_ir2 = cross_modal_enhance_ir_2->forward(f_ir2, f_vi2, fast, taps, "ir_2", T);
    top("cross_modal_enhance_ir_2", e_ir2, asFrames(e_ir2));
    Tensor e_vi2 = cross_modal_enhance_vi_2->forward(f_vi2, f_ir2, fast, taps, "vi_2", T);
    top("cross_modal_enhance_vi_2", e_vi2, asFrames(e_vi2));
    e_ir2 = CMA_ir_2->forward(e_ir2, f_ir2, taps, "ir_2", T);
    top("CMA_ir_2", e_ir2, asFrames(e_ir2));
    e_vi2 = CMA_vi_2->forward(e_vi2, f_vi2, taps, "vi_2", T);
    top("CMA_vi_2", e_vi2, asFrames(e_vi2));
    Tensor ff2 = fusion_2->forward(e_ir2, e_vi2, fast);
    top("fusion_2", ff2, asFrames(ff2));
    tapPut(taps, "fused/2", "energy of the fused features of fusion_2",
           [&] { return energy(ff2); });
    ff2 = fusion_enhance_2->forward(ff2, fast);
    top("fusion_enhance_2", ff2, asFrames(ff2));
    step();

    // ---- scale 3 (takes the enhanced scale-2 features)
    Tensor f_ir3 = down_ir_2->forward(e_ir2, fast);
    top("down_ir_2", f_ir3, asFrames(f_ir3));
    Tensor f_vi3 = down_vi_2->forward(e_vi2, fast);
    top("down_vi_2", f_vi3, asFrames(f_vi3));
    f_ir3 = conv3d(conv3d_ir_3, f_ir3);
    top("conv3d_ir_3", f_ir3, [&] { return to5(f_ir3); });
    f_vi3 = conv3d(conv3d_vi_3, f_vi3);
    top("conv3d_vi_3", f_vi3, [&] { return to5(f_vi3); });
    step();
    f_ir3 = ir_conv_enhance_3->forward(f_ir3, fast);
    top("ir_conv_enhance_3", f_ir3, asFrames(f_ir3));
    f_vi3 = vi_conv_enhance_3->forward(f_vi3, fast);
    top("vi_conv_enhance_3", f_vi3, asFrames(f_vi3));
    step();
    Tensor e_ir3 = cross_modal_enhance_ir_3->forward(f_ir3, f_vi3, fast, taps, "ir_3", T);
    top("cross_modal_enhance_ir_3", e_ir3, asFrames(e_ir3));
    Tensor e_vi3 = cross_modal_enhance_vi_3->forward(f_vi3, f_ir3, fast, taps, "vi_3", T);
    top("cross_modal_enhance_vi_3", e_vi3, asFrames(e_vi3));
    e_ir3 = CMA_ir_3->forward(e_ir3, f_ir3, taps, "ir_3", T);
    top("CMA_ir_3", e_ir3, asFrames(e_ir3));
    e_vi3 = CMA_vi_3->forward(e_vi3, f_vi3, taps, "vi_3", T);
    top("CMA_vi_3", e_vi3, asFrames(e_vi3));
    Tensor ff3 = fusion_3->forward(e_ir3, e_vi3, fast);
    top("fusion_3", ff3, asFrames(ff3));
    tapPut(taps, "fused/3", "energy of the fused features of fusion_3",
           [&] { return energy(ff3); });
    step();
    auto toBT = [&](const Tensor& f) { return f.reshape({B, T, f.size(1), f.size(2), f.size(3)}); };
    auto fromBT = [&](const Tensor& v) { return v.reshape({BT, v.size(2), v.size(3), v.size(4)}); };
    Tensor c3 = co_attention_3->forward(toBT(ff3), fast, taps, "3");
    ff3 = fromBT(c3);
    top("co_attention_3", ff3, [&] { return c3; });
    step();

    // ---- decoder
    Tensor u2 = up2->forward(ff3, fast);
    top("up2", u2, asFrames(u2));
    ff2 = useFast(fast, u2) ? u2.add_(ff2) : u2 + ff2;
    Tensor c2 = co_attention_2->forward(toBT(ff2), fast, taps, "2");
    ff2 = fromBT(c2);
    top("co_attention_2", ff2, [&] { return c2; });
    step();
    Tensor u1 = up1->forward(ff2, fast);
    top("up1", u1, asFrames(u1));
    ff1 = useFast(fast, u1) ? u1.add_(ff1) : u1 + ff1;
    Tensor c1 = co_attention_1->forward(toBT(ff1), fast, taps, "1");
    ff1 = fromBT(c1);
    top("co_attention_1", ff1, [&] { return c1; });
    step();
    auto finish = [&](Tensor y) {
        y = y.reshape({B, T, 3, H, W});
        if (useFast(fast, y)) return y.tanh_().add_(1).mul_(0.5);
        return (at::tanh(y) + 1) / 2;
    };
    if (!opt.restored && !taps) {
        // Fused output only: unmixing and the restoration decoders do not feed it.
        Tensor fu = decoder_fusion->forward(ff1, fast);
        return ForwardOutput{finish(fu), Tensor(), Tensor()};
    }
    auto [r_ir, r_vi] = decomposition->forward(ff1, taps, T);
    if (taps) {
        tapPut(taps, "module/decomposition.0",
               "output 0 (IR) of the top-level module decomposition", [&] { return r_ir; });
        tapPut(taps, "module/decomposition.1",
               "output 1 (visible) of the top-level module decomposition", [&] { return r_vi; });
        tapPut(taps, "energy/decomposition.0", "feature energy of decomposition.0 (IR)",
               [&] { return energy(r_ir); });
        tapPut(taps, "energy/decomposition.1", "feature energy of decomposition.1 (visible)",
               [&] { return energy(r_vi); });
    }
    Tensor ir = decoder_ir->forward(r_ir, fast);
    top("decoder_ir", ir, asFrames(ir));
    Tensor vi = decoder_vi->forward(r_vi, fast);
    top("decoder_vi", vi, asFrames(vi));
    Tensor fu = decoder_fusion->forward(ff1, fast);
    top("decoder_fusion", fu, asFrames(fu));

    // The official forward applies its one `Tanh` module to fusion, ir and vi in that order;
    // the module tap "Tanh" is its last output (tanh of the visible decoder), as a forward
    // hook keyed by module name records it.
    tapPut(taps, "module/Tanh", "output of the top-level Tanh module (its last call: visible)",
           [&] {
               return at::tanh(vi.reshape({B, T, 3, H, W}));
           });
    return ForwardOutput{finish(fu), finish(ir), finish(vi)};
}

// ------------------------------------------------------------------------------------------
VideoFusionConfig inferConfig(const std::map<std::string, at::Tensor>& sd,
                              const std::string& source) {
    auto get = [&](const std::string& k) -> const at::Tensor& {
        auto it = sd.find(k);
        if (it == sd.end())
            throw vf::Error(vf::ErrorCode::Model,
                            source + ": not a VideoFusion checkpoint: key '" + k +
                                "' is missing (cannot infer the configuration)",
                            source);
        return it->second;
    };
    auto count = [&](const std::string& prefix, const std::string& suffix) {
        int n = 0;
        while (sd.count(prefix + std::to_string(n) + suffix))
            ++n;
        return n;
    };
    VideoFusionConfig c;
    const at::Tensor& w0 = get("conv3d_ir_1.module.0.weight");
    if (w0.dim() != 5)
        throw vf::Error(vf::ErrorCode::Model,
                        source + ": conv3d_ir_1.module.0.weight is not a 5-D Conv3d weight",
                        source);
    c.numFeatures = int(w0.size(0));
    c.numHeads[0] = int(get("fusion_1.cross_transformer.attn.temperature").size(0));
    c.numHeads[1] = int(get("fusion_2.cross_transformer.attn.temperature").size(0));
    c.numHeads[2] = int(get("fusion_3.cross_transformer.attn.temperature").size(0));
    c.numBlocks[0] = count("fusion_enhance_1.transformer.", ".norm1.body.weight");
    c.numBlocks[1] = count("fusion_enhance_2.transformer.", ".norm1.body.weight");
    c.numBlocks[2] = count("co_attention_3.layers.", ".co_transformer.norm1.body.weight");
    c.numDecoderBlocks = count("decoder_ir.decoder.", ".norm1.body.weight");
    c.bias = sd.count("fusion_1.cross_transformer.attn.q.bias") > 0;
    c.withBiasLayerNorm = sd.count("fusion_1.cross_transformer.norm1.body.bias") > 0;
    const at::Tensor& pin = get("fusion_1.cross_transformer.ffn.project_in.weight");
    c.ffnExpansion = double(pin.size(0) / 2) / double(c.numFeatures);
    return c;
}

void loadStrict(VideoFusionNetImpl& net, const std::map<std::string, at::Tensor>& sd,
                const std::string& source) {
    auto params = net.named_parameters(true);
    std::vector<std::string> missing, unexpected, misshaped;
    for (const auto& p : params) {
        auto it = sd.find(p.key());
        if (it == sd.end()) {
            missing.push_back(p.key());
            continue;
        }
        if (it->second.sizes() != p.value().sizes()) {
            std::ostringstream os;
            os << p.key() << " (checkpoint " << it->second.sizes() << ", model "
               << p.value().sizes() << ")";
            misshaped.push_back(os.str());
        }
    }
    for (const auto& [k, v] : sd)
        if (!params.contains(k)) unexpected.push_back(k);
    if (!missing.empty() || !unexpected.empty() || !misshaped.empty()) {
        auto list = [](const char* what, const std::vector<std::string>& v) -> std::string {
            if (v.empty()) return {};
            std::string s = std::to_string(v.size()) + " " + what + ": ";
            for (size_t i = 0; i < v.size() && i < 4; ++i)
                s += (i ? ", " : "") + v[i];
            if (v.size() > 4) s += ", ...";
            return s + "; ";
        };
        std::string msg = source + ": checkpoint does not match the VideoFusion model (" +
                          list("missing keys", missing) + list("unexpected keys", unexpected) +
                          list("mis-shaped keys", misshaped);
        msg.resize(msg.size() - 2);
        msg += ")";
        throw vf::Error(vf::ErrorCode::Model, msg, source);
    }
    torch::NoGradGuard ng;
    for (auto& p : params) {
        const at::Tensor& src = sd.at(p.key());
        p.value().copy_(src.to(p.value().scalar_type()));
    }
}

} // namespace vf::model::net
