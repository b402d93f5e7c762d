// vfstudio-cli train: train VideoFusion (official losses, AdamW, warm-up + cosine schedule).
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/cli/Cli.h"
#include "core/common/Error.h"
#include "core/train/ClipDataset.h"
#include "core/train/Trainer.h"

namespace {

std::string hms(double s) {
    if (!(s >= 0)) return "?";
    const long long t = static_cast<long long>(s + 0.5);
    char b[32];
    std::snprintf(b, sizeof b, "%lld:%02lld:%02lld", t / 3600, (t / 60) % 60, t % 60);
    return b;
}

int runTrain(const std::vector<std::string>& argv) {
    vf::cli::Args a;
    a.usage = "vfstudio-cli train --config <json> | [options]";
    a.summary =
        "Trains VideoFusion with the official losses (fusion, fidelity, temporal), AdamW "
        "(lr 1e-4, wd 1e-5), linear warm-up then cosine decay, gradient clipping 0.01, random "
        "T-frame crops from M3SVD folders (degraded inputs + clean targets) and/or clean videos "
        "degraded on the fly. Checkpoints are written in the official {'params': OrderedDict} "
        "format (net_g_<iter>.pth) with a .state side file for --resume. Command-line options "
        "override the config file. See core/train/TrainConfig.h for the JSON keys.";
    a.option("config", "FILE", "JSON training configuration")
        .option("output", "DIR", "output folder (checkpoints, log)")
        .option("m3svd", "DIR", "M3SVD split folder (with infrared_noise, ...); repeatable",
                std::nullopt, true)
        .option("video", "IR,VI",
                "clean IR and visible videos/folders, degraded on the fly; "
                "repeatable",
                std::nullopt, true)
        .option("exclude", "SEQ", "sequence never used for training; repeatable", std::nullopt,
                true)
        .option("max-frames", "N", "frames read per video (0 = all)")
        .option("iterations", "N", "total iterations")
        .option("features", "N", "model num_features (multiple of 4, >= 16)")
        .option("frames", "T", "frames per clip")
        .option("crop", "N", "crop size (multiple of 4)")
        .option("batch", "N", "clips per iteration")
        .option("lr", "X", "base learning rate")
        .option("warmup", "N", "linear warm-up iterations")
        .option("period", "N", "cosine period (iterations)")
        .option("clip-norm", "X", "gradient clipping max norm (0 = off)")
        .option("save-every", "N", "checkpoint interval")
        .option("val-every", "N", "validation interval (0 = off)")
        .option("log-every", "N", "progress interval")
        .option("seed", "N", "random seed")
        .option("resume", "PATH|auto", "resume from a checkpoint (with its .state file)")
        .option("init", "PATH", "initial weights (official format)")
        .option("threads", "N", "CPU threads (0 = min(2, cores))")
        .option("device", "auto|cpu|cuda", "compute device")
        .flag("hflip", "random horizontal flips")
        .flag("dry-run", "load data and build the model, print the setup, do not train");
    return vf::cli::runCommand(a, argv, [](const vf::cli::Args& args) {
        vf::train::TrainConfig c;
        if (args.has("config")) c = vf::train::loadTrainConfig(args.get("config"));
        if (args.has("output")) c.output = args.get("output");
        for (const auto& r : args.getAll("m3svd")) {
            vf::train::M3svdSource s;
            s.root = r;
            c.m3svd.push_back(s);
        }
        for (const auto& v : args.getAll("video")) {
            const auto comma = v.find(',');
            if (comma == std::string::npos)
                throw vf::cli::UsageError("--video needs IR,VI (two paths separated by a comma)");
            vf::train::VideoSource s;
            s.ir = v.substr(0, comma);
            s.vi = v.substr(comma + 1);
            if (args.has("max-frames")) s.maxFrames = args.getInt("max-frames");
            c.videos.push_back(s);
        }
        for (const auto& e : args.getAll("exclude"))
            for (auto& s : c.m3svd)
                s.exclude.push_back(e);
        if (args.has("iterations")) c.iterations = std::stoll(args.get("iterations"));
        if (args.has("features")) c.model.numFeatures = args.getInt("features");
        if (args.has("frames")) c.frames = args.getInt("frames");
        if (args.has("crop")) c.crop = args.getInt("crop");
        if (args.has("batch")) c.batch = args.getInt("batch");
        if (args.has("lr")) c.lr = args.getDouble("lr");
        if (args.has("warmup")) c.warmup = std::stoll(args.get("warmup"));
        if (args.has("period")) c.periods = {std::stoll(args.get("period"))};
        if (args.has("clip-norm")) c.clipNorm = args.getDouble("clip-norm");
        if (args.has("save-every")) c.saveEvery = std::stoll(args.get("save-every"));
        if (args.has("val-every")) c.valEvery = std::stoll(args.get("val-every"));
        if (args.has("log-every")) c.logEvery = std::stoll(args.get("log-every"));
        if (args.has("seed")) c.seed = std::stoull(args.get("seed"));
        if (args.has("resume")) c.resume = args.get("resume");
        if (args.has("init")) c.init = args.get("init");
        if (args.has("threads")) c.threads = args.getInt("threads");
        if (args.has("device")) c.device = args.get("device");
        if (args.has("hflip")) c.hflip = true;
        // Re-validate the merged configuration through the JSON parser.
        c = vf::train::trainConfigFromJson(vf::train::trainConfigToJson(c));
        if (c.videos.empty() && c.m3svd.empty())
            throw vf::cli::UsageError("no training data: give --config, --m3svd or --video");

        std::cerr << "loading training data...\n";
        vf::train::Trainer t(c);
        std::cerr << t.dataset().summary() << "model: num_features " << c.model.numFeatures << ", "
                  << t.parameterCount() << " parameters, device " << t.deviceName()
                  << "\nclips: " << c.batch << " x " << c.frames << " frames x " << c.crop << "x"
                  << c.crop << "; iterations " << t.iteration() << " -> " << c.iterations
                  << "; output " << c.output << "\n";
        if (args.has("dry-run")) return 0;
        auto status = [](const vf::train::TrainStatus& s) {
            std::ostringstream o;
            o << "iter " << s.iteration << "/" << s.total << "  loss " << s.loss << " (fusion "
              << s.fusion << ", fid_ir " << s.fidelityIr << ", fid_vi " << s.fidelityVi
              << ", temporal " << s.temporal << ")  lr " << s.lr << "  " << s.secondsPerIteration
              << " s/it  ETA " << hms(s.etaSeconds);
            if (s.validationLoss >= 0) o << "  val " << s.validationLoss;
            if (!s.savedCheckpoint.empty()) o << "  saved " << s.savedCheckpoint;
            std::cout << o.str() << std::endl;
        };
        const auto last = t.run(status);
        std::cout << "done: " << last.string() << "\n";
        return 0;
    });
}

} // namespace

VF_CLI_COMMAND(train, "train",
               "train VideoFusion (official losses; checkpoints in the official format)", runTrain);
