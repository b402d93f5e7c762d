// Metric names, metric lists and the named conventions (toolbox / standard / nats).
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/metrics/Metrics.h"

namespace vf::metrics {

namespace {
struct MetricInfo {
    Metric m;
    const char* name;
    MetricKind kind;
    bool higher;
};
constexpr MetricInfo kInfo[] = {
    {Metric::EN, "EN", MetricKind::Image, true},
    {Metric::SD, "SD", MetricKind::Image, true},
    {Metric::SF, "SF", MetricKind::Image, true},
    {Metric::AG, "AG", MetricKind::Image, true},
    {Metric::MI, "MI", MetricKind::Image, true},
    {Metric::SSIM, "SSIM", MetricKind::Image, true},
    {Metric::VIF, "VIF", MetricKind::Image, true},
    {Metric::Qabf, "Qabf", MetricKind::Image, true},
    {Metric::Nabf, "Nabf", MetricKind::Image, false},
    {Metric::PSNR, "PSNR", MetricKind::Image, true},
    {Metric::CC, "CC", MetricKind::Image, true},
    {Metric::SCD, "SCD", MetricKind::Image, true},
    {Metric::FMI, "FMI", MetricKind::Image, true},
    {Metric::FlowD, "flowD", MetricKind::Temporal, false},
    {Metric::BiSWE, "BiSWE", MetricKind::Temporal, false},
    {Metric::MS2R, "MS2R", MetricKind::Temporal, false},
    {Metric::WarpError, "Ewarp", MetricKind::Temporal, false},
    {Metric::Flicker, "Flicker", MetricKind::Temporal, false},
    {Metric::FlickerIR, "Flicker_IR", MetricKind::Temporal, false},
    {Metric::FlickerVI, "Flicker_VI", MetricKind::Temporal, false},
    {Metric::PSNR_IR, "PSNR_IR", MetricKind::Restoration, true},
    {Metric::SSIM_IR, "SSIM_IR", MetricKind::Restoration, true},
    {Metric::PSNR_VI, "PSNR_VI", MetricKind::Restoration, true},
    {Metric::SSIM_VI, "SSIM_VI", MetricKind::Restoration, true},
};

const MetricInfo& info(Metric m) {
    for (const auto& i : kInfo)
        if (i.m == m) return i;
    throw Error(ErrorCode::Internal, "unknown metric id " + std::to_string(static_cast<int>(m)));
}

std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

const char* logBaseName(LogBase b) {
    return b == LogBase::Bits ? "bits" : "nats";
}
const char* combineName(SourceCombine c) {
    return c == SourceCombine::Sum ? "sum" : "mean";
}
const char* grayName(GrayConversion g) {
    return g == GrayConversion::MatlabRgb2Gray ? "matlab_rgb2gray" : "opencv";
}
} // namespace

const char* metricName(Metric m) {
    return info(m).name;
}
MetricKind metricKind(Metric m) {
    return info(m).kind;
}
bool higherIsBetter(Metric m) {
    return info(m).higher;
}

std::optional<Metric> metricFromName(const std::string& s) {
    const std::string l = lower(trim(s));
    for (const auto& i : kInfo)
        if (lower(i.name) == l) return i.m;
    if (l == "warperror" || l == "warp" || l == "e_warp") return Metric::WarpError;
    if (l == "flowd" || l == "flow_d") return Metric::FlowD;
    return std::nullopt;
}

std::vector<Metric> imageMetrics() {
    std::vector<Metric> v;
    for (const auto& i : kInfo)
        if (i.kind == MetricKind::Image) v.push_back(i.m);
    return v;
}
std::vector<Metric> temporalMetrics() {
    std::vector<Metric> v;
    for (const auto& i : kInfo)
        if (i.kind == MetricKind::Temporal) v.push_back(i.m);
    return v;
}
std::vector<Metric> paperMetrics() {
    return {Metric::EN, Metric::MI, Metric::SD, Metric::SSIM, Metric::VIF, Metric::FlowD};
}

std::vector<Metric> parseMetricList(const std::string& s) {
    std::vector<Metric> out;
    auto add = [&](Metric m) {
        if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
    };
    size_t pos = 0;
    while (pos <= s.size()) {
        size_t comma = s.find(',', pos);
        if (comma == std::string::npos) comma = s.size();
        const std::string tok = lower(trim(s.substr(pos, comma - pos)));
        pos = comma + 1;
        if (tok.empty()) continue;
        if (tok == "all") {
            for (const auto& i : kInfo)
                if (i.kind != MetricKind::Restoration) add(i.m);
        } else if (tok == "paper") {
            for (Metric m : paperMetrics())
                add(m);
        } else if (tok == "image") {
            for (Metric m : imageMetrics())
                add(m);
        } else if (tok == "temporal") {
            for (Metric m : temporalMetrics())
                add(m);
        } else if (tok == "restoration") {
            for (const auto& i : kInfo)
                if (i.kind == MetricKind::Restoration) add(i.m);
        } else if (auto m = metricFromName(tok)) {
            add(*m);
        } else {
            std::string valid;
            for (const auto& i : kInfo)
                valid += std::string(valid.empty() ? "" : ",") + i.name;
            throw Error(ErrorCode::InvalidArgument,
                        "unknown metric '" + tok + "'; valid names: " + valid +
                            " (or all, paper, image, temporal, restoration)");
        }
    }
    if (out.empty()) throw Error(ErrorCode::InvalidArgument, "empty metric list");
    return out;
}

const char* flowMethodName(FlowMethod m) {
    switch (m) {
    case FlowMethod::DisUltrafast:
        return "dis-ultrafast";
    case FlowMethod::DisFast:
        return "dis-fast";
    case FlowMethod::DisMedium:
        return "dis-medium";
    case FlowMethod::Farneback:
        return "farneback";
    }
    return "?";
}

FlowMethod flowMethodFromName(const std::string& s) {
    const std::string l = lower(trim(s));
    if (l == "dis-ultrafast" || l == "ultrafast") return FlowMethod::DisUltrafast;
    if (l == "dis-fast" || l == "fast") return FlowMethod::DisFast;
    if (l == "dis-medium" || l == "medium" || l == "dis") return FlowMethod::DisMedium;
    if (l == "farneback") return FlowMethod::Farneback;
    throw Error(ErrorCode::InvalidArgument,
                "unknown optical-flow method '" + s +
                    "'; valid: dis-ultrafast, dis-fast, dis-medium, farneback");
}

Conventions Conventions::toolbox() {
    return Conventions{};
}

Conventions Conventions::standard() {
    Conventions c;
    c.name = "standard";
    c.gray = GrayConversion::MatlabRgb2Gray;
    c.logBase = LogBase::Bits;
    c.miCombine = SourceCombine::Mean;
    c.miJointSaturation = false;
    c.ssimDynamicRange = 255.0;
    c.vifCombine = SourceCombine::Mean;
    c.psnrUnitScale = false;
    c.ccToolboxQuirk = false;
    return c;
}

Conventions Conventions::nats() {
    Conventions c;
    c.name = "nats";
    c.logBase = LogBase::Nats;
    return c;
}

std::vector<std::string> Conventions::presetNames() {
    return {"toolbox", "standard", "nats"};
}

Conventions Conventions::byName(const std::string& name) {
    const std::string l = lower(trim(name));
    if (l == "toolbox") return toolbox();
    if (l == "standard") return standard();
    if (l == "nats") return nats();
    throw Error(ErrorCode::InvalidArgument,
                "unknown metric convention '" + name + "'; valid: toolbox, standard, nats");
}

nlohmann::json toJson(const Conventions& c) {
    return nlohmann::json{{"name", c.name},
                          {"gray", grayName(c.gray)},
                          {"log_base", logBaseName(c.logBase)},
                          {"mi_combine", combineName(c.miCombine)},
                          {"mi_joint_saturation_254_255", c.miJointSaturation},
                          {"ssim_dynamic_range", c.ssimDynamicRange},
                          {"vif_combine", combineName(c.vifCombine)},
                          {"psnr_unit_scale", c.psnrUnitScale},
                          {"cc_toolbox_quirk", c.ccToolboxQuirk}};
}

Conventions conventionsFromJson(const nlohmann::json& j) {
    try {
        Conventions c;
        c.name = j.at("name").get<std::string>();
        const auto g = j.at("gray").get<std::string>();
        if (g != "matlab_rgb2gray" && g != "opencv") throw std::runtime_error("gray: " + g);
        c.gray = g == "opencv" ? GrayConversion::OpenCV : GrayConversion::MatlabRgb2Gray;
        auto comb = [](const std::string& s) {
            if (s != "sum" && s != "mean") throw std::runtime_error("combine: " + s);
            return s == "sum" ? SourceCombine::Sum : SourceCombine::Mean;
        };
        const auto lb = j.at("log_base").get<std::string>();
        if (lb != "bits" && lb != "nats") throw std::runtime_error("log_base: " + lb);
        c.logBase = lb == "bits" ? LogBase::Bits : LogBase::Nats;
        c.miCombine = comb(j.at("mi_combine").get<std::string>());
        c.miJointSaturation = j.at("mi_joint_saturation_254_255").get<bool>();
        c.ssimDynamicRange = j.at("ssim_dynamic_range").get<double>();
        c.vifCombine = comb(j.at("vif_combine").get<std::string>());
        c.psnrUnitScale = j.at("psnr_unit_scale").get<bool>();
        c.ccToolboxQuirk = j.at("cc_toolbox_quirk").get<bool>();
        return c;
    } catch (const std::exception& e) {
        throw Error(ErrorCode::Corrupt,
                    std::string("invalid metric conventions in JSON: ") + e.what());
    }
}

} // namespace vf::metrics
