#pragma once
// Reading clean sequences (video file or frame folder) and writing degraded copies in the
// M3SVD layout the official VideoFusion code reads:
//   <root>/<split>/{infrared_Enhance,infrared_noise,visible_Enhance,visible_Blur}/<seq>/0000.png
// (*_Enhance = clean copies, infrared_noise / visible_Blur = degraded inputs; the visible
// folder keeps the name visible_Blur for every preset so that any M3SVD reader accepts it),
// plus <root>/<split>/degrade_<seq>.json recording the preset, seed and drawn parameters.
//
// Video decoding here uses OpenCV's VideoCapture (FFmpeg backend, sequential decoding, which
// is frame-exact); it is a private reader of core/degrade so that it does not depend on
// core/io.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/common/FileNames.h"
#include "core/common/Progress.h"
#include "core/degrade/Degrade.h"

namespace vf::degrade {

// Image files (png, jpg, jpeg, bmp, tif, tiff) of a folder in natural order ("2" < "10").
// Throws vf::Error(NotFound) when the folder is missing or holds no images.
std::vector<std::filesystem::path> listFrameFiles(const std::filesystem::path& folder);

// Natural ("natsort") comparison of file names (core/common/FileNames.h).
using vf::naturalLess;

// Sequential frame reader over a video file or a folder of images; frames are 8-bit BGR.
class FrameReader {
public:
    // Throws vf::Error(NotFound / Unreadable) naming the path.
    explicit FrameReader(const std::filesystem::path& path);
    ~FrameReader();
    FrameReader(const FrameReader&) = delete;
    FrameReader& operator=(const FrameReader&) = delete;
    // Next frame as BGR (grey input is expanded to 3 equal channels); false at the end.
    // Throws vf::Error(Unreadable) naming the file for an undecodable image.
    bool next(cv::Mat& bgr);
    // Frame count when known in advance (folders; containers that state it), else -1.
    int64_t countHint() const;
    // Sequence name: the video file's stem or the folder's name.
    std::string name() const;
    const std::filesystem::path& path() const { return path_; }

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
    std::filesystem::path path_;
};

// Reads up to `maxFrames` (0 = all) frames starting at frame `first` into memory.
std::vector<cv::Mat> readFrames(const std::filesystem::path& path, int first = 0,
                                int maxFrames = 0);

struct WriteOptions {
    Recipe recipe;
    uint64_t seed = 0;
    std::string split = "train"; // sub-folder of the root ("train", "test", "val")
    std::string sequence;        // "" = the infrared input's name
    int maxFrames = 0;           // 0 = all
};

struct WriteReport {
    int frames = 0;
    std::filesystem::path splitDir; // <root>/<split>
    SequenceParams params;
    std::vector<std::string> warnings; // e.g. differing frame counts
};

// Degrades a registered pair and writes the M3SVD layout. IR and visible must have equal
// frame sizes (Error(Mismatch) naming both files otherwise); differing frame counts are
// reduced to the shorter one with a warning. Every PNG and the sidecar are written
// atomically; inputs are never modified. `progress` gets (frames done, total or -1).
WriteReport writeM3svdSequence(const std::filesystem::path& irInput,
                               const std::filesystem::path& viInput,
                               const std::filesystem::path& outRoot, const WriteOptions& options,
                               const ProgressFn& progress = {},
                               const CancelToken* cancel = nullptr);

} // namespace vf::degrade
