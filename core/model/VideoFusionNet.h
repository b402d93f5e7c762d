#pragma once
// VideoFusion_Trans as torch::nn modules (torch-level header: include only from LibTorch code
// in core/model and core/train). Every module is registered under the official name, so an
// official state_dict (464 tensors in the default configuration, including the 14 dead
// Cross_Attention `attn.norm.*` tensors) loads with strict key and shape checks, and
// named_parameters() lists the keys in the official order.
//
// Two forward paths share the same parameters:
//  - the reference path (ForwardOptions::fast = false) uses plain, differentiable torch ops
//    in the official order (per-frame loop in the co-attention, Conv3d, etc.): use it for
//    training (autograd) and verification;
//  - the fast path (fast = true) gives the same results within float tolerance with fewer
//    and cheaper ops: Conv3d as one 2D convolution with the three temporal kernel slices
//    stacked on the output channels plus shifted adds (zero padding in time), all frames of
//    the co-attention at once, L2 normalisation folded into the c x c attention matrix,
//    channel LayerNorm and gated GELU as fused CPU kernels, in-place activations. It is meant
//    for inference (under torch::NoGradGuard / InferenceMode).
//
// Port quirks kept (SPEC "Port pitfalls"): dead LN params registered and unused; fusion_k
// applies one Cross_TransformerBlock twice; LN eps 1e-5 inside the sqrt with biased
// variance over channels; F.normalize over HW with eps 1e-12; exact erf GELU; LeakyReLU
// slopes 0.2 (Conv3DModule, ChannelAttention, Decoder3D) and 0.1 (ResidualBlockNoBN);
// bilinear align_corners=True; PixelUnshuffle channel order; Conv3d zero padding in time;
// BiCAM boundary rule (prev = cur at t = 0, next = cur at t = T-1) with parallel update;
// the double softmax in Co_Attention; mean-then-max in SpatialAttention; (b t) flattening
// with b outer; output (tanh + 1) / 2.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/model/VideoFusion.h"

namespace vf::model::net {

// Parameter-less container that only names children ("0", "1", ...) the way Python's
// nn.Sequential / nn.ModuleList do, so state_dict keys match (e.g. `body.0.weight`).
// Index positions of parameter-free layers (LeakyReLU, PixelUnshuffle, Upsample) are
// simply not registered: they own no tensors.
std::shared_ptr<torch::nn::Module> makeContainer();

// Receives stage taps during a forward pass. want() is asked first so that no work is done
// for taps nobody asked for; put() gets the tensor (any device/dtype, any layout).
class TapSink {
public:
    virtual ~TapSink() = default;
    virtual bool want(const std::string& name) const = 0;
    virtual void put(const std::string& name, const std::string& description,
                     const at::Tensor& value) = 0;
};

struct ForwardOptions {
    bool fast = false;
    TapSink* taps = nullptr; // null = taps off (free)
    // Compute the restored IR and visible outputs (modality unmixing and the two restoration
    // decoders, ~20 % of a clip on the CPU). false: ForwardOutput::ir / vi stay undefined; the
    // fused output is the same (those branches do not feed it). Ignored (computed) when taps
    // are on, since taps may look inside them.
    bool restored = true;
    // Called between stages; may throw (e.g. vf::Error(Cancelled)).
    std::function<void()> checkpoint;
};

struct ForwardOutput {
    at::Tensor fusion, ir, vi; // (B, T, 3, H, W) in (0, 1); ir, vi undefined without `restored`
};

// Restormer LayerNorm over channels of a (N, C, H, W) tensor: child `body` holding
// `weight` (and `bias` for WithBias).
struct LNBodyImpl : torch::nn::Module {
    LNBodyImpl(int64_t dim, bool withBias);
    at::Tensor weight, bias;
};
TORCH_MODULE(LNBody);

struct LayerNormImpl : torch::nn::Module {
    LayerNormImpl(int64_t dim, bool withBias);
    at::Tensor forward(const at::Tensor& x, bool fast);
    LNBody body{nullptr};
};
TORCH_MODULE(LayerNorm);

struct FeedForwardImpl : torch::nn::Module {
    FeedForwardImpl(int64_t dim, double ffn, bool bias);
    at::Tensor forward(const at::Tensor& x, bool fast);
    torch::nn::Conv2d project_in{nullptr}, dwconv{nullptr}, project_out{nullptr};
};
TORCH_MODULE(FeedForward);

struct AttentionImpl : torch::nn::Module {
    AttentionImpl(int64_t dim, int64_t heads, bool bias);
    at::Tensor forward(const at::Tensor& x, bool fast);
    int64_t heads;
    at::Tensor temperature;
    torch::nn::Conv2d qkv{nullptr}, qkv_dwconv{nullptr}, project_out{nullptr};
};
TORCH_MODULE(Attention);

struct CrossAttentionImpl : torch::nn::Module {
    CrossAttentionImpl(int64_t dim, int64_t heads, bool bias);
    // q_in: precomputed q_dwconv(q(xa)) or undefined.
    at::Tensor forward(const at::Tensor& xa, const at::Tensor& xb, bool fast,
                       const at::Tensor& qPre = {});
    at::Tensor query(const at::Tensor& xa, bool fast = false);
    int64_t heads;
    at::Tensor temperature;
    LayerNorm norm{nullptr}; // dead: registered for strict loading, never used
    torch::nn::Conv2d q{nullptr}, kv{nullptr}, q_dwconv{nullptr}, kv_dwconv{nullptr},
        project_out{nullptr};
};
TORCH_MODULE(CrossAttention);

struct CoAttentionImpl : torch::nn::Module {
    CoAttentionImpl(int64_t dim, int64_t heads, bool bias);
    at::Tensor forward(const at::Tensor& cur, const at::Tensor& prev, const at::Tensor& next,
                       bool fast, at::Tensor* aPrev = nullptr, at::Tensor* aNext = nullptr,
                       at::Tensor* aComb = nullptr);
    int64_t heads;
    at::Tensor temperature;
    torch::nn::Conv2d q{nullptr}, kv_prev{nullptr}, kv_next{nullptr}, q_dwconv{nullptr},
        kv_dwconv_prev{nullptr}, kv_dwconv_next{nullptr}, project_out{nullptr};
};
TORCH_MODULE(CoAttention);

struct TransformerBlockImpl : torch::nn::Module {
    TransformerBlockImpl(int64_t dim, int64_t heads, double ffn, bool bias, bool lnBias);
    at::Tensor forward(const at::Tensor& x, bool fast);
    LayerNorm norm1{nullptr};
    Attention attn{nullptr};
    LayerNorm norm2{nullptr};
    FeedForward ffn{nullptr};
};
TORCH_MODULE(TransformerBlock);

struct CrossTransformerBlockImpl : torch::nn::Module {
    CrossTransformerBlockImpl(int64_t dim, int64_t heads, double ffn, bool bias, bool lnBias);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& s, bool fast,
                       const at::Tensor& qPre = {});
    LayerNorm norm1{nullptr};
    CrossAttention attn{nullptr};
    LayerNorm norm2{nullptr};
    FeedForward ffn{nullptr};
};
TORCH_MODULE(CrossTransformerBlock);

struct CoTransformerBlockImpl : torch::nn::Module {
    CoTransformerBlockImpl(int64_t dim, int64_t heads, double ffn, bool bias, bool lnBias);
    LayerNorm norm1{nullptr};
    CoAttention attn{nullptr};
    LayerNorm norm2{nullptr};
    FeedForward ffn{nullptr};
};
TORCH_MODULE(CoTransformerBlock);

struct ResidualBlockNoBNImpl : torch::nn::Module {
    explicit ResidualBlockNoBNImpl(int64_t nf);
    at::Tensor forward(const at::Tensor& x, bool fast);
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(ResidualBlockNoBN);

struct ResidualBlocks2DImpl : torch::nn::Module {
    ResidualBlocks2DImpl(int64_t nf, int64_t n);
    at::Tensor forward(const at::Tensor& x, bool fast);
    std::shared_ptr<torch::nn::Module> blocks;
    std::vector<ResidualBlockNoBN> list;
};
TORCH_MODULE(ResidualBlocks2D);

struct Conv3DModuleImpl : torch::nn::Module {
    Conv3DModuleImpl(int64_t in, int64_t out);
    // Reference: x is (B, C, T, H, W), returns (B, O, T, H, W). Fast: x is (B*T, C, H, W)
    // frames (b outer), returns (B*T, O, H, W).
    at::Tensor forward(const at::Tensor& x, bool fast, int64_t T);
    std::shared_ptr<torch::nn::Module> module;
    torch::nn::Conv3d c0{nullptr}, c2{nullptr};
};
TORCH_MODULE(Conv3DModule);

struct DownsampleImpl : torch::nn::Module {
    explicit DownsampleImpl(int64_t nf);
    at::Tensor forward(const at::Tensor& x, bool fast = false);
    std::shared_ptr<torch::nn::Module> body;
    torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Downsample);

struct UpsampleImpl : torch::nn::Module {
    explicit UpsampleImpl(int64_t nf);
    at::Tensor forward(const at::Tensor& x, bool fast = false);
    std::shared_ptr<torch::nn::Module> body;
    torch::nn::Conv2d c0{nullptr}, c2{nullptr};
};
TORCH_MODULE(Upsample);

struct ChannelAttentionImpl : torch::nn::Module {
    explicit ChannelAttentionImpl(int64_t c);
    at::Tensor forward(const at::Tensor& x); // (N, C, 1, 1)
    torch::nn::Conv2d fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(ChannelAttention);

struct SpatialAttentionImpl : torch::nn::Module {
    SpatialAttentionImpl();
    at::Tensor forward(const at::Tensor& x); // (N, 1, H, W)
    torch::nn::Conv2d conv1{nullptr};
};
TORCH_MODULE(SpatialAttention);

struct CrossModalAggregationImpl : torch::nn::Module {
    explicit CrossModalAggregationImpl(int64_t c);
    at::Tensor forward(const at::Tensor& main, const at::Tensor& supple, TapSink* taps,
                       const std::string& tapName, int64_t T);
    torch::nn::Conv2d conv{nullptr};
    ChannelAttention ChannelAttention_{nullptr};
    SpatialAttention SpatialAttention_{nullptr};
};
TORCH_MODULE(CrossModalAggregation);

struct VideoDecompositionImpl : torch::nn::Module {
    explicit VideoDecompositionImpl(int64_t c);
    std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& x, TapSink* taps, int64_t T);
    ChannelAttention channel_attention_ir{nullptr}, channel_attention_vi{nullptr};
    SpatialAttention spatial_attention_ir{nullptr}, spatial_attention_vi{nullptr};
};
TORCH_MODULE(VideoDecomposition);

// FusionModule (CMGF), CrossModalityDiffEnhance (CmDRM), FusionEnhance and the BiCAM stack.
struct FusionModuleImpl : torch::nn::Module {
    FusionModuleImpl(int64_t c, int64_t heads, double ffn, bool bias, bool lnBias);
    at::Tensor forward(const at::Tensor& ir, const at::Tensor& vi, bool fast);
    CrossTransformerBlock cross_transformer{nullptr};
};
TORCH_MODULE(FusionModule);

struct CrossModalityDiffEnhanceImpl : torch::nn::Module {
    CrossModalityDiffEnhanceImpl(int64_t c, int64_t heads, double ffn, bool bias, bool lnBias);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& suppl, bool fast, TapSink* taps,
                       const std::string& tapName, int64_t T);
    CrossTransformerBlock cross_transformer{nullptr};
};
TORCH_MODULE(CrossModalityDiffEnhance);

struct FusionEnhanceImpl : torch::nn::Module {
    FusionEnhanceImpl(int64_t c, int64_t n, int64_t heads, double ffn, bool bias, bool lnBias);
    at::Tensor forward(const at::Tensor& x, bool fast);
    std::shared_ptr<torch::nn::Module> transformer;
    std::vector<TransformerBlock> list;
};
TORCH_MODULE(FusionEnhance);

struct StackedCoAttentionImpl : torch::nn::Module {
    StackedCoAttentionImpl(int64_t c, int64_t n, int64_t heads, double ffn, bool bias, bool lnBias);
    // x: (B, T, C, H, W); returns the same layout.
    at::Tensor forward(const at::Tensor& x, bool fast, TapSink* taps, const std::string& tapName);
    std::shared_ptr<torch::nn::Module> layers; // layers.{i}.co_transformer
    std::vector<CoTransformerBlock> list;
};
TORCH_MODULE(StackedCoAttention);

struct Decoder3DImpl : torch::nn::Module {
    Decoder3DImpl(int64_t c, int64_t out, int64_t n, int64_t heads, double ffn, bool bias,
                  bool lnBias);
    at::Tensor forward(const at::Tensor& x, bool fast);
    std::shared_ptr<torch::nn::Module> decoder, conv;
    std::vector<TransformerBlock> list;
    torch::nn::Conv2d c0{nullptr}, c2{nullptr};
};
TORCH_MODULE(Decoder3D);

struct VideoFusionNetImpl : torch::nn::Module {
    explicit VideoFusionNetImpl(const VideoFusionConfig& cfg = {});
    // x_ir, x_vi: (B, T, 3, H, W) in [0,1], H and W multiples of 4, T >= 2.
    ForwardOutput forward(const at::Tensor& x_ir, const at::Tensor& x_vi,
                          const ForwardOptions& opt = {});
    VideoFusionConfig cfg;

    Conv3DModule conv3d_ir_1{nullptr}, conv3d_vi_1{nullptr};
    FusionModule fusion_1{nullptr};
    FusionEnhance fusion_enhance_1{nullptr};
    Downsample down_ir_1{nullptr}, down_vi_1{nullptr};
    Conv3DModule conv3d_ir_2{nullptr}, conv3d_vi_2{nullptr};
    ResidualBlocks2D ir_conv_enhance_2{nullptr}, vi_conv_enhance_2{nullptr};
    CrossModalityDiffEnhance cross_modal_enhance_ir_2{nullptr}, cross_modal_enhance_vi_2{nullptr};
    CrossModalAggregation CMA_ir_2{nullptr}, CMA_vi_2{nullptr};
    FusionModule fusion_2{nullptr};
    FusionEnhance fusion_enhance_2{nullptr};
    Downsample down_ir_2{nullptr}, down_vi_2{nullptr};
    Conv3DModule conv3d_ir_3{nullptr}, conv3d_vi_3{nullptr};
    ResidualBlocks2D ir_conv_enhance_3{nullptr}, vi_conv_enhance_3{nullptr};
    CrossModalityDiffEnhance cross_modal_enhance_ir_3{nullptr}, cross_modal_enhance_vi_3{nullptr};
    CrossModalAggregation CMA_ir_3{nullptr}, CMA_vi_3{nullptr};
    FusionModule fusion_3{nullptr};
    StackedCoAttention co_attention_3{nullptr};
    Upsample up2{nullptr};
    StackedCoAttention co_attention_2{nullptr};
    Upsample up1{nullptr};
    StackedCoAttention co_attention_1{nullptr};
    VideoDecomposition decomposition{nullptr};
    Decoder3D decoder_ir{nullptr}, decoder_vi{nullptr}, decoder_fusion{nullptr};
};
TORCH_MODULE(VideoFusionNet);

// Configuration inferred from a state_dict's shapes (throws vf::Error(Model) naming `source`
// when a key needed for the inference is missing).
VideoFusionConfig inferConfig(const std::map<std::string, at::Tensor>& sd,
                              const std::string& source);

// Copies `sd` into the network's parameters with STRICT checks: every parameter present,
// no extra key, equal shapes. Throws vf::Error(Model) naming the first few missing,
// unexpected and mis-shaped keys with their counts (and `source`, the file).
void loadStrict(VideoFusionNetImpl& net, const std::map<std::string, at::Tensor>& sd,
                const std::string& source);

// The official top-level child names in registration order.
const std::vector<std::string>& topLevelNames();

} // namespace vf::model::net
