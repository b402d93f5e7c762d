#pragma once
// vf::report export: fuses an IR/visible pair with a configured method (or takes an already
// fused video/folder) and writes the chosen stream as H.264 MP4, lossless FFV1 MKV or a PNG
// folder through vf::io::ClipWriter (atomic: an error or a cancel leaves nothing).

#include <filesystem>
#include <optional>
#include <string>

#include "core/common/Progress.h"
#include "core/fusion/FusionMethod.h"
#include "core/io/ClipWriter.h"

namespace vf::report {

enum class ExportWhat { Fused, RestoredIr, RestoredVi };
const char* exportWhatName(ExportWhat w);            // "fused", "restored-ir", "restored-vi"
ExportWhat exportWhatFromName(const std::string& s); // throws Error(InvalidArgument)

struct ExportRequest {
    std::filesystem::path ir, vi; // the pair (needed with `method`)
    std::optional<fusion::ConfiguredMethod> method;
    std::filesystem::path fused; // instead of `method`: an already fused video or folder
    ExportWhat what = ExportWhat::Fused;
    std::filesystem::path output; // .mp4/.m4v/.mov (H.264), .mkv (FFV1), else a PNG folder
    int start = 0, count = -1;    // frames [start, start+count); -1 = to the end
    int crf = 18;                 // H.264 quality
    std::string preset = "medium";
    bool force = false; // replace an existing output
};

struct ExportResult {
    int frames = 0;
    io::ClipFormat format = io::ClipFormat::H264Mp4;
    std::vector<std::string> warnings;
};

// Checks that `output` may be written: its folder exists and is a folder (Error(WriteFailed)
// naming the folder otherwise) and, unless `force`, that it does not exist yet (a file) or is
// an empty folder (PNG output) — Error(WriteFailed) naming the file and --force otherwise
// (the CLI exits with 1).
void checkOutput(const std::filesystem::path& output, bool force);

// Runs the export. Progress in frames; `cancel` is checked between frames (Error(Cancelled),
// nothing written). Throws vf::Error for unreadable inputs, bad ranges, a method that cannot
// restore (restored-ir/vi need a video method such as "videofusion"), write failures.
ExportResult exportClip(const ExportRequest& req, const ProgressFn& progress = {},
                        const CancelToken* cancel = nullptr);

} // namespace vf::report
