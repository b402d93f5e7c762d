// Helper for test_annotate_recovery: edits an annotation document continuously (one new
// keyframe every few milliseconds) with autosave on, printing "edit <n> <monotonic ns>" after
// each edit, until it is killed. Usage: vf_annotate_edit_helper <document path> <interval ms>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>

#include "core/annotate/Autosave.h"

static long long monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s <document> <autosave interval ms>\n", argv[0]);
        return 2;
    }
    using namespace vf::annotate;
    const std::filesystem::path doc = argv[1];
    Autosaver saver(autosavePathFor(doc), std::chrono::milliseconds(std::atoi(argv[2])));
    Document d;
    d.media.width = 640;
    d.media.height = 480;
    Track t;
    t.id = 0;
    t.label = "person";
    d.tracks.push_back(t);
    for (int n = 0;; ++n) {
        d.tracks[0].setKey({n, {double(n % 600), 10, 20, 30}, false, false});
        saver.update(d);
        std::printf("edit %d %lld\n", n + 1, monotonicNs());
        std::fflush(stdout);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}
