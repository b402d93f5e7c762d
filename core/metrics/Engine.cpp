// Streaming evaluation engine: per-frame image / temporal / restoration metrics over videos or
// image folders, parallel over frames, cached per (stream, frame, metric, convention),
// aggregated per clip and per sequence; JSON / CSV / table output.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>

#include "core/common/AtomicFile.h"
#include "core/metrics/Metrics.h"

namespace vf::metrics {

// ----------------------------------------------------------------------------- cache
struct MetricCache::Impl {
    mutable std::mutex mu;
    std::unordered_map<std::string, double> map;
    static std::string key(const std::string& s, int f, Metric m, const std::string& c) {
        return s + '\x1f' + std::to_string(f) + '\x1f' + metricName(m) + '\x1f' + c;
    }
};
MetricCache::MetricCache() : d_(std::make_unique<Impl>()) {}
MetricCache::~MetricCache() = default;
std::optional<double> MetricCache::get(const std::string& stream, int frame, Metric m,
                                       const std::string& convKey) const {
    std::lock_guard<std::mutex> l(d_->mu);
    auto it = d_->map.find(Impl::key(stream, frame, m, convKey));
    if (it == d_->map.end()) return std::nullopt;
    return it->second;
}
void MetricCache::put(const std::string& stream, int frame, Metric m, const std::string& convKey,
                      double v) {
    std::lock_guard<std::mutex> l(d_->mu);
    d_->map[Impl::key(stream, frame, m, convKey)] = v;
}
size_t MetricCache::size() const {
    std::lock_guard<std::mutex> l(d_->mu);
    return d_->map.size();
}
void MetricCache::clear() {
    std::lock_guard<std::mutex> l(d_->mu);
    d_->map.clear();
}

// ----------------------------------------------------------------------------- stats
Stats computeStats(const std::vector<double>& values) {
    std::vector<double> v;
    v.reserve(values.size());
    for (double x : values)
        if (std::isfinite(x)) v.push_back(x);
    Stats s;
    s.n = static_cast<int>(v.size());
    if (v.empty()) {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        s.mean = s.stddev = s.median = s.min = s.max = nan;
        return s;
    }
    double sum = 0;
    for (double x : v)
        sum += x;
    s.mean = sum / v.size();
    double ss = 0;
    for (double x : v)
        ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / v.size()); // population standard deviation
    std::sort(v.begin(), v.end());
    s.min = v.front();
    s.max = v.back();
    const size_t h = v.size() / 2;
    s.median = v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
    return s;
}

namespace {

std::string keyFor(const EvalRequest& req, Metric m) {
    std::string k;
    if (metricKind(m) == MetricKind::Image) k = toJson(req.conventions).dump();
    if (metricKind(m) == MetricKind::Temporal) k = flowMethodName(req.flow.method);
    if (!req.mask.empty()) {
        // masks change values: key by a content hash
        uint64_t h = 1469598103934665603ull;
        for (int y = 0; y < req.mask.rows; ++y) {
            const uchar* p = req.mask.ptr<uchar>(y);
            for (int x = 0; x < req.mask.cols; ++x)
                h = (h ^ (p[x] != 0)) * 1099511628211ull;
        }
        k += "|mask:" + std::to_string(h);
    }
    return k;
}

std::string streamKey(const std::filesystem::path& p) {
    std::error_code ec;
    auto c = std::filesystem::weakly_canonical(p, ec);
    return (ec ? p : c).string();
}

nlohmann::json num(double v) {
    if (!std::isfinite(v)) return nullptr;
    return v;
}

nlohmann::json statsJson(const Stats& s) {
    return {{"mean", num(s.mean)}, {"std", num(s.stddev)}, {"median", num(s.median)},
            {"min", num(s.min)},   {"max", num(s.max)},    {"n", s.n}};
}

void aggregate(StreamResult& r, int clipLength, int count) {
    for (const auto& [m, v] : r.perFrame)
        r.summary[m] = computeStats(v);
    if (clipLength > 0) {
        for (int s = 0; s < count; s += clipLength) {
            std::map<Metric, Stats> clip;
            for (const auto& [m, v] : r.perFrame) {
                const int e = std::min(count, s + clipLength);
                clip[m] = computeStats(std::vector<double>(v.begin() + s, v.begin() + e));
            }
            r.clips.push_back(std::move(clip));
        }
    }
}

} // namespace

// ----------------------------------------------------------------------------- evaluate
EvalResult evaluate(const EvalRequest& req, const ProgressFn& progress, const CancelToken& cancel,
                    MetricCache* cache) {
    if (req.streams.empty()) throw Error(ErrorCode::InvalidArgument, "no fused stream to evaluate");
    if (req.ir.empty() || req.vi.empty())
        throw Error(ErrorCode::InvalidArgument,
                    "both the infrared and the visible source are needed");

    EvalResult res;
    res.conventions = req.conventions;
    res.flow = req.flow;
    res.ir = req.ir;
    res.vi = req.vi;
    res.refIr = req.refIr;
    res.refVi = req.refVi;

    std::vector<Metric> imgM, tmpM;
    for (Metric m : req.metrics) {
        if (metricKind(m) == MetricKind::Image) imgM.push_back(m);
        if (metricKind(m) == MetricKind::Temporal) tmpM.push_back(m);
    }
    const bool haveRefIr = !req.refIr.empty(), haveRefVi = !req.refVi.empty();

    // Open everything.
    const auto ir = openFrames(req.ir);
    const auto vi = openFrames(req.vi);
    std::shared_ptr<const Frames> refIr, refVi;
    if (haveRefIr) refIr = openFrames(req.refIr);
    if (haveRefVi) refVi = openFrames(req.refVi);
    struct Opened {
        std::shared_ptr<const Frames> fused, rIr, rVi;
    };
    std::vector<Opened> opened;
    for (const auto& s : req.streams) {
        if (s.name.empty()) throw Error(ErrorCode::InvalidArgument, "a fused stream has no name");
        Opened o;
        o.fused = openFrames(s.fused);
        if (!s.restoredIr.empty()) o.rIr = openFrames(s.restoredIr);
        if (!s.restoredVi.empty()) o.rVi = openFrames(s.restoredVi);
        opened.push_back(o);
    }

    // Sizes and frame counts.
    const cv::Size size = vi->size();
    std::vector<std::shared_ptr<const Frames>> all{ir, vi};
    if (refIr) all.push_back(refIr);
    if (refVi) all.push_back(refVi);
    for (const auto& o : opened)
        for (const auto& f : {o.fused, o.rIr, o.rVi})
            if (f) all.push_back(f);
    int common = std::numeric_limits<int>::max();
    std::string shortest;
    for (const auto& f : all) {
        if (f->size() != size)
            throw Error(ErrorCode::Mismatch,
                        f->path() + " has frames of " + std::to_string(f->size().width) + "x" +
                            std::to_string(f->size().height) + " but the visible source " +
                            vi->path() + " has " + std::to_string(size.width) + "x" +
                            std::to_string(size.height),
                        f->path());
        if (f->count() < common) {
            common = f->count();
            shortest = f->path();
        }
    }
    for (const auto& f : all)
        if (f->count() != common)
            res.warnings.push_back(f->path() + " has " + std::to_string(f->count()) +
                                   " frames but " + shortest + " has " + std::to_string(common) +
                                   "; evaluating the first " + std::to_string(common));
    if (req.start < 0 || req.start >= common)
        throw Error(ErrorCode::InvalidArgument, "start frame " + std::to_string(req.start) +
                                                    " is outside the " + std::to_string(common) +
                                                    " frames the inputs have in common");
    const int n = req.count < 0 ? common - req.start : std::min(req.count, common - req.start);
    if (n <= 0) throw Error(ErrorCode::InvalidArgument, "no frame to evaluate (count 0)");
    if (req.count > common - req.start)
        res.warnings.push_back("asked for " + std::to_string(req.count) + " frames from " +
                               std::to_string(req.start) + " but only " + std::to_string(n) +
                               " exist; evaluating " + std::to_string(n));
    res.start = req.start;
    res.count = n;
    if (!req.mask.empty() && (req.mask.type() != CV_8UC1 || req.mask.size() != size))
        throw Error(ErrorCode::Mismatch, "the region mask must be CV_8UC1 of the frame size " +
                                             std::to_string(size.width) + "x" +
                                             std::to_string(size.height));

    // Which restoration metrics each stream gets.
    std::vector<std::vector<Metric>> restM(opened.size());
    for (size_t s = 0; s < opened.size(); ++s) {
        if (opened[s].rIr && haveRefIr)
            restM[s].insert(restM[s].end(), {Metric::PSNR_IR, Metric::SSIM_IR});
        if (opened[s].rVi && haveRefVi)
            restM[s].insert(restM[s].end(), {Metric::PSNR_VI, Metric::SSIM_VI});
        if ((opened[s].rIr && !haveRefIr) || (opened[s].rVi && !haveRefVi))
            res.warnings.push_back("stream '" + req.streams[s].name +
                                   "' has restored frames but no clean reference was given "
                                   "(--ref-ir/--ref-vi); restoration metrics skipped");
    }
    std::vector<Metric> inputRest;
    if (haveRefIr) inputRest.insert(inputRest.end(), {Metric::PSNR_IR, Metric::SSIM_IR});
    if (haveRefVi) inputRest.insert(inputRest.end(), {Metric::PSNR_VI, Metric::SSIM_VI});

    std::vector<Metric> reported = req.metrics;
    for (Metric m : inputRest)
        if (std::find(reported.begin(), reported.end(), m) == reported.end()) reported.push_back(m);
    for (const auto& v : restM)
        for (Metric m : v)
            if (std::find(reported.begin(), reported.end(), m) == reported.end())
                reported.push_back(m);
    res.metrics = reported;

    const double nan = std::numeric_limits<double>::quiet_NaN();
    res.streams.resize(opened.size());
    for (size_t s = 0; s < opened.size(); ++s) {
        res.streams[s].name = req.streams[s].name;
        res.streams[s].path = req.streams[s].fused;
        for (Metric m : req.metrics)
            if (metricKind(m) != MetricKind::Restoration) res.streams[s].perFrame[m].assign(n, nan);
        for (Metric m : restM[s])
            res.streams[s].perFrame[m].assign(n, nan);
    }
    if (!inputRest.empty()) {
        res.inputsAgainstRefs = StreamResult{};
        res.inputsAgainstRefs->name = "inputs";
        for (Metric m : inputRest)
            res.inputsAgainstRefs->perFrame[m].assign(n, nan);
    }

    std::vector<std::string> keys(opened.size());
    for (size_t s = 0; s < opened.size(); ++s)
        keys[s] = streamKey(req.streams[s].fused);

    std::atomic<long long> done{0};
    std::mutex errMu;
    std::exception_ptr firstError;

    auto frameJob = [&](int i) {
        const int t = req.start + i;
        const cv::Mat irT = ir->read(t), viT = vi->read(t);
        const bool temporal = !tmpM.empty() && t > 0; // pair (t-1, t), also before start
        cv::Mat irP, viP;
        if (temporal) {
            irP = ir->read(t - 1);
            viP = vi->read(t - 1);
        }
        std::optional<SourceFlows> flows;
        for (size_t s = 0; s < opened.size(); ++s) {
            auto& out = res.streams[s].perFrame;
            auto cached = [&](Metric m) -> bool {
                if (!cache) return false;
                if (auto v = cache->get(keys[s], t, m, keyFor(req, m))) {
                    out.at(m)[i] = *v;
                    return true;
                }
                return false;
            };
            std::vector<Metric> needImg, needTmp;
            for (Metric m : imgM)
                if (!cached(m)) needImg.push_back(m);
            if (temporal)
                for (Metric m : tmpM)
                    if (!cached(m)) needTmp.push_back(m);
            cv::Mat fT;
            if (!needImg.empty() || !needTmp.empty()) fT = opened[s].fused->read(t);
            if (!needImg.empty()) {
                const Values v = imageMetrics(irT, viT, fT, needImg, req.conventions, req.mask);
                for (const auto& [m, x] : v) {
                    out.at(m)[i] = x;
                    if (cache) cache->put(keys[s], t, m, keyFor(req, m), x);
                }
            }
            if (!needTmp.empty()) {
                if (!flows)
                    flows =
                        computeSourceFlows({irP, irT, viP, viT, {}, {}}, tmpM, req.flow, req.mask);
                TemporalInputs in{irP, irT, viP, viT, opened[s].fused->read(t - 1), fT};
                const Values v = temporalMetrics(in, needTmp, req.flow, req.mask, &*flows);
                for (const auto& [m, x] : v) {
                    out.at(m)[i] = x;
                    if (cache) cache->put(keys[s], t, m, keyFor(req, m), x);
                }
            }
            if (!restM[s].empty()) {
                for (Metric m : restM[s]) {
                    if (cached(m)) continue;
                    const bool isIr = m == Metric::PSNR_IR || m == Metric::SSIM_IR;
                    const cv::Mat restored = (isIr ? opened[s].rIr : opened[s].rVi)->read(t);
                    const cv::Mat clean = (isIr ? refIr : refVi)->read(t);
                    const bool isPsnr = m == Metric::PSNR_IR || m == Metric::PSNR_VI;
                    const double x = isPsnr ? psnr8(restored, clean, req.mask)
                                            : ssim8(restored, clean, req.mask);
                    out.at(m)[i] = x;
                    if (cache) cache->put(keys[s], t, m, keyFor(req, m), x);
                }
            }
        }
        if (res.inputsAgainstRefs) {
            auto& out = res.inputsAgainstRefs->perFrame;
            if (haveRefIr) {
                const cv::Mat c = refIr->read(t);
                out.at(Metric::PSNR_IR)[i] = psnr8(irT, c, req.mask);
                out.at(Metric::SSIM_IR)[i] = ssim8(irT, c, req.mask);
            }
            if (haveRefVi) {
                const cv::Mat c = refVi->read(t);
                out.at(Metric::PSNR_VI)[i] = psnr8(viT, c, req.mask);
                out.at(Metric::SSIM_VI)[i] = ssim8(viT, c, req.mask);
            }
        }
    };

    auto body = [&](const cv::Range& r) {
        for (int i = r.start; i < r.end; ++i) {
            {
                std::lock_guard<std::mutex> l(errMu);
                if (firstError) return;
            }
            if (cancel.cancelled()) return;
            try {
                frameJob(i);
            } catch (...) {
                std::lock_guard<std::mutex> l(errMu);
                if (!firstError) firstError = std::current_exception();
                return;
            }
            const long long d = ++done;
            if (progress) progress(d, n, "frame " + std::to_string(req.start + i));
        }
    };
    if (req.threads == 1) {
        body(cv::Range(0, n));
    } else {
        // one contiguous block of frames per thread: each block's video decoders then read
        // forwards (one stripe per frame made every pooled decoder walk over all frames)
        const int threads = req.threads > 0 ? req.threads : cv::getNumThreads();
        cv::parallel_for_(cv::Range(0, n), body, std::clamp(threads, 1, n));
    }
    if (firstError) std::rethrow_exception(firstError);
    cancel.check();

    for (auto& s : res.streams)
        aggregate(s, req.clipLength, n);
    if (res.inputsAgainstRefs) aggregate(*res.inputsAgainstRefs, req.clipLength, n);
    return res;
}

// ----------------------------------------------------------------------------- output
nlohmann::json toJson(const EvalResult& r, bool includePerFrame) {
    nlohmann::json j;
    j["tool"] = "vfstudio metrics";
    j["conventions"] = toJson(r.conventions);
    j["flow"] = {{"method", flowMethodName(r.flow.method)},
                 {"note", "flowD/Ewarp/BiSWE/MS2R use OpenCV optical flow, not SEA-RAFT as the "
                          "paper: absolute values differ from published ones"}};
    j["inputs"] = {{"ir", r.ir.string()},
                   {"vi", r.vi.string()},
                   {"ref_ir", r.refIr.string()},
                   {"ref_vi", r.refVi.string()}};
    j["start"] = r.start;
    j["count"] = r.count;
    nlohmann::json names = nlohmann::json::array();
    for (Metric m : r.metrics)
        names.push_back(metricName(m));
    j["metrics"] = names;
    j["warnings"] = r.warnings;
    auto streamJson = [&](const StreamResult& s) {
        nlohmann::json o;
        o["name"] = s.name;
        o["path"] = s.path.string();
        nlohmann::json sum = nlohmann::json::object();
        for (const auto& [m, st] : s.summary)
            sum[metricName(m)] = statsJson(st);
        o["summary"] = sum;
        if (!s.clips.empty()) {
            nlohmann::json clips = nlohmann::json::array();
            for (const auto& c : s.clips) {
                nlohmann::json cj = nlohmann::json::object();
                for (const auto& [m, st] : c)
                    cj[metricName(m)] = statsJson(st);
                clips.push_back(cj);
            }
            o["clips"] = clips;
        }
        if (includePerFrame) {
            nlohmann::json pf = nlohmann::json::object();
            nlohmann::json frames = nlohmann::json::array();
            for (int i = 0; i < r.count; ++i)
                frames.push_back(r.start + i);
            pf["frame"] = frames;
            for (const auto& [m, v] : s.perFrame) {
                nlohmann::json a = nlohmann::json::array();
                for (double x : v)
                    a.push_back(num(x));
                pf[metricName(m)] = a;
            }
            o["per_frame"] = pf;
        }
        return o;
    };
    nlohmann::json streams = nlohmann::json::array();
    for (const auto& s : r.streams)
        streams.push_back(streamJson(s));
    j["streams"] = streams;
    if (r.inputsAgainstRefs) j["inputs_against_refs"] = streamJson(*r.inputsAgainstRefs);
    return j;
}

void writeJson(const EvalResult& r, const std::filesystem::path& path) {
    writeFileAtomic(path, toJson(r).dump(2) + "\n");
}

namespace {
std::string fmt(double v, int prec = 6) {
    if (!std::isfinite(v)) return std::isinf(v) ? (v > 0 ? "inf" : "-inf") : "";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", prec + 2, v);
    return buf;
}
} // namespace

void writePerFrameCsv(const EvalResult& r, const std::filesystem::path& path) {
    std::vector<Metric> cols = r.metrics;
    auto addCols = [&](const StreamResult& s) {
        for (const auto& [m, v] : s.perFrame)
            if (std::find(cols.begin(), cols.end(), m) == cols.end()) cols.push_back(m);
    };
    for (const auto& s : r.streams)
        addCols(s);
    if (r.inputsAgainstRefs) addCols(*r.inputsAgainstRefs);
    std::ostringstream o;
    o << "# conventions: " << toJson(r.conventions).dump() << "\n";
    o << "# flow: " << flowMethodName(r.flow.method) << "\n";
    o << "stream,frame";
    for (Metric m : cols)
        o << ',' << metricName(m);
    o << '\n';
    auto rows = [&](const StreamResult& s) {
        for (int i = 0; i < r.count; ++i) {
            std::string name = s.name;
            if (name.find_first_of(",\"\n") != std::string::npos) {
                std::string q = "\"";
                for (char c : name)
                    q += c == '"' ? std::string("\"\"") : std::string(1, c);
                name = q + "\"";
            }
            o << name << ',' << (r.start + i);
            for (Metric m : cols) {
                o << ',';
                auto it = s.perFrame.find(m);
                if (it != s.perFrame.end()) o << fmt(it->second[i]);
            }
            o << '\n';
        }
    };
    for (const auto& s : r.streams)
        rows(s);
    if (r.inputsAgainstRefs) rows(*r.inputsAgainstRefs);
    writeFileAtomic(path, o.str());
}

std::string formatTable(const EvalResult& r) {
    std::vector<Metric> cols = r.metrics;
    std::vector<const StreamResult*> rows;
    for (const auto& s : r.streams)
        rows.push_back(&s);
    if (r.inputsAgainstRefs) rows.push_back(&*r.inputsAgainstRefs);
    size_t w0 = 6;
    for (auto* s : rows)
        w0 = std::max(w0, s->name.size());
    std::ostringstream o;
    char buf[64];
    o << std::string(w0 - 6, ' ') << "stream";
    for (Metric m : cols) {
        std::snprintf(buf, sizeof buf, " %11s%s", metricName(m),
                      m == Metric::MS2R ? "~1" : (higherIsBetter(m) ? "+" : "-"));
        o << buf;
    }
    o << '\n';
    for (auto* s : rows) {
        o << std::string(w0 - s->name.size(), ' ') << s->name;
        for (Metric m : cols) {
            auto it = s->summary.find(m);
            if (it == s->summary.end() || !std::isfinite(it->second.mean))
                std::snprintf(buf, sizeof buf, " %12s", "-");
            else
                std::snprintf(buf, sizeof buf, " %12.4f", it->second.mean);
            o << buf;
        }
        o << '\n';
    }
    o << "(means over " << r.count << " frames from " << r.start
      << "; + higher is better, - lower is better; convention '" << r.conventions.name << "', flow "
      << flowMethodName(r.flow.method) << ")\n";
    return o.str();
}

} // namespace vf::metrics
