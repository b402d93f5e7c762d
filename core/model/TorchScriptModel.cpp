// TorchScript user models: torch::jit::load + forward with conventions handled by the caller.
#include "core/model/TorchScriptModel.h"

#include <mutex>

#include <torch/script.h>

#include "core/common/Error.h"

namespace vf::model {

struct TorchScriptModel::Impl {
    std::filesystem::path path;
    torch::jit::Module module;
    std::mutex mutex;
};

TorchScriptModel::TorchScriptModel() : d_(std::make_unique<Impl>()) {}
TorchScriptModel::~TorchScriptModel() = default;

std::unique_ptr<TorchScriptModel> TorchScriptModel::load(const std::filesystem::path& path) {
    if (!std::filesystem::exists(path))
        throw Error(ErrorCode::NotFound, "TorchScript model not found: " + path.string(),
                    path.string());
    std::unique_ptr<TorchScriptModel> m(new TorchScriptModel());
    m->d_->path = path;
    try {
        m->d_->module = torch::jit::load(path.string(), torch::kCPU);
    } catch (const std::exception& e) {
        std::string why = e.what();
        auto nl = why.find('\n');
        if (nl != std::string::npos) why = why.substr(0, nl);
        throw Error(ErrorCode::Model,
                    path.string() +
                        " is not a TorchScript module (export it with "
                        "torch.jit.script(model).save(path)): " +
                        why,
                    path.string());
    }
    if (!m->d_->module.find_method("forward"))
        throw Error(ErrorCode::Model, path.string() + ": the TorchScript module has no forward()",
                    path.string());
    m->d_->module.eval();
    return m;
}

namespace {

at::Tensor toTensor(const PlanarImage& p) {
    if (p.C <= 0 || p.H <= 0 || p.W <= 0 || p.data.size() != p.size())
        throw Error(ErrorCode::InvalidArgument, "TorchScript model: malformed input image");
    return torch::from_blob(const_cast<float*>(p.data.data()), {1, p.C, p.H, p.W}, torch::kFloat32)
        .clone();
}

bool pickTensor(const c10::IValue& v, at::Tensor& out) {
    if (v.isTensor()) {
        out = v.toTensor();
        return true;
    }
    if (v.isTuple()) {
        for (const auto& e : v.toTupleRef().elements())
            if (pickTensor(e, out)) return true;
        return false;
    }
    if (v.isList()) {
        for (const c10::IValue& e : v.toListRef())
            if (pickTensor(e, out)) return true;
        return false;
    }
    if (v.isGenericDict()) {
        auto d = v.toGenericDict();
        for (const auto& kv : d)
            if (kv.key().isString() && kv.key().toStringRef() == "fusion" &&
                pickTensor(kv.value(), out))
                return true;
        for (const auto& kv : d)
            if (pickTensor(kv.value(), out)) return true;
    }
    return false;
}

} // namespace

PlanarImage TorchScriptModel::run(const PlanarImage& a, const PlanarImage& b) const {
    std::lock_guard<std::mutex> lock(d_->mutex);
    c10::InferenceMode guard;
    c10::IValue result;
    try {
        result = d_->module.forward({toTensor(a), toTensor(b)});
    } catch (const vf::Error&) {
        throw;
    } catch (const std::exception& e) {
        std::string why = e.what();
        auto nl = why.find('\n');
        if (nl != std::string::npos) why = why.substr(0, nl);
        throw Error(ErrorCode::Model, d_->path.string() + ": forward() failed: " + why,
                    d_->path.string());
    }
    at::Tensor t;
    if (!pickTensor(result, t))
        throw Error(ErrorCode::Model,
                    d_->path.string() + ": forward() returned no tensor (" + result.tagKind() + ")",
                    d_->path.string());
    t = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    if (t.dim() == 4 && t.size(0) == 1) t = t.squeeze(0);
    if (t.dim() == 2) t = t.unsqueeze(0);
    if (t.dim() != 3)
        throw Error(ErrorCode::Model,
                    d_->path.string() + ": forward() returned a tensor of " +
                        std::to_string(t.dim()) +
                        " dimensions; expected (1,C,H,W), (C,H,W) or (H,W)",
                    d_->path.string());
    PlanarImage out;
    out.C = int(t.size(0)), out.H = int(t.size(1)), out.W = int(t.size(2));
    const float* p = t.data_ptr<float>();
    out.data.assign(p, p + out.size());
    return out;
}

const std::filesystem::path& TorchScriptModel::path() const {
    return d_->path;
}

} // namespace vf::model
