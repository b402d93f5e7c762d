// bench_baselines: frames/s of the classical fusion baselines on a real 640x480 M3SVD pair
// (colour visible, LumaY policy, i.e. the full fuseFrame path), with the reference being a
// plain cv::addWeighted average of the two 8-bit frames measured in the same run.
// Two measurements per method:
//   latency  one frame at a time through fuseFrame() (the method's own parallelism only);
//   clip     throughput of fuseSequence() over the in-memory 20-frame sequence, which is how
//            `vfstudio-cli fuse`, export and the GUI run a method over a clip (the classical
//            methods' runner fuses one frame per OpenCV thread at once, in order).
//
// usage: bench_baselines [--threads N] [--seconds S] [--data DIR] [--method NAME]...
//                        [--mode latency|clip|both]
//   --threads  OpenCV worker threads (default 2, the target machine's core count)
//   --seconds  minimum measuring time per method and mode (default 2)
//   --data     M3SVD val folder (default VF_SHARED_DIR/data/M3SVD/val)
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/common/Error.h"
#include "core/common/Runtime.h"
#include "core/fusion/FusionMethod.h"
#include "core/fusion/classical/Classical.h"

namespace fs = std::filesystem;

namespace {

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec +
           u.ru_stime.tv_usec * 1e-6;
}

struct Timing {
    double wallPerFrame = 0, cpuPerFrame = 0;
    int frames = 0;
};

template <class F> Timing measure(F&& fn, double minSeconds, int nFrames) {
    fn(0); // warm-up (allocations, thread pool)
    Timing t;
    const auto w0 = std::chrono::steady_clock::now();
    const double c0 = cpuSeconds();
    double elapsed = 0;
    while (elapsed < minSeconds || t.frames < 3) {
        fn(t.frames % nFrames);
        ++t.frames;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    }
    t.wallPerFrame = elapsed / t.frames;
    t.cpuPerFrame = (cpuSeconds() - c0) / t.frames;
    return t;
}

} // namespace

int main(int argc, char** argv) {
    vf::initRuntime(); // the malloc tuning vfstudio and vfstudio-cli run with
    int threads = 2;
    double seconds = 2.0;
    fs::path data = fs::path(VF_SHARED_DIR) / "data/M3SVD/val";
    std::vector<std::string> only;
    std::string mode = "both";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--threads" && i + 1 < argc)
            threads = std::atoi(argv[++i]);
        else if (a == "--seconds" && i + 1 < argc)
            seconds = std::atof(argv[++i]);
        else if (a == "--data" && i + 1 < argc)
            data = argv[++i];
        else if (a == "--method" && i + 1 < argc)
            only.push_back(argv[++i]);
        else if (a == "--mode" && i + 1 < argc &&
                 (std::string(argv[i + 1]) == "latency" || std::string(argv[i + 1]) == "clip" ||
                  std::string(argv[i + 1]) == "both"))
            mode = argv[++i];
        else {
            std::fprintf(stderr, "usage: bench_baselines [--threads N] [--seconds S] [--data DIR] "
                                 "[--method NAME]... [--mode latency|clip|both]\n");
            return 2;
        }
    }
    cv::setNumThreads(threads);
    std::vector<cv::Mat> irs, vis;
    const std::string seq = "0111_1716";
    for (int f = 0; f < 20; ++f) {
        char name[16];
        std::snprintf(name, sizeof name, "%04d.png", f);
        cv::Mat ir =
            cv::imread((data / "infrared_Enhance" / seq / name).string(), cv::IMREAD_COLOR);
        cv::Mat vi = cv::imread((data / "visible_Enhance" / seq / name).string(), cv::IMREAD_COLOR);
        if (ir.empty() || vi.empty()) break;
        irs.push_back(ir);
        vis.push_back(vi);
    }
    if (irs.empty()) {
        std::fprintf(stderr,
                     "bench_baselines: no frames found under %s/{infrared,visible}_Enhance/%s\n",
                     data.string().c_str(), seq.c_str());
        return 1;
    }
    const int n = static_cast<int>(irs.size());
    std::printf("bench_baselines: M3SVD %s, %d frames %dx%d, %d OpenCV threads, >= %.1f s each\n",
                seq.c_str(), n, irs[0].cols, irs[0].rows, cv::getNumThreads(), seconds);

    cv::Mat sink;
    const Timing ref = measure(
        [&](int i) {
            cv::addWeighted(irs[static_cast<size_t>(i)], 0.5, vis[static_cast<size_t>(i)], 0.5, 0.0,
                            sink);
        },
        seconds, n);
    vf::fusion::MethodRegistry reg;
    vf::fusion::registerClassicalMethods(reg);
    std::vector<std::shared_ptr<const vf::fusion::FusionMethod>> methods;
    for (const auto& m : reg.methods())
        if (only.empty() || std::find(only.begin(), only.end(), m->name()) != only.end())
            methods.push_back(m);
    auto header = [&](const char* what) {
        std::printf("\n%s\n%-15s %10s %10s %12s %14s\n", what, "method", "fps", "ms/frame",
                    "cpu ms/frame", "time / ref");
        std::printf("%-15s %10.1f %10.3f %12.3f %14s\n", "ref:addWeighted", 1.0 / ref.wallPerFrame,
                    ref.wallPerFrame * 1e3, ref.cpuPerFrame * 1e3, "1");
    };
    auto row = [&](const std::string& name, const Timing& t) {
        std::printf("%-15s %10.1f %10.2f %12.2f %14.0f\n", name.c_str(), 1.0 / t.wallPerFrame,
                    t.wallPerFrame * 1e3, t.cpuPerFrame * 1e3, t.wallPerFrame / ref.wallPerFrame);
        std::fflush(stdout);
    };

    if (mode != "clip") {
        header("latency: one frame at a time (fuseFrame)");
        for (const auto& m : methods) {
            try {
                row(m->name(), measure(
                                   [&](int i) {
                                       sink =
                                           vf::fusion::fuseFrame(*m, irs[static_cast<size_t>(i)],
                                                                 vis[static_cast<size_t>(i)], {});
                                   },
                                   seconds, n));
            } catch (const vf::Error& e) {
                std::printf("%-15s failed: %s\n", m->name().c_str(), e.what());
            }
        }
    }
    if (mode != "latency") {
        char what[160];
        std::snprintf(what, sizeof what,
                      "clip: fuseSequence over the %d-frame sequence (%d frames in flight)", n,
                      cv::getNumThreads());
        header(what);
        vf::fusion::MemoryPairSequence seq(irs, vis);
        for (const auto& m : methods) {
            try {
                // one call fuses the whole sequence; per-frame numbers divide by its length
                Timing t = measure(
                    [&](int) {
                        m->fuseSequence(seq, {},
                                        [&](const vf::fusion::FusedFrame& f) { sink = f.fused; });
                    },
                    seconds, 1);
                t.wallPerFrame /= n;
                t.cpuPerFrame /= n;
                row(m->name(), t);
            } catch (const vf::Error& e) {
                std::printf("%-15s failed: %s\n", m->name().c_str(), e.what());
            }
        }
    }
    return 0;
}
