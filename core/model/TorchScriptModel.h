#pragma once
// A user fusion model exported with TorchScript (torch.jit.script / torch.jit.trace +
// .save()), behind a LIGHT header (no torch). Conventions (which inputs, which ranges, what
// the output is) are the caller's business: see core/fusion/TorchScriptMethod.h, which
// reads them from a JSON sidecar.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace vf::model {

// C planes of H x W floats, row-major (index = (c*H + y)*W + x).
struct PlanarImage {
    int C = 0, H = 0, W = 0;
    std::vector<float> data;
    size_t size() const { return size_t(C) * size_t(H) * size_t(W); }
};

class TorchScriptModel {
public:
    // torch::jit::load on the CPU, eval mode. Throws vf::Error(NotFound) for a missing file,
    // vf::Error(Model) naming the file when it is not a TorchScript archive or has no
    // forward method.
    static std::unique_ptr<TorchScriptModel> load(const std::filesystem::path& path);
    ~TorchScriptModel();
    TorchScriptModel(const TorchScriptModel&) = delete;
    TorchScriptModel& operator=(const TorchScriptModel&) = delete;

    // forward(a, b) with a, b as (1, C, H, W) float32 tensors. The output may be a tensor
    // (N=1,C,H,W), (C,H,W) or (H,W), a tuple/list (its first tensor is used) or a dict (its
    // "fusion" entry, else its first tensor). Returned as (C, H, W). Throws vf::Error(Model)
    // when forward fails (with LibTorch's reason) or returns something else. Serialised
    // internally (safe to call from several threads).
    PlanarImage run(const PlanarImage& a, const PlanarImage& b) const;

    const std::filesystem::path& path() const;

private:
    TorchScriptModel();
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace vf::model
