#include "core/fusion/LearnedMethods.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"
#include "core/common/Resources.h"
#include "core/fusion/TorchScriptMethod.h"
#include "core/model/SeAFusion.h"
#include "core/model/TorchScriptModel.h"

namespace vf::fusion {

namespace {

// Loads once per key; a few entries at most are kept.
template <class M, class Load> std::shared_ptr<M> cachedModel(const std::string& key, Load load) {
    static std::mutex mu;
    static std::map<std::string, std::shared_ptr<M>> cache;
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    std::shared_ptr<M> m = load();
    if (cache.size() >= 3) cache.clear();
    cache[key] = m;
    return m;
}

cv::Mat toGray8(const cv::Mat& bgr) {
    if (bgr.channels() == 1) return bgr;
    cv::Mat g;
    cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
    return g;
}

} // namespace

// ---------------------------------------------------------------------------------------
// VideoFusion
// ---------------------------------------------------------------------------------------

std::vector<ParamSpec> videoFusionParams(bool clipParams) {
    std::string def;
    try {
        if (auto w = vf::defaultVideoFusionWeights()) def = w->string();
    } catch (const vf::Error&) {
    }
    std::vector<ParamSpec> p;
    p.push_back(ParamSpec::path("weights", "Weights",
                                "VideoFusion checkpoint (official .pth or TorchScript); empty = "
                                "the bundled default weights",
                                def, "Checkpoints (*.pth *.pt)"));
    if (clipParams) {
        p.push_back(ParamSpec::integer("clip_frames", "Frames per clip",
                                       "frames the network sees at once (official test: 7; "
                                       "the paper's best: 25)",
                                       7, 2, 128));
        p.push_back(ParamSpec::integer("overlap", "Clip overlap",
                                       "frames shared by consecutive clips (official: 0)", 0, 0,
                                       127));
        p.push_back(ParamSpec::choice("window", "Overlap rule",
                                      "official: a later clip overwrites shared frames; centre: "
                                      "each frame comes from the clip where it is most central",
                                      {"official", "centre"}, 0));
        p.push_back(ParamSpec::integer(
            "clips_in_flight", "Clips at once",
            "clips run at the same time on the CPU, each on its own thread (0 = automatic: one "
            "per CPU thread, within half of the memory; 1 = one clip on all threads, lowest "
            "latency and memory). Outputs are the same up to float rounding",
            0, 0, 64));
    }
    p.push_back(ParamSpec::choice("stretch", "Output stretch",
                                  "minmax: per-frame min-max stretch as the official test script; "
                                  "clamp: clamp to [0,1]",
                                  {"minmax", "clamp"}, 0));
    p.push_back(ParamSpec::choice("device", "Device", "where the network runs",
                                  {"auto", "cpu", "cuda"}, 0));
    p.push_back(ParamSpec::choice("precision", "Precision", "fp16/bf16 are autocast on CUDA only",
                                  {"fp32", "fp16", "bf16"}, 0));
    p.push_back(
        ParamSpec::integer("threads", "CPU threads", "intra-op threads, 0 = automatic", 0, 0, 256));
    return p;
}

std::filesystem::path videoFusionWeights(const ParamValues& p) {
    std::string w = paramString(p, "weights");
    if (w.empty()) {
        std::optional<std::filesystem::path> def;
        try {
            def = vf::defaultVideoFusionWeights();
        } catch (const vf::Error&) {
        }
        if (!def)
            throw Error(ErrorCode::NotFound,
                        "no VideoFusion weights: none are shipped in "
                        "resources/models/videofusion/default; pass a checkpoint with --weights "
                        "(or the method parameter 'weights')");
        return *def;
    }
    std::filesystem::path path(w);
    if (!std::filesystem::exists(path))
        throw Error(ErrorCode::NotFound, "VideoFusion weights not found: " + w, w);
    return path;
}

model::EngineOptions videoFusionEngineOptions(const ParamValues& p) {
    model::EngineOptions o;
    std::string d = paramString(p, "device");
    o.device = d == "cpu"    ? model::Device::CPU
               : d == "cuda" ? model::Device::CUDA
                             : model::Device::Auto;
    std::string pr = paramString(p, "precision");
    o.precision = pr == "fp16"   ? model::Precision::FP16
                  : pr == "bf16" ? model::Precision::BF16
                                 : model::Precision::FP32;
    o.threads = paramInt(p, "threads");
    return o;
}

ClipRunnerOptions videoFusionClipOptions(const ParamValues& p) {
    ClipRunnerOptions o;
    if (p.count("clip_frames")) o.clipFrames = paramInt(p, "clip_frames");
    if (p.count("overlap")) o.overlap = paramInt(p, "overlap");
    if (p.count("window"))
        o.window = paramString(p, "window") == "centre" ? ClipWindow::Centre : ClipWindow::Official;
    o.stretch = paramString(p, "stretch") == "clamp" ? Stretch::Clamp : Stretch::MinMax;
    if (p.count("clips_in_flight")) o.clipsInFlight = paramInt(p, "clips_in_flight");
    return o;
}

std::shared_ptr<SharedEngine> sharedVideoFusionEngine(const std::filesystem::path& weights,
                                                      const model::EngineOptions& o) {
    std::error_code ec;
    auto canon = std::filesystem::weakly_canonical(weights, ec);
    std::string key = (ec ? weights : canon).string() + "|" + std::to_string(int(o.device)) + "|" +
                      std::to_string(int(o.precision)) + "|" + std::to_string(int(o.path)) + "|" +
                      std::to_string(o.threads);
    return cachedModel<SharedEngine>(key, [&] {
        auto h = std::make_shared<SharedEngine>();
        h->engine = model::VideoFusionEngine::load(weights, o);
        return h;
    });
}

namespace {

// Runs VideoFusion on one frame pair (a T = 2 clip of the pair repeated); BGR 8-bit out.
cv::Mat videoFusionOnFrame(const cv::Mat& irGray8, const cv::Mat& vi8, const ParamValues& p) {
    auto h = sharedVideoFusionEngine(videoFusionWeights(p), videoFusionEngineOptions(p));
    model::ClipBuffer ir, vi;
    for (int i = 0; i < 2; ++i) {
        appendFrame(ir, irGray8);
        appendFrame(vi, vi8);
    }
    const int H = ir.H, W = ir.W;
    model::ClipResult r;
    {
        std::lock_guard<std::mutex> lock(h->mutex);
        model::TapRequest fusedOnly;
        fusedOnly.restored = false;
        r = h->engine->run(padClip(ir, roundUpTo4(H), roundUpTo4(W)),
                           padClip(vi, roundUpTo4(H), roundUpTo4(W)), fusedOnly);
    }
    if (r.fusion.T < 1 || r.fusion.H != roundUpTo4(H) || r.fusion.W != roundUpTo4(W))
        throw Error(ErrorCode::Model, "VideoFusion returned a clip of the wrong size");
    return clipFrameToMat(r.fusion, 0, H, W, videoFusionClipOptions(p).stretch);
}

class VideoFusionFrameMethod : public FusionMethod {
public:
    std::string name() const override { return "videofusion-frame"; }
    std::string displayName() const override { return "VideoFusion (per frame)"; }
    std::string description() const override {
        return "VideoFusion (Tang et al., arXiv 2503.23359) on each frame alone: a two-frame clip "
               "of the frame repeated, so no temporal context. Shows what the temporal modules "
               "add when compared with 'videofusion'.";
    }
    std::vector<ParamSpec> params() const override { return videoFusionParams(false); }
    ColorPolicy defaultColorPolicy() const override { return ColorPolicy::Native; }
    bool isLearned() const override { return true; }

    cv::Mat fuseNative(const cv::Mat& irGray8, const cv::Mat& vi8,
                       const ParamValues& p) const override {
        cv::Mat out = videoFusionOnFrame(irGray8, vi8, p);
        return vi8.channels() == 1 ? toGray8(out) : out;
    }
    cv::Mat fuseGray(const cv::Mat& ir, const cv::Mat& vi, const ParamValues& p) const override {
        cv::Mat out = videoFusionOnFrame(floatToU8(ir), floatToU8(vi), p);
        cv::Mat f;
        toGray8(out).convertTo(f, CV_32F, 1.0 / 255.0);
        return f;
    }
};

class VideoFusionClipMethod : public VideoFusionFrameMethod {
public:
    std::string name() const override { return "videofusion"; }
    std::string displayName() const override { return "VideoFusion"; }
    std::string description() const override {
        return "VideoFusion (Tang et al., arXiv 2503.23359): spatio-temporal fusion and "
               "restoration over clips of frames, run as the official test script does (clips of "
               "N frames, the last clip takes the last N frames, per-frame min-max output).";
    }
    std::vector<ParamSpec> params() const override { return videoFusionParams(true); }
    MethodKind kind() const override { return MethodKind::Video; }

    SequenceStats fuseSequence(PairSequence& seq, const ParamValues& params, const FrameSink& sink,
                               const SequenceOptions& options) const override {
        ParamValues p = resolveParams(this->params(), params, name());
        auto h = sharedVideoFusionEngine(videoFusionWeights(p), videoFusionEngineOptions(p));
        ClipRunnerOptions ro = videoFusionClipOptions(p);
        ro.wantRestored = options.wantRestored;
        std::lock_guard<std::mutex> lock(h->mutex);
        ClipRunner runner(*h->engine);
        return runner.run(seq, ro, sink, options);
    }
};

// ---------------------------------------------------------------------------------------
// SeAFusion
// ---------------------------------------------------------------------------------------

class SeAFusionMethod : public FusionMethod {
public:
    std::string name() const override { return "seafusion"; }
    std::string displayName() const override { return "SeAFusion"; }
    std::string description() const override {
        return "SeAFusion (Tang et al., Information Fusion 82, 2022): a light learned "
               "image-level fusion network on visible luminance and IR; colour restored from the "
               "visible Cr/Cb as its official test script does. Weights: VIF-Benchmark (MIT).";
    }
    std::vector<ParamSpec> params() const override {
        return {ParamSpec::path("weights", "Weights",
                                "SeAFusion state_dict (zip format); empty = the bundled weights",
                                {}, "Checkpoints (*.pth *.pt)"),
                ParamSpec::choice("output", "Output conversion",
                                  "testpy: per-image min-max stretch and truncation as the "
                                  "official test.py; round: clamp to [0,1] and round",
                                  {"testpy", "round"}, 0)};
    }
    ColorPolicy defaultColorPolicy() const override { return ColorPolicy::Native; }
    bool isLearned() const override { return true; }

    std::shared_ptr<model::SeAFusionModel> model(const ParamValues& p) const {
        std::filesystem::path w = paramString(p, "weights");
        if (w.empty()) w = defaultSeAFusionWeights();
        if (w.empty())
            throw Error(ErrorCode::NotFound,
                        "SeAFusion weights not found: resources/models/seafusion/"
                        "SeAFusion_zip.pth is missing; set the parameter 'weights'");
        return cachedModel<model::SeAFusionModel>(w.string(), [&] {
            return std::shared_ptr<model::SeAFusionModel>(model::SeAFusionModel::load(w));
        });
    }

    cv::Mat fuseGray(const cv::Mat& ir, const cv::Mat& vi, const ParamValues& p) const override {
        cv::Mat a = vi.isContinuous() ? vi : vi.clone(), b = ir.isContinuous() ? ir : ir.clone();
        std::vector<float> f = model(p)->fuse(a.ptr<float>(), b.ptr<float>(), vi.rows, vi.cols);
        return cv::Mat(vi.rows, vi.cols, CV_32F, f.data()).clone();
    }

    cv::Mat fuseNative(const cv::Mat& irGray8, const cv::Mat& vi8,
                       const ParamValues& p) const override {
        const int H = vi8.rows, W = vi8.cols;
        const size_t n = size_t(H) * size_t(W);
        std::vector<float> R(n), G(n), B(n), Y(n), Cr(n), Cb(n), I(n);
        for (int y = 0; y < H; ++y) {
            const uchar* pv = vi8.ptr<uchar>(y);
            const uchar* pi = irGray8.ptr<uchar>(y);
            for (int x = 0; x < W; ++x) {
                size_t i = size_t(y) * size_t(W) + size_t(x);
                if (vi8.channels() == 3) {
                    B[i] = pv[3 * x] / 255.0f, G[i] = pv[3 * x + 1] / 255.0f,
                    R[i] = pv[3 * x + 2] / 255.0f;
                } else {
                    R[i] = G[i] = B[i] = pv[x] / 255.0f;
                }
                I[i] = pi[x] / 255.0f;
                // test.py RGB2YCrCb: each clamped to [0, 1]
                float yy = 0.299f * R[i] + 0.587f * G[i] + 0.114f * B[i];
                Cr[i] = std::clamp((R[i] - yy) * 0.713f + 0.5f, 0.0f, 1.0f);
                Cb[i] = std::clamp((B[i] - yy) * 0.564f + 0.5f, 0.0f, 1.0f);
                Y[i] = std::clamp(yy, 0.0f, 1.0f);
            }
        }
        std::vector<float> F = model(p)->fuse(Y.data(), I.data(), H, W);
        // test.py YCrCb2RGB, clamp [0, 1]
        for (size_t i = 0; i < n; ++i) {
            float cr = Cr[i] - 0.5f, cb = Cb[i] - 0.5f;
            R[i] = std::clamp(F[i] + 1.403f * cr, 0.0f, 1.0f);
            G[i] = std::clamp(F[i] - 0.714f * cr - 0.344f * cb, 0.0f, 1.0f);
            B[i] = std::clamp(F[i] + 1.773f * cb, 0.0f, 1.0f);
        }
        const bool testpy = paramString(p, "output") == "testpy";
        float mn = 0, mx = 1;
        if (testpy) {
            mn = std::min({*std::min_element(R.begin(), R.end()),
                           *std::min_element(G.begin(), G.end()),
                           *std::min_element(B.begin(), B.end())});
            mx = std::max({*std::max_element(R.begin(), R.end()),
                           *std::max_element(G.begin(), G.end()),
                           *std::max_element(B.begin(), B.end())});
            if (!(mx > mn)) mn = 0, mx = 1;
        }
        auto conv = [&](float v) -> uchar {
            if (testpy)
                return cv::saturate_cast<uchar>(std::floor(255.0f * ((v - mn) / (mx - mn))));
            return cv::saturate_cast<uchar>(std::nearbyint(v * 255.0f));
        };
        const int ch = vi8.channels() == 3 ? 3 : 1;
        cv::Mat out(H, W, ch == 3 ? CV_8UC3 : CV_8UC1);
        for (int y = 0; y < H; ++y) {
            uchar* o = out.ptr<uchar>(y);
            for (int x = 0; x < W; ++x) {
                size_t i = size_t(y) * size_t(W) + size_t(x);
                if (ch == 3) {
                    o[3 * x] = conv(B[i]), o[3 * x + 1] = conv(G[i]), o[3 * x + 2] = conv(R[i]);
                } else {
                    o[x] = conv(R[i]);
                }
            }
        }
        return out;
    }
};

} // namespace

std::filesystem::path defaultSeAFusionWeights() {
    try {
        if (auto p = vf::findResource("models/seafusion/SeAFusion_zip.pth")) return *p;
    } catch (const vf::Error&) {
    }
    return {};
}

// ---------------------------------------------------------------------------------------
// TorchScript
// ---------------------------------------------------------------------------------------

TorchScriptSidecar parseTorchScriptSidecar(const std::string& text, const std::string& source) {
    using nlohmann::json;
    json j;
    try {
        j = json::parse(text);
    } catch (const std::exception& e) {
        throw Error(ErrorCode::Corrupt, source + ": not valid JSON: " + e.what(), source);
    }
    if (!j.is_object())
        throw Error(ErrorCode::InvalidArgument, source + ": the sidecar must be a JSON object",
                    source);
    TorchScriptSidecar s;
    auto bad = [&](const std::string& field, const json& v, const std::string& want) {
        return Error(ErrorCode::InvalidArgument,
                     source + ": field '" + field + "' = " + v.dump() + " is invalid; " + want,
                     source);
    };
    auto str = [&](const std::string& field) -> std::optional<std::string> {
        if (!j.contains(field)) return std::nullopt;
        if (!j[field].is_string()) throw bad(field, j[field], "expected a string");
        return j[field].get<std::string>();
    };
    auto range = [&](const std::string& field, double& lo, double& hi) {
        if (!j.contains(field)) return;
        const json& v = j[field];
        if (v.is_number()) {
            lo = 0, hi = v.get<double>();
        } else if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number()) {
            lo = v[0].get<double>(), hi = v[1].get<double>();
        } else {
            throw bad(field, v, "expected [lo, hi]");
        }
        if (!(hi > lo)) throw bad(field, v, "expected lo < hi");
    };
    static const std::vector<std::string> known = {
        "name", "description", "input", "input_range", "output", "output_range", "output_stretch"};
    for (auto it = j.begin(); it != j.end(); ++it)
        if (std::find(known.begin(), known.end(), it.key()) == known.end())
            throw Error(ErrorCode::InvalidArgument,
                        source + ": unknown field '" + it.key() +
                            "' (known: name, description, input, input_range, output, "
                            "output_range, output_stretch)",
                        source);
    if (auto v = str("name")) s.name = *v;
    if (auto v = str("description")) s.description = *v;
    if (auto v = str("input")) {
        std::string t = *v;
        std::transform(t.begin(), t.end(), t.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (t == "y+ir")
            s.input = TorchScriptSidecar::Input::YIr;
        else if (t == "ir+y")
            s.input = TorchScriptSidecar::Input::IrY;
        else if (t == "rgb+ir")
            s.input = TorchScriptSidecar::Input::RgbIr;
        else if (t == "ir+rgb")
            s.input = TorchScriptSidecar::Input::IrRgb;
        else
            throw bad("input", j["input"], "expected \"y+ir\", \"ir+y\", \"rgb+ir\" or \"ir+rgb\"");
    }
    double lo = 0, hi = 1;
    range("input_range", lo, hi);
    if (lo != 0 || (hi != 1 && hi != 255))
        throw bad("input_range", j["input_range"], "expected [0, 1] or [0, 255]");
    s.inputScale = hi;
    if (auto v = str("output")) {
        std::string t = *v;
        std::transform(t.begin(), t.end(), t.begin(),
                       [](unsigned char c) { return std::toupper(c); });
        if (t == "Y")
            s.output = TorchScriptSidecar::Output::Y;
        else if (t == "RGB")
            s.output = TorchScriptSidecar::Output::RGB;
        else
            throw bad("output", j["output"], "expected \"Y\" or \"RGB\"");
    }
    range("output_range", s.outputLo, s.outputHi);
    if (auto v = str("output_stretch")) {
        if (*v == "minmax")
            s.outputMinMax = true;
        else if (*v == "clamp")
            s.outputMinMax = false;
        else
            throw bad("output_stretch", j["output_stretch"], "expected \"clamp\" or \"minmax\"");
    }
    return s;
}

TorchScriptSidecar readTorchScriptSidecar(const std::filesystem::path& model) {
    std::filesystem::path side = model;
    side += ".json";
    TorchScriptSidecar s;
    if (std::filesystem::exists(side)) {
        std::ifstream in(side, std::ios::binary);
        if (!in) throw Error(ErrorCode::Unreadable, "cannot read " + side.string(), side.string());
        std::stringstream ss;
        ss << in.rdbuf();
        s = parseTorchScriptSidecar(ss.str(), side.string());
    }
    if (s.name.empty()) s.name = model.stem().string();
    return s;
}

namespace {

class TorchScriptMethod : public FusionMethod {
public:
    // fixed: a method for one model file; otherwise the model comes from parameter 'model'.
    explicit TorchScriptMethod(std::filesystem::path fixed = {}) : fixed_(std::move(fixed)) {
        if (!fixed_.empty()) sidecar_ = readTorchScriptSidecar(fixed_);
    }
    std::string name() const override { return fixed_.empty() ? "torchscript" : sidecar_.name; }
    std::string displayName() const override {
        return fixed_.empty() ? "TorchScript model" : sidecar_.name + " (TorchScript)";
    }
    std::string description() const override {
        if (!fixed_.empty() && !sidecar_.description.empty()) return sidecar_.description;
        return "A user fusion model exported with TorchScript; its conventions (inputs Y+IR or "
               "RGB+IR, ranges, Y or RGB output) come from the JSON sidecar <model>.json.";
    }
    std::vector<ParamSpec> params() const override {
        if (!fixed_.empty()) return {};
        return {ParamSpec::path("model", "Model", "TorchScript file (.pt) with its .json sidecar",
                                {}, "TorchScript (*.pt *.pth *.ptl)")};
    }
    ColorPolicy defaultColorPolicy() const override { return ColorPolicy::Native; }
    bool isLearned() const override { return true; }

    cv::Mat fuseNative(const cv::Mat& irGray8, const cv::Mat& vi8,
                       const ParamValues& p) const override {
        cv::Mat f;
        vi8.convertTo(f, CV_32F, 1.0 / 255.0);
        cv::Mat irF;
        irGray8.convertTo(irF, CV_32F, 1.0 / 255.0);
        return run(irF, f, p);
    }
    cv::Mat fuseGray(const cv::Mat& ir, const cv::Mat& vi, const ParamValues& p) const override {
        cv::Mat out = run(ir, vi, p); // grey visible -> grey 8-bit out
        cv::Mat f;
        out.convertTo(f, CV_32F, 1.0 / 255.0);
        return f;
    }

private:
    std::filesystem::path fixed_;
    TorchScriptSidecar sidecar_;

    // irF: CV_32FC1 [0,1]; viF: CV_32FC1 or CV_32FC3 (BGR) [0,1]. 8-bit out (BGR or grey).
    cv::Mat run(const cv::Mat& irF, const cv::Mat& viF, const ParamValues& p) const {
        std::filesystem::path path = fixed_;
        TorchScriptSidecar sc = sidecar_;
        if (path.empty()) {
            path = paramString(p, "model");
            if (path.empty())
                throw Error(ErrorCode::InvalidArgument,
                            "torchscript: set the parameter 'model' to a TorchScript file");
            if (!std::filesystem::exists(path))
                throw Error(ErrorCode::NotFound, "TorchScript model not found: " + path.string(),
                            path.string());
            sc = readTorchScriptSidecar(path);
        }
        auto m = cachedModel<model::TorchScriptModel>(path.string(), [&] {
            return std::shared_ptr<model::TorchScriptModel>(model::TorchScriptModel::load(path));
        });
        const int H = irF.rows, W = irF.cols;
        const size_t n = size_t(H) * size_t(W);
        cv::Mat ycc;
        std::vector<cv::Mat> yccCh;
        if (viF.channels() == 3) {
            cv::cvtColor(viF, ycc, cv::COLOR_BGR2YCrCb);
            cv::split(ycc, yccCh);
        } else {
            yccCh = {viF.clone()};
        }
        auto plane = [&](const cv::Mat& m1, float* dst) {
            for (int y = 0; y < H; ++y) {
                const float* s = m1.ptr<float>(y);
                for (int x = 0; x < W; ++x)
                    dst[size_t(y) * W + x] = s[x] * float(sc.inputScale);
            }
        };
        model::PlanarImage irP{1, H, W, std::vector<float>(n)};
        plane(irF, irP.data.data());
        model::PlanarImage viP;
        const bool rgbIn = sc.input == TorchScriptSidecar::Input::RgbIr ||
                           sc.input == TorchScriptSidecar::Input::IrRgb;
        if (rgbIn) {
            viP = {3, H, W, std::vector<float>(3 * n)};
            if (viF.channels() == 3) {
                std::vector<cv::Mat> bgr;
                cv::split(viF, bgr);
                plane(bgr[2], viP.data.data());
                plane(bgr[1], viP.data.data() + n);
                plane(bgr[0], viP.data.data() + 2 * n);
            } else {
                for (int c = 0; c < 3; ++c)
                    plane(viF, viP.data.data() + c * n);
            }
        } else {
            viP = {1, H, W, std::vector<float>(n)};
            plane(yccCh[0], viP.data.data());
        }
        const bool irFirst = sc.input == TorchScriptSidecar::Input::IrY ||
                             sc.input == TorchScriptSidecar::Input::IrRgb;
        model::PlanarImage out = irFirst ? m->run(irP, viP) : m->run(viP, irP);
        const int wantC = sc.output == TorchScriptSidecar::Output::Y ? 1 : 3;
        if (out.H != H || out.W != W || out.C != wantC)
            throw Error(ErrorCode::Model,
                        path.string() + ": the model returned " + std::to_string(out.C) + "x" +
                            std::to_string(out.H) + "x" + std::to_string(out.W) + ", expected " +
                            std::to_string(wantC) + "x" + std::to_string(H) + "x" +
                            std::to_string(W) + " (sidecar output '" + (wantC == 1 ? "Y" : "RGB") +
                            "')",
                        path.string());
        // Map the output range to [0, 1].
        float lo = float(sc.outputLo), hi = float(sc.outputHi);
        if (sc.outputMinMax) {
            auto [a, b] = std::minmax_element(out.data.begin(), out.data.end());
            if (*b > *a) lo = *a, hi = *b;
        }
        for (float& v : out.data)
            v = std::clamp((v - lo) / (hi - lo), 0.0f, 1.0f);
        auto asMat = [&](int c) { return cv::Mat(H, W, CV_32F, out.data.data() + c * n).clone(); };
        if (wantC == 1) {
            if (viF.channels() == 1) return floatToU8(asMat(0));
            yccCh[0] = asMat(0);
            cv::Mat merged, bgr;
            cv::merge(yccCh, merged);
            cv::cvtColor(merged, bgr, cv::COLOR_YCrCb2BGR);
            return floatToU8(bgr);
        }
        cv::Mat bgr;
        cv::merge(std::vector<cv::Mat>{asMat(2), asMat(1), asMat(0)}, bgr);
        cv::Mat o = floatToU8(bgr);
        return viF.channels() == 1 ? toGray8(o) : o;
    }
};

} // namespace

std::shared_ptr<const FusionMethod> makeTorchScriptMethod(const std::filesystem::path& model) {
    if (!std::filesystem::exists(model))
        throw Error(ErrorCode::NotFound, "TorchScript model not found: " + model.string(),
                    model.string());
    return std::make_shared<TorchScriptMethod>(model);
}

// ---------------------------------------------------------------------------------------

void registerLearnedMethods(MethodRegistry& reg) {
    reg.add("videofusion", [] { return std::make_shared<VideoFusionClipMethod>(); });
    reg.add("videofusion-frame", [] { return std::make_shared<VideoFusionFrameMethod>(); });
    reg.add("seafusion", [] { return std::make_shared<SeAFusionMethod>(); });
    reg.add("torchscript", [] { return std::make_shared<TorchScriptMethod>(); });
}

} // namespace vf::fusion
