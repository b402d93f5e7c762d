// SeAFusion FusionNet in LibTorch (ATen ops over the loaded state_dict). See SeAFusion.h and
// ../shared/models/seafusion/SPEC.md for the network facts.
#include "core/model/SeAFusion.h"

#include <map>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include "core/common/Error.h"
#include "core/model/Checkpoint.h"

namespace vf::model {

namespace {
const std::vector<int64_t> kOne{1, 1}, kZero{0, 0};
} // namespace

struct SeAFusionModel::Impl {
    std::filesystem::path path;
    std::map<std::string, at::Tensor> sd;
    int64_t params = 0;

    const at::Tensor& t(const std::string& key) const { return sd.at(key); }

    static at::Tensor lrelu(const at::Tensor& x, double slope) { return at::leaky_relu(x, slope); }
    at::Tensor conv3(const at::Tensor& x, const std::string& name) const {
        return at::conv2d(x, t(name + ".conv.weight"), t(name + ".conv.bias"), kOne, kOne);
    }
    at::Tensor conv1(const at::Tensor& x, const std::string& name) const {
        return at::conv2d(x, t(name + ".conv.weight"), t(name + ".conv.bias"), kOne, kZero);
    }
    at::Tensor convLeaky(const at::Tensor& x, const std::string& name) const {
        return lrelu(conv3(x, name), 0.2);
    }
    at::Tensor sobel(const at::Tensor& x, const std::string& name) const {
        const int64_t c = x.size(1);
        at::Tensor gx = at::conv2d(x, t(name + ".convx.weight"), {}, kOne, kOne, kOne, c);
        at::Tensor gy = at::conv2d(x, t(name + ".convy.weight"), {}, kOne, kOne, kOne, c);
        return at::abs(gx) + at::abs(gy);
    }
    at::Tensor dense(at::Tensor x, const std::string& name) const {
        x = at::cat({x, convLeaky(x, name + ".conv1")}, 1);
        x = at::cat({x, convLeaky(x, name + ".conv2")}, 1);
        return x;
    }
    at::Tensor rgbd(const at::Tensor& x, const std::string& name) const {
        at::Tensor x1 = conv1(dense(x, name + ".dense"), name + ".convdown");
        at::Tensor x2 = conv1(sobel(x, name + ".sobelconv"), name + ".convup");
        return lrelu(x1 + x2, 0.1);
    }
    at::Tensor forward(const at::Tensor& y, const at::Tensor& ir) const {
        at::Tensor v = rgbd(rgbd(convLeaky(y, "vis_conv"), "vis_rgbd1"), "vis_rgbd2");
        at::Tensor i = rgbd(rgbd(convLeaky(ir, "inf_conv"), "inf_rgbd1"), "inf_rgbd2");
        at::Tensor x = at::cat({v, i}, 1);
        x = convLeaky(x, "decode4"); // the 'bn' of ConvBnLeakyRelu2d is never applied
        x = convLeaky(x, "decode3");
        x = convLeaky(x, "decode2");
        x = conv3(x, "decode1");
        return at::tanh(x) / 2 + 0.5;
    }
};

namespace {

// Expected tensors (key, shape) of FusionNet(output=1).
std::vector<std::pair<std::string, std::vector<int64_t>>> expectedKeys() {
    std::vector<std::pair<std::string, std::vector<int64_t>>> k;
    auto conv = [&](const std::string& n, int64_t o, int64_t i, int64_t ks) {
        k.push_back({n + ".conv.weight", {o, i, ks, ks}});
        k.push_back({n + ".conv.bias", {o}});
    };
    auto rgbd = [&](const std::string& n, int64_t in, int64_t out) {
        conv(n + ".dense.conv1", in, in, 3);
        conv(n + ".dense.conv2", in, 2 * in, 3);
        conv(n + ".convdown", out, 3 * in, 1);
        k.push_back({n + ".sobelconv.convx.weight", {in, 1, 3, 3}});
        k.push_back({n + ".sobelconv.convy.weight", {in, 1, 3, 3}});
        conv(n + ".convup", out, in, 1);
    };
    for (std::string s : {"vis", "inf"}) {
        conv(s + "_conv", 16, 1, 3);
        rgbd(s + "_rgbd1", 16, 32);
        rgbd(s + "_rgbd2", 32, 48);
    }
    conv("decode4", 64, 96, 3);
    conv("decode3", 32, 64, 3);
    conv("decode2", 16, 32, 3);
    conv("decode1", 1, 16, 3);
    return k;
}

std::string shapeText(at::IntArrayRef s) {
    std::string r = "(";
    for (size_t i = 0; i < s.size(); ++i) {
        if (i) r += ", ";
        r += std::to_string(s[i]);
    }
    r += ')';
    return r;
}

} // namespace

SeAFusionModel::SeAFusionModel() : d_(std::make_unique<Impl>()) {}
SeAFusionModel::~SeAFusionModel() = default;

std::unique_ptr<SeAFusionModel> SeAFusionModel::load(const std::filesystem::path& weights,
                                                     int threads) {
    if (!std::filesystem::exists(weights))
        throw Error(ErrorCode::NotFound, "SeAFusion weights not found: " + weights.string(),
                    weights.string());
    std::map<std::string, at::Tensor> sd = loadStateDict(weights);
    std::unique_ptr<SeAFusionModel> m(new SeAFusionModel());
    m->d_->path = weights;
    for (const auto& [key, shape] : expectedKeys()) {
        auto it = sd.find(key);
        if (it == sd.end())
            throw Error(ErrorCode::Model,
                        weights.string() + " is not a SeAFusion checkpoint: tensor '" + key +
                            "' is missing",
                        weights.string());
        if (it->second.sizes() != at::IntArrayRef(shape))
            throw Error(ErrorCode::Model,
                        weights.string() + ": tensor '" + key + "' has shape " +
                            shapeText(it->second.sizes()) + ", expected " + shapeText(shape),
                        weights.string());
        at::Tensor t = it->second.to(at::kFloat).contiguous();
        m->d_->params += t.numel();
        m->d_->sd[key] = t;
    }
    if (threads > 0) at::set_num_threads(threads);
    return m;
}

std::vector<float> SeAFusionModel::fuse(const float* y, const float* ir, int H, int W) const {
    if (H <= 0 || W <= 0)
        throw Error(ErrorCode::InvalidArgument,
                    "SeAFusion: empty image (" + std::to_string(W) + "x" + std::to_string(H) + ")");
    c10::InferenceMode guard;
    auto opts = at::TensorOptions().dtype(at::kFloat);
    // from_blob does not copy; the inputs are only read.
    at::Tensor ty = at::from_blob(const_cast<float*>(y), {1, 1, H, W}, opts);
    at::Tensor ti = at::from_blob(const_cast<float*>(ir), {1, 1, H, W}, opts);
    at::Tensor out = d_->forward(ty, ti).contiguous();
    const float* p = out.data_ptr<float>();
    return std::vector<float>(p, p + size_t(H) * size_t(W));
}

int64_t SeAFusionModel::parameterCount() const {
    return d_->params;
}
const std::filesystem::path& SeAFusionModel::path() const {
    return d_->path;
}

} // namespace vf::model
