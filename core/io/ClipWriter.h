#pragma once
// vf::io::ClipWriter: writes frames to
//  - H.264 (libx264) in MP4, quality by CRF, with 4:2:0 chroma (yuv420p, High profile: plays
//    everywhere; width and height must be even, odd sizes are refused with a message) or full
//    4:4:4 chroma (yuv444p, High 4:4:4 Predictive profile: keeps the colour of thin lines,
//    text and false-colour maps, which 4:2:0 averages over 2x2 pixels; any size; played by
//    FFmpeg-based players such as mpv/VLC, but not by most browsers and hardware decoders),
//  - lossless FFV1 in MKV (bgr0 for colour, gray for grey: BGR frames round-trip bit-exactly),
//  - PNG sequences (a folder of 000000.png, 000001.png, ...).
// Output is atomic: everything goes to a temporary name in the destination folder and is
// renamed on finish(); abort(), an error, or destruction without finish() leaves no file.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/common/Progress.h"
#include "core/io/FrameSource.h"

namespace vf::io {

enum class ClipFormat { H264Mp4, Ffv1Mkv, PngSequence };
// Chroma subsampling of H.264 output (other formats always keep full colour).
enum class ChromaSampling { Yuv420, Yuv444 };

struct ClipWriterOptions {
    ClipFormat format = ClipFormat::H264Mp4;
    Rational fps{30, 1};
    int crf = 18;                  // H.264 quality: 0 (lossless) .. 51; 18 = visually lossless
    std::string preset = "medium"; // x264 preset
    ChromaSampling chroma = ChromaSampling::Yuv420; // H.264 only; see above
    // x264 tuning ("" = x264's default; "psnr" turns the psycho-visual optimisations off, so
    // flat graphics, text and false colour keep their values instead of gaining edge noise).
    std::string tune;
    int threads = 0;        // encoder threads, 0 = auto
    int pngCompression = 3; // 0..9
    std::string pngPrefix;  // PNG file name prefix ("" -> 000000.png)
};

// The format a destination implies: .mp4/.m4v/.mov -> H264Mp4, .mkv -> Ffv1Mkv, anything
// else (a folder) -> PngSequence.
ClipFormat formatForPath(const std::filesystem::path& dest);
const char* formatName(ClipFormat f);
// "4:2:0" / "4:4:4", and back ("420"/"4:2:0", "444"/"4:4:4"; throws vf::Error(InvalidArgument)).
const char* chromaName(ChromaSampling c);
ChromaSampling chromaFromName(const std::string& name);

class ClipWriter {
public:
    // `size` and `mode` fix what write() accepts. For PNG sequences `dest` is a folder
    // (created; an existing folder receives the files, replacing same-named ones).
    // Throws vf::Error(InvalidArgument / WriteFailed / Unsupported).
    ClipWriter(const std::filesystem::path& dest, cv::Size size, ColorMode mode,
               ClipWriterOptions options = {});
    ~ClipWriter(); // abort() unless finished
    ClipWriter(const ClipWriter&) = delete;
    ClipWriter& operator=(const ClipWriter&) = delete;

    // Appends a frame (CV_8UC3 BGR for ColorMode::BGR, CV_8UC1 for Gray; a grey frame is
    // accepted by a BGR writer and vice versa, converted). Throws vf::Error(Mismatch) for a
    // wrong size, vf::Error(WriteFailed) when encoding fails.
    void write(const cv::Mat& frame);
    // Flushes the encoder, writes the trailer and renames into place.
    void finish();
    // Removes everything written so far. Safe to call more than once.
    void abort() noexcept;

    int64_t framesWritten() const;
    const std::filesystem::path& destination() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

// Copies frames [start, start+count) of `src` to `dest` (format from options). Checks
// `cancel` between frames (throws Error(Cancelled), leaving no file). count < 0 = to the end.
void writeClip(FrameSource& src, const std::filesystem::path& dest, int64_t start, int64_t count,
               ColorMode mode, const ClipWriterOptions& options,
               const CancelToken* cancel = nullptr, const ProgressFn& progress = {});

} // namespace vf::io
