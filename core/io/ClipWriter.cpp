#include "core/io/ClipWriter.h"

#include <algorithm>
#include <cstdio>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"
#include "core/io/FfmpegUtil.h"

namespace fs = std::filesystem;

namespace vf::io {

using detail::ffmpegReason;

ClipFormat formatForPath(const fs::path& dest) {
    std::string e = dest.extension().string();
    std::transform(e.begin(), e.end(), e.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    if (e == ".mp4" || e == ".m4v" || e == ".mov") return ClipFormat::H264Mp4;
    if (e == ".mkv") return ClipFormat::Ffv1Mkv;
    return ClipFormat::PngSequence;
}

const char* formatName(ClipFormat f) {
    switch (f) {
    case ClipFormat::H264Mp4:
        return "H.264 MP4";
    case ClipFormat::Ffv1Mkv:
        return "FFV1 MKV (lossless)";
    case ClipFormat::PngSequence:
        return "PNG sequence";
    }
    return "?";
}

const char* chromaName(ChromaSampling c) {
    return c == ChromaSampling::Yuv444 ? "4:4:4" : "4:2:0";
}

ChromaSampling chromaFromName(const std::string& name) {
    if (name == "420" || name == "4:2:0" || name == "yuv420p") return ChromaSampling::Yuv420;
    if (name == "444" || name == "4:4:4" || name == "yuv444p") return ChromaSampling::Yuv444;
    throw Error(ErrorCode::InvalidArgument,
                "unknown chroma sampling '" + name + "' (use 420 or 444)");
}

struct ClipWriter::Impl {
    fs::path dest;
    std::string destStr;
    cv::Size size;
    ColorMode mode = ColorMode::BGR;
    ClipWriterOptions opt;
    int64_t count = 0;
    bool finished = false, aborted = false;
    cv::Mat conv; // converted input (grey<->BGR) when needed

    // video
    std::unique_ptr<AtomicFile> file;
    AVFormatContext* oc = nullptr;
    AVCodecContext* enc = nullptr;
    AVStream* st = nullptr;
    AVFrame* frame = nullptr;
    AVPacket* pkt = nullptr;
    SwsContext* sws = nullptr;
    bool headerWritten = false;

    // PNG sequence
    fs::path tempDir;

    [[noreturn]] void fail(ErrorCode code, const std::string& what) {
        throw Error(code, "cannot write '" + destStr + "': " + what, destStr);
    }

    void freeAv() {
        if (sws) sws_freeContext(sws);
        sws = nullptr;
        av_frame_free(&frame);
        av_packet_free(&pkt);
        avcodec_free_context(&enc);
        if (oc) {
            if (oc->pb) avio_closep(&oc->pb);
            avformat_free_context(oc);
            oc = nullptr;
        }
    }

    void openVideo() {
        detail::initFfmpegLogging();
        detail::clearLastFfmpegLog();
        const bool h264 = opt.format == ClipFormat::H264Mp4;
        const bool full = opt.chroma == ChromaSampling::Yuv444;
        if (h264 && !full && (size.width % 2 || size.height % 2))
            fail(ErrorCode::InvalidArgument,
                 "H.264 (4:2:0) needs an even frame size, got " + std::to_string(size.width) + "x" +
                     std::to_string(size.height) + "; use H.264 4:4:4, FFV1 (.mkv) or PNG instead");
        file = std::make_unique<AtomicFile>(dest);
        const std::string tmp = pathString(file->tempPath());
        int r =
            avformat_alloc_output_context2(&oc, nullptr, h264 ? "mp4" : "matroska", tmp.c_str());
        if (r < 0 || !oc) fail(ErrorCode::Internal, "no muxer: " + ffmpegReason(r));
        const AVCodec* codec =
            h264 ? avcodec_find_encoder_by_name("libx264") : avcodec_find_encoder(AV_CODEC_ID_FFV1);
        if (!codec)
            fail(ErrorCode::Unsupported,
                 std::string("this FFmpeg has no ") + (h264 ? "libx264" : "FFV1") + " encoder");
        st = avformat_new_stream(oc, nullptr);
        enc = avcodec_alloc_context3(codec);
        if (!st || !enc) fail(ErrorCode::Internal, "out of memory");
        enc->width = size.width;
        enc->height = size.height;
        enc->time_base = AVRational{opt.fps.den, opt.fps.num};
        enc->framerate = AVRational{opt.fps.num, opt.fps.den};
        enc->sample_aspect_ratio = AVRational{1, 1};
        enc->thread_count = opt.threads;
        if (h264) {
            // 4:4:4 makes x264 use the High 4:4:4 Predictive profile.
            enc->pix_fmt = full ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P;
            enc->colorspace = AVCOL_SPC_SMPTE170M;
            enc->color_primaries = AVCOL_PRI_SMPTE170M;
            enc->color_trc = AVCOL_TRC_SMPTE170M;
            enc->color_range = AVCOL_RANGE_MPEG;
            av_opt_set(enc->priv_data, "preset", opt.preset.c_str(), 0);
            if (!opt.tune.empty() && av_opt_set(enc->priv_data, "tune", opt.tune.c_str(), 0) < 0)
                fail(ErrorCode::InvalidArgument, "unknown x264 tuning '" + opt.tune + "'");
            av_opt_set(enc->priv_data, "crf", std::to_string(std::clamp(opt.crf, 0, 51)).c_str(),
                       0);
        } else {
            enc->pix_fmt = mode == ColorMode::Gray ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_BGR0;
            enc->level = 3;
            av_opt_set_int(enc->priv_data, "slicecrc", 1, 0);
        }
        if (oc->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        r = avcodec_open2(enc, codec, nullptr);
        if (r < 0)
            fail(ErrorCode::Unsupported,
                 std::string("cannot open the ") + codec->name + " encoder: " + ffmpegReason(r));
        r = avcodec_parameters_from_context(st->codecpar, enc);
        if (r < 0) fail(ErrorCode::Internal, ffmpegReason(r));
        st->time_base = enc->time_base;
        st->avg_frame_rate = enc->framerate;
        r = avio_open(&oc->pb, tmp.c_str(), AVIO_FLAG_WRITE);
        if (r < 0) fail(ErrorCode::WriteFailed, "cannot create the file: " + ffmpegReason(r));
        AVDictionary* mopts = nullptr;
        if (h264) av_dict_set(&mopts, "movflags", "+faststart", 0);
        r = avformat_write_header(oc, &mopts);
        av_dict_free(&mopts);
        if (r < 0) fail(ErrorCode::WriteFailed, "cannot write the header: " + ffmpegReason(r));
        headerWritten = true;
        frame = av_frame_alloc();
        pkt = av_packet_alloc();
        if (!frame || !pkt) fail(ErrorCode::Internal, "out of memory");
        frame->format = enc->pix_fmt;
        frame->width = size.width;
        frame->height = size.height;
        r = av_frame_get_buffer(frame, 0);
        if (r < 0) fail(ErrorCode::Internal, "out of memory: " + ffmpegReason(r));
        const AVPixelFormat src = mode == ColorMode::Gray ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_BGR24;
        sws = sws_getContext(size.width, size.height, src, size.width, size.height, enc->pix_fmt,
                             SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr, nullptr,
                             nullptr);
        if (!sws) fail(ErrorCode::Internal, "no pixel format conversion");
        if (h264) {
            const int* coef = sws_getCoefficients(SWS_CS_SMPTE170M);
            sws_setColorspaceDetails(sws, coef, 1, coef, 0, 0, 1 << 16, 1 << 16);
        }
    }

    void drain(bool flush) {
        for (;;) {
            int r = avcodec_receive_packet(enc, pkt);
            if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
            if (r < 0) fail(ErrorCode::WriteFailed, "encoding failed: " + ffmpegReason(r));
            if (pkt->duration <= 0) pkt->duration = 1; // in encoder time base; see BUILD_NOTES
            av_packet_rescale_ts(pkt, enc->time_base, st->time_base);
            pkt->stream_index = st->index;
            r = av_interleaved_write_frame(oc, pkt);
            if (r < 0) fail(ErrorCode::WriteFailed, "writing failed: " + ffmpegReason(r));
        }
        (void)flush;
    }

    void writeVideo(const cv::Mat& m) {
        int r = av_frame_make_writable(frame);
        if (r < 0) fail(ErrorCode::Internal, ffmpegReason(r));
        const uint8_t* srcData[4] = {m.data, nullptr, nullptr, nullptr};
        const int srcStride[4] = {int(m.step[0]), 0, 0, 0};
        sws_scale(sws, srcData, srcStride, 0, size.height, frame->data, frame->linesize);
        frame->pts = count;
        r = avcodec_send_frame(enc, frame);
        if (r < 0) fail(ErrorCode::WriteFailed, "encoding failed: " + ffmpegReason(r));
        drain(false);
    }

    void finishVideo() {
        int r = avcodec_send_frame(enc, nullptr);
        if (r < 0 && r != AVERROR_EOF)
            fail(ErrorCode::WriteFailed, "encoding failed: " + ffmpegReason(r));
        drain(true);
        r = av_write_trailer(oc);
        if (r < 0) fail(ErrorCode::WriteFailed, "cannot finish the file: " + ffmpegReason(r));
        r = avio_closep(&oc->pb);
        if (r < 0) fail(ErrorCode::WriteFailed, "cannot close the file: " + ffmpegReason(r));
        freeAv();
        file->commit();
        file.reset();
    }

    // ---- PNG ----
    void openPng() {
        fs::path dir = dest.parent_path();
        if (dir.empty()) dir = ".";
        std::error_code ec;
        if (fs::exists(dest, ec) && !fs::is_directory(dest, ec))
            fail(ErrorCode::WriteFailed,
                 "it exists and is not a folder (PNG frames go into a folder)");
        if (!fs::is_directory(dir, ec))
            fail(ErrorCode::WriteFailed, "folder '" + pathString(dir) + "' does not exist");
        std::string name = ".";
        name += pathString(dest.filename());
        name += ".part-";
        name += uniqueSuffix();
        tempDir = dir / fs::u8path(name);
        fs::create_directory(tempDir, ec);
        if (ec)
            fail(ErrorCode::WriteFailed,
                 "cannot create a folder in '" + pathString(dir) + "': " + ec.message());
    }

    std::string pngName(int64_t i) const {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%06lld.png", static_cast<long long>(i));
        return opt.pngPrefix + buf;
    }

    void writePng(const cv::Mat& m) {
        const fs::path p = tempDir / fs::u8path(pngName(count));
        bool ok = false;
        try {
            ok = cv::imwrite(p.string(), m,
                             {cv::IMWRITE_PNG_COMPRESSION, std::clamp(opt.pngCompression, 0, 9)});
        } catch (const cv::Exception& e) {
            fail(ErrorCode::WriteFailed, std::string("PNG encoding failed: ") + e.what());
        }
        if (!ok) fail(ErrorCode::WriteFailed, "cannot write '" + pathString(p) + "' (disk full?)");
    }

    void finishPng() {
        std::error_code ec;
        if (!fs::exists(dest, ec)) {
            fs::rename(tempDir, dest, ec);
            if (ec) fail(ErrorCode::WriteFailed, ec.message());
        } else {
            for (int64_t i = 0; i < count; ++i) {
                const std::string n = pngName(i);
                fs::rename(tempDir / fs::u8path(n), dest / fs::u8path(n), ec);
                if (ec)
                    fail(ErrorCode::WriteFailed,
                         "cannot move '" + n + "' into place: " + ec.message());
            }
            fs::remove_all(tempDir, ec);
        }
        tempDir.clear();
    }

    void abortAll() noexcept {
        freeAv();
        if (file) {
            file->discard();
            file.reset();
        }
        if (!tempDir.empty()) {
            std::error_code ec;
            fs::remove_all(tempDir, ec);
            tempDir.clear();
        }
    }
};

ClipWriter::ClipWriter(const fs::path& dest, cv::Size size, ColorMode mode,
                       ClipWriterOptions options)
    : d(std::make_unique<Impl>()) {
    d->dest = dest;
    if (!d->dest.has_filename()) d->dest = d->dest.parent_path(); // "out/" -> "out"
    d->destStr = pathString(d->dest);
    d->size = size;
    d->mode = mode;
    d->opt = options;
    if (size.width <= 0 || size.height <= 0)
        d->fail(ErrorCode::InvalidArgument, "invalid frame size " + std::to_string(size.width) +
                                                "x" + std::to_string(size.height));
    if (!options.fps.valid())
        d->fail(ErrorCode::InvalidArgument, "invalid frame rate " +
                                                std::to_string(options.fps.num) + "/" +
                                                std::to_string(options.fps.den));
    try {
        if (options.format == ClipFormat::PngSequence)
            d->openPng();
        else
            d->openVideo();
    } catch (...) {
        d->abortAll();
        throw;
    }
}

ClipWriter::~ClipWriter() {
    if (!d->finished) abort();
}

void ClipWriter::write(const cv::Mat& frameIn) {
    if (d->finished || d->aborted)
        d->fail(ErrorCode::InvalidArgument, "write() after the clip was finished or aborted");
    if (frameIn.empty()) d->fail(ErrorCode::InvalidArgument, "empty frame");
    if (frameIn.cols != d->size.width || frameIn.rows != d->size.height)
        d->fail(ErrorCode::Mismatch,
                "frame " + std::to_string(d->count) + " is " + std::to_string(frameIn.cols) + "x" +
                    std::to_string(frameIn.rows) + " but the clip is " +
                    std::to_string(d->size.width) + "x" + std::to_string(d->size.height));
    if (frameIn.depth() != CV_8U || (frameIn.channels() != 1 && frameIn.channels() != 3))
        d->fail(ErrorCode::InvalidArgument, "frames must be 8-bit BGR or grey");
    const cv::Mat* m = &frameIn;
    const int want = d->mode == ColorMode::Gray ? 1 : 3;
    if (frameIn.channels() != want) {
        cv::cvtColor(frameIn, d->conv, want == 1 ? cv::COLOR_BGR2GRAY : cv::COLOR_GRAY2BGR);
        m = &d->conv;
    }
    try {
        if (d->opt.format == ClipFormat::PngSequence)
            d->writePng(*m);
        else
            d->writeVideo(*m);
    } catch (...) {
        abort();
        throw;
    }
    ++d->count;
}

void ClipWriter::finish() {
    if (d->finished) return;
    if (d->aborted) d->fail(ErrorCode::InvalidArgument, "finish() after abort()");
    try {
        if (d->count == 0) d->fail(ErrorCode::InvalidArgument, "no frame was written");
        if (d->opt.format == ClipFormat::PngSequence)
            d->finishPng();
        else
            d->finishVideo();
    } catch (...) {
        abort();
        throw;
    }
    d->finished = true;
}

void ClipWriter::abort() noexcept {
    if (d->finished) return;
    d->abortAll();
    d->aborted = true;
}

int64_t ClipWriter::framesWritten() const {
    return d->count;
}
const fs::path& ClipWriter::destination() const {
    return d->dest;
}

void writeClip(FrameSource& src, const fs::path& dest, int64_t start, int64_t count, ColorMode mode,
               const ClipWriterOptions& options, const CancelToken* cancel,
               const ProgressFn& progress) {
    const int64_t n = src.frameCount();
    if (start < 0 || start >= n)
        throw Error(ErrorCode::InvalidArgument,
                    "start frame " + std::to_string(start) + " is outside '" + src.info().path +
                        "' (" + std::to_string(n) + " frames)",
                    src.info().path);
    if (count < 0 || start + count > n) count = n - start;
    ClipWriter w(dest, src.info().size(), mode, options);
    cv::Mat m;
    src.seek(start);
    for (int64_t i = 0; i < count; ++i) {
        if (cancel) cancel->check();
        src.readInto(start + i, m, mode);
        w.write(m);
        if (progress) progress(i + 1, count, "writing " + pathString(dest.filename()));
    }
    if (cancel) cancel->check();
    w.finish();
}

} // namespace vf::io
