#pragma once
// vf::io::FrameSource: one stream of frames (a video file or a folder of numbered images)
// with exact, index-based random access. Frames are 8-bit BGR (CV_8UC3) or grey (CV_8UC1).
//
// Thread safety: a FrameSource is NOT thread-safe (it owns a decoder). Use clone() to get
// an independent reader of the same input for another thread; info() is immutable and may
// be read from anywhere.
//
// Errors: every problem with the input throws vf::Error naming the file and the problem
// (FFmpeg's own reason where FFmpeg gave one).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

namespace vf::io {

struct Rational {
    int num = 0;
    int den = 1;
    double value() const { return den != 0 ? double(num) / double(den) : 0.0; }
    bool valid() const { return num > 0 && den > 0; }
    bool operator==(const Rational& o) const {
        // equal as numbers (30/1 == 60/2)
        return int64_t(num) * o.den == int64_t(o.num) * den;
    }
    std::string toString() const; // "30000/1001 (29.97)" or "30"
};

struct StreamInfo {
    std::string path;        // the file or folder as opened (UTF-8)
    std::string codec;       // FFmpeg codec name ("h264", "mpeg4") or image format ("png")
    std::string pixelFormat; // FFmpeg pixel format name ("yuv420p") or "gray"/"bgr24"/...
    int width = 0;
    int height = 0;
    int64_t frameCount = 0;   // exact number of frames that read() accepts: [0, frameCount)
    Rational fps{0, 1};       // frames per second (average frame rate)
    bool fpsKnown = true;     // false for image folders: fps is then an assumed 30/1
    double durationSec = 0.0; // frameCount / fps
    bool isImageSequence = false;
    int channels = 3; // 1 = grey stream (gray pixel format / grey images), 3 = colour
    cv::Size size() const { return {width, height}; }
};

enum class ColorMode { BGR, Gray };

class FrameSource {
public:
    virtual ~FrameSource() = default;

    virtual const StreamInfo& info() const = 0;

    // Exactly frame `index` (0-based, presentation order). Throws vf::Error(InvalidArgument)
    // for an index out of range, vf::Error(Corrupt/Unreadable) when it cannot be decoded.
    // The returned Mat owns fresh memory (the caller may keep it).
    virtual cv::Mat read(int64_t index, ColorMode mode = ColorMode::BGR);
    // Same, writing into `out` (reallocated only when size/type differ: reuse it in loops).
    virtual void readInto(int64_t index, cv::Mat& out, ColorMode mode = ColorMode::BGR) = 0;

    // Sequential access: the frame at position(), then advances. Returns false at the end.
    virtual bool nextInto(cv::Mat& out, ColorMode mode = ColorMode::BGR) = 0;
    // Convenience: next frame as a fresh Mat, empty Mat at the end.
    cv::Mat next(ColorMode mode = ColorMode::BGR);
    // Index of the frame next() returns.
    virtual int64_t position() const = 0;
    // Moves the sequential position (cheap; the decode happens at the next next()).
    virtual void seek(int64_t index) = 0;

    // An independent reader of the same input (for another thread).
    virtual std::unique_ptr<FrameSource> clone() const = 0;

    int64_t frameCount() const { return info().frameCount; }
};

// Opens a video file (anything FFmpeg reads) or a folder of numbered images.
// Throws vf::Error naming the path and the reason.
std::unique_ptr<FrameSource> openSource(const std::filesystem::path& path);

// A source that resizes every frame of `inner` to `size` (INTER_AREA when shrinking,
// INTER_LINEAR when enlarging). info() reports the new size.
std::unique_ptr<FrameSource> makeResized(std::unique_ptr<FrameSource> inner, cv::Size size);

// UTF-8 string of a path (for messages and StreamInfo::path).
std::string pathString(const std::filesystem::path& p);

} // namespace vf::io
