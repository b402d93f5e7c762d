// vfstudio-cli eval: fusion metrics (toolbox conventions by default), temporal consistency and
// restoration metrics of one or more fused streams against an IR/visible pair.
#include <iostream>
#include <sstream>

#include "app/cli/Cli.h"
#include "core/common/Error.h"
#include "core/metrics/Metrics.h"

namespace {

namespace vm = vf::metrics;

// "name=path" -> (name, path); the name may not be empty.
std::pair<std::string, std::string> splitNamed(const std::string& s, const char* opt) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
        throw vf::cli::UsageError(std::string("--") + opt + " expects name=<video|folder>, got '" +
                                  s + "'");
    return {s.substr(0, eq), s.substr(eq + 1)};
}

int runEval(const std::vector<std::string>& argv) {
    vf::cli::Args a;
    a.usage =
        "vfstudio-cli eval --ir <video|folder> --vi <video|folder> --fused name=<video|folder> "
        "[--fused name2=...] [--ref-ir <...> --ref-vi <...>] [--restored-ir name=<...>] "
        "[--restored-vi name=<...>] [--metrics EN,MI,...] [--convention toolbox|standard|nats] "
        "[--flow dis-ultrafast|dis-fast|dis-medium|farneback] [--per-frame out.csv] [--json "
        "out.json] "
        "[--start N --count N] [--clip N] [--roi x,y,w,h]";
    a.summary =
        "Scores fused streams against the infrared (A) and visible (B) sources and prints one row "
        "per stream (means over frames). Image metrics follow the MATLAB toolbox behind the "
        "VideoFusion paper by default (--convention toolbox: grey via MATLAB rgb2gray, MI in bits "
        "summed over the sources with the 254/255 joint-histogram saturation, SSIM with L = 1, "
        "VIF summed, PSNR on [0,1] data with peak 255); 'standard' uses textbook definitions "
        "(SSIM L = 255, MI/VIF averaged, PSNR on [0,255]); 'nats' is toolbox with MI/EN in nats. "
        "Temporal metrics (flowD, Ewarp, BiSWE, MS2R, Flicker, Flicker_IR, Flicker_VI) use OpenCV "
        "optical flow, not the paper's SEA-RAFT, so absolute flowD values differ from published "
        "ones. With --ref-ir/--ref-vi (clean M3SVD *_Enhance frames) the degraded inputs and any "
        "--restored-ir/--restored-vi streams get PSNR/SSIM (standard 8-bit definitions). Metric "
        "names: EN SD SF AG MI SSIM VIF Qabf Nabf PSNR CC SCD FMI flowD BiSWE MS2R Ewarp Flicker "
        "Flicker_IR Flicker_VI, or the groups paper, image, temporal, all. The CSV and JSON record "
        "the conventions used; both are written atomically.";
    a.option("ir", "PATH", "infrared source (video file or frame folder)")
        .option("vi", "PATH", "visible source (video file or frame folder)")
        .option("fused", "NAME=PATH", "a fused stream to score (repeatable)", std::nullopt, true)
        .option("ref-ir", "PATH", "clean infrared reference (restoration metrics)")
        .option("ref-vi", "PATH", "clean visible reference (restoration metrics)")
        .option("restored-ir", "NAME=PATH", "restored IR of fused stream NAME (repeatable)",
                std::nullopt, true)
        .option("restored-vi", "NAME=PATH", "restored visible of fused stream NAME (repeatable)",
                std::nullopt, true)
        .option("metrics", "LIST", "comma-separated metric names or groups", std::string("paper"))
        .option("convention", "NAME", "toolbox, standard or nats", std::string("toolbox"))
        .option("flow", "METHOD", "optical flow: dis-ultrafast, dis-fast, dis-medium or farneback",
                std::string(vm::flowMethodName(vm::FlowOptions{}.method)))
        .option("per-frame", "FILE", "write per-frame values as CSV")
        .option("json", "FILE", "write summary, per-frame values and conventions as JSON")
        .option("start", "N", "first frame", std::string("0"))
        .option("count", "N", "number of frames (-1 = all)", std::string("-1"))
        .option("clip", "N", "also aggregate per clip of N frames (JSON)", std::string("0"))
        .option("roi", "X,Y,W,H", "restrict every metric to this rectangle")
        .option("threads", "N", "worker threads (0 = all cores)", std::string("0"))
        .flag("quiet", "no progress output");
    return vf::cli::runCommand(a, argv, [](const vf::cli::Args& args) {
        if (!args.has("ir") || !args.has("vi"))
            throw vf::cli::UsageError("--ir and --vi are required");
        const auto fused = args.getAll("fused");
        if (fused.empty())
            throw vf::cli::UsageError("at least one --fused name=<path> is required");
        vm::EvalRequest req;
        req.ir = args.get("ir");
        req.vi = args.get("vi");
        if (args.has("ref-ir")) req.refIr = args.get("ref-ir");
        if (args.has("ref-vi")) req.refVi = args.get("ref-vi");
        for (const auto& f : fused) {
            auto [name, path] = splitNamed(f, "fused");
            for (const auto& s : req.streams)
                if (s.name == name)
                    throw vf::cli::UsageError("two --fused streams are named '" + name + "'");
            req.streams.push_back(vm::StreamSpec{name, path, {}, {}});
        }
        auto attach = [&](const char* opt, bool ir) {
            for (const auto& r : args.getAll(opt)) {
                auto [name, path] = splitNamed(r, opt);
                bool found = false;
                for (auto& s : req.streams)
                    if (s.name == name) {
                        (ir ? s.restoredIr : s.restoredVi) = path;
                        found = true;
                    }
                if (!found)
                    throw vf::cli::UsageError(std::string("--") + opt +
                                              ": no --fused stream named '" + name + "'");
            }
        };
        attach("restored-ir", true);
        attach("restored-vi", false);
        req.metrics = vm::parseMetricList(args.get("metrics"));
        req.conventions = vm::Conventions::byName(args.get("convention"));
        req.flow.method = vm::flowMethodFromName(args.get("flow"));
        req.start = args.getInt("start");
        req.count = args.getInt("count");
        req.clipLength = args.getInt("clip");
        req.threads = args.getInt("threads");
        if (req.start < 0) throw vf::cli::UsageError("--start must be >= 0");
        if (req.count == 0 || req.count < -1)
            throw vf::cli::UsageError("--count must be > 0 (or -1)");
        if (req.clipLength < 0) throw vf::cli::UsageError("--clip must be >= 0");
        if (req.threads < 0) throw vf::cli::UsageError("--threads must be >= 0");
        cv::Rect roi;
        if (args.has("roi")) {
            std::istringstream in(args.get("roi"));
            char c1 = 0, c2 = 0, c3 = 0;
            if (!(in >> roi.x >> c1 >> roi.y >> c2 >> roi.width >> c3 >> roi.height) || c1 != ',' ||
                c2 != ',' || c3 != ',' || roi.width <= 0 || roi.height <= 0)
                throw vf::cli::UsageError("--roi expects x,y,w,h with w, h > 0, got '" +
                                          args.get("roi") + "'");
            const auto vi = vm::openFrames(req.vi);
            req.mask = vm::rectMask(vi->size(), roi);
            if (cv::countNonZero(req.mask) == 0)
                throw vf::cli::UsageError("--roi lies outside the " +
                                          std::to_string(vi->size().width) + "x" +
                                          std::to_string(vi->size().height) + " frames");
        }
        const bool quiet = args.has("quiet");
        auto progress = [quiet](long long done, long long total, const std::string&) {
            if (quiet) return;
            std::cerr << "\reval: " << done << " / " << total << " frames" << std::flush;
        };
        const vm::EvalResult res = vm::evaluate(req, progress);
        if (!quiet) std::cerr << "\n";
        for (const auto& w : res.warnings)
            std::cerr << "warning: " << w << "\n";
        std::cout << vm::formatTable(res);
        if (args.has("per-frame")) {
            vm::writePerFrameCsv(res, args.get("per-frame"));
            if (!quiet) std::cerr << "wrote " << args.get("per-frame") << "\n";
        }
        if (args.has("json")) {
            vm::writeJson(res, args.get("json"));
            if (!quiet) std::cerr << "wrote " << args.get("json") << "\n";
        }
        return 0;
    });
}

} // namespace

VF_CLI_COMMAND(eval, "eval", "fusion, temporal and restoration metrics of fused streams", runEval);
