#include "core/annotate/ParseUtil.h"

#include <charconv>
#include <cmath>
#include <vector>

#include "core/common/Error.h"

namespace vf::annotate::detail {

using nlohmann::json;

void fail(const std::string& source, int line, int col, const std::string& field,
          const std::string& problem) {
    std::string msg = source;
    if (line > 0) {
        msg += ":" + std::to_string(line);
        if (col > 0) msg += ":" + std::to_string(col);
    }
    msg += ": ";
    if (!field.empty()) msg += field + ": ";
    msg += problem;
    throw vf::Error(vf::ErrorCode::Corrupt, msg, source);
}

std::string fmt(double v) {
    if (v == 0) return "0"; // also turns -0 into 0
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

std::optional<double> parseDouble(std::string_view s) {
    if (s.empty()) return std::nullopt;
    if (s.front() == '+') s.remove_prefix(1);
    double v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

std::optional<long long> parseInt(std::string_view s) {
    if (s.empty()) return std::nullopt;
    if (s.front() == '+') s.remove_prefix(1);
    long long v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

// --- JSON positions -----------------------------------------------------------------------

namespace {
class PosScanner {
public:
    PosScanner(std::string_view t, std::map<std::string, std::pair<int, int>>& out)
        : t_(t), out_(out) {}
    void run() {
        ws();
        if (p_ < t_.size()) value("", 0);
    }

private:
    std::string_view t_;
    std::map<std::string, std::pair<int, int>>& out_;
    std::size_t p_ = 0;
    int line_ = 1, col_ = 1;

    void adv() {
        if (p_ >= t_.size()) return;
        if (t_[p_] == '\n') {
            ++line_;
            col_ = 1;
        } else if ((static_cast<unsigned char>(t_[p_]) & 0xC0) != 0x80) {
            ++col_; // count characters, not UTF-8 continuation bytes
        }
        ++p_;
    }
    void ws() {
        while (p_ < t_.size() &&
               (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r'))
            adv();
    }
    std::string str() { // at '"'
        std::string s;
        adv();
        while (p_ < t_.size() && t_[p_] != '"') {
            if (t_[p_] == '\\') {
                adv();
                if (p_ < t_.size()) s += t_[p_];
            } else {
                s += t_[p_];
            }
            adv();
        }
        adv();
        return s;
    }
    static std::string escapeKey(const std::string& k) {
        std::string e;
        for (char c : k) {
            if (c == '~')
                e += "~0";
            else if (c == '/')
                e += "~1";
            else
                e += c;
        }
        return e;
    }
    void value(const std::string& ptr, int depth) {
        if (depth > 512 || p_ >= t_.size()) return;
        out_.emplace(ptr, std::make_pair(line_, col_));
        const char c = t_[p_];
        if (c == '{') {
            adv();
            ws();
            while (p_ < t_.size() && t_[p_] != '}') {
                if (t_[p_] != '"') return; // not valid JSON: stop quietly
                std::string key = str();
                ws();
                if (p_ < t_.size() && t_[p_] == ':') adv();
                ws();
                value(ptr + "/" + escapeKey(key), depth + 1);
                ws();
                if (p_ < t_.size() && t_[p_] == ',') {
                    adv();
                    ws();
                }
            }
            adv();
        } else if (c == '[') {
            adv();
            ws();
            int i = 0;
            while (p_ < t_.size() && t_[p_] != ']') {
                const std::size_t before = p_;
                value(ptr + "/" + std::to_string(i++), depth + 1);
                ws();
                if (p_ < t_.size() && t_[p_] == ',') {
                    adv();
                    ws();
                }
                if (p_ == before) return;
            }
            adv();
        } else if (c == '"') {
            str();
        } else {
            while (p_ < t_.size() && t_[p_] != ',' && t_[p_] != '}' && t_[p_] != ']' &&
                   t_[p_] != ' ' && t_[p_] != '\n' && t_[p_] != '\r' && t_[p_] != '\t')
                adv();
        }
    }
};
} // namespace

JsonPositions::JsonPositions(std::string_view text) {
    PosScanner(text, pos_).run();
}

std::pair<int, int> JsonPositions::at(const std::string& pointer) const {
    auto it = pos_.find(pointer);
    if (it != pos_.end()) return it->second;
    return {0, 0};
}

// --- located JSON field access -------------------------------------------------------------

JsonReader::JsonReader(const std::string& source, std::string_view text)
    : source_(source), text_(text) {}

json JsonReader::parse(std::string_view text) const {
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        // e.byte is 1-based; turn it into line and column.
        int line = 1, col = 1;
        const std::size_t n = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
        for (std::size_t i = 0; i < n; ++i) {
            if (text[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        std::string what = e.what();
        // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, ...: X"
        auto k = what.find(": ");
        if (k != std::string::npos) what = what.substr(k + 2);
        detail::fail(source_, line, col, "", "JSON syntax error: " + what);
    } catch (const json::exception& e) {
        // Not a syntax error but a value the parser cannot hold, e.g. a number such as
        // 1e11111 that overflows a double (out_of_range.406). No byte offset is given.
        std::string what = e.what();
        auto k = what.find("] ");
        if (k != std::string::npos) what = what.substr(k + 2);
        detail::fail(source_, 0, 0, "", "JSON value out of range: " + what);
    }
}

std::string JsonReader::fieldName(const std::string& ptr) {
    if (ptr.empty()) return "(document)";
    std::string out;
    std::size_t i = 1;
    while (i <= ptr.size()) {
        std::size_t j = ptr.find('/', i);
        if (j == std::string::npos) j = ptr.size();
        std::string tok = ptr.substr(i, j - i);
        std::string unesc;
        for (std::size_t k = 0; k < tok.size(); ++k) {
            if (tok[k] == '~' && k + 1 < tok.size()) {
                unesc += tok[k + 1] == '1' ? '/' : '~';
                ++k;
            } else {
                unesc += tok[k];
            }
        }
        const bool index =
            !unesc.empty() && unesc.find_first_not_of("0123456789") == std::string::npos;
        if (index)
            out += "[" + unesc + "]";
        else
            out += (out.empty() ? "" : ".") + unesc;
        i = j + 1;
    }
    return out;
}

void JsonReader::fail(const std::string& ptr, const std::string& problem) const {
    // Use the value's position; when the value is missing, the nearest existing parent's.
    const JsonPositions positions(text_);
    std::string p = ptr;
    std::pair<int, int> lc = positions.at(p);
    while (lc.first == 0 && !p.empty()) {
        p = p.substr(0, p.rfind('/'));
        lc = positions.at(p);
    }
    detail::fail(source_, lc.first, lc.second, fieldName(ptr), problem);
}

static const char* typeName(const json& v) {
    return v.type_name();
}

bool JsonReader::has(const json& obj, const char* key) const {
    return obj.is_object() && obj.contains(key);
}

const json& JsonReader::member(const json& obj, const std::string& ptr, const char* key) const {
    if (!obj.is_object()) fail(ptr, std::string("expected an object, got ") + typeName(obj));
    auto it = obj.find(key);
    if (it == obj.end()) fail(ptr + "/" + key, "missing required field");
    return *it;
}

void JsonReader::expectObject(const json& v, const std::string& ptr) const {
    if (!v.is_object()) fail(ptr, std::string("expected an object, got ") + typeName(v));
}
void JsonReader::expectArray(const json& v, const std::string& ptr) const {
    if (!v.is_array()) fail(ptr, std::string("expected an array, got ") + typeName(v));
}

const json& JsonReader::object(const json& obj, const std::string& ptr, const char* key) const {
    const json& v = member(obj, ptr, key);
    expectObject(v, ptr + "/" + key);
    return v;
}
const json& JsonReader::array(const json& obj, const std::string& ptr, const char* key) const {
    const json& v = member(obj, ptr, key);
    expectArray(v, ptr + "/" + key);
    return v;
}
std::string JsonReader::string(const json& obj, const std::string& ptr, const char* key) const {
    const json& v = member(obj, ptr, key);
    if (!v.is_string()) fail(ptr + "/" + key, std::string("expected a string, got ") + typeName(v));
    return v.get<std::string>();
}
double JsonReader::numberValue(const json& v, const std::string& ptr) const {
    if (!v.is_number()) fail(ptr, std::string("expected a number, got ") + typeName(v));
    const double d = v.get<double>();
    if (!std::isfinite(d) || std::fabs(d) > kMaxCoord)
        fail(ptr, "number out of range (|value| must be at most 1e7)");
    return d;
}
double JsonReader::number(const json& obj, const std::string& ptr, const char* key) const {
    return numberValue(member(obj, ptr, key), ptr + "/" + key);
}
long long JsonReader::integer(const json& obj, const std::string& ptr, const char* key,
                              long long lo, long long hi) const {
    const json& v = member(obj, ptr, key);
    const std::string p = ptr + "/" + key;
    if (!v.is_number_integer()) fail(p, std::string("expected an integer, got ") + typeName(v));
    long long i;
    if (v.is_number_unsigned()) {
        const auto u = v.get<unsigned long long>();
        if (u > static_cast<unsigned long long>(hi))
            fail(p, "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        i = static_cast<long long>(u);
    } else {
        i = v.get<long long>();
    }
    if (i < lo || i > hi)
        fail(p, std::to_string(i) + " is out of range [" + std::to_string(lo) + ", " +
                    std::to_string(hi) + "]");
    return i;
}
bool JsonReader::boolean(const json& obj, const std::string& ptr, const char* key) const {
    const json& v = member(obj, ptr, key);
    if (!v.is_boolean())
        fail(ptr + "/" + key, std::string("expected true or false, got ") + typeName(v));
    return v.get<bool>();
}

} // namespace vf::annotate::detail
