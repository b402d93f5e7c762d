#pragma once
// Internal helpers of core/annotate's readers and writers: located errors, strict number
// parsing, exact number formatting, and JSON value positions (nlohmann-json keeps none).

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace vf::annotate::detail {

// Throws vf::Error(Corrupt): "<source>:<line>[:<col>]: <field>: <problem>" (line 0 = none).
[[noreturn]] void fail(const std::string& source, int line, int col, const std::string& field,
                       const std::string& problem);

// Shortest text that reads back to exactly the same double ("12.5", "0.1", "3").
std::string fmt(double v);

// Strict parsing of a whole token (no trailing characters, finite values only).
std::optional<double> parseDouble(std::string_view s);
std::optional<long long> parseInt(std::string_view s);

// Positions (line, column; 1-based) of every value in a JSON text, keyed by JSON pointer
// ("" for the root, "/tracks/0/keyframes/2/x"). Built by a scan of text that nlohmann
// already accepted.
class JsonPositions {
public:
    explicit JsonPositions(std::string_view text);
    std::pair<int, int> at(const std::string& pointer) const;

private:
    std::map<std::string, std::pair<int, int>> pos_;
};

// Field access with located errors. `ptr` is the JSON pointer of `obj`; field names in
// messages are written like "tracks[0].keyframes[2].x".
// Positions are computed only when an error is reported (`text` must outlive the reader).
class JsonReader {
public:
    JsonReader(const std::string& source, std::string_view text);
    const std::string& source() const { return source_; }
    // Parses; syntax errors are reported with line and column.
    nlohmann::json parse(std::string_view text) const;

    [[noreturn]] void fail(const std::string& ptr, const std::string& problem) const;
    static std::string fieldName(const std::string& ptr);

    const nlohmann::json& member(const nlohmann::json& obj, const std::string& ptr,
                                 const char* key) const; // required
    bool has(const nlohmann::json& obj, const char* key) const;
    const nlohmann::json& object(const nlohmann::json& obj, const std::string& ptr,
                                 const char* key) const;
    const nlohmann::json& array(const nlohmann::json& obj, const std::string& ptr,
                                const char* key) const;
    std::string string(const nlohmann::json& obj, const std::string& ptr, const char* key) const;
    double number(const nlohmann::json& obj, const std::string& ptr, const char* key) const;
    // Integer within [lo, hi].
    long long integer(const nlohmann::json& obj, const std::string& ptr, const char* key,
                      long long lo, long long hi) const;
    bool boolean(const nlohmann::json& obj, const std::string& ptr, const char* key) const;
    // Type checks on a value at a pointer.
    void expectObject(const nlohmann::json& v, const std::string& ptr) const;
    void expectArray(const nlohmann::json& v, const std::string& ptr) const;
    double numberValue(const nlohmann::json& v, const std::string& ptr) const;

private:
    std::string source_;
    std::string_view text_;
};

// Upper bound on frame numbers accepted by importers (about 4 days at 30 fps).
constexpr long long kMaxFrame = 10'000'000;
// Upper bound on coordinates accepted by importers.
constexpr double kMaxCoord = 1e7;

} // namespace vf::annotate::detail
