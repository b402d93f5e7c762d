// Fuzzes the YOLO readers: the first line of the input is the class list (names separated by
// '|'), the rest one frame's label file.
#include "FuzzCommon.h"
#include "core/annotate/Formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto nl = text.find('\n');
    std::string classesText = text.substr(0, nl);
    for (char& c : classesText)
        if (c == '|') c = '\n';
    const std::string frame = nl == std::string::npos ? std::string() : text.substr(nl + 1);
    std::vector<std::string> classes;
    try {
        classes = vf::annotate::readYoloClasses(classesText, "classes.txt");
    } catch (const vf::Error&) {
        classes = {"person", "car"};
    }
    vf::annotate::Document d;
    d.media = {"", "", 640, 480, 10, 30};
    try {
        vf::annotate::readYoloFrame(frame, "frame_000003.txt", 3, 640, 480, classes, d);
    } catch (const vf::Error&) {
        return 0;
    }
    if (!vf::fuzz::smallDocument(d)) return 0;
    auto files = vf::annotate::toYolo(d);
    vf::annotate::Document d2;
    d2.labels.clear();
    d2.media = d.media;
    auto classes2 = vf::annotate::readYoloClasses(files["classes.txt"], "classes.txt");
    vf::annotate::readYoloFrame(files["frame_000003.txt"], "again.txt", 3, 640, 480, classes2, d2);
    vf::fuzz::check(d2.tracks.size() == d.tracks.size(), "YOLO boxes read back");
    return 0;
}
