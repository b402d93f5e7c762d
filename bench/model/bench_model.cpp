// bench_model: VideoFusion throughput on this machine (not a test).
//
// Measures fused frames/s for random weights (same cost as trained ones) and random clips,
// for the fast path with the tuned runtime, and - in the same run, first, before the
// process allocator is tuned - a "naive" run: the reference path (plain torch ops in the
// official order), torch's default thread count, untuned glibc malloc. Ratios against that
// naive run and against the official code's numbers in
// ../shared/videofusion/REFERENCE_SPEED.md are printed.
//
//   bench_model [--T 7] [--sizes 320x240,640x480] [--threads 1,2] [--reps 2]
//               [--features 32] [--naive 0|1] [--naive-threads 1] [--cuda 0|1] [--ab 0|1]
//               [--stream 0|1] [--clips 4] [--restored 0|1|both] [--cpu 0|1]
//               [--check FIXTURES_DIR]
// --check DIR: before timing, the official code's fixture outputs (the files of
// ../shared/videofusion/fixtures: *_weights.pth, *_io.pt) are recomputed on the device of the
// run (CUDA with --cuda 1 when available, else the CPU) in fp64 and fp32, and in fp16/bf16 on
// CUDA (reported, no tolerance); fp64/fp32 outside the tolerances of tests/model make the
// program exit with status 3. --cpu 0: skip the CPU timings (a GPU machine's run).
// --restored 0 (default): the fast-path runs return the fused clip only, as `vfstudio-cli
// fuse` without --save-restored and the official test configuration (only_fusion: true) do:
// the restoration decoders are skipped (TapRequest::restored = false), the fused frames are
// the same. 1: fused, restored IR and restored visible (the network's full forward). both:
// the one-clip runs once with and once without (same process, ratio printed); streaming
// then runs fused-only. The naive run always computes all three outputs.
// --stream 1 (default): for each size and thread count n >= 2, also the streaming throughput
// the clip runner gets (VideoFusionEngine::submit with n clips in flight, one thread each):
// `clips` clips submitted at once, frames/s = clips * T / wall time, next to one clip at a
// time on n threads measured above in the same run.
// --ab 1: for each size and thread count, first the fast path without the issue-#3 kernels
// (1x1 convolutions and dense 3x3 convolutions through at::conv2d, as before), then the
// default fast path, and the ratio of the two (same process, same inputs).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/common/Error.h"
#include <torch/cuda.h>

#include "core/model/Checkpoint.h"
#include "core/model/FastOps.h"
#include "core/model/VideoFusion.h"

using namespace vf::model;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, sep))
        if (!item.empty()) out.push_back(item);
    return out;
}

ClipBuffer randomClip(int T, int H, int W, unsigned seed, bool grey) {
    ClipBuffer c;
    c.T = T;
    c.H = H;
    c.W = W;
    c.data.resize(c.size());
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    const size_t plane = size_t(H) * size_t(W);
    for (int t = 0; t < T; ++t)
        for (size_t p = 0; p < plane; ++p) {
            float v = u(rng);
            for (int ch = 0; ch < 3; ++ch)
                c.data[(size_t(t) * 3 + size_t(ch)) * plane + p] = grey || ch == 0 ? v : u(rng);
        }
    return c;
}

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Best wall time of `reps` runs; *cpu gets the process CPU time (user + sys) of that run.
// On a shared machine the CPU time of a 1-thread run is what the run costs when the
// machine is quiet (wall time then includes waiting for the core).
double seconds(VideoFusionEngine& e, const ClipBuffer& ir, const ClipBuffer& vi, int reps,
               ClipResult* last = nullptr, double* cpu = nullptr, bool restored = true) {
    TapRequest req;
    req.restored = restored;
    double best = 1e300, bestCpu = 0;
    for (int r = 0; r < reps; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        double c0 = cpuSeconds();
        auto res = e.run(ir, vi, req);
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double c = cpuSeconds() - c0;
        if (s < best) {
            best = s;
            bestCpu = c;
        }
        if (last) *last = std::move(res);
    }
    if (cpu) *cpu = bestCpu;
    return best;
}

double maxDiff(const ClipBuffer& a, const ClipBuffer& b) {
    double m = 0;
    for (size_t i = 0; i < a.data.size(); ++i)
        m = std::max(m, double(std::abs(a.data[i] - b.data[i])));
    return m;
}

const char* precisionName(Precision p) {
    return p == Precision::FP64   ? "fp64"
           : p == Precision::FP32 ? "fp32"
           : p == Precision::FP16 ? "fp16"
                                  : "bf16";
}

// (1, T, 3, H, W) tensor -> clip
ClipBuffer toClip(const at::Tensor& x) {
    ClipBuffer c;
    c.T = int(x.size(1));
    c.H = int(x.size(3));
    c.W = int(x.size(4));
    const at::Tensor f = x[0].to(at::kFloat).contiguous();
    c.data.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
    return c;
}

// The fixture cases and the float32 tolerances of tests/model (fixtures/README.md). fp64 runs
// are compared through the engine's float32 output buffers: within float32 rounding (half an
// ulp of values below 1 is 3e-8) of the official float64 outputs.
int checkFixtures(const std::filesystem::path& dir, bool cuda) {
    struct Case {
        const char *cfg, *name;
        double tol32;
    };
    const Case cases[] = {
        {"vf16", "vf16_t5", 1e-5}, {"vf16", "vf16_t2", 1e-5}, {"vf32", "vf32_t3", 1e-4}};
    int failures = 0;
    for (const Case& c : cases) {
        const auto io = loadTensorDict(dir / (std::string(c.name) + "_io.pt"));
        const ClipBuffer ir = toClip(io.at("x_ir")), vi = toClip(io.at("x_vi"));
        for (Precision p : {Precision::FP64, Precision::FP32, Precision::FP16, Precision::BF16}) {
            const bool half = p == Precision::FP16 || p == Precision::BF16;
            if (half && !cuda) continue;
            EngineOptions o;
            o.device = cuda ? Device::CUDA : Device::CPU;
            o.precision = p;
            auto e = VideoFusionEngine::load(dir / (std::string(c.cfg) + "_weights.pth"), o);
            const ClipResult r = e->run(ir, vi);
            const std::string sfx = p == Precision::FP64 ? "_f64" : "";
            double d = 0;
            for (const auto& [key, out] :
                 {std::pair{"fusion", &r.fusion}, std::pair{"ir", &r.ir}, std::pair{"vi", &r.vi}})
                d = std::max(d, maxDiff(*out, toClip(io.at(key + sfx))));
            const char* pn = precisionName(p);
            const double tol = p == Precision::FP64 ? 5e-8 : c.tol32;
            const bool ok = half || d <= tol;
            failures += !ok;
            char verdict[64];
            if (half)
                std::snprintf(verdict, sizeof verdict, "reported, no tolerance");
            else
                std::snprintf(verdict, sizeof verdict, "tolerance %.0e: %s", tol,
                              ok ? "ok" : "FAILED");
            std::printf("fixture %s on %s, %s: max |diff| %.3g against the official %s outputs "
                        "(fused, restored IR, restored visible; %s)\n",
                        c.name, e->deviceName().c_str(), pn, d, half ? "float32" : pn, verdict);
        }
    }
    return failures;
}

} // namespace

int main(int argc, char** argv) {
    int T = 7, reps = 2, features = 32, naiveThreads = 1;
    bool naive = true, cuda = true, ab = false, stream = true, cpu = true;
    std::string checkDir;
    int clips = 4;
    std::string restoredArg = "0";
    std::string sizes = "320x240,640x480", threads = "1,2";
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--T")
            T = std::atoi(v.c_str());
        else if (k == "--sizes")
            sizes = v;
        else if (k == "--threads")
            threads = v;
        else if (k == "--reps")
            reps = std::atoi(v.c_str());
        else if (k == "--features")
            features = std::atoi(v.c_str());
        else if (k == "--naive")
            naive = v != "0";
        else if (k == "--naive-threads")
            naiveThreads = std::atoi(v.c_str());
        else if (k == "--cuda")
            cuda = v != "0";
        else if (k == "--ab")
            ab = v != "0";
        else if (k == "--stream")
            stream = v != "0";
        else if (k == "--cpu")
            cpu = v != "0";
        else if (k == "--check")
            checkDir = v;
        else if (k == "--restored") {
            if (v != "0" && v != "1" && v != "both") {
                std::fprintf(stderr, "--restored takes 0, 1 or both\n");
                return 2;
            }
            restoredArg = v;
        } else if (k == "--clips")
            clips = std::max(1, std::atoi(v.c_str()));
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    VideoFusionConfig cfg;
    cfg.numFeatures = features;
    const bool withRestored = restoredArg == "1"; // the fast runs below (streaming included)
    TapRequest runReq;
    runReq.restored = withRestored;
    const char* outputsName = withRestored ? "fused + restored" : "fused only";
    const double officialDefault = 0.0185, officialBest = 0.60; // REFERENCE_SPEED.md, 320x240

    try {
        std::printf("bench_model: VideoFusion num_features %d, T=%d, random weights/inputs\n",
                    features, T);
        double naiveFps = 0, naiveCpuFps = 0;
        ClipBuffer naiveOut;
        const auto sz0 = split(split(sizes, ',').front(), 'x');
        const int W0 = std::atoi(sz0[0].c_str()), H0 = std::atoi(sz0[1].c_str());
        if (naive && cpu) {
            EngineOptions o;
            o.device = Device::CPU;
            o.path = ComputePath::Reference;
            o.threads = naiveThreads;
            o.tuneRuntime = false;
            auto e = VideoFusionEngine::random(cfg, o, 1);
            auto ir = randomClip(T, H0, W0, 11, true), vi = randomClip(T, H0, W0, 12, false);
            ClipResult r;
            double cpu = 0;
            double s = seconds(*e, ir, vi, 1, &r, &cpu);
            naiveOut = r.fusion;
            naiveFps = T / s;
            naiveCpuFps = T / cpu;
            std::printf("naive reference path (plain torch ops, %d thread, untuned malloc), "
                        "%dx%d: %.2f s/clip wall (%.4f frames/s), %.2f s CPU (%.4f frames/s)\n",
                        naiveThreads, W0, H0, s, naiveFps, cpu, naiveCpuFps);
        }
        std::printf("%s\n", runtimeInfo().c_str());
        if (!checkDir.empty()) {
            const bool onCuda = cuda && torch::cuda::is_available();
            if (checkFixtures(checkDir, onCuda) > 0) {
                std::fprintf(stderr, "bench_model: fixture check FAILED\n");
                return 3;
            }
        }
        for (const auto& sz : split(sizes, ',')) {
            auto wh = split(sz, 'x');
            const int W = std::atoi(wh[0].c_str()), H = std::atoi(wh[1].c_str());
            auto ir = randomClip(T, H, W, 11, true), vi = randomClip(T, H, W, 12, false);
            for (const auto& th : split(cpu ? threads : std::string(), ',')) {
                EngineOptions o;
                o.device = Device::CPU;
                o.threads = std::atoi(th.c_str());
                auto e = VideoFusionEngine::random(cfg, o, 1);
                double abWall = 0, abCpu = 0;
                ClipResult abOut;
                if (ab) {
                    fast::KernelOptions old;
                    old.gemm1x1 = false;
                    old.winogradTile = 0;
                    fast::setKernelOptions(old);
                    e->run(ir, vi, runReq); // warm-up
                    abWall = seconds(*e, ir, vi, reps, &abOut, &abCpu, withRestored);
                    std::printf("CPU fast fp32 %dx%d threads %d, without the 1x1-GEMM/Winograd "
                                "kernels: %.2f s/clip wall (%.3f frames/s), %.2f s CPU\n",
                                W, H, o.threads, abWall, T / abWall, abCpu);
                    fast::setKernelOptions(fast::KernelOptions{});
                }
                double fullWall = 0, fullCpu = 0;
                if (restoredArg == "both") {
                    e->run(ir, vi); // warm-up
                    fullWall = seconds(*e, ir, vi, reps, nullptr, &fullCpu, true);
                    std::printf("CPU fast fp32 %dx%d threads %d (fused + restored): %.2f s/clip "
                                "wall (%.3f frames/s), %.2f s CPU\n",
                                W, H, o.threads, fullWall, T / fullWall, fullCpu);
                }
                e->run(ir, vi, runReq); // warm-up
                ClipResult r;
                double cpu = 0;
                double s = seconds(*e, ir, vi, reps, &r, &cpu, withRestored);
                double fps = T / s;
                std::printf("CPU fast fp32 %dx%d threads %d (%s): %.2f s/clip wall (%.3f "
                            "frames/s), %.2f s CPU",
                            W, H, o.threads, outputsName, s, fps, cpu);
                if (restoredArg == "both")
                    std::printf(" | x%.2f wall, x%.2f CPU vs fused + restored", fullWall / s,
                                fullCpu / cpu);
                if (ab)
                    std::printf(" | x%.2f wall, x%.2f CPU vs without the kernels, max |diff| "
                                "%.2g",
                                abWall / s, abCpu / cpu, maxDiff(r.fusion, abOut.fusion));
                if (o.threads == 1) std::printf(" (%.3f frames/s per CPU second)", T / cpu);
                if (W == 320 && H == 240 && features == 32 && T == 7) {
                    std::printf(" | wall: x%.1f official Debian default, x%.2f official best",
                                fps / officialDefault, fps / officialBest);
                    if (o.threads == 1)
                        std::printf("; CPU time: x%.1f, x%.2f", (T / cpu) / officialDefault,
                                    (T / cpu) / officialBest);
                }
                if (naive && W == W0 && H == H0) {
                    std::printf(" | x%.1f naive same run (wall)", fps / naiveFps);
                    if (o.threads == 1) std::printf(", x%.1f (CPU time)", (T / cpu) / naiveCpuFps);
                    std::printf(", max |diff| %.2g", maxDiff(r.fusion, naiveOut));
                }
                std::printf("\n");
                std::fflush(stdout);
                if (stream && o.threads >= 2) {
                    // The clip runner's path: clips in flight on the engine's workers.
                    EngineOptions so = o;
                    so.clipWorkers = o.threads;
                    auto es = VideoFusionEngine::random(cfg, so, 1);
                    { // warm-up: one clip per worker
                        std::vector<std::future<ClipResult>> w;
                        for (int i = 0; i < es->clipWorkers(); ++i)
                            w.push_back(es->submit(ir, vi, runReq));
                        for (auto& f : w)
                            f.get();
                    }
                    auto t0 = std::chrono::steady_clock::now();
                    const double c0 = cpuSeconds();
                    std::vector<std::future<ClipResult>> fs;
                    for (int i = 0; i < clips; ++i)
                        fs.push_back(es->submit(ir, vi, runReq));
                    double diff = 0;
                    for (auto& f : fs)
                        diff = std::max(diff, maxDiff(f.get().fusion, r.fusion));
                    const double ws =
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                            .count();
                    const double sfps = clips * T / ws;
                    std::printf("CPU fast fp32 %dx%d streaming (%s), %d clips in flight x 1 "
                                "thread: %d clips in %.2f s wall (%.3f frames/s), %.2f s CPU | "
                                "x%.2f one clip at a time on %d threads, max |diff| %.2g",
                                W, H, outputsName, es->clipWorkers(), clips, ws, sfps,
                                cpuSeconds() - c0, sfps / fps, o.threads, diff);
                    if (W == 320 && H == 240 && features == 32 && T == 7)
                        std::printf(" | x%.1f official Debian default, x%.2f official best",
                                    sfps / officialDefault, sfps / officialBest);
                    std::printf("\n");
                    std::fflush(stdout);
                }
            }
            if (cuda) {
                ClipResult ref;
                for (Precision p : {Precision::FP32, Precision::FP16, Precision::BF16}) {
                    EngineOptions o;
                    o.device = Device::CUDA;
                    o.precision = p;
                    std::unique_ptr<VideoFusionEngine> e;
                    try {
                        e = VideoFusionEngine::random(cfg, o, 1);
                    } catch (const vf::Error& err) {
                        std::printf("CUDA: %s\n", err.what());
                        break;
                    }
                    e->run(ir, vi, runReq);
                    ClipResult r;
                    double s = seconds(*e, ir, vi, reps, &r, nullptr, withRestored);
                    const char* pn = precisionName(p);
                    std::printf("CUDA %s %dx%d (%s): %.3f s/clip, %.2f frames/s", pn, W, H,
                                outputsName, s, T / s);
                    if (p == Precision::FP32)
                        ref = r;
                    else
                        std::printf(", max |diff| vs fp32 %.3g", maxDiff(r.fusion, ref.fusion));
                    std::printf("\n");
                }
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_model: %s\n", e.what());
        return 1;
    }
    return 0;
}
