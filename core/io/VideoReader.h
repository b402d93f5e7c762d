#pragma once
// vf::io::VideoReader: a FrameSource over a video file, through the FFmpeg libraries
// (libavformat / libavcodec / libswscale).
//
// On open it demuxes every packet of the video stream (no decoding) to build a frame index:
// presentation timestamp and keyframe flag of every frame. Sequential reading decodes
// straight through; read(N) seeks to the keyframe at or before N, decodes forward and checks
// that the timestamp of frame N is reached (backing off to an earlier keyframe if the
// demuxer overshot), so random access returns the same pixels as sequential decoding.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/io/FrameSource.h"

namespace vf::io {

struct VideoReaderOptions {
    int threads = 0;           // decoder threads: 0 = FFmpeg's choice (auto)
    bool frameThreads = false; // allow frame threading (faster sequential decode, slower seeks)
};

struct FrameIndexEntry {
    int64_t pts = 0; // in stream time base
    bool keyframe = false;
};

class VideoReader : public FrameSource {
public:
    // Throws vf::Error(NotFound / Unreadable / Unsupported / Corrupt) naming the file and
    // FFmpeg's reason.
    explicit VideoReader(const std::filesystem::path& path, VideoReaderOptions options = {});
    ~VideoReader() override;
    VideoReader(const VideoReader&) = delete;
    VideoReader& operator=(const VideoReader&) = delete;

    const StreamInfo& info() const override;
    void readInto(int64_t index, cv::Mat& out, ColorMode mode = ColorMode::BGR) override;
    bool nextInto(cv::Mat& out, ColorMode mode = ColorMode::BGR) override;
    int64_t position() const override;
    void seek(int64_t index) override;
    std::unique_ptr<FrameSource> clone() const override;

    // The frame index, in presentation order (entry i is frame i).
    const std::vector<FrameIndexEntry>& frameIndex() const;
    // The keyframe at or before frame `index`.
    int64_t keyframeAtOrBefore(int64_t index) const;
    // Stream time base (seconds per pts unit).
    Rational timeBase() const;
    // Frames decoded since open (including those decoded and dropped while seeking).
    int64_t framesDecoded() const;
    // Seeks (demuxer repositionings) since open.
    int64_t seeksDone() const;

private:
    VideoReader(const VideoReader& other, int); // clone: shares the index, own decoder
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace vf::io
