// vfstudio-cli info: what is in video files, image folders and M3SVD roots; pair warnings
// when given exactly two inputs.
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/Cli.h"
#include "core/common/Error.h"
#include "core/io/FrameSequence.h"
#include "core/io/Pair.h"
#include "core/io/VideoReader.h"

namespace fs = std::filesystem;
using namespace vf::io;

namespace {

nlohmann::json streamJson(const FrameSource& s) {
    const StreamInfo& i = s.info();
    nlohmann::json j{{"path", i.path},
                     {"type", i.isImageSequence ? "images" : "video"},
                     {"codec", i.codec},
                     {"pixel_format", i.pixelFormat},
                     {"width", i.width},
                     {"height", i.height},
                     {"channels", i.channels},
                     {"frames", i.frameCount},
                     {"fps", i.fps.value()},
                     {"fps_rational", std::to_string(i.fps.num) + "/" + std::to_string(i.fps.den)},
                     {"fps_known", i.fpsKnown},
                     {"duration_s", i.durationSec}};
    if (auto* v = dynamic_cast<const VideoReader*>(&s)) {
        int64_t k = 0;
        for (const auto& e : v->frameIndex())
            k += e.keyframe;
        j["keyframes"] = k;
    }
    return j;
}

void printStream(const FrameSource& s, std::ostream& out) {
    const StreamInfo& i = s.info();
    out << i.path << "\n";
    out << "  type        " << (i.isImageSequence ? "image folder" : "video") << "\n";
    out << "  codec       " << i.codec << ", " << i.pixelFormat << " ("
        << (i.channels == 1 ? "grey" : "colour") << ")\n";
    out << "  size        " << i.width << "x" << i.height << "\n";
    out << "  frames      " << i.frameCount << "\n";
    out << "  fps         " << i.fps.toString()
        << (i.fpsKnown ? "" : " (assumed: folders carry no rate)") << "\n";
    out << "  duration    " << std::fixed << std::setprecision(3) << i.durationSec << " s\n"
        << std::defaultfloat;
    if (auto* v = dynamic_cast<const VideoReader*>(&s)) {
        int64_t k = 0;
        for (const auto& e : v->frameIndex())
            k += e.keyframe;
        out << "  keyframes   " << k << "\n";
    }
}

nlohmann::json m3svdJson(const M3svdLayout& l, std::ostream* out) {
    nlohmann::json seqs = nlohmann::json::array();
    if (out)
        *out << pathString(l.root) << "\n  M3SVD root: " << l.sequences.size() << " sequence(s)\n";
    for (const auto& split : l.splits) {
        if (out) *out << "  split '" << (split.empty() ? "." : split) << "'\n";
        for (const auto& s : l.sequences) {
            if (s.split != split) continue;
            nlohmann::json j{
                {"split", s.split}, {"name", s.name}, {"layout", s.isVideo ? "videos" : "frames"}};
            std::ostringstream line;
            line << "    " << std::left << std::setw(14) << s.name;
            if (s.isVideo) {
                line << "videos ";
                try {
                    VideoReader ir(s.irVideo), vis(s.visVideo);
                    line << ir.info().frameCount << " / " << vis.info().frameCount << " frames, "
                         << ir.info().width << "x" << ir.info().height << ", "
                         << ir.info().fps.toString() << " fps";
                    j["frames"] = {ir.info().frameCount, vis.info().frameCount};
                } catch (const vf::Error& e) {
                    line << "(" << e.what() << ")";
                    j["error"] = e.what();
                }
            } else {
                line << "frames ";
                auto count = [](const fs::path& p) {
                    return p.empty() ? int64_t(-1) : int64_t(FrameSequence::listFrames(p).size());
                };
                const std::pair<const char*, fs::path> parts[] = {{"infrared_noise", s.irDegraded},
                                                                  {"infrared_Enhance", s.irClean},
                                                                  {"visible_Blur", s.visDegraded},
                                                                  {"visible_Enhance", s.visClean}};
                bool first = true;
                for (const auto& [name, p] : parts) {
                    const int64_t n = count(p);
                    if (n < 0) continue;
                    line << (first ? "" : ", ") << name << " " << n;
                    j["frames"][name] = n;
                    first = false;
                }
            }
            if (out) *out << line.str() << "\n";
            seqs.push_back(j);
        }
    }
    return {
        {"path", pathString(l.root)}, {"type", "m3svd"}, {"splits", l.splits}, {"sequences", seqs}};
}

int runInfo(const vf::cli::Args& a) {
    const bool json = a.has("json");
    const auto& inputs = a.positionals();
    nlohmann::json all = nlohmann::json::array();
    std::vector<std::unique_ptr<FrameSource>> opened;
    int failures = 0;
    for (const auto& in : inputs) {
        const fs::path p = fs::u8path(in);
        try {
            std::error_code ec;
            if (fs::is_directory(p, ec) && FrameSequence::listFrames(p).empty() && isM3svdRoot(p)) {
                all.push_back(m3svdJson(scanM3svd(p), json ? nullptr : &std::cout));
                opened.push_back(nullptr);
                continue;
            }
            auto s = openSource(p);
            if (json)
                all.push_back(streamJson(*s));
            else
                printStream(*s, std::cout);
            opened.push_back(std::move(s));
        } catch (const vf::Error& e) {
            ++failures;
            if (json)
                all.push_back({{"path", in}, {"error", e.what()}});
            else
                std::cerr << "error: " << e.what() << "\n";
            opened.push_back(nullptr);
        }
    }
    nlohmann::json pair;
    if (opened.size() == 2 && opened[0] && opened[1]) {
        std::vector<std::string> warnings;
        try {
            const PairValidation v = validatePair(*opened[0], *opened[1]);
            warnings = v.warnings;
            pair = {{"common_frames", v.commonFrames}, {"warnings", v.warnings}};
            if (!json) {
                std::cout << "pair (infrared = first, visible = second)\n";
                std::cout << "  common frames " << v.commonFrames << "\n";
                if (v.warnings.empty()) std::cout << "  no problems\n";
                for (const auto& w : v.warnings)
                    std::cout << "  warning: " << w << "\n";
            }
        } catch (const vf::Error& e) {
            pair = {{"error", e.what()}};
            if (!json)
                std::cout << "pair (infrared = first, visible = second)\n  problem: " << e.what()
                          << "\n";
        }
    }
    if (json) {
        nlohmann::json doc{{"inputs", all}};
        if (!pair.is_null()) doc["pair"] = pair;
        std::cout << doc.dump(2) << "\n";
    }
    return failures ? 1 : 0;
}

int infoMain(const std::vector<std::string>& argv) {
    vf::cli::Args a;
    a.usage = "vfstudio-cli info <file|folder|M3SVD root>... [--json]";
    a.summary =
        "Prints what each input holds: codec, pixel format, size, frame count, frame rate,\n"
        "duration (video files and folders of numbered images), or the splits and\n"
        "sequences of an M3SVD root. With exactly two inputs (infrared first, visible\n"
        "second) also checks them as a pair: different frame counts, sizes or rates.\n"
        "Exit code 1 when an input cannot be read.";
    a.positional("input", "video file, image folder or M3SVD root", true, true);
    a.flag("json", "print JSON instead of text");
    return vf::cli::runCommand(a, argv, runInfo);
}

} // namespace

VF_CLI_COMMAND(info, "info", "describe video files, image folders, M3SVD roots and pairs",
               infoMain);
