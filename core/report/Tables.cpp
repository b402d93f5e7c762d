#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/common/AtomicFile.h"
#include "core/report/Report.h"

namespace vf::report {

using metrics::EvalResult;
using metrics::Metric;
using metrics::StreamResult;

namespace {

std::vector<const StreamResult*> rows(const EvalResult& r) {
    std::vector<const StreamResult*> out;
    for (const auto& s : r.streams)
        out.push_back(&s);
    if (r.inputsAgainstRefs) out.push_back(&*r.inputsAgainstRefs);
    return out;
}

std::string num(double v, const char* fmt = "%.10g") {
    if (!std::isfinite(v)) return {};
    char b[64];
    std::snprintf(b, sizeof b, fmt, v);
    return b;
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string o = "\"";
    for (char c : s) {
        if (c == '"') o += '"';
        o += c;
    }
    return o + "\"";
}

nlohmann::json statsJson(const metrics::Stats& s) {
    auto v = [](double x) -> nlohmann::json {
        return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
    };
    return {{"mean", v(s.mean)}, {"std", v(s.stddev)}, {"median", v(s.median)},
            {"min", v(s.min)},   {"max", v(s.max)},    {"n", s.n}};
}

const metrics::Stats* findStats(const StreamResult& s, Metric m) {
    auto it = s.summary.find(m);
    return it == s.summary.end() ? nullptr : &it->second;
}

} // namespace

std::string describeConventions(const metrics::Conventions& c) {
    std::ostringstream o;
    o << c.name << ": grey "
      << (c.gray == metrics::GrayConversion::MatlabRgb2Gray ? "MATLAB rgb2gray" : "OpenCV")
      << ", EN/MI in " << (c.logBase == metrics::LogBase::Bits ? "bits" : "nats") << ", MI "
      << (c.miCombine == metrics::SourceCombine::Sum ? "summed" : "averaged") << " over sources"
      << (c.miJointSaturation ? " (254/255 joint-bin saturation)" : "")
      << ", SSIM L = " << c.ssimDynamicRange << ", VIF "
      << (c.vifCombine == metrics::SourceCombine::Sum ? "summed" : "averaged") << ", PSNR "
      << (c.psnrUnitScale ? "on [0,1] data (toolbox)" : "on [0,255]") << ", CC "
      << (c.ccToolboxQuirk ? "with toolbox quirk" : "textbook");
    return o.str();
}

std::string tableCsv(const EvalResult& r) {
    std::ostringstream o;
    o << "stream,path,frames";
    for (Metric m : r.metrics)
        o << ',' << metrics::metricName(m) << "_mean," << metrics::metricName(m) << "_std";
    o << ",convention,flow\n";
    for (const StreamResult* s : rows(r)) {
        o << csvField(s->name) << ',' << csvField(s->path.string()) << ',' << r.count;
        for (Metric m : r.metrics) {
            const auto* st = findStats(*s, m);
            o << ',' << (st ? num(st->mean) : "") << ',' << (st ? num(st->stddev) : "");
        }
        o << ',' << csvField(r.conventions.name) << ',' << metrics::flowMethodName(r.flow.method)
          << '\n';
    }
    return o.str();
}

std::string tableJson(const EvalResult& r) {
    nlohmann::json j;
    j["conventions"] = metrics::toJson(r.conventions);
    j["conventionsText"] = describeConventions(r.conventions);
    j["flow"] = metrics::flowMethodName(r.flow.method);
    j["start"] = r.start;
    j["count"] = r.count;
    j["ir"] = r.ir.string();
    j["vi"] = r.vi.string();
    auto& ms = j["metrics"] = nlohmann::json::array();
    for (Metric m : r.metrics)
        ms.push_back(metrics::metricName(m));
    auto& ss = j["streams"] = nlohmann::json::array();
    for (const StreamResult* s : rows(r)) {
        nlohmann::json e;
        e["name"] = s->name;
        e["path"] = s->path.string();
        auto& sum = e["summary"] = nlohmann::json::object();
        for (Metric m : r.metrics)
            if (const auto* st = findStats(*s, m)) sum[metrics::metricName(m)] = statsJson(*st);
        if (!s->clips.empty()) {
            auto& cl = e["clips"] = nlohmann::json::array();
            for (const auto& c : s->clips) {
                nlohmann::json cj = nlohmann::json::object();
                for (const auto& [m, st] : c)
                    cj[metrics::metricName(m)] = statsJson(st);
                cl.push_back(cj);
            }
        }
        ss.push_back(std::move(e));
    }
    j["warnings"] = r.warnings;
    return j.dump(2) + "\n";
}

std::string tableMarkdown(const EvalResult& r) {
    std::ostringstream o;
    o << "| Stream |";
    for (Metric m : r.metrics)
        o << ' ' << metrics::metricName(m) << ' '
          << (m == Metric::MS2R ? "→1" : (metrics::higherIsBetter(m) ? "↑" : "↓")) << " |";
    o << "\n|---|";
    for (size_t i = 0; i < r.metrics.size(); ++i)
        o << "---:|";
    o << '\n';
    for (const StreamResult* s : rows(r)) {
        std::string name = s->name;
        for (size_t p = 0; (p = name.find('|', p)) != std::string::npos; p += 2)
            name.replace(p, 1, "\\|");
        o << "| " << name << " |";
        for (Metric m : r.metrics) {
            const auto* st = findStats(*s, m);
            if (!st || !std::isfinite(st->mean))
                o << " – |";
            else
                o << ' ' << num(st->mean, "%.4f") << " ± " << num(st->stddev, "%.4f") << " |";
        }
        o << '\n';
    }
    o << "\nMean ± standard deviation over " << r.count << " frames from frame " << r.start
      << ". Conventions " << describeConventions(r.conventions) << ". Optical flow "
      << metrics::flowMethodName(r.flow.method) << ".\n";
    return o.str();
}

void writeTableCsv(const EvalResult& r, const std::filesystem::path& path) {
    writeFileAtomic(path, tableCsv(r));
}
void writeTableJson(const EvalResult& r, const std::filesystem::path& path) {
    writeFileAtomic(path, tableJson(r));
}
void writeTableMarkdown(const EvalResult& r, const std::filesystem::path& path) {
    writeFileAtomic(path, tableMarkdown(r));
}

} // namespace vf::report
