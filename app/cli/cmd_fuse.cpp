// vfstudio-cli fuse: fuses an IR/visible pair (videos, frame folders, single images, or an
// M3SVD sequence) with VideoFusion (default) or any registered method.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "app/cli/Cli.h"
#include "core/common/AtomicFile.h"
#include "core/common/Error.h"
#include "core/fusion/FusionMethod.h"
#include "core/fusion/LearnedMethods.h"
#include "core/fusion/SequenceSources.h"
#include "core/io/ClipWriter.h"
#include "core/io/FrameSequence.h"
#include "core/io/Pair.h"

namespace fs = std::filesystem;
using namespace vf::fusion;

namespace {

bool isImageFile(const fs::path& p) {
    return fs::is_regular_file(p) && vf::io::FrameSequence::isImageFile(p);
}

cv::Mat readImage(const fs::path& p) {
    cv::Mat m = cv::imread(p.string(), cv::IMREAD_UNCHANGED);
    if (m.empty())
        throw vf::Error(vf::ErrorCode::Unreadable, "cannot read image " + p.string(), p.string());
    if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
    if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
    return m;
}

void writeImage(const fs::path& p, const cv::Mat& img) {
    std::vector<uchar> buf;
    std::string ext = p.extension().string();
    if (ext.empty()) ext = ".png";
    if (!cv::imencode(ext, img, buf))
        throw vf::Error(vf::ErrorCode::WriteFailed, "cannot encode " + p.string(), p.string());
    vf::writeFileAtomic(p, std::string(buf.begin(), buf.end()));
}

enum class OutKind { Folder, Video, Image };

OutKind outputKind(const fs::path& out) {
    std::string e = out.extension().string();
    for (auto& c : e)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    if (e == ".mp4" || e == ".m4v" || e == ".mov" || e == ".mkv") return OutKind::Video;
    if (e == ".png" || e == ".jpg" || e == ".jpeg" || e == ".bmp" || e == ".tif" || e == ".tiff")
        return OutKind::Image;
    return OutKind::Folder;
}

fs::path withSuffix(const fs::path& p, const std::string& suffix) {
    return p.parent_path() / (p.stem().string() + suffix + p.extension().string());
}

// Where and how the frames go.
class Output {
public:
    Output(fs::path dest, bool restored, vf::io::Rational fps)
        : dest_(std::move(dest)), kind_(outputKind(dest_)), restored_(restored), fps_(fps) {
        if (kind_ == OutKind::Folder) {
            std::error_code ec;
            fs::create_directories(dest_, ec);
            if (ec || !fs::is_directory(dest_))
                throw vf::Error(vf::ErrorCode::WriteFailed,
                                "cannot create output folder " + dest_.string(), dest_.string());
            if (restored_) {
                fs::create_directories(dest_ / "restored_ir", ec);
                fs::create_directories(dest_ / "restored_vi", ec);
            }
        }
    }

    void write(const FusedFrame& f, const std::string& name) {
        switch (kind_) {
        case OutKind::Folder: {
            writeImage(dest_ / name, f.fused);
            if (restored_ && !f.restoredIr.empty()) {
                writeImage(dest_ / "restored_ir" / name, f.restoredIr);
                writeImage(dest_ / "restored_vi" / name, f.restoredVi);
            }
            break;
        }
        case OutKind::Image:
            if (written_ > 0)
                throw vf::Error(vf::ErrorCode::InvalidArgument,
                                "output " + dest_.string() +
                                    " is a single image but the input has several frames; "
                                    "give a folder/ or a video file, or --count 1");
            writeImage(dest_, f.fused);
            if (restored_ && !f.restoredIr.empty()) {
                writeImage(withSuffix(dest_, "_restored_ir"), f.restoredIr);
                writeImage(withSuffix(dest_, "_restored_vi"), f.restoredVi);
            }
            break;
        case OutKind::Video: {
            if (!fused_) {
                vf::io::ClipWriterOptions o;
                o.format = vf::io::formatForPath(dest_);
                if (fps_.valid()) o.fps = fps_;
                fused_ = std::make_unique<vf::io::ClipWriter>(dest_, f.fused.size(),
                                                              vf::io::ColorMode::BGR, o);
                if (restored_ && !f.restoredIr.empty()) {
                    ir_ = std::make_unique<vf::io::ClipWriter>(withSuffix(dest_, "_restored_ir"),
                                                               f.fused.size(),
                                                               vf::io::ColorMode::BGR, o);
                    vi_ = std::make_unique<vf::io::ClipWriter>(withSuffix(dest_, "_restored_vi"),
                                                               f.fused.size(),
                                                               vf::io::ColorMode::BGR, o);
                }
            }
            fused_->write(f.fused);
            if (ir_ && !f.restoredIr.empty()) ir_->write(f.restoredIr);
            if (vi_ && !f.restoredVi.empty()) vi_->write(f.restoredVi);
            break;
        }
        }
        ++written_;
    }

    void finish() {
        if (fused_) fused_->finish();
        if (ir_) ir_->finish();
        if (vi_) vi_->finish();
    }

private:
    fs::path dest_;
    OutKind kind_;
    bool restored_;
    vf::io::Rational fps_;
    int written_ = 0;
    std::unique_ptr<vf::io::ClipWriter> fused_, ir_, vi_;
};

int runFuse(std::vector<std::string> argv) {
    for (auto& a : argv)
        if (a == "-o") a = "--output";
    vf::cli::Args a;
    a.usage = "vfstudio-cli fuse (--ir <video|folder|image> --vi <video|folder|image> | --m3svd "
              "<root> --seq <name>) [--weights <checkpoint> | --method <name> [--param k=v]...] "
              "-o <folder/|file.mp4|file.png>";
    a.summary =
        "Fuses an infrared/visible pair. Default method: VideoFusion over clips as the official "
        "test script runs it (clips of --clip-frames frames, the last clip takes the last "
        "frames, reflect padding to a multiple of 4, per-frame min-max output). Any other "
        "method (see 'vfstudio-cli methods') with --method. Folder inputs keep their file names "
        "in the output folder; video inputs give 000000.png...; a .mp4/.mkv output is encoded. "
        "Progress goes to stderr, frames/s at the end.";
    a.option("ir", "PATH", "infrared video, frame folder or image")
        .option("vi", "PATH", "visible video, frame folder or image")
        .option("m3svd", "ROOT", "M3SVD dataset root (instead of --ir/--vi)")
        .option("seq", "NAME", "M3SVD sequence name")
        .option("split", "NAME", "M3SVD split", std::string("val"))
        .flag("clean", "M3SVD: fuse the clean *_Enhance frames instead of the degraded inputs")
        .option("output", "PATH", "output folder, video file (.mp4/.mkv) or image (-o)")
        .option("method", "NAME", "fusion method (default videofusion)")
        .option("param", "KEY=VALUE", "method parameter (repeatable)", std::nullopt, true)
        .option("weights", "FILE",
                "VideoFusion checkpoint (default: resources/models/videofusion/default)")
        .option("clip-frames", "N", "VideoFusion frames per clip", std::string("7"))
        .option("overlap", "N", "VideoFusion frames shared by consecutive clips", std::string("0"))
        .option("window", "RULE", "overlap rule: official (later clip wins) or centre",
                std::string("official"))
        .flag("save-restored", "also save VideoFusion's restored IR and visible frames")
        .option("device", "DEV", "auto, cpu or cuda", std::string("auto"))
        .option("precision", "P", "fp32, fp16 or bf16 (CUDA)", std::string("fp32"))
        .option("threads", "N", "CPU threads for the network (0 = automatic)", std::string("0"))
        .option("clips-in-flight", "N",
                "VideoFusion clips run at once, one thread each (0 = automatic: one per thread "
                "within half of the memory; 1 = one clip on all threads)",
                std::string("0"))
        .option("stretch", "MODE", "VideoFusion output: minmax (official) or clamp",
                std::string("minmax"))
        .option("color", "POLICY",
                "image methods: luma, per-channel or native (default: the "
                "method's own)")
        .option("start", "N", "first frame", std::string("0"))
        .option("count", "N", "number of frames (default: all)")
        .flag("quiet", "no progress output");

    return vf::cli::runCommand(a, argv, [](const vf::cli::Args& args) {
        if (!args.has("output")) throw vf::cli::UsageError("-o <output> is required");
        const fs::path out = args.get("output");
        const bool quiet = args.has("quiet");
        const std::string methodName = args.has("method") ? args.get("method") : "videofusion";
        const MethodRegistry& reg = MethodRegistry::builtin();
        auto method = reg.get(methodName);
        const bool isVf = method->name() == "videofusion" || method->name() == "videofusion-frame";
        if (args.has("weights") && !isVf)
            throw vf::cli::UsageError("--weights is for VideoFusion; use --param weights=... or "
                                      "--param model=... with --method " +
                                      methodName);

        // Parameters: VideoFusion options first, then --param overrides.
        const auto specs = method->params();
        ParamValues given;
        auto hasSpec = [&](const std::string& k) {
            for (const auto& s : specs)
                if (s.key == k) return true;
            return false;
        };
        if (isVf) {
            auto set = [&](const std::string& key, const std::string& opt) {
                if (hasSpec(key)) {
                    for (const auto& s : specs)
                        if (s.key == key) given[key] = parseParamValue(s, args.get(opt));
                }
            };
            if (args.has("weights")) set("weights", "weights");
            set("clip_frames", "clip-frames");
            set("overlap", "overlap");
            set("window", "window");
            set("stretch", "stretch");
            set("device", "device");
            set("precision", "precision");
            set("threads", "threads");
            set("clips_in_flight", "clips-in-flight");
        }
        for (const auto& kv : args.getAll("param")) {
            auto [k, v] = parseParamAssignment(specs, kv, method->name());
            given[k] = v;
        }
        ColorPolicy policy = method->defaultColorPolicy();
        if (args.has("color")) policy = colorPolicyFromName(args.get("color"));
        ConfiguredMethod cm = reg.create(method->name(), given, policy);
        if (isVf) (void)videoFusionWeights(cm.params); // clear error before opening inputs

        // Inputs.
        std::unique_ptr<PairSequence> seq;
        vf::io::Rational fps{30, 1};
        bool namedFrames = false;
        if (args.has("m3svd")) {
            if (args.has("ir") || args.has("vi"))
                throw vf::cli::UsageError("give either --m3svd/--seq or --ir/--vi");
            if (!args.has("seq")) throw vf::cli::UsageError("--m3svd needs --seq <name>");
            auto layout = vf::io::scanM3svd(args.get("m3svd"));
            vf::io::PairOptions po;
            po.useDegraded = !args.has("clean");
            auto pair =
                vf::io::openM3svdSequence(layout.find(args.get("split"), args.get("seq")), po);
            for (const auto& w : pair.validation.warnings)
                std::cerr << "warning: " << w << "\n";
            fps = pair.validation.fps;
            namedFrames = !pair.ir->info().isImageSequence ? false : true;
            seq = std::make_unique<SourcePairSequence>(pair);
        } else {
            if (!args.has("ir") || !args.has("vi"))
                throw vf::cli::UsageError("--ir and --vi (or --m3svd and --seq) are required");
            const fs::path ir = args.get("ir"), vi = args.get("vi");
            for (const fs::path& p : {ir, vi})
                if (!fs::exists(p))
                    throw vf::Error(vf::ErrorCode::NotFound, "input not found: " + p.string(),
                                    p.string());
            if (isImageFile(ir) || isImageFile(vi)) {
                if (!(isImageFile(ir) && isImageFile(vi)))
                    throw vf::cli::UsageError(
                        "--ir and --vi must both be images, or both videos/folders");
                seq = std::make_unique<MemoryPairSequence>(
                    std::vector<cv::Mat>{readImage(ir)}, std::vector<cv::Mat>{readImage(vi)},
                    std::vector<std::string>{ir.filename().string()});
                namedFrames = true;
            } else {
                auto pair = vf::io::openPair(ir, vi);
                for (const auto& w : pair.validation.warnings)
                    std::cerr << "warning: " << w << "\n";
                fps = pair.validation.fps;
                namedFrames = pair.ir->info().isImageSequence;
                seq = std::make_unique<SourcePairSequence>(pair);
            }
        }

        SequenceOptions so;
        so.start = args.getInt("start");
        so.count = args.has("count") ? args.getInt("count") : -1;
        if (so.start < 0) throw vf::cli::UsageError("--start must be >= 0");
        if (args.has("count") && so.count < 1) throw vf::cli::UsageError("--count must be >= 1");
        so.wantRestored = args.has("save-restored");
        if (so.wantRestored && method->kind() != MethodKind::Video)
            throw vf::cli::UsageError("--save-restored needs a method that restores its inputs "
                                      "(videofusion)");
        if (!quiet)
            so.progress = [](long long done, long long total, const std::string& what) {
                std::cerr << "\rfuse: " << done << "/" << total << " frames (" << what << ")   "
                          << std::flush;
            };
        vf::CancelToken cancel;
        so.cancel = &cancel;

        Output output(out, so.wantRestored, fps);
        auto t0 = std::chrono::steady_clock::now();
        SequenceStats st = cm.fuseSequence(
            *seq,
            [&](const FusedFrame& f) {
                std::string name = namedFrames ? seq->frameName(f.index) : std::string();
                if (name.empty()) {
                    char b[32];
                    std::snprintf(b, sizeof b, "%06d.png", f.index);
                    name = b;
                }
                output.write(f, name);
            },
            so);
        output.finish();
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!quiet) std::cerr << "\n";
        std::cerr << "fused " << st.frames << " frames with " << method->name() << " in " << secs
                  << " s (" << (secs > 0 ? st.frames / secs : 0.0) << " frames/s)\n";
        std::cout << out.string() << "\n";
        return 0;
    });
}

} // namespace

VF_CLI_COMMAND(fuse, "fuse", "fuse an IR/visible pair (VideoFusion or any method)",
               [](const std::vector<std::string>& argv) { return runFuse(argv); });
