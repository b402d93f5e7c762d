// bench_metrics: per-frame cost of the image-metric suite and per-pair cost of the temporal
// metrics at 640x480, on real M3SVD frames (synthetic texture if ../shared is absent).
// References measured in the same run: an 11x11 Gaussian blur of the grey frame in double
// (the unit the SSIM/VIF moments are made of) and one DIS optical flow (the unit of the
// temporal metrics). Prints absolute times and ratios.
//
// Usage: bench_metrics [frames=12] [threads=2] [part=all|image|suite|fmi|temporal|fast|engine]
// (part: image = the image metrics only, suite = the whole image suite only, fmi = FMI alone
// only, temporal = the temporal ones only, fast = the temporal ones with DIS ultrafast and fast
// only, engine = the engine over H.264 videos only; for profiling.)
// Every line gives the wall time per item and, next to it, the process CPU time per item
// divided by the thread count ("cpu/thr"): the wall time the work would take on that many idle
// cores (frames in parallel). On a shared, loaded machine the wall time is inflated by other
// processes; the cpu/thr figure much less so.
//
// What the totals include:
//   whole image suite = all 13 image metrics in one imageMetrics() call per frame:
//     EN SD SF AG MI SSIM VIF Qabf Nabf PSNR CC SCD FMI (toolbox conventions);
//   suite without FMI = the same minus FMI; paper image metrics = EN MI SD SSIM VIF;
//   all temporal = one temporalMetrics() call per frame pair with every temporal metric:
//     flowD WarpError BiSWE MS2R Flicker FlickerIR FlickerVI (6 DIS flows: visible and IR
//     sources both directions, fused clip both directions), for each DIS preset (ultrafast,
//     fast, medium);
//   two streams = the engine's case: source flows computed once, two fused streams;
//   engine over videos = evaluate() (the engine vfstudio-cli eval and the GUI run) over three
//     H.264 videos written for the run (x264 defaults: one keyframe every 250 frames), with a
//     cheap image metric and a cheap temporal one, against decoding the same three videos
//     sequentially (the floor for any evaluation of them).
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

#include "core/common/Runtime.h"
#include "core/metrics/Metrics.h"
#ifdef VF_BENCH_HAVE_IO
#include "core/io/ClipWriter.h"
#include "core/io/FrameSource.h"
#endif

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

double cpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Time {
    double wall = 0, cpu = 0; // ms per item; cpu = process CPU time / threads
};

// Runs body(i) for i in [0, n) on `threads` threads (items in parallel).
template <class F> Time perItem(int n, int threads, F body) {
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
    Time t;
    t.wall = ms(t0, Clock::now()) / n;
    t.cpu = (cpuMs() - c0) / n / std::max(1, threads);
    return t;
}

#ifdef VF_BENCH_HAVE_IO
// The engine over videos: ms per frame of evaluate() against sequential decoding.
void engineOverVideos(const Clip& clip, int frames, int threads) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "vf_bench_metrics_engine";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path paths[3] = {dir / "ir.mp4", dir / "vi.mp4", dir / "fused.mp4"};
    const std::vector<cv::Mat>* src[3] = {&clip.ir, &clip.vi, &clip.fused};
    for (int s = 0; s < 3; ++s) {
        vf::io::ClipWriter w(paths[s], clip.vi[0].size(), vf::io::ColorMode::BGR);
        for (int i = 0; i < frames; ++i) // the clip's frames forwards, then backwards, ...
        {
            const int n = int(src[s]->size()), k = i % (2 * n - 2);
            w.write((*src[s])[k < n ? k : 2 * n - 2 - k]);
        }
        w.finish();
    }
    const double c0 = cpuMs();
    const auto t0 = Clock::now();
    for (const fs::path& p : paths) {
        auto r = vf::io::openSource(p);
        cv::Mat m;
        while (r->nextInto(m)) {
        }
    }
    const double decWall = ms(t0, Clock::now()) / frames, decCpu = (cpuMs() - c0) / frames;
    std::printf("engine over %d-frame H.264 videos (3 streams), ms per frame:\n", frames);
    std::printf("  reference: decoding the 3 videos sequentially %7.2f wall %7.2f cpu\n", decWall,
                decCpu);
    for (const auto& [what, metrics] :
         {std::pair<const char*, std::vector<Metric>>{"EN (reads frame t)", {Metric::EN}},
          {"EN + Flicker (reads t and t-1)", {Metric::EN, Metric::Flicker}}}) {
        EvalRequest req;
        req.ir = paths[0];
        req.vi = paths[1];
        req.streams = {StreamSpec{"fused", paths[2], {}, {}}};
        req.metrics = metrics;
        req.threads = threads;
        const double c1 = cpuMs();
        const auto t1 = Clock::now();
        evaluate(req);
        const double wall = ms(t1, Clock::now()) / frames, cpu = (cpuMs() - c1) / frames;
        std::printf("  evaluate(), %-30s %7.2f wall %7.2f cpu  (%4.1fx decoding, wall)\n", what,
                    wall, cpu, wall / decWall);
    }
    fs::remove_all(dir);
}
#endif

std::string fmt(const Time& t) {
    char b[64];
    std::snprintf(b, sizeof b, "%7.2f wall %7.2f cpu/thr", t.wall, t.cpu);
    return b;
}

} // namespace

int main(int argc, char** argv) {
    vf::initRuntime(); // the malloc tuning vfstudio and vfstudio-cli run with
    const int n = argc > 1 ? std::max(2, std::atoi(argv[1])) : 12;
    const int threads = argc > 2 ? std::max(1, std::atoi(argv[2])) : 2;
    const std::string part = argc > 3 ? argv[3] : "all";
    const bool suiteOnly = part == "suite", fmiOnly = part == "fmi";
    const bool doImage = part == "all" || part == "image" || suiteOnly || fmiOnly;
    const bool doTemporal = part == "all" || part == "temporal" || part == "fast";
    const bool doEngine = part == "all" || part == "engine";
    cv::setNumThreads(threads);
    const Clip clip = loadClip(n);
    std::printf("bench_metrics: %d frames %dx%d, %d threads (frames in parallel); ms per item, "
                "wall and process CPU time / threads\n",
                n, clip.vi[0].cols, clip.vi[0].rows, threads);

    // references (same run)
    const Time refBlur = perItem(n, threads, [&](int i) {
        cv::Mat g, d, o;
        cv::cvtColor(clip.vi[i], g, cv::COLOR_BGR2GRAY);
        g.convertTo(d, CV_64F);
        cv::GaussianBlur(d, o, cv::Size(11, 11), 1.5, 1.5, cv::BORDER_REPLICATE);
    });
    // one DIS flow per preset on the visible pair (only when the temporal part runs)
    const FlowMethod presets[3] = {FlowMethod::DisUltrafast, FlowMethod::DisFast,
                                   FlowMethod::DisMedium};
    Time refDis[3];
    for (int p = 0; p < 3 && doTemporal; ++p)
        refDis[p] = perItem(n - 1, threads, [&](int i) {
            computeFlow(clip.vi[i + 1], clip.vi[i], FlowOptions{presets[p]});
        });
    std::printf("reference GaussianBlur 11x11 (double) per frame: %s\n", fmt(refBlur).c_str());
    for (int p = 0; p < 3 && doTemporal; ++p)
        std::printf("reference %-13s flow:                 %s\n", flowMethodName(presets[p]),
                    fmt(refDis[p]).c_str());

    auto line = [&](const char* what, const Time& t, const Time& ref, const char* refName,
                    const char* budget) {
        std::printf("  %-44s %s  (%5.1fx %s)%s\n", what, fmt(t).c_str(), t.cpu / ref.cpu, refName,
                    budget);
    };

    // each image metric alone (includes the grey conversion of the three frames)
    if (doImage) {
        const std::vector<Metric> alone = suiteOnly ? std::vector<Metric>{}
                                          : fmiOnly ? std::vector<Metric>{Metric::FMI}
                                                    : imageMetrics();
        for (Metric m : alone) {
            const Time t = perItem(n, threads, [&](int i) {
                imageMetrics(clip.ir[i], clip.vi[i], clip.fused[i], {m});
            });
            line(metricName(m), t, refBlur, "blur", "");
        }
        if (fmiOnly) return 0;
        const std::vector<Metric> all = imageMetrics();
        std::vector<Metric> noFmi;
        for (Metric m : all)
            if (m != Metric::FMI) noFmi.push_back(m);
        const Time tSuite = perItem(
            n, threads, [&](int i) { imageMetrics(clip.ir[i], clip.vi[i], clip.fused[i], all); });
        line("WHOLE image suite (13 metrics incl. FMI)", tSuite, refBlur, "blur", "  budget 50");
        if (suiteOnly) return 0;
        const Time tNoFmi = perItem(
            n, threads, [&](int i) { imageMetrics(clip.ir[i], clip.vi[i], clip.fused[i], noFmi); });
        line("image suite without FMI (12 metrics)", tNoFmi, refBlur, "blur", "");
        const Time tPaper = perItem(n, threads, [&](int i) {
            imageMetrics(clip.ir[i], clip.vi[i], clip.fused[i],
                         {Metric::EN, Metric::MI, Metric::SD, Metric::SSIM, Metric::VIF});
        });
        line("paper image metrics (EN MI SD SSIM VIF)", tPaper, refBlur, "blur", "");
    }
    if (doEngine) {
#ifdef VF_BENCH_HAVE_IO
        engineOverVideos(clip, 200, threads);
#else
        std::printf("engine over videos: not built (no core/io)\n");
#endif
    }
    if (!doTemporal) return 0;

    // temporal metrics per frame pair
    for (int p = 0; p < 3; ++p) {
        const FlowMethod fm = presets[p];
        if (part == "fast" && fm == FlowMethod::DisMedium) continue;
        const FlowOptions fo{fm};
        const Time& ref = refDis[p];
        auto pairIn = [&](int i) {
            return TemporalInputs{clip.ir[i],     clip.ir[i + 1], clip.vi[i],
                                  clip.vi[i + 1], clip.fused[i],  clip.fused[i + 1]};
        };
        const Time tFlowD = perItem(n - 1, threads, [&](int i) {
            temporalMetrics(pairIn(i), {Metric::FlowD, Metric::Flicker}, fo);
        });
        const Time tAll = perItem(
            n - 1, threads, [&](int i) { temporalMetrics(pairIn(i), temporalMetrics(), fo); });
        const Time tTwo = perItem(n - 1, threads, [&](int i) {
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
        std::printf("%s (visible self-warp residual, flow accuracy proxy: %.3f), per pair:\n",
                    flowMethodName(fm), selfRes);
        line("flowD + Flicker", tFlowD, ref, "flow", "");
        line("ALL temporal (7 metrics, 6 flows)", tAll, ref, "flow", "  budget 40");
        line("all temporal, two streams, shared src flows", tTwo, ref, "flow", "");
    }
    return 0;
}
