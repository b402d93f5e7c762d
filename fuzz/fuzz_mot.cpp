// Fuzzes the MOTChallenge reader; accepted input re-exported must read back to the same
// per-frame boxes.
#include "FuzzCommon.h"
#include "core/annotate/Formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    vf::annotate::Document d;
    try {
        d = vf::annotate::fromMot(text, "gt.txt", "person");
    } catch (const vf::Error&) {
        return 0;
    }
    if (!vf::fuzz::smallDocument(d)) return 0;
    const std::string again = vf::annotate::toMot(d);
    vf::annotate::Document d2;
    try {
        d2 = vf::annotate::fromMot(again, "again.txt", "person");
    } catch (const vf::Error& e) {
        std::fprintf(stderr, "re-reading our own output failed: %s\n", e.what());
        std::abort();
    }
    vf::fuzz::check(vf::annotate::toMot(d2) == again, "MOT export is stable");
    return 0;
}
