// bench_metrics: per-frame cost of the image-metric suite and per-pair cost of the temporal
// metrics at 640x480, on real M3SVD frames (synthetic texture if ../shared is absent).
// References measured in the same run: an 11x11 Gaussian blur of the grey frame in double
// (the unit the SSIM/VIF moments are made of) and one DIS optical flow (the unit of the
// temporal metrics). Prints absolute times and ratios.
//
// Usage: bench_metrics [frames=12] [threads=2] [cpu]
// With "cpu", every time is the process CPU time per item divided by the thread count: the
// wall time the work would take on that many idle cores (frames in parallel). Use it on a
// shared, loaded machine, where wall times are inflated by other processes.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/metrics/Metrics.h"

using namespace vf::metrics;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Clip {
    std::vector<cv::Mat> ir, vi, fused;
};

Clip loadClip(int n) {
    Clip c;
    const std::filesystem::path root = std::filesystem::path(VF_SHARED_DIR) / "data/M3SVD/val";
    for (int i = 0; i < n; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%04d.png", i % 20);
        cv::Mat ir = cv::imread((root / "infrared_Enhance/0111_1716" / name).string());
        cv::Mat vi = cv::imread((root / "visible_Enhance/0111_1716" / name).string());
        if (ir.empty() || vi.empty()) { // no shared data: a moving synthetic texture
            cv::Mat big(560, 720, CV_8UC3);
            cv::randu(big, 0, 255);
            cv::GaussianBlur(big, big, cv::Size(0, 0), 3);
            vi = big(cv::Rect(10 + 2 * i, 10 + i, 640, 480)).clone();
            cv::cvtColor(vi, ir, cv::COLOR_BGR2GRAY);
            cv::cvtColor(255 - ir, ir, cv::COLOR_GRAY2BGR);
        }
        cv::Mat f;
        cv::addWeighted(ir, 0.5, vi, 0.5, 0, f);
        c.ir.push_back(ir);
        c.vi.push_back(vi);
        c.fused.push_back(f);
    }
    return c;
}

bool gCpuMode = false;

double cpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Runs body(i) for i in [0, n) on `threads` threads; returns ms per item (wall, or CPU time /
// threads in cpu mode).
template <class F> double perItem(int n, int threads, F body) {
    const double c0 = cpuMs();
    const auto t0 = Clock::now();
    if (threads <= 1)
        for (int i = 0; i < n; ++i)
            body(i);
    else
        cv::parallel_for_(
            cv::Range(0, n),
            [&](const cv::Range& r) {
                for (int i = r.start; i < r.end; ++i)
                    body(i);
            },
            n);
    const double wall = ms(t0, Clock::now()) / n;
    if (gCpuMode) return (cpuMs() - c0) / n / std::max(1, threads);
    return wall;
}

} // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::max(2, std::atoi(argv[1])) : 12;
    const int threads = argc > 2 ? std::max(1, std::atoi(argv[2])) : 2;
    gCpuMode = argc > 3 && std::string(argv[3]) == "cpu";
    cv::setNumThreads(threads);
    const Clip clip = loadClip(n);
    std::printf("bench_metrics: %d frames %dx%d, %d threads (frames in parallel), %s\n", n,
                clip.vi[0].cols, clip.vi[0].rows, threads,
                gCpuMode ? "times = process CPU time / threads" : "wall times");

    // references
    const double refBlur = perItem(n, threads, [&](int i) {
        cv::Mat g, d, o;
        cv::cvtColor(clip.vi[i], g, cv::COLOR_BGR2GRAY);
        g.convertTo(d, CV_64F);
        cv::GaussianBlur(d, o, cv::Size(11, 11), 1.5, 1.5, cv::BORDER_REPLICATE);
    });
    const double refDisMed = perItem(n - 1, threads, [&](int i) {
        computeFlow(clip.vi[i + 1], clip.vi[i], FlowOptions{FlowMethod::DisMedium});
    });
    const double refDisFast = perItem(n - 1, threads, [&](int i) {
        computeFlow(clip.vi[i + 1], clip.vi[i], FlowOptions{FlowMethod::DisFast});
    });
    std::printf("reference: GaussianBlur 11x11 (double) %.2f ms/frame, DIS medium %.2f ms, "
                "DIS fast %.2f ms per flow\n",
                refBlur, refDisMed, refDisFast);

    // each image metric alone
    std::vector<Metric> suite;
    for (Metric m : imageMetrics())
        if (m != Metric::FMI) suite.push_back(m);
    for (Metric m : imageMetrics()) {
        const int k = m == Metric::FMI ? std::min(n, 4) : n;
        const double t = perItem(
            k, threads, [&](int i) { imageMetrics(clip.ir[i], clip.vi[i], clip.fused[i], {m}); });
        std::printf("  %-8s %8.2f ms/frame  (%.1fx blur)\n", metricName(m), t, t / refBlur);
    }
    const double tSuite = perItem(
        n, threads, [&](int i) { imageMetrics(clip.ir[i], clip.vi[i], clip.fused[i], suite); });
    std::printf("image suite without FMI (%zu metrics, shared intermediates): %.2f ms/frame "
                "(%.1fx blur; budget 50 ms)\n",
                suite.size(), tSuite, tSuite / refBlur);
    const double tPaper = perItem(n, threads, [&](int i) {
        imageMetrics(clip.ir[i], clip.vi[i], clip.fused[i],
                     {Metric::EN, Metric::MI, Metric::SD, Metric::SSIM, Metric::VIF});
    });
    std::printf("paper image metrics (EN MI SD SSIM VIF): %.2f ms/frame (%.1fx blur)\n", tPaper,
                tPaper / refBlur);

    // temporal metrics per frame pair
    for (FlowMethod fm : {FlowMethod::DisFast, FlowMethod::DisMedium}) {
        const FlowOptions fo{fm};
        const double ref = fm == FlowMethod::DisFast ? refDisFast : refDisMed;
        auto pairIn = [&](int i) {
            return TemporalInputs{clip.ir[i],     clip.ir[i + 1], clip.vi[i],
                                  clip.vi[i + 1], clip.fused[i],  clip.fused[i + 1]};
        };
        const double tFlowD = perItem(n - 1, threads, [&](int i) {
            temporalMetrics(pairIn(i), {Metric::FlowD, Metric::Flicker}, fo);
        });
        const double tAll = perItem(
            n - 1, threads, [&](int i) { temporalMetrics(pairIn(i), temporalMetrics(), fo); });
        // engine case: source flows shared by two fused streams
        const double tTwo = perItem(n - 1, threads, [&](int i) {
            const auto in = pairIn(i);
            const SourceFlows fl = computeSourceFlows(in, temporalMetrics(), fo);
            temporalMetrics(in, temporalMetrics(), fo, {}, &fl);
            temporalMetrics(in, temporalMetrics(), fo, {}, &fl);
        });
        // flow accuracy proxy: flowD of the visible clip against itself (how well the flow
        // explains the source's own motion; lower = more accurate flow)
        double selfRes = 0;
        for (int i = 0; i + 1 < n; ++i)
            selfRes += flowD(clip.vi[i], clip.vi[i + 1], clip.vi[i], clip.vi[i + 1], fo);
        selfRes /= (n - 1);
        std::printf("%s: visible self-warp residual (flow accuracy proxy) %.3f\n",
                    flowMethodName(fm), selfRes);
        std::printf("%s: flowD+flicker %.2f ms/pair (%.1fx one flow); all temporal %.2f "
                    "ms/pair (%.1fx; budget 40 ms); two streams sharing source flows %.2f "
                    "ms/pair\n",
                    flowMethodName(fm), tFlowD, tFlowD / ref, tAll, tAll / ref, tTwo);
    }
    return 0;
}
