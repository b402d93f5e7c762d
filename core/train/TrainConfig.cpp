#include "core/train/TrainConfig.h"

#include <cmath>
#include <numbers>

#include <nlohmann/json.hpp>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace vf::train {

namespace {

[[noreturn]] void bad(const fs::path& src, const std::string& msg) {
    throw Error(ErrorCode::InvalidArgument,
                (src.empty() ? std::string("training config") : src.string()) + ": " + msg,
                src.string());
}

std::string resolve(const fs::path& base, const std::string& p) {
    if (p.empty() || base.empty()) return p;
    fs::path q(p);
    return q.is_absolute() ? p : (base / q).lexically_normal().string();
}

template <class T> void get(const json& j, const char* key, T& out, const fs::path& src) {
    if (!j.contains(key)) return;
    try {
        out = j.at(key).get<T>();
    } catch (const std::exception& e) {
        bad(src, std::string("bad value for '") + key + "': " + e.what());
    }
}

} // namespace

TrainConfig trainConfigFromJson(const std::string& text, const fs::path& src) {
    json j;
    try {
        j = json::parse(text);
    } catch (const std::exception& e) {
        bad(src, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) bad(src, "the top level must be a JSON object");
    const fs::path base = src.empty() ? fs::path() : src.parent_path();
    TrainConfig c;
    if (j.contains("model")) {
        const auto& m = j["model"];
        get(m, "num_features", c.model.numFeatures, src);
        std::vector<int> v;
        if (m.contains("num_blocks")) {
            get(m, "num_blocks", v, src);
            if (v.size() != 3) bad(src, "model.num_blocks needs 3 values");
            for (int i = 0; i < 3; ++i)
                c.model.numBlocks[size_t(i)] = v[size_t(i)];
        }
        if (m.contains("num_heads")) {
            get(m, "num_heads", v, src);
            if (v.size() != 3) bad(src, "model.num_heads needs 3 values");
            for (int i = 0; i < 3; ++i)
                c.model.numHeads[size_t(i)] = v[size_t(i)];
        }
        get(m, "num_decoder_blocks", c.model.numDecoderBlocks, src);
        get(m, "ffn_expansion_factor", c.model.ffnExpansion, src);
    }
    if (c.model.numFeatures < 16 || c.model.numFeatures % 4 != 0)
        bad(src, "model.num_features must be a multiple of 4 and at least 16 (the channel "
                 "attention divides it by 16), got " +
                     std::to_string(c.model.numFeatures));
    if (j.contains("data")) {
        const auto& d = j["data"];
        if (d.contains("videos")) {
            for (const auto& v : d["videos"]) {
                VideoSource s;
                get(v, "ir", s.ir, src);
                get(v, "vi", s.vi, src);
                get(v, "first", s.first, src);
                get(v, "max_frames", s.maxFrames, src);
                get(v, "weight", s.weight, src);
                if (s.ir.empty() || s.vi.empty())
                    bad(src, "data.videos entries need 'ir' and 'vi'");
                s.ir = resolve(base, s.ir);
                s.vi = resolve(base, s.vi);
                c.videos.push_back(s);
            }
        }
        if (d.contains("m3svd")) {
            for (const auto& v : d["m3svd"]) {
                M3svdSource s;
                get(v, "root", s.root, src);
                get(v, "sequences", s.sequences, src);
                get(v, "exclude", s.exclude, src);
                get(v, "weight", s.weight, src);
                if (s.root.empty()) bad(src, "data.m3svd entries need 'root'");
                s.root = resolve(base, s.root);
                c.m3svd.push_back(s);
            }
        }
        get(d, "preset", c.preset, src);
        get(d, "frames", c.frames, src);
        get(d, "crop", c.crop, src);
        get(d, "batch", c.batch, src);
        get(d, "hflip", c.hflip, src);
    }
    if (j.contains("optim")) {
        const auto& o = j["optim"];
        get(o, "lr", c.lr, src);
        get(o, "weight_decay", c.weightDecay, src);
        if (o.contains("betas")) {
            std::vector<double> b;
            get(o, "betas", b, src);
            if (b.size() != 2) bad(src, "optim.betas needs 2 values");
            c.beta1 = b[0];
            c.beta2 = b[1];
        }
        get(o, "clip_norm", c.clipNorm, src);
        get(o, "warmup", c.warmup, src);
        get(o, "periods", c.periods, src);
        get(o, "restart_weights", c.restartWeights, src);
        get(o, "eta_min", c.etaMin, src);
    }
    get(j, "iterations", c.iterations, src);
    get(j, "seed", c.seed, src);
    get(j, "output", c.output, src);
    c.output = resolve(base, c.output);
    get(j, "save_every", c.saveEvery, src);
    get(j, "keep_last", c.keepLast, src);
    get(j, "log_every", c.logEvery, src);
    get(j, "val_every", c.valEvery, src);
    get(j, "resume", c.resume, src);
    if (c.resume != "auto") c.resume = resolve(base, c.resume);
    get(j, "init", c.init, src);
    c.init = resolve(base, c.init);
    get(j, "threads", c.threads, src);
    get(j, "device", c.device, src);

    if (c.frames < 2) bad(src, "data.frames must be >= 2 (VideoFusion needs T >= 2)");
    if (c.crop < 16 || c.crop % 4 != 0) bad(src, "data.crop must be a multiple of 4, >= 16");
    if (c.batch < 1) bad(src, "data.batch must be >= 1");
    if (c.iterations < 1) bad(src, "iterations must be >= 1");
    if (!(c.lr > 0)) bad(src, "optim.lr must be > 0");
    if (c.periods.empty() || c.periods.size() != c.restartWeights.size())
        bad(src, "optim.periods and optim.restart_weights must be non-empty and equally long");
    for (auto p : c.periods)
        if (p < 1) bad(src, "optim.periods must be >= 1");
    if (c.device != "auto" && c.device != "cpu" && c.device != "cuda")
        bad(src, "device must be auto, cpu or cuda");
    if (c.saveEvery < 1 || c.logEvery < 1) bad(src, "save_every and log_every must be >= 1");
    return c;
}

TrainConfig loadTrainConfig(const fs::path& file) {
    return trainConfigFromJson(readFile(file), file);
}

std::string trainConfigToJson(const TrainConfig& c) {
    json j;
    j["model"] = {{"num_features", c.model.numFeatures},
                  {"num_blocks", c.model.numBlocks},
                  {"num_decoder_blocks", c.model.numDecoderBlocks},
                  {"num_heads", c.model.numHeads},
                  {"ffn_expansion_factor", c.model.ffnExpansion}};
    json vids = json::array(), m3 = json::array();
    for (const auto& v : c.videos)
        vids.push_back({{"ir", v.ir},
                        {"vi", v.vi},
                        {"first", v.first},
                        {"max_frames", v.maxFrames},
                        {"weight", v.weight}});
    for (const auto& s : c.m3svd)
        m3.push_back({{"root", s.root},
                      {"sequences", s.sequences},
                      {"exclude", s.exclude},
                      {"weight", s.weight}});
    j["data"] = {{"videos", vids}, {"m3svd", m3},      {"preset", c.preset}, {"frames", c.frames},
                 {"crop", c.crop}, {"batch", c.batch}, {"hflip", c.hflip}};
    j["optim"] = {{"lr", c.lr},
                  {"weight_decay", c.weightDecay},
                  {"betas", {c.beta1, c.beta2}},
                  {"clip_norm", c.clipNorm},
                  {"warmup", c.warmup},
                  {"periods", c.periods},
                  {"restart_weights", c.restartWeights},
                  {"eta_min", c.etaMin}};
    j["iterations"] = c.iterations;
    j["seed"] = c.seed;
    j["output"] = c.output;
    j["save_every"] = c.saveEvery;
    j["keep_last"] = c.keepLast;
    j["log_every"] = c.logEvery;
    j["val_every"] = c.valEvery;
    j["resume"] = c.resume;
    j["init"] = c.init;
    j["threads"] = c.threads;
    j["device"] = c.device;
    return j.dump(2);
}

double learningRate(const TrainConfig& c, int64_t iter) {
    if (iter < c.warmup) return c.lr * double(iter) / double(c.warmup);
    // CosineAnnealingRestartLR: last_epoch counts every iteration since the start.
    int64_t start = 0;
    for (size_t k = 0; k < c.periods.size(); ++k) {
        const int64_t end = start + c.periods[k];
        if (iter <= end || k + 1 == c.periods.size()) {
            const double x = std::min(1.0, double(iter - start) / double(c.periods[k]));
            return c.etaMin + c.restartWeights[k] * 0.5 * (c.lr - c.etaMin) *
                                  (1.0 + std::cos(std::numbers::pi * x));
        }
        start = end;
    }
    return c.etaMin;
}

} // namespace vf::train
