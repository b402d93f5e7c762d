// vfstudio-cli degrade: synthesise M3SVD-style degraded inputs from a clean registered pair.
#include <iostream>

#include "app/cli/Cli.h"
#include "core/common/Error.h"
#include "core/degrade/M3svd.h"

namespace {

int runDegrade(const std::vector<std::string>& argv) {
    vf::cli::Args a;
    a.usage = "vfstudio-cli degrade --ir <video|folder> --vi <video|folder> -o <out-root> "
              "[--preset m3svd|lowlight|haze] [--seed N]";
    a.summary =
        "Degrades a clean registered IR/visible pair and writes the M3SVD layout "
        "<out-root>/<split>/{infrared_Enhance,infrared_noise,visible_Enhance,visible_Blur}/"
        "<seq>/NNNN.png (clean copies beside degraded inputs) plus degrade_<seq>.json with the "
        "drawn parameters. m3svd: IR Gaussian noise sigma randint(9..15)/255 per pixel and "
        "frame + column stripes sigma randint(5..16)/255 fixed per sequence; visible Gaussian "
        "blur, kernel 12, sigma ~ U(0.5, 3.5) per sequence. lowlight/haze: the same IR noise, "
        "visible darkened with sensor noise / hazed with a depth proxy. Reproducible for a "
        "given --seed.";
    a.option("ir", "PATH", "clean infrared video file or frame folder")
        .option("vi", "PATH", "clean visible video file or frame folder")
        .option("o", "DIR", "output root")
        .option("output", "DIR", "output root (same as -o)")
        .option("preset", "NAME", "m3svd, lowlight or haze", std::string("m3svd"))
        .option("seed", "N", "random seed (sequence parameters and per-frame noise)",
                std::string("0"))
        .option("split", "NAME", "split sub-folder (train, val, test)", std::string("train"))
        .option("seq", "NAME", "sequence name (default: the infrared input's name)")
        .option("max-frames", "N", "degrade at most N frames (0 = all)", std::string("0"))
        .flag("quiet", "no progress output");
    return vf::cli::runCommand(a, argv, [](const vf::cli::Args& args) {
        if (!args.has("ir") || !args.has("vi"))
            throw vf::cli::UsageError("--ir and --vi are required");
        std::string out =
            args.has("o") ? args.get("o") : (args.has("output") ? args.get("output") : "");
        if (out.empty()) throw vf::cli::UsageError("-o <out-root> is required");
        vf::degrade::WriteOptions o;
        o.recipe.preset = vf::degrade::presetFromName(args.get("preset"));
        const long long seed = std::stoll(args.get("seed"));
        if (seed < 0) throw vf::cli::UsageError("--seed must be >= 0");
        o.seed = uint64_t(seed);
        o.split = args.get("split");
        if (args.has("seq")) o.sequence = args.get("seq");
        o.maxFrames = args.getInt("max-frames");
        if (o.maxFrames < 0) throw vf::cli::UsageError("--max-frames must be >= 0");
        const bool quiet = args.has("quiet");
        auto progress = [quiet](long long done, long long total, const std::string& what) {
            if (quiet) return;
            std::cerr << "\r" << what << ": " << done;
            if (total > 0) std::cerr << " / " << total;
            std::cerr << " frames" << std::flush;
        };
        auto rep =
            vf::degrade::writeM3svdSequence(args.get("ir"), args.get("vi"), out, o, progress);
        if (!quiet) std::cerr << "\n";
        for (const auto& w : rep.warnings)
            std::cerr << "warning: " << w << "\n";
        std::cout << "wrote " << rep.frames << " frame pairs to " << rep.splitDir.string() << "\n"
                  << rep.params.toJson() << "\n";
        return 0;
    });
}

} // namespace

VF_CLI_COMMAND(degrade, "degrade", "synthesise M3SVD-style degraded inputs (noise, blur, ...)",
               runDegrade);
