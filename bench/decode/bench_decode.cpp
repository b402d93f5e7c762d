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

// Wall time of an ffmpeg run decoding the whole file (best of `reps`).
double ffmpegSeconds(const fs::path& f, const std::string& extra, int reps) {
    const std::string cmd =
        "ffmpeg -nostdin -v error -i " + shellQuote(f.string()) + " " + extra + " -f null - ";
    double best = 1e9;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        if (std::system(cmd.c_str()) != 0) return -1;
        best = std::min(best, seconds(t0, Clock::now()));
    }
    return best;
}

double readerSeconds(const fs::path& f, VideoReaderOptions o, int reps, int64_t& frames) {
    double best = 1e9;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        VideoReader v(f, o); // open + index included, like ffmpeg's run
        cv::Mat m;
        frames = 0;
        while (v.nextInto(m))
            ++frames;
        best = std::min(best, seconds(t0, Clock::now()));
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
    std::printf(
        "Sequential decode, whole file, best of %d (frames/s; ratio = VideoReader / ffmpeg)\n",
        reps);
    std::printf("%-28s %6s %10s %10s %10s %10s %8s %8s\n", "file", "frames", "reader", "reader-ft",
                "ffm-null", "ffm-bgr24", "r/bgr24", "r/null");
    double sumRatioBgr = 0, sumRatioNull = 0;
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
        const double tr = readerSeconds(f, slice, reps, frames);
        const double trf = readerSeconds(f, ft, reps, frames);
        const double tn = ffmpegSeconds(f, "", reps);
        const double tb = ffmpegSeconds(f, "-pix_fmt bgr24", reps);
        const std::string name = f.parent_path().filename().string() + "/" + f.filename().string();
        const double fr = double(frames) / tr, frf = double(frames) / trf, fn = double(frames) / tn,
                     fb = double(frames) / tb;
        std::printf("%-28s %6lld %10.1f %10.1f %10.1f %10.1f %7.2fx %7.2fx\n", name.c_str(),
                    (long long)frames, fr, frf, fn, fb, std::max(fr, frf) / fb,
                    std::max(fr, frf) / fn);
        sumRatioBgr += std::max(fr, frf) / fb;
        sumRatioNull += std::max(fr, frf) / fn;
        ++n;
    }
    if (n)
        std::printf("mean ratio: %.2fx vs ffmpeg -pix_fmt bgr24 (goal >= 0.9x), %.2fx vs ffmpeg -f "
                    "null (no BGR "
                    "conversion)\n\n",
                    sumRatioBgr / n, sumRatioNull / n);

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
