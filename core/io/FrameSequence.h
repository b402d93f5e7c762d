#pragma once
// vf::io::FrameSequence: a FrameSource over a folder of numbered images (PNG, JPEG, BMP,
// TIFF), in natural order ("2.png" before "10.png"). All images must have the same size.
// Grey images make a grey stream (channels = 1); 3-channel images with R=G=B (M3SVD IR)
// stay 3-channel; alpha is dropped; 16-bit images are scaled to 8 bits.

#include <filesystem>
#include <memory>
#include <vector>

#include "core/common/FileNames.h"
#include "core/io/FrameSource.h"

namespace vf::io {

class FrameSequence : public FrameSource {
public:
    // Throws vf::Error(NotFound) when the folder does not exist or holds no image,
    // vf::Error(Unreadable) when the first image cannot be read.
    // `fps` is what the folder is played at (folders carry no rate): fpsKnown=false.
    explicit FrameSequence(const std::filesystem::path& folder, Rational fps = {30, 1});

    const StreamInfo& info() const override { return info_; }
    void readInto(int64_t index, cv::Mat& out, ColorMode mode = ColorMode::BGR) override;
    bool nextInto(cv::Mat& out, ColorMode mode = ColorMode::BGR) override;
    int64_t position() const override { return pos_; }
    void seek(int64_t index) override;
    std::unique_ptr<FrameSource> clone() const override;

    // The image files in frame order.
    const std::vector<std::filesystem::path>& files() const { return files_; }

    // The image files of `folder` in natural order (no recursion). Empty if none.
    static std::vector<std::filesystem::path> listFrames(const std::filesystem::path& folder);
    // true if `p` has an image extension this class reads.
    static bool isImageFile(const std::filesystem::path& p);

private:
    FrameSequence() = default;
    StreamInfo info_;
    std::vector<std::filesystem::path> files_;
    int64_t pos_ = 0;
};

// Natural ("human") ordering of file names (core/common/FileNames.h).
using vf::naturalLess;

} // namespace vf::io
