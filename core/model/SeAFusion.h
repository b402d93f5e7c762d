#pragma once
// SeAFusion (Tang et al., "Image fusion in the loop of high-level vision tasks: A semantic-
// aware real-time infrared and visible image fusion network", Information Fusion 82 (2022)
// 28-42): class FusionNet of the official code, ported to LibTorch. LIGHT header: no torch.
//
// The network fuses visible luminance Y with IR grey, both (H, W) in [0, 1], any size, and
// returns the fused Y in (0, 1). Colour handling (YCrCb split / merge, as the official
// test.py does) lives in core/fusion (SeAFusionMethod).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace vf::model {

class SeAFusionModel {
public:
    // Loads the official state_dict (72 tensors; zip format, e.g. SeAFusion_zip.pth; the
    // legacy non-zip SeAFusion.pth is refused with a message telling to re-save it). Strict:
    // missing or mis-shaped tensors throw vf::Error(Model) naming the key and the file.
    // `threads` > 0 sets LibTorch's intra-op thread count (process-wide).
    static std::unique_ptr<SeAFusionModel> load(const std::filesystem::path& weights,
                                                int threads = 0);
    ~SeAFusionModel();
    SeAFusionModel(const SeAFusionModel&) = delete;
    SeAFusionModel& operator=(const SeAFusionModel&) = delete;

    // y, ir: H*W floats (row-major) in [0, 1]. Returns the fused Y, H*W floats. Thread-safe.
    std::vector<float> fuse(const float* y, const float* ir, int H, int W) const;

    int64_t parameterCount() const;
    const std::filesystem::path& path() const;

private:
    SeAFusionModel();
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace vf::model
