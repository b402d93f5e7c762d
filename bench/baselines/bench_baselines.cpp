// bench_baselines: frames/s of the classical fusion baselines on a real 640x480 M3SVD pair
// (colour visible, LumaY policy, i.e. the full fuseFrame path), with the reference being a
// plain cv::addWeighted average of the two 8-bit frames measured in the same run.
//
// usage: bench_baselines [--threads N] [--seconds S] [--data DIR] [--method NAME]...
//   --threads  OpenCV worker threads (default 2, the target machine's core count)
//   --seconds  minimum measuring time per method (default 2)
//   --data     M3SVD val folder (default VF_SHARED_DIR/data/M3SVD/val)
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/common/Error.h"
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
    int threads = 2;
    double seconds = 2.0;
    fs::path data = fs::path(VF_SHARED_DIR) / "data/M3SVD/val";
    std::vector<std::string> only;
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
        else {
            std::fprintf(stderr, "usage: bench_baselines [--threads N] [--seconds S] [--data DIR] "
                                 "[--method NAME]...\n");
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
    std::printf("%-12s %10s %10s %12s %14s\n", "method", "fps", "ms/frame", "cpu ms/frame",
                "time / ref");
    std::printf("%-12s %10.1f %10.3f %12.3f %14s\n", "ref:addWeighted", 1.0 / ref.wallPerFrame,
                ref.wallPerFrame * 1e3, ref.cpuPerFrame * 1e3, "1");

    vf::fusion::MethodRegistry reg;
    vf::fusion::registerClassicalMethods(reg);
    for (const auto& m : reg.methods()) {
        if (!only.empty() && std::find(only.begin(), only.end(), m->name()) == only.end()) continue;
        try {
            const Timing t = measure(
                [&](int i) {
                    sink = vf::fusion::fuseFrame(*m, irs[static_cast<size_t>(i)],
                                                 vis[static_cast<size_t>(i)], {});
                },
                seconds, n);
            std::printf("%-12s %10.1f %10.2f %12.2f %14.0f\n", m->name().c_str(),
                        1.0 / t.wallPerFrame, t.wallPerFrame * 1e3, t.cpuPerFrame * 1e3,
                        t.wallPerFrame / ref.wallPerFrame);
            std::fflush(stdout);
        } catch (const vf::Error& e) {
            std::printf("%-12s failed: %s\n", m->name().c_str(), e.what());
        }
    }
    return 0;
}
