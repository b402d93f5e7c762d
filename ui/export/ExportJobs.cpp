#include "ui/export/ExportJobs.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryFile>

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <thread>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "core/common/Error.h"
#include "core/io/ClipWriter.h"
#include "core/io/FrameSequence.h"
#include "core/io/Pair.h"

namespace vf::ui {

namespace {

std::string u8(const QString& s) {
    return s.toStdString();
}

// An independent reader of one workspace stream (worker thread), addressed by pair frame.
// (ui/StreamReaders has the same idea for the temporal views; this private copy keeps the
// exporter free of that in-progress file.)
struct SourceOf {
    qint64 first = 0, frames = 0;
    QString name;
    std::unique_ptr<vf::io::FrameSource> source;
    bool has(qint64 f) const { return f >= first && f < first + frames; }
    cv::Mat read(qint64 f) { return source->read(f - first); }
};

SourceOf openStream(const Workspace& ws, int id) {
    const StreamItem* s = ws.stream(id);
    const vf::io::PairInput* pair = ws.pair();
    if (!s || !pair)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "export: stream " + std::to_string(id) + " is not open");
    SourceOf r;
    r.first = s->firstFrame;
    r.name = s->name;
    switch (s->role) {
    case StreamRole::Infrared:
        r.source = pair->ir->clone();
        break;
    case StreamRole::Visible:
        r.source = pair->vis->clone();
        break;
    case StreamRole::RefInfrared:
        if (pair->irRef) r.source = pair->irRef->clone();
        break;
    case StreamRole::RefVisible:
        if (pair->visRef) r.source = pair->visRef->clone();
        break;
    default:
        if (s->computed() && !s->method.isEmpty()) {
            if (!s->complete)
                throw vf::Error(vf::ErrorCode::InvalidArgument,
                                u8(s->name) + ": still being computed (" +
                                    std::to_string(s->produced) + " of " +
                                    std::to_string(s->frames) +
                                    " frames); export it when its job has finished");
            r.source = std::make_unique<vf::io::FrameSequence>(s->path.toStdString());
        } else {
            r.source = vf::io::openSource(s->path.toStdString());
        }
    }
    if (!r.source)
        throw vf::Error(vf::ErrorCode::NotFound, u8(s->name) + ": the stream has no frames");
    r.frames = std::min<qint64>(s->frames > 0 ? s->frames : r.source->frameCount(),
                                r.source->frameCount());
    return r;
}

vf::io::ClipFormat clipFormat(ExportFormat f) {
    switch (f) {
    case ExportFormat::H264Mp4:
        return vf::io::ClipFormat::H264Mp4;
    case ExportFormat::Ffv1Mkv:
        return vf::io::ClipFormat::Ffv1Mkv;
    case ExportFormat::PngFrames:
        return vf::io::ClipFormat::PngSequence;
    }
    return vf::io::ClipFormat::H264Mp4;
}

QString safeName(const QString& name) {
    QString out;
    for (QChar c : name)
        out += (c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('.') ||
                c == QLatin1Char('_'))
                   ? c
                   : QLatin1Char('_');
    while (out.startsWith(QLatin1Char('.')))
        out.remove(0, 1);
    return out.isEmpty() ? QStringLiteral("stream") : out;
}

bool isNonEmptyFolder(const QFileInfo& fi) {
    return fi.isDir() && !QDir(fi.absoluteFilePath())
                              .entryList(QDir::NoDotAndDotDot | QDir::AllEntries)
                              .isEmpty();
}

// The folder that receives `target` must exist, be a folder and accept new files.
void checkWritableFolder(const QString& target) {
    const QFileInfo fi(target);
    const QString folder = fi.absolutePath();
    const QFileInfo di(folder);
    if (!di.exists())
        throw vf::Error(vf::ErrorCode::WriteFailed, "cannot export to " + u8(target) +
                                                        ": the folder " + u8(folder) +
                                                        " does not exist");
    if (!di.isDir())
        throw vf::Error(vf::ErrorCode::WriteFailed,
                        "cannot export to " + u8(target) + ": " + u8(folder) + " is not a folder");
    QTemporaryFile probe(folder + QStringLiteral("/.vf-export-probe-XXXXXX"));
    if (!probe.open())
        throw vf::Error(vf::ErrorCode::WriteFailed,
                        "cannot export to " + u8(target) + ": the folder " + u8(folder) +
                            " is read-only or not writable (" + u8(probe.errorString()) + ")");
}

void checkTargets(const QStringList& targets, ExportFormat fmt, bool overwrite) {
    for (const QString& t : targets) {
        checkWritableFolder(t);
        const QFileInfo fi(t);
        if (fmt == ExportFormat::PngFrames) {
            if (fi.exists() && !fi.isDir())
                throw vf::Error(vf::ErrorCode::WriteFailed,
                                "cannot export PNG frames to " + u8(t) +
                                    ": a file of that name exists (PNG frames need a folder)");
            if (isNonEmptyFolder(fi) && !overwrite)
                throw vf::Error(vf::ErrorCode::WriteFailed,
                                u8(t) + " exists and is not empty; allow overwriting or choose "
                                        "another folder");
        } else {
            if (fi.isDir())
                throw vf::Error(vf::ErrorCode::WriteFailed,
                                "cannot export to " + u8(t) + ": it is a folder");
            if (fi.exists() && !overwrite)
                throw vf::Error(vf::ErrorCode::WriteFailed,
                                u8(t) + " exists; allow overwriting or choose another name");
        }
    }
}

vf::io::Rational pairFps(const Workspace& ws) {
    if (const auto* p = ws.pair())
        if (p->ir->info().fps.valid()) return p->ir->info().fps;
    return {30, 1};
}

// A pool job whose work runs on a thread of its own at a lower CPU priority (nice +10, and
// the encoder's threads inherit it), so that decoding, rendering and encoding yield to the
// GUI thread on a loaded machine; the pool thread only waits (its priority stays as it was).
class WorkJob : public Job {
public:
    WorkJob(QString title, std::function<void(WorkJob&)> work)
        : Job(std::move(title), Lane::Pool), work_(std::move(work)) {}
    void run() override {
        std::exception_ptr error;
        std::thread t([this, &error] {
#ifdef __linux__
            setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 10);
#endif
            try {
                work_(*this);
            } catch (...) {
                error = std::current_exception();
            }
        });
        t.join();
        if (error) std::rethrow_exception(error);
    }

private:
    std::function<void(WorkJob&)> work_;
};

} // namespace

QString exportFormatName(ExportFormat f) {
    switch (f) {
    case ExportFormat::H264Mp4:
        return QObject::tr("H.264 MP4");
    case ExportFormat::Ffv1Mkv:
        return QObject::tr("FFV1 MKV (lossless)");
    case ExportFormat::PngFrames:
        return QObject::tr("PNG frames");
    }
    return {};
}

QString exportFormatSuffix(ExportFormat f) {
    switch (f) {
    case ExportFormat::H264Mp4:
        return QStringLiteral(".mp4");
    case ExportFormat::Ffv1Mkv:
        return QStringLiteral(".mkv");
    case ExportFormat::PngFrames:
        return {};
    }
    return {};
}

QString exportChromaName(vf::io::ChromaSampling c) {
    return c == vf::io::ChromaSampling::Yuv444 ? QObject::tr("Full colour (4:4:4)")
                                               : QObject::tr("Compatible (4:2:0)");
}

QStringList clipExportTargets(const Workspace& ws, const ClipExportRequest& req) {
    QStringList out;
    if (req.destination.isEmpty()) return out;
    const QString dest = QFileInfo(req.destination).absoluteFilePath();
    if (req.streams.size() == 1) return {dest};
    QStringList used;
    for (int id : req.streams) {
        const StreamItem* s = ws.stream(id);
        QString base = safeName(s ? s->name : QString::number(id));
        QString name = base;
        for (int k = 2; used.contains(name); ++k)
            name = base + QStringLiteral("_%1").arg(k);
        used << name;
        out << QDir(dest).filePath(name + exportFormatSuffix(req.format));
    }
    return out;
}

QStringList existingTargets(const QStringList& targets) {
    QStringList out;
    for (const QString& t : targets) {
        const QFileInfo fi(t);
        if ((fi.exists() && !fi.isDir()) || isNonEmptyFolder(fi)) out << t;
    }
    return out;
}

Job* startClipExport(JobManager& jobs, const Workspace& ws, const ClipExportRequest& req) {
    if (!ws.hasPair()) throw vf::Error(vf::ErrorCode::InvalidArgument, "export: no pair is open");
    if (req.streams.empty())
        throw vf::Error(vf::ErrorCode::InvalidArgument, "export: choose at least one stream");
    if (req.destination.isEmpty())
        throw vf::Error(vf::ErrorCode::InvalidArgument, "export: choose a destination");
    if (req.crf < 0 || req.crf > 51)
        throw vf::Error(vf::ErrorCode::InvalidArgument, "export: H.264 quality (CRF) " +
                                                            std::to_string(req.crf) +
                                                            " is outside 0..51");
    const QStringList targets = clipExportTargets(ws, req);
    if (req.streams.size() > 1) {
        const QFileInfo di(req.destination);
        if (!di.isDir())
            throw vf::Error(vf::ErrorCode::WriteFailed,
                            "export of " + std::to_string(req.streams.size()) +
                                " streams: " + u8(req.destination) + " is not an existing folder");
    }
    checkTargets(targets, req.format, req.overwrite);

    // Readers (GUI thread: the workspace is read here only) and each stream's frame range.
    struct Item {
        std::shared_ptr<SourceOf> src;
        QString target;
        qint64 from = 0, to = -1; // pair frames [from, to]
    };
    auto items = std::make_shared<std::vector<Item>>();
    const qint64 reqEnd = req.count < 0 ? ws.frameCount() - 1 : req.start + req.count - 1;
    if (req.start < 0 || reqEnd < req.start)
        throw vf::Error(vf::ErrorCode::InvalidArgument, "export: empty frame range (start " +
                                                            std::to_string(req.start) + ", count " +
                                                            std::to_string(req.count) + ")");
    qint64 total = 0;
    for (size_t i = 0; i < req.streams.size(); ++i) {
        auto src = std::make_shared<SourceOf>(openStream(ws, req.streams[i]));
        Item it{src, targets[int(i)], std::max(req.start, src->first),
                std::min(reqEnd, src->first + src->frames - 1)};
        if (it.to < it.from)
            throw vf::Error(vf::ErrorCode::InvalidArgument,
                            u8(src->name) + " has no frame in the range " +
                                std::to_string(req.start) + ".." + std::to_string(reqEnd) +
                                " (it covers pair frames " + std::to_string(src->first) + ".." +
                                std::to_string(src->first + src->frames - 1) + ")");
        total += it.to - it.from + 1;
        items->push_back(std::move(it));
    }
    vf::io::ClipWriterOptions opt;
    opt.format = clipFormat(req.format);
    opt.fps = pairFps(ws);
    opt.crf = req.crf;
    opt.preset = u8(req.preset);
    opt.chroma = req.chroma;
    const bool overwrite = req.overwrite;
    const QString title =
        req.streams.size() == 1
            ? QObject::tr("Export %1 → %2")
                  .arg((*items)[0].src->name, QFileInfo(targets[0]).fileName())
            : QObject::tr("Export %1 streams → %2").arg(req.streams.size()).arg(req.destination);
    auto* job = new WorkJob(title, [items, opt, total, overwrite](WorkJob& j) {
        const qint64 first = [&] {
            qint64 f = items->front().from;
            for (const auto& it : *items)
                f = std::min(f, it.from);
            return f;
        }();
        qint64 last = items->front().to;
        for (const auto& it : *items)
            last = std::max(last, it.to);
        std::vector<std::unique_ptr<vf::io::ClipWriter>> writers(items->size());
        qint64 done = 0;
        for (qint64 f = first; f <= last; ++f) {
            j.cancelToken().check();
            for (size_t i = 0; i < items->size(); ++i) {
                Item& it = (*items)[i];
                if (f < it.from || f > it.to) continue;
                const cv::Mat m = it.src->read(f);
                if (!writers[i]) {
                    // Replace an existing PNG folder's frames only when asked to.
                    if (overwrite && opt.format == vf::io::ClipFormat::PngSequence) {
                        QDir d(it.target);
                        for (const QString& n :
                             d.entryList({QStringLiteral("[0-9][0-9][0-9][0-9][0-9][0-9].png")},
                                         QDir::Files))
                            d.remove(n);
                    }
                    writers[i] = std::make_unique<vf::io::ClipWriter>(
                        it.target.toStdString(), m.size(),
                        m.channels() == 1 ? vf::io::ColorMode::Gray : vf::io::ColorMode::BGR, opt);
                }
                writers[i]->write(m);
                ++done;
                j.reportProgress(done, total, QObject::tr("frame %1 of %2").arg(done).arg(total));
            }
        }
        j.cancelToken().check();
        // Finish all at the end: an error or a cancel before here leaves no file at all.
        for (auto& w : writers)
            if (w) w->finish();
    });
    return jobs.submit(job);
}

// --------------------------------------------------------------------- comparison video

struct LayoutFrameReader::Impl {
    ComparisonLayout layout;
    std::map<int, SourceOf> sources;
};

LayoutFrameReader::LayoutFrameReader(const Workspace& ws, const ComparisonLayout& layout)
    : d(std::make_unique<Impl>()) {
    d->layout = layout;
    for (const auto& l : layout.streams())
        d->sources.emplace(l.streamId, openStream(ws, l.streamId));
}
LayoutFrameReader::~LayoutFrameReader() = default;

ComparisonFrame LayoutFrameReader::read(qint64 pairFrame) {
    ComparisonFrame out;
    out.pairFrame = pairFrame;
    std::map<int, cv::Mat> got; // each stream decoded once per frame
    auto get = [&](int id) -> cv::Mat {
        if (id < 0) return {};
        if (auto it = got.find(id); it != got.end()) return it->second;
        auto s = d->sources.find(id);
        cv::Mat m;
        if (s != d->sources.end() && s->second.has(pairFrame)) m = s->second.read(pairFrame);
        got[id] = m;
        return m;
    };
    for (const auto& p : d->layout.panes)
        out.images.push_back({get(p.a.streamId), p.mode != ComparisonPane::Mode::Single
                                                     ? get(p.b.streamId)
                                                     : cv::Mat()});
    return out;
}

vf::io::ClipWriterOptions comparisonClipOptions(const ComparisonExportRequest& req) {
    vf::io::ClipWriterOptions opt;
    opt.format = clipFormat(req.format);
    opt.crf = req.crf;
    opt.preset = u8(req.preset);
    opt.chroma = req.chroma;
    opt.tune = u8(req.tune);
    return opt;
}

QSize comparisonOutputSize(const ComparisonExportRequest& req) {
    QSize s = req.size.isEmpty() ? sourceResolutionSize(req.layout) : req.size;
    // 4:2:0 has one chroma sample per 2x2 pixels: x264 needs even sizes; 4:4:4, FFV1 and PNG
    // keep the exact size.
    if (req.format == ExportFormat::H264Mp4 && req.chroma == vf::io::ChromaSampling::Yuv420)
        s = QSize(std::max(2, s.width() / 2 * 2), std::max(2, s.height() / 2 * 2));
    return s;
}

Job* startComparisonExport(JobManager& jobs, const Workspace& ws,
                           const ComparisonExportRequest& req) {
    if (!ws.hasPair()) throw vf::Error(vf::ErrorCode::InvalidArgument, "export: no pair is open");
    if (req.layout.panes.empty())
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "comparison video: the viewer shows no pane");
    if (req.destination.isEmpty())
        throw vf::Error(vf::ErrorCode::InvalidArgument, "comparison video: choose a destination");
    if (req.crf < 0 || req.crf > 51)
        throw vf::Error(vf::ErrorCode::InvalidArgument, "comparison video: H.264 quality (CRF) " +
                                                            std::to_string(req.crf) +
                                                            " is outside 0..51");
    const QSize size = comparisonOutputSize(req);
    if (size.width() > 8192 || size.height() > 8192)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "comparison video: " + std::to_string(size.width()) + "x" +
                            std::to_string(size.height()) + " is larger than 8192x8192");
    const QString target = QFileInfo(req.destination).absoluteFilePath();
    checkTargets({target}, req.format, req.overwrite);
    const auto [lo, hi] = req.layout.commonRange();
    const qint64 from = std::max(req.start, lo);
    const qint64 to = req.count < 0 ? hi : std::min(hi, req.start + req.count - 1);
    if (to < from)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "comparison video: no frame in the range " + std::to_string(req.start) +
                            (req.count < 0 ? std::string("..end")
                                           : ".." + std::to_string(req.start + req.count - 1)) +
                            " is shown by every stream of the layout (they share pair frames " +
                            std::to_string(lo) + ".." + std::to_string(hi) + ")");
    auto reader = std::make_shared<LayoutFrameReader>(ws, req.layout);
    vf::io::ClipWriterOptions opt = comparisonClipOptions(req);
    opt.fps = pairFps(ws);
    auto layout = std::make_shared<const ComparisonLayout>(req.layout);
    const bool overwrite = req.overwrite;
    auto* job = new WorkJob(
        QObject::tr("Comparison video → %1").arg(QFileInfo(target).fileName()),
        [reader, layout, opt, size, target, from, to, overwrite](WorkJob& j) {
            if (overwrite && opt.format == vf::io::ClipFormat::PngSequence) {
                QDir d(target);
                for (const QString& n : d.entryList(
                         {QStringLiteral("[0-9][0-9][0-9][0-9][0-9][0-9].png")}, QDir::Files))
                    d.remove(n);
            }
            vf::io::ClipWriter w(target.toStdString(), cv::Size(size.width(), size.height()),
                                 vf::io::ColorMode::BGR, opt);
            const qint64 total = to - from + 1;
            for (qint64 f = from; f <= to; ++f) {
                j.cancelToken().check();
                const ComparisonFrame fr = reader->read(f);
                const QImage img = renderComparisonFrame(*layout, fr, size);
                w.write(fromQImage(img));
                j.reportProgress(f - from + 1, total,
                                 QObject::tr("frame %1 of %2").arg(f - from + 1).arg(total));
            }
            j.cancelToken().check();
            w.finish();
        });
    return jobs.submit(job);
}

} // namespace vf::ui
