#pragma once
// Internal helpers shared by the FFmpeg-based reader and writer (not a public header).

#include <string>

extern "C" {
#include <libavutil/error.h>
}

namespace vf::io::detail {

// Installs (once) an FFmpeg log callback that keeps the last error-level message of the
// calling thread (so errors can quote FFmpeg's detail, e.g. "moov atom not found") and
// forwards messages at or above $VF_FFMPEG_LOGLEVEL (default: only fatal ones) to stderr.
void initFfmpegLogging();
// Clears / returns the last FFmpeg error line logged on this thread (trimmed, may be empty).
void clearLastFfmpegLog();
std::string lastFfmpegLog();

// av_strerror text, plus the last logged detail when it adds information.
std::string ffmpegReason(int err);

} // namespace vf::io::detail
