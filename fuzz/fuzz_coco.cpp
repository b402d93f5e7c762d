// Fuzzes the COCO JSON importer.
#include "FuzzCommon.h"
#include "core/annotate/Formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    vf::annotate::Document d;
    try {
        d = vf::annotate::fromCoco(text, "coco.json");
    } catch (const vf::Error&) {
        return 0;
    }
    if (!vf::fuzz::smallDocument(d) || d.media.frameCount > 300) return 0;
    const std::string again = vf::annotate::toCoco(d);
    try {
        (void)vf::annotate::fromCoco(again, "again.json");
    } catch (const vf::Error& e) {
        std::fprintf(stderr, "re-reading our own output failed: %s\n", e.what());
        std::abort();
    }
    return 0;
}
