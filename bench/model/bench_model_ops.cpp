// bench_model_ops: the fast path's CPU kernels against at::conv2d on the VideoFusion shapes
// (not a test). For each shape: max relative difference and time ratio, same run.
//
//   bench_model_ops [--threads 1] [--scale 1] [--reps 3] [--only <shape index>]
// --scale 1 = the 320x240 clip (T = 7); 2 = 640x480.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "core/common/Runtime.h"
#include "core/model/FastOps.h"

namespace {

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Best wall time of reps runs (after one warm-up) and that run's CPU time.
std::pair<double, double> timeIt(const std::function<void()>& f, int reps) {
    f();
    double best = 1e300, bestCpu = 0;
    for (int r = 0; r < reps; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        double c0 = cpuSeconds();
        f();
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (s < best) {
            best = s;
            bestCpu = cpuSeconds() - c0;
        }
    }
    return {best, bestCpu};
}

} // namespace

int main(int argc, char** argv) {
    int threads = 1, scale = 1, reps = 3, only = -1;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        int v = std::atoi(argv[i + 1]);
        if (k == "--threads")
            threads = v;
        else if (k == "--scale")
            scale = v;
        else if (k == "--reps")
            reps = v;
        else if (k == "--only")
            only = v;
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    vf::initRuntime(); // the engine's malloc tuning (page faults otherwise dominate)
    at::set_num_threads(threads);
    c10::InferenceMode guard;
    at::manual_seed(1);
    const int64_t N = 7, H1 = 240 * scale, W1 = 320 * scale;
    struct Shape {
        const char* what;
        int64_t C, O, H, W, k;
    };
    const Shape shapes[] = {
        {"conv3d_1.2 (as 2D, 3 slices)", 32, 96, H1, W1, 3},
        {"conv3d_2 (as 2D)", 64, 192, H1 / 2, W1 / 2, 3},
        {"conv3d_3 (as 2D)", 128, 384, H1 / 4, W1 / 4, 3},
        {"ResBlock scale 2", 64, 64, H1 / 2, W1 / 2, 3},
        {"ResBlock scale 3", 128, 128, H1 / 4, W1 / 4, 3},
        {"ffn project_in scale 1", 32, 170, H1, W1, 1},
        {"ffn project_out scale 1", 85, 32, H1, W1, 1},
        {"qkv scale 2", 64, 192, H1 / 2, W1 / 2, 1},
        // k = -3: depthwise 3x3 (groups = C)
        {"qkv dwconv scale 1", 96, 96, H1, W1, -3},
        {"qkv dwconv scale 3", 384, 384, H1 / 4, W1 / 4, -3},
    };
    std::printf("bench_model_ops: %d thread(s), N = %lld frames\n", threads, (long long)N);
    double totRef = 0, totFast = 0;
    int idx = -1;
    for (const auto& s : shapes) {
        if (++idx != only && only >= 0) continue;
        at::Tensor x = at::randn({N, s.C, s.H, s.W});
        const bool depthwise = s.k == -3;
        const int64_t k = depthwise ? 3 : s.k;
        at::Tensor w = depthwise ? at::randn({s.C, 1, 3, 3}) / 3.0
                                 : at::randn({s.O, s.C, k, k}) / std::sqrt(double(s.C * k * k));
        at::Tensor b = at::randn({s.O});
        at::Tensor yr, yf, y2;
        auto ref =
            timeIt([&] { yr = at::conv2d(x, w, b, 1, k / 2, 1, depthwise ? s.C : 1); }, reps);
        if (s.k == 3) {
            auto f2 = timeIt([&] { y2 = vf::model::fast::conv3x3(x, w, b, -1.0, 2); }, reps);
            const double rel2 =
                (y2 - yr).abs().max().item<double>() / yr.abs().max().item<double>();
            std::printf("%-30s Winograd F(2,3): %.3f s (CPU %.3f): x%.2f CPU; max rel diff %.2g\n",
                        s.what, f2.first, f2.second, ref.second / f2.second, rel2);
        }
        auto fast = timeIt(
            [&] {
                yf = depthwise  ? vf::model::fast::depthwise3x3(x, w, b)
                     : s.k == 3 ? vf::model::fast::conv3x3(x, w, b)
                                : vf::model::fast::conv1x1(x, w, b);
            },
            reps);
        const double rel = (yf - yr).abs().max().item<double>() / yr.abs().max().item<double>();
        totRef += ref.second;
        totFast += fast.second;
        std::printf("%-30s C %3lld O %3lld %4lldx%-4lld k%lld: at::conv2d %.3f s (CPU %.3f), "
                    "fast %.3f s (CPU %.3f): x%.2f wall, x%.2f CPU; max rel diff %.2g\n",
                    s.what, (long long)s.C, (long long)s.O, (long long)s.W, (long long)s.H,
                    (long long)k, ref.first, ref.second, fast.first, fast.second,
                    ref.first / fast.first, ref.second / fast.second, rel);
        std::fflush(stdout);
    }
    std::printf("total CPU: at::conv2d %.2f s, fast %.2f s\n", totRef, totFast);
    // Conv3d 3x3x3 of a clip of N frames: the sum over the kernel's time slices in the
    // Winograd domain (conv3x3x3Frames) against a 2D Winograd convolution with 3 O outputs plus
    // the shifted sum (temporalSum3); runs interleaved, best of reps each.
    struct Shape3 {
        const char* what;
        int64_t C, O, H, W;
    };
    const Shape3 shapes3[] = {{"conv3d_1 second conv", 32, 32, H1, W1},
                              {"conv3d_2", 64, 64, H1 / 2, W1 / 2},
                              {"conv3d_3", 128, 128, H1 / 4, W1 / 4}};
    if (only < 0)
        for (const auto& s : shapes3) {
            at::Tensor x = at::randn({N, s.C, s.H, s.W});
            at::Tensor w = at::randn({s.O, s.C, 3, 3, 3}) / std::sqrt(27.0 * s.C);
            at::Tensor b = at::randn({s.O});
            at::Tensor w2 = w.permute({2, 0, 1, 3, 4}).reshape({3 * s.O, s.C, 3, 3}).contiguous();
            at::Tensor y1, y2;
            double best1 = 1e300, best2 = 1e300;
            for (int r = 0; r <= reps; ++r) {
                auto t0 = std::chrono::steady_clock::now();
                y1 = vf::model::fast::temporalSum3(
                    vf::model::fast::conv3x3(x, w2, {}).view({1, N, 3, s.O, s.H, s.W}), b, 0.2);
                auto t1 = std::chrono::steady_clock::now();
                y2 = vf::model::fast::conv3x3x3Frames(x, w, b, N, 0.2);
                auto t2 = std::chrono::steady_clock::now();
                if (r == 0) continue; // warm-up
                best1 = std::min(best1, std::chrono::duration<double>(t1 - t0).count());
                best2 = std::min(best2, std::chrono::duration<double>(t2 - t1).count());
            }
            const double rel =
                (y2.view_as(y1) - y1).abs().max().item<double>() / y1.abs().max().item<double>();
            std::printf("%-30s C %3lld O %3lld %4lldx%-4lld: 2D Winograd (3 O) + time sum %.3f s, "
                        "Winograd-domain time sum %.3f s: x%.2f; max rel diff %.2g\n",
                        s.what, (long long)s.C, (long long)s.O, (long long)s.W, (long long)s.H,
                        best1, best2, best1 / best2, rel);
            std::fflush(stdout);
        }
    return 0;
}
