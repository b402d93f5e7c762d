#include "core/io/VideoReader.h"

#include <algorithm>
#include <cstring>
#include <limits>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include "core/common/Error.h"
#include "core/io/FfmpegUtil.h"

namespace fs = std::filesystem;

namespace vf::io {

using detail::ffmpegReason;

namespace {

// Index data shared between a reader and its clones (immutable after open).
struct SharedIndex {
    StreamInfo info;
    std::vector<FrameIndexEntry> frames; // presentation order
    std::vector<int64_t> pts;            // frames[i].pts, sorted
    std::vector<int64_t> keyframes;      // indices of keyframes, ascending
    bool ptsReliable = true;             // every packet had a timestamp, all distinct
    int streamIndex = -1;
    AVRational timeBase{1, 1};
};

AVPixelFormat normalisePixFmt(AVPixelFormat f, bool& fullRange) {
    switch (f) {
    case AV_PIX_FMT_YUVJ420P:
        fullRange = true;
        return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P:
        fullRange = true;
        return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P:
        fullRange = true;
        return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P:
        fullRange = true;
        return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P:
        fullRange = true;
        return AV_PIX_FMT_YUV411P;
    default:
        return f;
    }
}

} // namespace

struct VideoReader::Impl {
    fs::path path;
    std::string pathStr;
    VideoReaderOptions options;
    std::shared_ptr<const SharedIndex> idx;

    AVFormatContext* fmt = nullptr;
    AVCodecContext* dec = nullptr;
    AVPacket* pkt = nullptr;
    AVFrame* frame = nullptr;
    SwsContext* sws = nullptr;
    // what `sws` was made for
    int swsW = 0, swsH = 0, swsFmt = -1, swsDst = -1, swsCs = -1, swsRange = -1;

    int64_t nextOut = 0;     // index of the frame the decoder delivers next (-1 unknown)
    int64_t held = -1;       // index of the frame in `frame` (-1: none)
    int64_t pos = 0;         // sequential position for nextInto()
    bool demuxEof = false;   // all packets sent, flush packet sent
    bool pending = false;    // `pkt` holds a packet not yet accepted by the decoder
    bool decoderEof = false; // decoder fully drained
    int64_t framesDecoded = 0, seeks = 0;

    ~Impl() { close(); }

    void close() {
        if (sws) sws_freeContext(sws);
        sws = nullptr;
        av_frame_free(&frame);
        av_packet_free(&pkt);
        avcodec_free_context(&dec);
        if (fmt) avformat_close_input(&fmt);
    }

    [[noreturn]] void fail(ErrorCode code, const std::string& what) const {
        throw Error(code, "'" + pathStr + "': " + what, pathStr);
    }

    void openDemuxer() {
        detail::initFfmpegLogging();
        detail::clearLastFfmpegLog();
        int r = avformat_open_input(&fmt, pathStr.c_str(), nullptr, nullptr);
        if (r < 0) {
            fmt = nullptr;
            ErrorCode code = ErrorCode::Unreadable;
            if (r == AVERROR_INVALIDDATA) code = ErrorCode::Unsupported;
            throw Error(code,
                        "cannot open '" + pathStr + "' as a video: " + ffmpegReason(r) +
                            (r == AVERROR_INVALIDDATA
                                 ? " — not a video file FFmpeg can read, or a truncated/damaged one"
                                 : ""),
                        pathStr);
        }
        r = avformat_find_stream_info(fmt, nullptr);
        if (r < 0)
            throw Error(ErrorCode::Corrupt,
                        "cannot read the streams of '" + pathStr + "': " + ffmpegReason(r),
                        pathStr);
    }

    void openDecoder(int streamIndex) {
        AVStream* st = fmt->streams[streamIndex];
        const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
        if (!codec)
            fail(ErrorCode::Unsupported, std::string("no decoder for its video codec '") +
                                             avcodec_get_name(st->codecpar->codec_id) + "'");
        dec = avcodec_alloc_context3(codec);
        if (!dec) fail(ErrorCode::Internal, "out of memory allocating a decoder");
        int r = avcodec_parameters_to_context(dec, st->codecpar);
        if (r < 0) fail(ErrorCode::Unsupported, "bad codec parameters: " + ffmpegReason(r));
        dec->pkt_timebase = st->time_base;
        dec->thread_count = options.threads;
        dec->thread_type =
            options.frameThreads ? (FF_THREAD_FRAME | FF_THREAD_SLICE) : FF_THREAD_SLICE;
        r = avcodec_open2(dec, codec, nullptr);
        if (r < 0)
            fail(ErrorCode::Unsupported,
                 std::string("cannot open the ") + codec->name + " decoder: " + ffmpegReason(r));
        pkt = av_packet_alloc();
        frame = av_frame_alloc();
        if (!pkt || !frame) fail(ErrorCode::Internal, "out of memory");
    }

    std::shared_ptr<SharedIndex> buildIndex() {
        auto ix = std::make_shared<SharedIndex>();
        int si = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
        if (si == AVERROR_STREAM_NOT_FOUND || si < 0) {
            if (si == AVERROR_DECODER_NOT_FOUND)
                fail(ErrorCode::Unsupported, "its video codec has no decoder in this FFmpeg");
            fail(ErrorCode::Unsupported, "it has no video stream");
        }
        ix->streamIndex = si;
        AVStream* st = fmt->streams[si];
        ix->timeBase = st->time_base;

        // Demux every packet of the stream (no decoding).
        AVPacket* p = av_packet_alloc();
        bool anyMissing = false, corrupt = false;
        int readErr = 0;
        int64_t dtsOrder = 0;
        for (;;) {
            const int r = av_read_frame(fmt, p);
            if (r == AVERROR_EOF) break;
            if (r < 0) {
                readErr = r;
                break;
            }
            if (p->stream_index == si && !(p->flags & AV_PKT_FLAG_DISCARD)) {
                FrameIndexEntry e;
                if (p->pts != AV_NOPTS_VALUE)
                    e.pts = p->pts;
                else if (p->dts != AV_NOPTS_VALUE && !anyMissing && st->codecpar->video_delay == 0)
                    e.pts = p->dts;
                else {
                    anyMissing = true;
                    e.pts = dtsOrder;
                }
                e.keyframe = (p->flags & AV_PKT_FLAG_KEY) != 0;
                if (p->flags & AV_PKT_FLAG_CORRUPT) corrupt = true;
                ix->frames.push_back(e);
                ++dtsOrder;
            }
            av_packet_unref(p);
        }
        av_packet_free(&p);
        const int64_t declared = st->nb_frames;
        if (readErr < 0 && readErr != AVERROR(EAGAIN))
            fail(ErrorCode::Corrupt, "damaged or truncated after " +
                                         std::to_string(ix->frames.size()) +
                                         " frames: " + ffmpegReason(readErr));
        if (corrupt || (declared > 0 && int64_t(ix->frames.size()) < declared))
            fail(ErrorCode::Corrupt, "truncated: the container declares " +
                                         std::to_string(declared) + " frames but only " +
                                         std::to_string(ix->frames.size()) +
                                         " are complete in the file");
        if (ix->frames.empty()) fail(ErrorCode::Corrupt, "its video stream holds no frame");

        if (anyMissing) {
            // Decode order; timestamps are not usable for seeking.
            ix->ptsReliable = false;
            for (size_t i = 0; i < ix->frames.size(); ++i)
                ix->frames[i].pts = int64_t(i);
        } else {
            std::stable_sort(
                ix->frames.begin(), ix->frames.end(),
                [](const FrameIndexEntry& a, const FrameIndexEntry& b) { return a.pts < b.pts; });
            for (size_t i = 1; i < ix->frames.size(); ++i)
                if (ix->frames[i].pts == ix->frames[i - 1].pts) ix->ptsReliable = false;
        }
        if (!ix->frames.front().keyframe) {
            // Streams that do not start on a flagged keyframe still decode from the start.
            ix->frames.front().keyframe = true;
        }
        ix->pts.reserve(ix->frames.size());
        for (size_t i = 0; i < ix->frames.size(); ++i) {
            ix->pts.push_back(ix->frames[i].pts);
            if (ix->frames[i].keyframe) ix->keyframes.push_back(int64_t(i));
        }

        StreamInfo& in = ix->info;
        in.path = pathStr;
        in.codec = avcodec_get_name(st->codecpar->codec_id);
        const auto pf = AVPixelFormat(st->codecpar->format);
        const char* pfn = av_get_pix_fmt_name(pf);
        in.pixelFormat = pfn ? pfn : "unknown";
        in.width = st->codecpar->width;
        in.height = st->codecpar->height;
        if (in.width <= 0 || in.height <= 0)
            fail(ErrorCode::Corrupt, "its video stream has no frame size");
        in.frameCount = int64_t(ix->frames.size());
        AVRational fr = st->avg_frame_rate;
        if (fr.num <= 0 || fr.den <= 0) fr = st->r_frame_rate;
        if (fr.num <= 0 || fr.den <= 0) {
            in.fps = {30, 1};
            in.fpsKnown = false;
        } else {
            av_reduce(&fr.num, &fr.den, fr.num, fr.den, std::numeric_limits<int>::max());
            in.fps = {fr.num, fr.den};
        }
        in.durationSec = double(in.frameCount) / in.fps.value();
        in.isImageSequence = false;
        const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(pf);
        in.channels =
            (desc && desc->nb_components <= 2 && !(desc->flags & AV_PIX_FMT_FLAG_PAL)) ? 1 : 3;
        return ix;
    }

    // Repositions the demuxer so that decoding starts at keyframe `kf` (or earlier).
    void seekDemuxer(int64_t kf) {
        ++seeks;
        const int si = idx->streamIndex;
        int r;
        if (kf == 0 || !idx->ptsReliable) {
            r = av_seek_frame(fmt, si, std::numeric_limits<int64_t>::min() / 2,
                              AVSEEK_FLAG_BACKWARD);
            if (r < 0) r = avformat_seek_file(fmt, -1, INT64_MIN, 0, INT64_MAX, 0);
            if (r < 0) r = av_seek_frame(fmt, si, 0, AVSEEK_FLAG_BYTE | AVSEEK_FLAG_BACKWARD);
        } else {
            r = av_seek_frame(fmt, si, idx->frames[size_t(kf)].pts, AVSEEK_FLAG_BACKWARD);
        }
        if (r < 0) {
            // Not seekable: start over with a fresh demuxer.
            avformat_close_input(&fmt);
            openDemuxer();
        }
        avcodec_flush_buffers(dec);
        if (pending) av_packet_unref(pkt);
        pending = false;
        demuxEof = decoderEof = false;
        held = -1;
        nextOut = (kf == 0 || !idx->ptsReliable) ? 0 : -1;
    }

    // Decodes the next frame into `frame`. Returns false at the end of the stream.
    bool decodeOne() {
        if (decoderEof) return false;
        av_frame_unref(frame);
        held = -1;
        for (;;) {
            int r = avcodec_receive_frame(dec, frame);
            if (r == 0) {
                ++framesDecoded;
                return true;
            }
            if (r == AVERROR_EOF) {
                decoderEof = true;
                return false;
            }
            if (r != AVERROR(EAGAIN))
                fail(ErrorCode::Corrupt, "decoding failed: " + ffmpegReason(r));
            if (demuxEof) {
                // EAGAIN after the flush packet should not happen; treat as the end.
                decoderEof = true;
                return false;
            }
            // Feed one packet of our stream (kept when the decoder asks to be drained first).
            if (!pending) {
                for (;;) {
                    r = av_read_frame(fmt, pkt);
                    if (r < 0) { // end of file (or a read error at the tail): flush
                        avcodec_send_packet(dec, nullptr);
                        demuxEof = true;
                        break;
                    }
                    if (pkt->stream_index != idx->streamIndex) {
                        av_packet_unref(pkt);
                        continue;
                    }
                    pending = true;
                    break;
                }
            }
            if (pending) {
                r = avcodec_send_packet(dec, pkt);
                if (r == AVERROR(EAGAIN)) continue; // receive first, then resend this packet
                pending = false;
                av_packet_unref(pkt);
                if (r < 0 && r != AVERROR_INVALIDDATA)
                    fail(ErrorCode::Corrupt, "decoding failed: " + ffmpegReason(r));
            }
        }
    }

    // Maps the decoded frame to its index (-1 if it belongs to no indexed frame).
    int64_t indexOfDecoded() {
        if (!idx->ptsReliable) return nextOut >= 0 ? nextOut : -1;
        int64_t t = frame->best_effort_timestamp;
        if (t == AV_NOPTS_VALUE) t = frame->pts;
        if (t == AV_NOPTS_VALUE) return nextOut >= 0 ? nextOut : -1;
        const auto it = std::lower_bound(idx->pts.begin(), idx->pts.end(), t);
        if (it != idx->pts.end() && *it == t) return int64_t(it - idx->pts.begin());
        return nextOut >= 0 ? nextOut : -1; // timestamp not in the index (e.g. discarded)
    }

    // Decodes forward until frame `n` is in `frame`. Returns false if the stream went past
    // n (or ended) without producing it; `overshoot` tells whether the first frame was > n.
    bool decodeUntil(int64_t n, bool& overshoot) {
        overshoot = false;
        bool first = true;
        while (decodeOne()) {
            int64_t i = indexOfDecoded();
            if (i < 0) i = nextOut;
            nextOut = i + 1;
            if (i == n) {
                held = i;
                return true;
            }
            if (i > n) {
                overshoot = first;
                return false;
            }
            first = false;
        }
        nextOut = idx->info.frameCount;
        return false;
    }

    void goTo(int64_t n) {
        if (held == n) return;
        const int64_t kf = keyframeAtOrBefore(n);
        const bool forward = nextOut >= 0 && n >= nextOut && kf <= nextOut && !decoderEof;
        bool overshoot = false;
        if (forward && decodeUntil(n, overshoot)) return;
        int64_t k = kf;
        for (int attempt = 0; attempt < 64; ++attempt) {
            seekDemuxer(k);
            if (decodeUntil(n, overshoot)) return;
            if (!overshoot || k == 0) break;
            k = keyframeAtOrBefore(k - 1); // demuxer landed after the keyframe: back off
        }
        if (overshoot && k != 0) {
            seekDemuxer(0);
            if (decodeUntil(n, overshoot)) return;
        }
        fail(
            ErrorCode::Corrupt,
            "frame " + std::to_string(n) + " of " + std::to_string(idx->info.frameCount) +
                " could not be decoded (damaged stream?)" +
                (detail::lastFfmpegLog().empty() ? std::string() : ": " + detail::lastFfmpegLog()));
    }

    int64_t keyframeAtOrBefore(int64_t n) const {
        const auto& k = idx->keyframes;
        auto it = std::upper_bound(k.begin(), k.end(), n);
        if (it == k.begin()) return 0;
        return *(it - 1);
    }

    void convert(cv::Mat& out, ColorMode mode) {
        const int w = idx->info.width, h = idx->info.height;
        const bool grey = mode == ColorMode::Gray;
        out.create(h, w, grey ? CV_8UC1 : CV_8UC3);
        bool fullRange = frame->color_range == AVCOL_RANGE_JPEG;
        const AVPixelFormat src = normalisePixFmt(AVPixelFormat(frame->format), fullRange);
        const AVPixelFormat dst = grey ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_BGR24;
        int cs = SWS_CS_DEFAULT;
        switch (frame->colorspace) {
        case AVCOL_SPC_BT709:
            cs = SWS_CS_ITU709;
            break;
        case AVCOL_SPC_FCC:
            cs = SWS_CS_FCC;
            break;
        case AVCOL_SPC_SMPTE240M:
            cs = SWS_CS_SMPTE240M;
            break;
        case AVCOL_SPC_BT2020_NCL:
        case AVCOL_SPC_BT2020_CL:
            cs = SWS_CS_BT2020;
            break;
        default:
            cs = SWS_CS_DEFAULT;
            break;
        }
        if (!sws || swsW != frame->width || swsH != frame->height || swsFmt != src ||
            swsDst != dst || swsCs != cs || swsRange != int(fullRange)) {
            if (sws) sws_freeContext(sws);
            // SWS_BICUBIC: the ffmpeg tool's default, so conversions agree with it; with equal
            // sizes swscale's fast unscaled YUV->BGR path is used (SWS_ACCURATE_RND disables it)
            sws = sws_getContext(frame->width, frame->height, src, w, h, dst, SWS_BICUBIC, nullptr,
                                 nullptr, nullptr);
            if (!sws)
                fail(ErrorCode::Unsupported,
                     std::string("cannot convert its pixel format ") +
                         (av_get_pix_fmt_name(src) ? av_get_pix_fmt_name(src) : "?") +
                         " to 8-bit BGR/grey");
            const int* coef = sws_getCoefficients(cs);
            sws_setColorspaceDetails(sws, coef, fullRange ? 1 : 0, coef, 1, 0, 1 << 16, 1 << 16);
            swsW = frame->width;
            swsH = frame->height;
            swsFmt = src;
            swsDst = dst;
            swsCs = cs;
            swsRange = int(fullRange);
        }
        uint8_t* dstData[4] = {out.data, nullptr, nullptr, nullptr};
        int dstStride[4] = {int(out.step[0]), 0, 0, 0};
        sws_scale(sws, frame->data, frame->linesize, 0, frame->height, dstData, dstStride);
    }
};

VideoReader::VideoReader(const fs::path& path, VideoReaderOptions options)
    : d(std::make_unique<Impl>()) {
    d->path = path;
    d->pathStr = pathString(path);
    d->options = options;
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec || !fs::exists(st))
        throw Error(ErrorCode::NotFound, "'" + d->pathStr + "' does not exist", d->pathStr);
    if (fs::is_directory(st))
        throw Error(ErrorCode::InvalidArgument,
                    "'" + d->pathStr + "' is a folder, not a video file", d->pathStr);
    const auto size = fs::file_size(path, ec);
    if (!ec && size == 0)
        throw Error(ErrorCode::Corrupt, "'" + d->pathStr + "' is empty (0 bytes)", d->pathStr);
    d->openDemuxer();
    auto ix = d->buildIndex();
    d->idx = ix;
    d->openDecoder(ix->streamIndex);
    d->seekDemuxer(0);
    d->seeks = 0;
}

VideoReader::~VideoReader() = default;

const StreamInfo& VideoReader::info() const {
    return d->idx->info;
}

void VideoReader::readInto(int64_t index, cv::Mat& out, ColorMode mode) {
    const int64_t n = d->idx->info.frameCount;
    if (index < 0 || index >= n)
        throw Error(ErrorCode::InvalidArgument,
                    "frame " + std::to_string(index) + " is out of range for '" + d->pathStr +
                        "' (" + std::to_string(n) + " frames)",
                    d->pathStr);
    d->goTo(index);
    d->convert(out, mode);
    d->pos = index + 1;
}

bool VideoReader::nextInto(cv::Mat& out, ColorMode mode) {
    if (d->pos >= d->idx->info.frameCount) return false;
    readInto(d->pos, out, mode);
    return true;
}

int64_t VideoReader::position() const {
    return d->pos;
}

void VideoReader::seek(int64_t index) {
    if (index < 0 || index > d->idx->info.frameCount)
        throw Error(ErrorCode::InvalidArgument,
                    "cannot seek to frame " + std::to_string(index) + " of '" + d->pathStr + "' (" +
                        std::to_string(d->idx->info.frameCount) + " frames)",
                    d->pathStr);
    d->pos = index;
}

std::unique_ptr<FrameSource> VideoReader::clone() const {
    std::unique_ptr<VideoReader> c(new VideoReader(*this, 0));
    return c;
}

VideoReader::VideoReader(const VideoReader& other, int) : d(std::make_unique<Impl>()) {
    d->path = other.d->path;
    d->pathStr = other.d->pathStr;
    d->options = other.d->options;
    d->idx = other.d->idx;
    d->openDemuxer();
    if (d->idx->streamIndex >= int(d->fmt->nb_streams))
        d->fail(ErrorCode::Unreadable, "the file changed since it was opened");
    d->openDecoder(d->idx->streamIndex);
    d->seekDemuxer(0);
    d->seeks = 0;
}

const std::vector<FrameIndexEntry>& VideoReader::frameIndex() const {
    return d->idx->frames;
}

int64_t VideoReader::keyframeAtOrBefore(int64_t index) const {
    return d->keyframeAtOrBefore(index);
}

Rational VideoReader::timeBase() const {
    return {d->idx->timeBase.num, d->idx->timeBase.den};
}
int64_t VideoReader::framesDecoded() const {
    return d->framesDecoded;
}
int64_t VideoReader::seeksDone() const {
    return d->seeks;
}

} // namespace vf::io
