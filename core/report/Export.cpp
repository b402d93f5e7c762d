#include "core/report/Export.h"

#include <memory>

#include "core/common/Error.h"
#include "core/fusion/SequenceSources.h"
#include "core/io/Pair.h"

namespace fs = std::filesystem;

namespace vf::report {

const char* exportWhatName(ExportWhat w) {
    switch (w) {
    case ExportWhat::Fused:
        return "fused";
    case ExportWhat::RestoredIr:
        return "restored-ir";
    case ExportWhat::RestoredVi:
        return "restored-vi";
    }
    return "fused";
}

ExportWhat exportWhatFromName(const std::string& s) {
    for (ExportWhat w : {ExportWhat::Fused, ExportWhat::RestoredIr, ExportWhat::RestoredVi})
        if (s == exportWhatName(w)) return w;
    throw Error(ErrorCode::InvalidArgument,
                "unknown export stream '" + s + "' (expected fused, restored-ir or restored-vi)");
}

void checkOutput(const fs::path& output, bool force) {
    if (output.empty()) throw Error(ErrorCode::InvalidArgument, "no output path given");
    fs::path target = output;
    if (target.filename().empty()) target = target.parent_path(); // "folder/"
    const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw Error(ErrorCode::WriteFailed,
                    "cannot write " + output.string() + ": folder " + dir.string() +
                        (fs::exists(dir, ec) ? " is not a folder" : " does not exist"),
                    output.string());
    if (force || !fs::exists(target, ec)) return;
    if (fs::is_directory(target, ec)) {
        if (io::formatForPath(output) != io::ClipFormat::PngSequence)
            throw Error(ErrorCode::InvalidArgument,
                        "output " + target.string() + " is an existing folder, not a video file",
                        target.string());
        if (fs::directory_iterator(target, ec) == fs::directory_iterator()) return; // empty
        throw Error(ErrorCode::WriteFailed,
                    "output folder " + target.string() +
                        " already exists and is not empty; use --force to write into it",
                    target.string());
    }
    throw Error(ErrorCode::WriteFailed,
                "output " + target.string() + " already exists; use --force to replace it",
                target.string());
}

ExportResult exportClip(const ExportRequest& req, const ProgressFn& progress,
                        const CancelToken* cancel) {
    if (req.method && !req.fused.empty())
        throw Error(ErrorCode::InvalidArgument, "give a fusion method or a fused input, not both");
    if (!req.method && req.fused.empty())
        throw Error(ErrorCode::InvalidArgument, "nothing to export: no method and no fused input");
    if (req.start < 0)
        throw Error(ErrorCode::InvalidArgument,
                    "start frame must be >= 0, got " + std::to_string(req.start));
    if (req.count == 0 || req.count < -1)
        throw Error(ErrorCode::InvalidArgument,
                    "frame count must be > 0 (or -1 for all), got " + std::to_string(req.count));
    checkOutput(req.output, req.force);

    ExportResult res;
    io::ClipWriterOptions wo;
    wo.format = io::formatForPath(req.output);
    wo.crf = req.crf;
    wo.preset = req.preset;
    res.format = wo.format;

    if (!req.fused.empty()) {
        if (req.what != ExportWhat::Fused)
            throw Error(ErrorCode::InvalidArgument,
                        std::string("a fused input has no ") + exportWhatName(req.what) +
                            " stream; export it from the pair with a method");
        auto src = io::openSource(req.fused);
        const auto& info = src->info();
        if (req.start >= info.frameCount)
            throw Error(ErrorCode::InvalidArgument,
                        "start frame " + std::to_string(req.start) + " is past the end of " +
                            info.path + " (" + std::to_string(info.frameCount) + " frames)",
                        info.path);
        int64_t count = req.count < 0 ? info.frameCount - req.start : req.count;
        if (req.start + count > info.frameCount) {
            res.warnings.push_back(info.path + " has " + std::to_string(info.frameCount) +
                                   " frames; exporting " +
                                   std::to_string(info.frameCount - req.start) + " instead of " +
                                   std::to_string(count));
            count = info.frameCount - req.start;
        }
        if (info.fps.valid()) wo.fps = info.fps;
        const io::ColorMode mode = info.channels == 1 ? io::ColorMode::Gray : io::ColorMode::BGR;
        io::writeClip(*src, req.output, req.start, count, mode, wo, cancel, progress);
        res.frames = int(count);
        return res;
    }

    const fusion::ConfiguredMethod& cm = *req.method;
    if (req.what != ExportWhat::Fused && cm.method->kind() != fusion::MethodKind::Video)
        throw Error(ErrorCode::InvalidArgument,
                    std::string("method ") + cm.method->name() + " does not restore its inputs; " +
                        exportWhatName(req.what) + " needs a video method such as videofusion");
    auto pair = io::openPair(req.ir, req.vi);
    res.warnings = pair.validation.warnings;
    if (pair.validation.fps.valid()) wo.fps = pair.validation.fps;
    fusion::SourcePairSequence seq(pair);
    fusion::SequenceOptions so;
    so.start = req.start;
    so.count = req.count;
    if (req.start >= seq.size())
        throw Error(ErrorCode::InvalidArgument,
                    "start frame " + std::to_string(req.start) + " is past the end of the pair (" +
                        std::to_string(seq.size()) + " frames)",
                    pair.irPath);
    if (req.count > 0 && req.start + req.count > seq.size()) {
        res.warnings.push_back("the pair has " + std::to_string(seq.size()) +
                               " frames; exporting " + std::to_string(seq.size() - req.start) +
                               " instead of " + std::to_string(req.count));
        so.count = seq.size() - req.start;
    }
    so.wantRestored = req.what != ExportWhat::Fused;
    so.progress = progress;
    so.cancel = cancel;
    std::unique_ptr<io::ClipWriter> writer;
    cm.fuseSequence(
        seq,
        [&](const fusion::FusedFrame& f) {
            const cv::Mat& m = req.what == ExportWhat::Fused        ? f.fused
                               : req.what == ExportWhat::RestoredIr ? f.restoredIr
                                                                    : f.restoredVi;
            if (m.empty())
                throw Error(ErrorCode::Internal, std::string("method ") + cm.method->name() +
                                                     " returned no " + exportWhatName(req.what) +
                                                     " frame " + std::to_string(f.index));
            if (!writer)
                writer = std::make_unique<io::ClipWriter>(
                    req.output, m.size(),
                    m.channels() == 1 ? io::ColorMode::Gray : io::ColorMode::BGR, wo);
            writer->write(m);
            if (cancel) cancel->check();
        },
        so);
    if (cancel) cancel->check();
    if (!writer) throw Error(ErrorCode::Internal, "no frame was produced");
    writer->finish();
    res.frames = int(writer->framesWritten());
    return res;
}

} // namespace vf::report
