#pragma once
// VideoFusion (Tang et al., arXiv 2503.23359) behind a LIGHT header: no LibTorch includes.
// The clip runner, the GUI, the trainer front-end and the CLI use this header; only
// core/model/*.cpp (and core/train) include torch.
//
// Tensors cross this boundary as plain float buffers: ClipBuffer is (T, 3, H, W), RGB,
// values in [0, 1], batch 1, row-major (index = ((t*3 + c)*H + y)*W + x).
//
// Errors: every user-caused problem (bad checkpoint, wrong sizes, cancelled) throws
// vf::Error with a message naming the file / the problem.
//
// ---------------------------------------------------------------------------------------
// Stage taps (TapRequest): off by default and free when off (no extra work, no copies).
// Names and meanings; shapes are per clip (B = 1). "energy" = mean over channels of the
// squared feature, i.e. an (T, h, w) map showing where a stage is active. h, w are the
// scale's size: scale 1 = H x W, scale 2 = H/2 x W/2, scale 3 = H/4 x W/4.
//
//  name                              shape              meaning
//  -------------------------------   -----------------  ----------------------------------
//  module/<top-level name>           official layout    output of every top-level child
//                                                       module under its official name,
//                                                       exactly as the official code
//                                                       produces it: (B*T,C,h,w) with b
//                                                       outer/t inner; conv3d_* are
//                                                       (B,C,T,h,w); co_attention_* are
//                                                       (B,T,C,h,w); decomposition gives
//                                                       decomposition.0 (IR), .1 (VI);
//                                                       module/Tanh = tanh of the visible
//                                                       decoder (B,T,3,H,W): the official
//                                                       Tanh module's last call
//  energy/<top-level name>           (T, h, w)          feature energy of that output
//  diff/{ir,vi}_{2,3}                (T, h, w)          energy of the cross-modal
//                                                       difference (suppl - x) entering the
//                                                       differential-reinforcement block
//                                                       cross_modal_enhance_{ir,vi}_{k}
//  cma/{ir,vi}_{2,3}/spatial         (T, h, w)          CMA spatial-attention map SA(x1)
//                                                       in (0,1) of CMA_{ir,vi}_{k}
//  cma/{ir,vi}_{2,3}/channel         (T, C)             CMA channel-attention weights
//  cma/{ir,vi}_{2,3}/weights         (T, 2)             global gate weights (wm, ws): own
//                                                       enhanced feature vs. raw feature
//  unmix/{ir,vi}/channel             (T, F)             modality-unmixing (decomposition)
//                                                       channel attention
//  unmix/{ir,vi}/spatial             (T, H, W)          modality-unmixing spatial attention
//  fused/{1,2,3}                     (T, h, w)          energy of the fused features of
//                                                       fusion_k (CMGF output)
//  bicam/<k>/<layer>/{prev,next,combined}
//                                    (T, heads, c, c)   BiCAM co-attention matrices of
//                                                       co_attention_k layer <layer>, every
//                                                       head; c = C/heads: softmax(q k_prev),
//                                                       softmax(q k_next) and the combined
//                                                       softmax(A_prev * A_next)
// TapRequest::names selects by exact name or by prefix ending in '/' (e.g. "bicam/3/");
// empty selects all. Spatial taps have the network's (padded) size: when H or W is not a
// multiple of 4 the clip is reflect-padded right/bottom first, so crop taps to
// ceil(H/s) x ceil(W/s) of the scale s if needed. With B = 1 every leading "B*T" is T.
// ---------------------------------------------------------------------------------------

#include <array>
#include <cstdint>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/Progress.h"

namespace vf::model {

// Architecture hyper-parameters of VideoFusion_Trans. Defaults are the shipped (test yml)
// configuration. When EngineOptions::config is not given, it is inferred from the
// checkpoint's tensor shapes.
struct VideoFusionConfig {
    int numFeatures = 32;
    std::array<int, 3> numBlocks{2, 2, 4};
    int numDecoderBlocks = 2;
    std::array<int, 3> numHeads{2, 4, 8};
    double ffnExpansion = 1.0;
    bool bias = false;
    bool withBiasLayerNorm = true;
    bool operator==(const VideoFusionConfig&) const = default;
};

enum class Device { Auto, CPU, CUDA };
// FP16/BF16 are autocast on CUDA (unsupported on the CPU: Error). FP64 is for verification.
enum class Precision { FP32, FP16, BF16, FP64 };

// Execution path. Fast = the optimised CPU path (Conv3d as 2D convs over time shifts,
// fused elementwise ops, in-place work; same results within float tolerance); Reference =
// plain torch ops in the official order (for verification and same-run benchmarks).
enum class ComputePath { Fast, Reference };

// (T, 3, H, W) RGB in [0, 1], batch 1.
struct ClipBuffer {
    int T = 0, H = 0, W = 0;
    std::vector<float> data;
    size_t size() const { return size_t(T) * 3 * size_t(H) * size_t(W); }
};

// What a run returns besides the fused clip: stage taps and the restored frames.
struct TapRequest {
    bool enabled = false;
    std::vector<std::string> names; // empty = all; exact names or prefixes ending in '/'
    // Fill ClipResult::ir / vi. false skips the modality unmixing and the two restoration
    // decoders (~20 % of a CPU clip) and leaves ir / vi empty (T = 0); the fused clip is the
    // same either way. With taps enabled they are always computed.
    bool restored = true;
};

struct Tap {
    std::string name, description;
    std::vector<int64_t> shape;
    std::vector<float> data; // row-major, float32 (converted from the run's precision)
};

struct ClipResult {
    ClipBuffer fusion, ir, vi; // fused, restored IR, restored visible; each in (0, 1)
                               // (ir, vi empty when TapRequest::restored is false)
    std::vector<Tap> taps;
};

struct EngineOptions {
    Device device = Device::Auto;
    Precision precision = Precision::FP32;
    ComputePath path = ComputePath::Fast;
    int threads = 0; // 0 = one per core
    // Clips run at the same time by submit() (the clip runner's streaming path): 0 = auto
    // (on the CPU one clip per thread, each clip single-threaded: two clips on two cores run
    // at ~2x the speed of one clip, while one clip on two threads gains only ~1.45x, see
    // bench/model/RESULTS.md; on CUDA one clip at a time); n = n clips at once, each with
    // max(1, threads / n) threads. run() always uses all `threads` for one clip. Memory
    // grows with the clips in flight (estimateClipBytes).
    int clipWorkers = 0;
    // Tune the process allocator for tensor work (vf::initRuntime: keep freed memory, no
    // trimming). Off only to measure the untuned ("naive") behaviour.
    bool tuneRuntime = true;
    std::optional<VideoFusionConfig> config; // empty = infer from the checkpoint
};

class VideoFusionEngine {
public:
    // Loads an official .pth (zip; with or without a 'params'/'params_ema' wrapper and
    // 'module.' prefixes), a plain state_dict, or an exported TorchScript module. Strict:
    // missing / unexpected / mis-shaped keys throw vf::Error(Model) naming them.
    static std::unique_ptr<VideoFusionEngine> load(const std::filesystem::path& checkpoint,
                                                   const EngineOptions& options = {});
    // An engine with freshly initialised random weights (PyTorch default init): same cost
    // as trained weights, for benchmarks and tests.
    static std::unique_ptr<VideoFusionEngine>
    random(const VideoFusionConfig& config, const EngineOptions& options = {}, uint64_t seed = 0);
    ~VideoFusionEngine();
    VideoFusionEngine(const VideoFusionEngine&) = delete;
    VideoFusionEngine& operator=(const VideoFusionEngine&) = delete;

    // Runs one clip. ir and vi must have equal T (>= 2), H and W (H, W are reflect-padded
    // to a multiple of 4 internally and cropped back, as the official test code does).
    ClipResult run(const ClipBuffer& ir, const ClipBuffer& vi, const TapRequest& taps = {},
                   const vf::CancelToken* cancel = nullptr);

    // Runs a clip asynchronously on one of clipWorkers() worker threads (started on first
    // use, joined by the destructor); the future holds the result or the vf::Error. Results
    // equal run()'s within float rounding (a single-threaded clip may take other kernels).
    // `cancel`, if given, must outlive the returned future's completion.
    std::future<ClipResult> submit(ClipBuffer ir, ClipBuffer vi, TapRequest taps = {},
                                   const vf::CancelToken* cancel = nullptr);
    // Clips submit() runs at the same time (EngineOptions::clipWorkers resolved).
    int clipWorkers() const;
    // Estimated peak working memory of one clip of T frames of H x W (bytes), for callers
    // that bound the clips in flight by the machine's memory.
    std::size_t estimateClipBytes(int T, int H, int W) const;

    std::string deviceName() const;
    VideoFusionConfig config() const;
    int64_t parameterCount() const;
    Precision precision() const;
    ComputePath path() const;
    int threads() const;

    struct Impl; // implementation detail (VideoFusionEngine.cpp)

private:
    VideoFusionEngine();
    ClipResult runOnThisThread(const ClipBuffer& ir, const ClipBuffer& vi, const TapRequest& taps,
                               const vf::CancelToken* cancel);
    std::unique_ptr<Impl> d_;
};

// Short human-readable summary of the torch runtime: version, BLAS in use, threads, CUDA.
std::string runtimeInfo();

} // namespace vf::model
