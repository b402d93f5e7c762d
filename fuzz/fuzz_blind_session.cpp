// Fuzzes the blind-session file reader; accepted sessions must survive save -> load and
// rank without crashing.
#include "FuzzCommon.h"
#include "core/annotate/Blind.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    vf::annotate::BlindSession s;
    try {
        s = vf::annotate::BlindSession::fromJson(text, "session.json");
    } catch (const vf::Error&) {
        return 0;
    }
    auto s2 = vf::annotate::BlindSession::fromJson(s.toJson(), "again.json");
    vf::fuzz::check(s2 == s, "fromJson(toJson(s)) == s");
    if (s.streams().size() <= 50) {
        auto r = vf::annotate::rankSession(s);
        for (double p : r.strength)
            vf::fuzz::check(p > 0 && p < 1e300, "finite positive strengths");
    }
    (void)s.votesCsv();
    return 0;
}
