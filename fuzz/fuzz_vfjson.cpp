// Fuzzes the vfstudio JSON reader; accepted documents must survive write -> read unchanged.
#include "FuzzCommon.h"
#include "core/annotate/Formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    vf::annotate::Document d;
    try {
        d = vf::annotate::fromJson(text, "fuzz.json");
    } catch (const vf::Error&) {
        return 0;
    }
    const std::string again = vf::annotate::toJson(d);
    vf::annotate::Document d2;
    try {
        d2 = vf::annotate::fromJson(again, "again.json");
    } catch (const vf::Error& e) {
        std::fprintf(stderr, "re-reading our own output failed: %s\n", e.what());
        std::abort();
    }
    vf::fuzz::check(d2 == d, "fromJson(toJson(d)) == d");
    if (vf::fuzz::smallDocument(d)) {
        (void)vf::annotate::toCvatXml(d);
        (void)vf::annotate::toMot(d);
        (void)vf::annotate::toCoco(d);
    }
    return 0;
}
