#include "core/io/FfmpegUtil.h"

#include <cstdarg>
#include <cstdlib>
#include <mutex>

extern "C" {
#include <libavutil/log.h>
}

namespace vf::io::detail {

namespace {

thread_local std::string t_lastLog;
int g_forwardLevel = AV_LOG_FATAL;

void logCallback(void* avcl, int level, const char* fmt, va_list vl) {
    if (level <= AV_LOG_ERROR) {
        char line[1024];
        int printPrefix = 0;
        va_list copy;
        va_copy(copy, vl);
        av_log_format_line2(nullptr, level, fmt, copy, line, sizeof line, &printPrefix);
        va_end(copy);
        std::string s(line);
        while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r'))
            s.pop_back();
        if (!s.empty()) t_lastLog = s;
    }
    if (level <= g_forwardLevel) av_log_default_callback(avcl, level, fmt, vl);
}

} // namespace

void initFfmpegLogging() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (const char* env = std::getenv("VF_FFMPEG_LOGLEVEL")) g_forwardLevel = std::atoi(env);
        av_log_set_level(g_forwardLevel);
        av_log_set_callback(logCallback);
    });
}

void clearLastFfmpegLog() {
    t_lastLog.clear();
}
std::string lastFfmpegLog() {
    return t_lastLog;
}

std::string ffmpegReason(int err) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(err, buf, sizeof buf);
    std::string r(buf);
    const std::string detail = lastFfmpegLog();
    if (!detail.empty() && detail.find(r) == std::string::npos) r += " (" + detail + ")";
    return r;
}

} // namespace vf::io::detail
