// vfstudio-cli export: fuses a pair (any method, or VideoFusion with a checkpoint) or takes an
// already fused video/folder, and writes the fused (or restored) frames as H.264 MP4, FFV1 MKV
// or a PNG folder. Never overwrites without --force; SIGINT/SIGTERM cancel and leave nothing.
#include <csignal>
#include <iostream>

#include "app/cli/Cli.h"
#include "core/common/Error.h"
#include "core/fusion/FusionMethod.h"
#include "core/report/Export.h"

namespace fs = std::filesystem;

namespace {

vf::CancelToken* g_exportCancel = nullptr;
extern "C" void onExportSignal(int) {
    if (g_exportCancel) g_exportCancel->cancel();
}

int runExport(std::vector<std::string> argv) {
    for (auto& a : argv)
        if (a == "-o") a = "--output";
    vf::cli::Args a;
    a.usage = "vfstudio-cli export --ir <video|folder> --vi <video|folder> (--method NAME "
              "[--param k=v]... | --weights CKPT | --fused <video|folder>) [--what "
              "fused|restored-ir|restored-vi] -o out.mp4|out.mkv|folder/ [--start N --count N] "
              "[--crf Q] [--force]";
    a.summary = "Exports a fused clip: .mp4 = H.264 (quality --crf), .mkv = lossless FFV1, "
                "anything else = a folder of PNG frames. The stream comes from fusing the pair "
                "with --method (see 'vfstudio-cli methods') or VideoFusion with --weights, or from "
                "an already fused --fused input. An existing output is never replaced without "
                "--force. Progress on stderr; Ctrl-C cancels and leaves no file.";
    a.option("ir", "PATH", "infrared video or frame folder")
        .option("vi", "PATH", "visible video or frame folder")
        .option("method", "NAME", "fusion method")
        .option("param", "KEY=VALUE", "method parameter (repeatable)", std::nullopt, true)
        .option("weights", "FILE", "VideoFusion checkpoint (implies --method videofusion)")
        .option("fused", "PATH", "an already fused video or folder to export")
        .option("what", "STREAM", "fused, restored-ir or restored-vi", std::string("fused"))
        .option("output", "PATH", "out.mp4, out.mkv or folder/ (-o)")
        .option("start", "N", "first frame", std::string("0"))
        .option("count", "N", "number of frames (default: to the end)")
        .option("crf", "Q", "H.264 quality 0..51 (lower = better)", std::string("18"))
        .option("preset", "NAME", "x264 preset", std::string("medium"))
        .flag("force", "replace an existing output")
        .flag("quiet", "no progress output");
    return vf::cli::runCommand(a, argv, [](const vf::cli::Args& args) {
        if (!args.has("output")) throw vf::cli::UsageError("-o <output> is required");
        vf::report::ExportRequest req;
        req.output = fs::u8path(args.get("output"));
        req.force = args.has("force");
        req.what = vf::report::exportWhatFromName(args.get("what"));
        req.start = args.getInt("start");
        req.count = args.has("count") ? args.getInt("count") : -1;
        if (req.start < 0) throw vf::cli::UsageError("--start must be >= 0");
        if (args.has("count") && req.count < 1) throw vf::cli::UsageError("--count must be >= 1");
        req.crf = args.getInt("crf");
        if (req.crf < 0 || req.crf > 51) throw vf::cli::UsageError("--crf must be within 0..51");
        req.preset = args.get("preset");

        const int sourcesGiven = int(args.has("method")) +
                                 int(args.has("weights") && !args.has("method")) +
                                 int(args.has("fused"));
        if (sourcesGiven != 1)
            throw vf::cli::UsageError("give exactly one of --method, --weights or --fused");
        if (args.has("fused")) {
            if (!args.getAll("param").empty()) throw vf::cli::UsageError("--param needs --method");
            req.fused = fs::u8path(args.get("fused"));
        } else {
            if (!args.has("ir") || !args.has("vi"))
                throw vf::cli::UsageError("--ir and --vi are required with --method/--weights");
            req.ir = fs::u8path(args.get("ir"));
            req.vi = fs::u8path(args.get("vi"));
            const auto& reg = vf::fusion::MethodRegistry::builtin();
            const std::string name = args.has("method") ? args.get("method") : "videofusion";
            auto method = reg.get(name);
            const auto specs = method->params();
            vf::fusion::ParamValues given;
            if (args.has("weights")) {
                bool ok = false;
                for (const auto& s : specs)
                    if (s.key == "weights") ok = true;
                if (!ok)
                    throw vf::cli::UsageError("--weights is for VideoFusion, not " +
                                              method->name());
                given["weights"] = args.get("weights");
            }
            for (const auto& kv : args.getAll("param")) {
                auto [k, v] = vf::fusion::parseParamAssignment(specs, kv, method->name());
                given[k] = v;
            }
            req.method = reg.create(method->name(), given);
        }
        // Refuse before any slow work (model loading, decoding).
        vf::report::checkOutput(req.output, req.force);

        vf::CancelToken token;
        g_exportCancel = &token;
        std::signal(SIGINT, onExportSignal);
        std::signal(SIGTERM, onExportSignal);
        const bool quiet = args.has("quiet");
        long long lastDone = -1;
        auto progress = [&](long long done, long long total, const std::string&) {
            if (quiet || done == lastDone) return;
            lastDone = done;
            std::cerr << "\rexport: " << done << "/" << total << " frames" << std::flush;
        };
        vf::report::ExportResult res;
        try {
            res = vf::report::exportClip(req, progress, &token);
        } catch (...) {
            g_exportCancel = nullptr;
            if (!quiet) std::cerr << "\n";
            throw;
        }
        g_exportCancel = nullptr;
        if (!quiet) std::cerr << "\n";
        for (const auto& w : res.warnings)
            std::cerr << "warning: " << w << "\n";
        std::cerr << "exported " << res.frames << " frames (" << vf::io::formatName(res.format)
                  << ")\n";
        std::cout << req.output.string() << "\n";
        return 0;
    });
}

} // namespace

VF_CLI_COMMAND(export_, "export", "export a fused or restored clip (MP4, MKV or PNG folder)",
               [](const std::vector<std::string>& argv) { return runExport(argv); });
