// Fuzzes the strict XML reader and the CVAT for video 1.1 importer; accepted documents must
// survive export -> import unchanged (the exporter's own output is always accepted).
#include "FuzzCommon.h"
#include "core/annotate/Formats.h"
#include "core/annotate/MiniXml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    vf::annotate::Document d;
    try {
        d = vf::annotate::fromCvatXml(text, "fuzz.xml");
    } catch (const vf::Error&) {
        return 0;
    }
    if (!vf::fuzz::smallDocument(d)) return 0;
    const std::string again = vf::annotate::toCvatXml(d);
    try {
        auto d2 = vf::annotate::fromCvatXml(again, "again.xml");
        vf::fuzz::check(vf::annotate::toCvatXml(d2) == again, "CVAT export is stable");
    } catch (const vf::Error& e) {
        std::fprintf(stderr, "re-reading our own output failed: %s\n", e.what());
        std::abort();
    }
    return 0;
}
