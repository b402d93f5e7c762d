// vfstudio-cli extract: frames of a video (or image folder) to PNG files, or a frame range
// re-encoded to H.264 MP4 / lossless FFV1 MKV.
#include <csignal>
#include <iostream>

#include "app/cli/Cli.h"
#include "core/common/Error.h"
#include "core/common/Progress.h"
#include "core/io/ClipWriter.h"

namespace fs = std::filesystem;
using namespace vf::io;

namespace {

vf::CancelToken* g_cancel = nullptr;
extern "C" void onSignal(int) {
    if (g_cancel) g_cancel->cancel();
}

int runExtract(const vf::cli::Args& a) {
    const fs::path in = fs::u8path(a.positionals().at(0));
    const fs::path out = fs::u8path(a.get("output"));
    ClipWriterOptions o;
    o.format = formatForPath(out);
    o.crf = a.getInt("crf");
    if (o.crf < 0 || o.crf > 51) throw vf::cli::UsageError("--crf must be within 0..51");
    o.preset = a.get("preset");
    const int64_t start = a.getInt("start");
    if (start < 0) throw vf::cli::UsageError("--start must be >= 0");
    if (a.has("count") && a.has("end"))
        throw vf::cli::UsageError("give --count or --end, not both");
    int64_t count = -1;
    if (a.has("count")) {
        count = a.getInt("count");
        if (count <= 0) throw vf::cli::UsageError("--count must be > 0");
    }
    if (a.has("end")) {
        const int64_t end = a.getInt("end");
        if (end < start) throw vf::cli::UsageError("--end must be >= --start");
        count = end - start + 1;
    }

    auto src = openSource(in);
    const StreamInfo& info = src->info();
    if (start >= info.frameCount)
        throw vf::cli::UsageError("--start " + std::to_string(start) +
                                  " is past the last frame of '" + info.path + "' (" +
                                  std::to_string(info.frameCount) + " frames)");
    if (count < 0 || start + count > info.frameCount) {
        if (count >= 0)
            std::cerr << "warning: '" << info.path << "' has " << info.frameCount
                      << " frames; extracting " << (info.frameCount - start) << " instead of "
                      << count << "\n";
        count = info.frameCount - start;
    }
    o.fps = a.has("fps") ? Rational{int(a.getDouble("fps") * 1000 + 0.5), 1000} : info.fps;
    if (!o.fps.valid()) throw vf::cli::UsageError("--fps must be > 0");
    const ColorMode mode = (a.has("grey") || info.channels == 1) ? ColorMode::Gray : ColorMode::BGR;

    vf::CancelToken token;
    g_cancel = &token;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    const bool quiet = a.has("quiet");
    long long lastPct = -1;
    auto progress = [&](long long done, long long total, const std::string&) {
        const long long pct = total ? done * 100 / total : 100;
        if (!quiet && pct != lastPct) {
            std::cerr << "\r" << done << "/" << total << " frames (" << pct << "%)" << std::flush;
            lastPct = pct;
        }
    };
    try {
        writeClip(*src, out, start, count, mode, o, &token, progress);
    } catch (...) {
        if (!quiet) std::cerr << "\n";
        g_cancel = nullptr;
        throw;
    }
    g_cancel = nullptr;
    if (!quiet) std::cerr << "\n";
    std::cout << "wrote " << count << " frames (" << start << ".." << (start + count - 1)
              << ") of '" << info.path << "' to '" << pathString(out) << "' as "
              << formatName(o.format) << "\n";
    return 0;
}

int extractMain(const std::vector<std::string>& argv) {
    vf::cli::Args a;
    a.usage = "vfstudio-cli extract <input> -o <folder|file.mp4|file.mkv> [--start N] [--count N | "
              "--end N] "
              "[--crf Q]";
    a.summary =
        "Copies a range of frames of a video file or image folder: to numbered PNG files when\n"
        "the output is a folder (000000.png, ...; created if missing), re-encoded to H.264\n"
        "when it ends in .mp4, or to lossless FFV1 when it ends in .mkv. Outputs appear only\n"
        "when complete (Ctrl-C leaves nothing). Grey inputs stay grey.";
    a.positional("input", "video file or image folder");
    a.option("output", "path", "output folder (PNG) or .mp4 / .mkv file (also -o)");
    a.option("start", "N", "first frame (0-based)", "0");
    a.option("count", "N", "number of frames (default: to the end)");
    a.option("end", "N", "last frame, inclusive");
    a.option("crf", "Q", "H.264 quality, 0 (lossless) .. 51", "18");
    a.option("preset", "P", "x264 preset (ultrafast .. veryslow)", "medium");
    a.option("fps", "R", "frame rate written to the file (default: the input's)");
    a.flag("grey", "write grey frames");
    a.flag("quiet", "no progress output");
    std::vector<std::string> args2 = argv;
    for (auto& s : args2)
        if (s == "-o")
            s = "--output";
        else if (s.rfind("-o=", 0) == 0)
            s = "--output=" + s.substr(3);
    return vf::cli::runCommand(a, args2, [&](const vf::cli::Args& args) {
        if (!args.has("output")) throw vf::cli::UsageError("missing -o <output>");
        return runExtract(args);
    });
}

} // namespace

VF_CLI_COMMAND(extract, "extract", "copy a frame range to PNG files, H.264 MP4 or FFV1 MKV",
               extractMain);
