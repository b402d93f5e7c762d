#include "core/fusion/FusionMethod.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <sstream>

#include <opencv2/imgproc.hpp>

#if __has_include("core/fusion/classical/Classical.h")
#include "core/fusion/classical/Classical.h"
#define VF_HAVE_CLASSICAL 1
#endif
#include "core/fusion/LearnedMethods.h"

namespace vf::fusion {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string fmtNum(double v) {
    if (std::isfinite(v) && v == std::round(v) && std::fabs(v) < 1e15) {
        char b[64];
        std::snprintf(b, sizeof b, "%.0f", v);
        return b;
    }
    char b[64];
    std::snprintf(b, sizeof b, "%.10g", v);
    return b;
}

std::string prefix(const std::string& methodName) {
    return methodName.empty() ? std::string() : methodName + ": ";
}

std::string joinChoices(const std::vector<std::string>& c) {
    std::string s(1, '{');
    for (size_t i = 0; i < c.size(); ++i) {
        if (i) s += ", ";
        s += c[i];
    }
    s += '}';
    return s;
}

} // namespace

// ---------------------------------------------------------------------------------------
// ParamSpec
// ---------------------------------------------------------------------------------------

ParamSpec ParamSpec::integer(std::string key, std::string label, std::string description, int def,
                             int min, int max) {
    ParamSpec p;
    p.key = std::move(key), p.label = std::move(label), p.description = std::move(description);
    p.type = Int, p.defaultValue = def, p.min = min, p.max = max;
    return p;
}
ParamSpec ParamSpec::real(std::string key, std::string label, std::string description, double def,
                          double min, double max) {
    ParamSpec p;
    p.key = std::move(key), p.label = std::move(label), p.description = std::move(description);
    p.type = Double, p.defaultValue = def, p.min = min, p.max = max;
    return p;
}
ParamSpec ParamSpec::boolean(std::string key, std::string label, std::string description,
                             bool def) {
    ParamSpec p;
    p.key = std::move(key), p.label = std::move(label), p.description = std::move(description);
    p.type = Bool, p.defaultValue = def ? 1 : 0, p.min = 0, p.max = 1;
    return p;
}
ParamSpec ParamSpec::choice(std::string key, std::string label, std::string description,
                            std::vector<std::string> choices, int defaultIndex) {
    ParamSpec p;
    p.key = std::move(key), p.label = std::move(label), p.description = std::move(description);
    p.type = Choice, p.choices = std::move(choices), p.defaultValue = defaultIndex;
    p.min = 0, p.max = double(p.choices.size()) - 1;
    return p;
}
ParamSpec ParamSpec::path(std::string key, std::string label, std::string description,
                          std::string def, std::string fileFilter) {
    ParamSpec p;
    p.key = std::move(key), p.label = std::move(label), p.description = std::move(description);
    p.type = Path, p.defaultText = std::move(def), p.fileFilter = std::move(fileFilter);
    return p;
}
ParamSpec ParamSpec::text(std::string key, std::string label, std::string description,
                          std::string def) {
    ParamSpec p;
    p.key = std::move(key), p.label = std::move(label), p.description = std::move(description);
    p.type = Text, p.defaultText = std::move(def);
    return p;
}

const char* ParamSpec::typeName() const {
    switch (type) {
    case Int:
        return "int";
    case Double:
        return "double";
    case Bool:
        return "bool";
    case Choice:
        return "choice";
    case Path:
        return "path";
    case Text:
        return "text";
    }
    return "?";
}

std::string ParamSpec::defaultAsText() const {
    switch (type) {
    case Int:
    case Double:
        return fmtNum(defaultValue);
    case Bool:
        return defaultValue != 0 ? "true" : "false";
    case Choice: {
        int i = int(defaultValue);
        return (i >= 0 && i < int(choices.size())) ? choices[size_t(i)] : std::string();
    }
    case Path:
    case Text:
        return defaultText;
    }
    return {};
}

std::string ParamSpec::rangeAsText() const {
    switch (type) {
    case Int:
    case Double: {
        std::string s(1, '[');
        s += fmtNum(min);
        s += ", ";
        s += fmtNum(max);
        s += ']';
        return s;
    }
    case Choice:
        return joinChoices(choices);
    default:
        return {};
    }
}

// ---------------------------------------------------------------------------------------
// Parameter values
// ---------------------------------------------------------------------------------------

std::string paramValueToText(const ParamValue& v) {
    if (auto d = std::get_if<double>(&v)) return fmtNum(*d);
    return std::get<std::string>(v);
}

ParamValues resolveParams(const std::vector<ParamSpec>& specs, const ParamValues& given,
                          const std::string& methodName) {
    const std::string pre = prefix(methodName);
    for (const auto& [key, value] : given) {
        bool known = std::any_of(specs.begin(), specs.end(),
                                 [&](const ParamSpec& s) { return s.key == key; });
        if (!known) {
            std::string list;
            for (const auto& s : specs)
                list += (list.empty() ? "" : ", ") + s.key;
            throw Error(ErrorCode::InvalidArgument,
                        pre + "unknown parameter '" + key + "' (value " + paramValueToText(value) +
                            "); known parameters: " + (list.empty() ? "none" : list));
        }
    }
    ParamValues out;
    for (const auto& s : specs) {
        auto it = given.find(s.key);
        if (it == given.end()) {
            if (s.type == ParamSpec::Choice || s.type == ParamSpec::Path ||
                s.type == ParamSpec::Text)
                out[s.key] = s.defaultAsText();
            else
                out[s.key] = s.defaultValue;
            continue;
        }
        const ParamValue& v = it->second;
        const std::string shown = "parameter '" + s.key + "' = " + paramValueToText(v);
        switch (s.type) {
        case ParamSpec::Int:
        case ParamSpec::Double:
        case ParamSpec::Bool: {
            const double* d = std::get_if<double>(&v);
            if (!d)
                throw Error(ErrorCode::InvalidArgument,
                            pre + shown + " must be a number (" + s.typeName() + ")");
            if (!std::isfinite(*d))
                throw Error(ErrorCode::InvalidArgument, pre + shown + " is not a finite number");
            if (s.type == ParamSpec::Bool) {
                if (*d != 0 && *d != 1)
                    throw Error(ErrorCode::InvalidArgument,
                                pre + shown + " must be a boolean (0/1, true/false)");
            } else {
                if (s.type == ParamSpec::Int && *d != std::round(*d))
                    throw Error(ErrorCode::InvalidArgument,
                                pre + shown + " must be a whole number in " + s.rangeAsText());
                if (s.max > s.min && (*d < s.min || *d > s.max))
                    throw Error(ErrorCode::InvalidArgument,
                                pre + shown + " is out of range " + s.rangeAsText());
            }
            out[s.key] = *d;
            break;
        }
        case ParamSpec::Choice: {
            if (const double* d = std::get_if<double>(&v)) {
                int i = int(*d);
                if (*d != i || i < 0 || i >= int(s.choices.size()))
                    throw Error(ErrorCode::InvalidArgument,
                                pre + shown +
                                    " is not a valid choice index; choices: " + s.rangeAsText());
                out[s.key] = s.choices[size_t(i)];
            } else {
                const std::string& t = std::get<std::string>(v);
                auto c = std::find_if(s.choices.begin(), s.choices.end(),
                                      [&](const std::string& x) { return lower(x) == lower(t); });
                if (c == s.choices.end())
                    throw Error(ErrorCode::InvalidArgument,
                                pre + shown + " is not one of " + s.rangeAsText());
                out[s.key] = *c;
            }
            break;
        }
        case ParamSpec::Path:
        case ParamSpec::Text:
            if (!std::holds_alternative<std::string>(v))
                throw Error(ErrorCode::InvalidArgument,
                            pre + shown + " must be " +
                                (s.type == ParamSpec::Path ? "a file path" : "text"));
            out[s.key] = v;
            break;
        }
    }
    return out;
}

ParamValue parseParamValue(const ParamSpec& spec, const std::string& text) {
    switch (spec.type) {
    case ParamSpec::Bool: {
        std::string t = lower(text);
        if (t == "1" || t == "true" || t == "yes" || t == "on") return 1.0;
        if (t == "0" || t == "false" || t == "no" || t == "off") return 0.0;
        throw Error(ErrorCode::InvalidArgument, "parameter '" + spec.key + "': '" + text +
                                                    "' is not a boolean (true/false, 1/0)");
    }
    case ParamSpec::Int:
    case ParamSpec::Double: {
        size_t used = 0;
        double d = 0;
        try {
            d = std::stod(text, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != text.size())
            throw Error(ErrorCode::InvalidArgument,
                        "parameter '" + spec.key + "': '" + text + "' is not a number");
        return d;
    }
    case ParamSpec::Choice:
    case ParamSpec::Path:
    case ParamSpec::Text:
        return text;
    }
    return text;
}

std::pair<std::string, ParamValue> parseParamAssignment(const std::vector<ParamSpec>& specs,
                                                        const std::string& assignment,
                                                        const std::string& methodName) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw Error(ErrorCode::InvalidArgument,
                    prefix(methodName) + "parameter '" + assignment + "' must be key=value");
    std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
    auto s =
        std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& p) { return p.key == key; });
    if (s == specs.end()) {
        std::string list;
        for (const auto& p : specs)
            list += (list.empty() ? "" : ", ") + p.key;
        throw Error(ErrorCode::InvalidArgument,
                    prefix(methodName) + "unknown parameter '" + key +
                        "'; known parameters: " + (list.empty() ? "none" : list));
    }
    return {key, parseParamValue(*s, value)};
}

static const ParamValue& paramAt(const ParamValues& p, const std::string& key) {
    auto it = p.find(key);
    if (it == p.end())
        throw Error(ErrorCode::InvalidArgument, "parameter '" + key + "' is not set");
    return it->second;
}

double paramNumber(const ParamValues& p, const std::string& key) {
    const ParamValue& v = paramAt(p, key);
    if (auto d = std::get_if<double>(&v)) return *d;
    throw Error(ErrorCode::InvalidArgument,
                "parameter '" + key + "' = " + std::get<std::string>(v) + " is not a number");
}
int paramInt(const ParamValues& p, const std::string& key) {
    return int(std::lround(paramNumber(p, key)));
}
bool paramBool(const ParamValues& p, const std::string& key) {
    return paramNumber(p, key) != 0;
}
std::string paramString(const ParamValues& p, const std::string& key) {
    const ParamValue& v = paramAt(p, key);
    if (auto s = std::get_if<std::string>(&v)) return *s;
    return fmtNum(std::get<double>(v));
}

// ---------------------------------------------------------------------------------------
// Colour
// ---------------------------------------------------------------------------------------

const char* colorPolicyName(ColorPolicy p) {
    switch (p) {
    case ColorPolicy::LumaY:
        return "luma";
    case ColorPolicy::PerChannel:
        return "per-channel";
    case ColorPolicy::Native:
        return "native";
    }
    return "?";
}

ColorPolicy colorPolicyFromName(const std::string& name) {
    std::string n = lower(name);
    if (n == "luma" || n == "y" || n == "lumay" || n == "ycbcr") return ColorPolicy::LumaY;
    if (n == "per-channel" || n == "perchannel" || n == "rgb") return ColorPolicy::PerChannel;
    if (n == "native") return ColorPolicy::Native;
    throw Error(ErrorCode::InvalidArgument,
                "unknown colour policy '" + name + "' (use luma, per-channel or native)");
}

void checkPair(const cv::Mat& ir, const cv::Mat& vi, const std::string& what) {
    const std::string pre = what.empty() ? std::string() : what + ": ";
    if (ir.empty()) throw Error(ErrorCode::InvalidArgument, pre + "the infrared image is empty");
    if (vi.empty()) throw Error(ErrorCode::InvalidArgument, pre + "the visible image is empty");
    if (ir.size() != vi.size())
        throw Error(ErrorCode::Mismatch,
                    pre + "infrared and visible differ in size: " + std::to_string(ir.cols) + "x" +
                        std::to_string(ir.rows) + " vs " + std::to_string(vi.cols) + "x" +
                        std::to_string(vi.rows));
    for (const cv::Mat* m : {&ir, &vi}) {
        int d = m->depth(), c = m->channels();
        if ((d != CV_8U && d != CV_16U && d != CV_32F) || (c != 1 && c != 3 && c != 4))
            throw Error(ErrorCode::Unsupported,
                        pre + std::string(m == &ir ? "infrared" : "visible") +
                            " image has an unsupported type (" + std::to_string(c) +
                            " channels, depth " + std::to_string(d) +
                            "); expected 8-bit, 16-bit or float with 1, 3 or 4 channels");
    }
}

static cv::Mat toFloat01(const cv::Mat& img) {
    cv::Mat f;
    switch (img.depth()) {
    case CV_8U:
        img.convertTo(f, CV_32F, 1.0 / 255.0);
        break;
    case CV_16U:
        img.convertTo(f, CV_32F, 1.0 / 65535.0);
        break;
    case CV_32F:
        f = img.clone();
        break;
    default:
        throw Error(ErrorCode::Unsupported,
                    "unsupported image depth " + std::to_string(img.depth()));
    }
    if (f.channels() == 4) cv::cvtColor(f, f, cv::COLOR_BGRA2BGR);
    return f;
}

cv::Mat toGrayFloat(const cv::Mat& img) {
    cv::Mat f = toFloat01(img);
    if (f.channels() == 3) cv::cvtColor(f, f, cv::COLOR_BGR2GRAY);
    return f;
}

cv::Mat floatToU8(const cv::Mat& f) {
    cv::Mat out;
    // convertTo rounds half away from zero and saturates: clamp [0,1] is implied.
    f.convertTo(out, CV_8U, 255.0);
    return out;
}

static cv::Mat to8U(const cv::Mat& img) {
    if (img.depth() == CV_8U && img.channels() != 4) return img;
    return floatToU8(toFloat01(img));
}

static cv::Mat checkedGray(const cv::Mat& out, const cv::Size& size, const FusionMethod& m) {
    if (out.empty() || out.size() != size || out.channels() != 1)
        throw Error(ErrorCode::Internal, m.name() + ": fuseGray returned an image of the wrong "
                                                    "size or channel count");
    cv::Mat f;
    out.convertTo(f, CV_32F);
    return f;
}

cv::Mat FusionMethod::fuseNative(const cv::Mat& irGray8, const cv::Mat& vi8,
                                 const ParamValues& params) const {
    return fuseFrame(*this, irGray8, vi8, params, ColorPolicy::LumaY);
}

cv::Mat fuseFrame(const FusionMethod& method, const cv::Mat& ir, const cv::Mat& vi,
                  const ParamValues& params, ColorPolicy policy) {
    checkPair(ir, vi, method.name());
    ParamValues p = resolveParams(method.params(), params, method.name());
    if (policy == ColorPolicy::Native) {
        cv::Mat ir8 = to8U(ir), vi8 = to8U(vi);
        if (ir8.channels() == 3) cv::cvtColor(ir8, ir8, cv::COLOR_BGR2GRAY);
        return method.fuseNative(ir8, vi8, p);
    }
    cv::Mat irF = toGrayFloat(ir);
    cv::Mat viF = toFloat01(vi);
    if (viF.channels() == 1)
        return floatToU8(checkedGray(method.fuseGray(irF, viF, p), irF.size(), method));
    if (policy == ColorPolicy::PerChannel) {
        std::vector<cv::Mat> ch;
        cv::split(viF, ch);
        for (auto& c : ch)
            c = checkedGray(method.fuseGray(irF, c, p), irF.size(), method);
        cv::Mat merged;
        cv::merge(ch, merged);
        return floatToU8(merged);
    }
    cv::Mat ycc;
    cv::cvtColor(viF, ycc, cv::COLOR_BGR2YCrCb);
    std::vector<cv::Mat> ch;
    cv::split(ycc, ch);
    cv::Mat y = checkedGray(method.fuseGray(irF, ch[0], p), irF.size(), method);
    ch[0] = cv::min(cv::max(y, 0.0), 1.0);
    cv::merge(ch, ycc);
    cv::Mat bgr;
    cv::cvtColor(ycc, bgr, cv::COLOR_YCrCb2BGR);
    return floatToU8(bgr);
}

cv::Mat fuseFrame(const FusionMethod& method, const cv::Mat& ir, const cv::Mat& vi,
                  const ParamValues& params) {
    return fuseFrame(method, ir, vi, params, method.defaultColorPolicy());
}

// ---------------------------------------------------------------------------------------
// Sequences
// ---------------------------------------------------------------------------------------

MemoryPairSequence::MemoryPairSequence(std::vector<cv::Mat> ir, std::vector<cv::Mat> vi,
                                       std::vector<std::string> names)
    : ir_(std::move(ir)), vi_(std::move(vi)), names_(std::move(names)) {
    if (ir_.size() != vi_.size())
        throw Error(ErrorCode::Mismatch,
                    "infrared and visible differ in frame count: " + std::to_string(ir_.size()) +
                        " vs " + std::to_string(vi_.size()));
}
int MemoryPairSequence::size() const {
    return int(ir_.size());
}
void MemoryPairSequence::read(int index, cv::Mat& ir, cv::Mat& vi) {
    if (index < 0 || index >= size())
        throw Error(ErrorCode::InvalidArgument, "frame " + std::to_string(index) +
                                                    " is outside the sequence (0.." +
                                                    std::to_string(size() - 1) + ")");
    ir = ir_[size_t(index)];
    vi = vi_[size_t(index)];
}
std::string MemoryPairSequence::frameName(int index) const {
    return index >= 0 && size_t(index) < names_.size() ? names_[size_t(index)] : std::string();
}

// Frames [first, first+n) of `seq` per SequenceOptions; throws for an empty/out-of-range span.
std::pair<int, int> sequenceSpan(const PairSequence& seq, const SequenceOptions& o) {
    int n = seq.size();
    if (o.start < 0 || o.start >= n)
        throw Error(ErrorCode::InvalidArgument, "start frame " + std::to_string(o.start) +
                                                    " is outside the sequence of " +
                                                    std::to_string(n) + " frames");
    int count = o.count < 0 ? n - o.start : std::min(o.count, n - o.start);
    if (count <= 0) throw Error(ErrorCode::InvalidArgument, "no frames to fuse (count 0)");
    return {o.start, count};
}

static SequenceStats runPerFrame(const FusionMethod& m, ColorPolicy policy, PairSequence& seq,
                                 const ParamValues& params, const FrameSink& sink,
                                 const SequenceOptions& o) {
    auto [first, count] = sequenceSpan(seq, o);
    ParamValues p = resolveParams(m.params(), params, m.name());
    auto t0 = std::chrono::steady_clock::now();
    SequenceStats st;
    for (int i = 0; i < count; ++i) {
        if (o.cancel) o.cancel->check();
        cv::Mat ir, vi;
        seq.read(first + i, ir, vi);
        FusedFrame f;
        f.index = first + i;
        f.fused = fuseFrame(m, ir, vi, p, policy);
        if (sink) sink(f);
        ++st.frames;
        if (o.progress) o.progress(i + 1, count, m.name() + ": frame " + std::to_string(first + i));
    }
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return st;
}

SequenceStats FusionMethod::fuseSequence(PairSequence& seq, const ParamValues& params,
                                         const FrameSink& sink,
                                         const SequenceOptions& options) const {
    return runPerFrame(*this, defaultColorPolicy(), seq, params, sink, options);
}

cv::Mat ConfiguredMethod::fuse(const cv::Mat& ir, const cv::Mat& vi) const {
    if (!method) throw Error(ErrorCode::InvalidArgument, "no fusion method configured");
    return fuseFrame(*method, ir, vi, params, policy);
}

SequenceStats ConfiguredMethod::fuseSequence(PairSequence& seq, const FrameSink& sink,
                                             const SequenceOptions& options) const {
    if (!method) throw Error(ErrorCode::InvalidArgument, "no fusion method configured");
    if (method->kind() == MethodKind::Video || policy == method->defaultColorPolicy())
        return method->fuseSequence(seq, params, sink, options);
    return runPerFrame(*method, policy, seq, params, sink, options);
}

// ---------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------

struct MethodRegistry::Entry {
    std::string name;
    Factory factory;
    std::once_flag once;
    std::shared_ptr<const FusionMethod> instance;

    std::shared_ptr<const FusionMethod> get() {
        std::call_once(once, [this] {
            instance = factory();
            if (!instance)
                throw Error(ErrorCode::Internal, "fusion method '" + name + "' failed to build");
        });
        return instance;
    }
};

void MethodRegistry::add(const std::string& name, Factory factory) {
    if (name.empty()) throw Error(ErrorCode::InvalidArgument, "fusion method without a name");
    for (const auto& e : entries_)
        if (lower(e->name) == lower(name))
            throw Error(ErrorCode::InvalidArgument,
                        "fusion method '" + name + "' is registered twice");
    auto e = std::make_shared<Entry>();
    e->name = name;
    e->factory = std::move(factory);
    entries_.push_back(std::move(e));
}

void MethodRegistry::add(std::shared_ptr<const FusionMethod> method) {
    if (!method) throw Error(ErrorCode::InvalidArgument, "null fusion method");
    std::string n = method->name();
    add(n, [method] { return method; });
}

std::vector<std::string> MethodRegistry::names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_)
        out.push_back(e->name);
    return out;
}

std::vector<std::shared_ptr<const FusionMethod>> MethodRegistry::methods() const {
    std::vector<std::shared_ptr<const FusionMethod>> out;
    for (const auto& e : entries_)
        out.push_back(e->get());
    return out;
}

std::shared_ptr<const FusionMethod> MethodRegistry::find(const std::string& name) const {
    std::string n = lower(name);
    for (const auto& e : entries_)
        if (lower(e->name) == n) return e->get();
    return nullptr;
}

std::shared_ptr<const FusionMethod> MethodRegistry::get(const std::string& name) const {
    if (auto m = find(name)) return m;
    std::string list;
    for (const auto& e : entries_)
        list += (list.empty() ? "" : ", ") + e->name;
    throw Error(ErrorCode::NotFound, "unknown fusion method '" + name +
                                         "'; available: " + (list.empty() ? "none" : list));
}

ConfiguredMethod MethodRegistry::create(const std::string& name, const ParamValues& params) const {
    auto m = get(name);
    return create(name, params, m->defaultColorPolicy());
}

ConfiguredMethod MethodRegistry::create(const std::string& name, const ParamValues& params,
                                        ColorPolicy policy) const {
    ConfiguredMethod c;
    c.method = get(name);
    c.params = resolveParams(c.method->params(), params, c.method->name());
    c.policy = policy;
    return c;
}

void registerBuiltinMethods(MethodRegistry& reg) {
#ifdef VF_HAVE_CLASSICAL
    registerClassicalMethods(reg);
#endif
    registerLearnedMethods(reg);
}

const MethodRegistry& MethodRegistry::builtin() {
    static const MethodRegistry reg = [] {
        MethodRegistry r;
        registerBuiltinMethods(r);
        return r;
    }();
    return reg;
}

} // namespace vf::fusion
