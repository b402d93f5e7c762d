// bench_decode: decode speed of vf::io::VideoReader against the ffmpeg command-line tool on
// the same files in the same run, exact random-seek latency, and step-back latency with the
// FrameCache's read-behind versus plain seeking.
//
// usage: bench_decode [video files...]   (default: the six shared M3SVD test videos)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <time.h>

#include "core/common/Runtime.h"
#include "core/io/FrameCache.h"
#include "core/io/VideoReader.h"

namespace fs = std::filesystem;
using namespace vf::io;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

double pct(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5));
    return v[i];
}

std::string shellQuote(const std::string& s) {
    std::string r = "'";
    for (char c : s)
        r += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    return r + "'";
}

double childCpu() {
    rusage u{};
    getrusage(RUSAGE_CHILDREN, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double selfCpu() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

struct Timing {
    double wall = 1e9; // best wall-clock seconds
    double cpu = 1e9;  // best CPU seconds (all threads; children for ffmpeg)
};

// An ffmpeg run decoding the whole file (best of `reps`); `startupCpu` is subtracted.
Timing ffmpegRun(const std::string& input, const std::string& extra, int reps,
                 double startupCpu = 0) {
    const std::string cmd = "ffmpeg -nostdin -v error " + input + " " + extra + " -f null - ";
    Timing best;
    for (int r = 0; r < reps; ++r) {
        const double c0 = childCpu();
        const auto t0 = Clock::now();
        if (std::system(cmd.c_str()) != 0) return {-1, -1};
        best.wall = std::min(best.wall, seconds(t0, Clock::now()));
        best.cpu = std::min(best.cpu, std::max(1e-6, childCpu() - c0 - startupCpu));
    }
    return best;
}

Timing readerRun(const fs::path& f, VideoReaderOptions o, int reps, int64_t& frames) {
    Timing best;
    for (int r = 0; r < reps; ++r) {
        const double c0 = selfCpu();
        const auto t0 = Clock::now();
        VideoReader v(f, o); // open + index included, like ffmpeg's run
        cv::Mat m;
        frames = 0;
        while (v.nextInto(m))
            ++frames;
        best.wall = std::min(best.wall, seconds(t0, Clock::now()));
        best.cpu = std::min(best.cpu, selfCpu() - c0);
    }
    return best;
}

} // namespace

int main(int argc, char** argv) {
    vf::initRuntime();
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i)
        files.emplace_back(argv[i]);
    if (files.empty()) {
        const fs::path root = fs::path(VF_SHARED_DIR) / "data" / "M3SVD" / "Video" / "test";
        for (const char* m : {"infrared", "visible"})
            for (const char* s : {"0111_1716", "0113_1714", "0117_1605"})
                files.push_back(root / m / (std::string(s) + ".mp4"));
    }
    const int reps = 3;
    // CPU time of an ffmpeg process that decodes nothing (start-up, library loading).
    const Timing startup = ffmpegRun("-f lavfi -i nullsrc=s=16x16:d=0.04", "", reps);
    std::printf("ffmpeg start-up (1 tiny frame): %.1f ms wall, %.1f ms CPU (subtracted from ffmpeg "
                "CPU times)\n\n",
                startup.wall * 1e3, startup.cpu * 1e3);
    std::printf(
        "Sequential decode to BGR, whole file incl. open, best of %d, frames per CPU-second\n"
        "(robust on a loaded machine; wall-clock fps in brackets). reader = slice threads only,\n"
        "reader-ft = frame threads; ratios use the better reader by CPU time.\n",
        reps);
    std::printf("%-24s %6s %16s %16s %16s %16s %8s %8s\n", "file", "frames", "reader", "reader-ft",
                "ffmpeg-null", "ffmpeg-bgr24", "r/bgr24", "r/null");
    double sumRatioBgr = 0, sumRatioNull = 0, sumWallBgr = 0;
    int n = 0;
    for (const auto& f : files) {
        if (!fs::exists(f)) {
            std::printf("%s: missing, skipped\n", f.string().c_str());
            continue;
        }
        int64_t frames = 0;
        VideoReaderOptions slice;
        VideoReaderOptions ft;
        ft.frameThreads = true;
        const Timing tr = readerRun(f, slice, reps, frames);
        const Timing trf = readerRun(f, ft, reps, frames);
        const std::string in = "-i " + shellQuote(f.string());
        const Timing tn = ffmpegRun(in, "", reps, startup.cpu);
        const Timing tb = ffmpegRun(in, "-pix_fmt bgr24", reps, startup.cpu);
        const std::string name = f.parent_path().filename().string() + "/" + f.filename().string();
        const double fr = double(frames);
        auto cell = [&](const Timing& t) {
            char b[32];
            std::snprintf(b, sizeof b, "%6.0f [%6.0f]", fr / t.cpu, fr / t.wall);
            return std::string(b);
        };
        const double best = std::min(tr.cpu, trf.cpu);
        const double rb = tb.cpu / best, rn = tn.cpu / best;
        std::printf("%-24s %6lld %16s %16s %16s %16s %7.2fx %7.2fx\n", name.c_str(),
                    (long long)frames, cell(tr).c_str(), cell(trf).c_str(), cell(tn).c_str(),
                    cell(tb).c_str(), rb, rn);
        sumRatioBgr += rb;
        sumRatioNull += rn;
        sumWallBgr += tb.wall / std::min(tr.wall, trf.wall);
        ++n;
    }
    if (n)
        std::printf(
            "mean ratio (CPU): %.2fx vs ffmpeg -pix_fmt bgr24 -f null (the goal's reference, >= "
            "0.9x), "
            "%.2fx vs ffmpeg -f null (no BGR conversion); wall-clock ratio vs bgr24: %.2fx\n\n",
            sumRatioBgr / n, sumRatioNull / n, sumWallBgr / n);

    std::printf("Exact random seek (200 random frames, one reader, BGR out): latency in ms\n");
    std::printf("%-28s %8s %8s %8s\n", "file", "p50", "p95", "max");
    for (const auto& f : files) {
        if (!fs::exists(f)) continue;
        VideoReader v(f);
        std::mt19937 rng(42);
        std::vector<double> lat;
        cv::Mat m;
        for (int i = 0; i < 200; ++i) {
            const int64_t k = int64_t(rng() % uint32_t(v.info().frameCount));
            const auto t0 = Clock::now();
            v.readInto(k, m);
            lat.push_back(seconds(t0, Clock::now()) * 1e3);
        }
        const std::string name = f.parent_path().filename().string() + "/" + f.filename().string();
        std::printf("%-28s %8.2f %8.2f %8.2f\n", name.c_str(), pct(lat, 0.5), pct(lat, 0.95),
                    pct(lat, 1.0));
    }

    std::printf("\nStepping back 30 frames one by one from the middle (a key held at 25 Hz): get() "
                "latency in ms\n");
    std::printf("%-28s %-22s %8s %8s %8s %6s\n", "file", "mode", "p50", "p95", "max", "hits");
    for (const auto& f : files) {
        if (!fs::exists(f)) continue;
        const std::string name = f.parent_path().filename().string() + "/" + f.filename().string();
        const int64_t start = VideoReader(f).info().frameCount / 2;
        // without cache: every step is an exact seek
        {
            VideoReader v(f);
            cv::Mat m;
            v.readInto(start, m);
            std::vector<double> lat;
            for (int64_t i = start - 1; i >= start - 30; --i) {
                const auto t0 = Clock::now();
                v.readInto(i, m);
                lat.push_back(seconds(t0, Clock::now()) * 1e3);
                std::this_thread::sleep_for(std::chrono::milliseconds(40));
            }
            std::printf("%-28s %-22s %8.2f %8.2f %8.2f %6s\n", name.c_str(), "VideoReader (seek)",
                        pct(lat, 0.5), pct(lat, 0.95), pct(lat, 1.0), "-");
        }
        for (bool prefetch : {false, true}) {
            FrameCache cache(size_t(512) << 20);
            cache.setPrefetch(prefetch);
            const auto id = cache.addStream(std::make_unique<VideoReader>(f));
            cache.get(id, start);
            cache.setPlayhead(id, start, +1); // was playing forward
            std::this_thread::sleep_for(std::chrono::milliseconds(40));
            cache.resetCounters();
            std::vector<double> lat;
            for (int64_t i = start - 1; i >= start - 30; --i) {
                const auto t0 = Clock::now();
                FramePtr fr = cache.get(id, i);
                cache.setPlayhead(id, i, -1);
                lat.push_back(seconds(t0, Clock::now()) * 1e3);
                std::this_thread::sleep_for(std::chrono::milliseconds(40));
            }
            const auto s = cache.stats();
            char hits[32];
            std::snprintf(hits, sizeof hits, "%llu/30", (unsigned long long)s.hits);
            std::printf("%-28s %-22s %8.2f %8.2f %8.2f %6s\n", name.c_str(),
                        prefetch ? "FrameCache read-behind" : "FrameCache, no prefetch",
                        pct(lat, 0.5), pct(lat, 0.95), pct(lat, 1.0), hits);
        }
    }
    return 0;
}
