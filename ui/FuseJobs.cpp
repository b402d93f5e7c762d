#include "ui/FuseJobs.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>

#include <atomic>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"
#include "core/common/Resources.h"

#if VF_HAVE_FUSION
#include "core/fusion/ClipRunner.h"
#include "core/fusion/LearnedMethods.h"
#endif

namespace vf::ui {

QJsonObject toJson(const FuseRequest& r) {
    QJsonObject o;
    o[QStringLiteral("method")] = r.method;
    o[QStringLiteral("params")] = r.params;
    o[QStringLiteral("start")] = double(r.start);
    o[QStringLiteral("count")] = double(r.count);
    o[QStringLiteral("previewScale")] = r.previewScale;
    o[QStringLiteral("roi")] = QJsonObject{{QStringLiteral("x"), r.roi.x()},
                                           {QStringLiteral("y"), r.roi.y()},
                                           {QStringLiteral("w"), r.roi.width()},
                                           {QStringLiteral("h"), r.roi.height()}};
    o[QStringLiteral("restored")] = r.wantRestored;
    o[QStringLiteral("name")] = r.displayName;
    return o;
}

FuseRequest fuseRequestFromJson(const QJsonObject& o) {
    FuseRequest r;
    r.method = o.value(QStringLiteral("method")).toString();
    r.params = o.value(QStringLiteral("params")).toObject();
    r.start = qint64(o.value(QStringLiteral("start")).toDouble());
    r.count = qint64(o.value(QStringLiteral("count")).toDouble(-1));
    r.previewScale = o.value(QStringLiteral("previewScale")).toInt(1);
    const QJsonObject roi = o.value(QStringLiteral("roi")).toObject();
    r.roi = QRect(roi.value(QStringLiteral("x")).toInt(), roi.value(QStringLiteral("y")).toInt(),
                  roi.value(QStringLiteral("w")).toInt(), roi.value(QStringLiteral("h")).toInt());
    r.wantRestored = o.value(QStringLiteral("restored")).toBool();
    r.displayName = o.value(QStringLiteral("name")).toString();
    return r;
}

#if VF_HAVE_FUSION
namespace {

vf::fusion::ParamValues toParamValues(const QJsonObject& o) {
    vf::fusion::ParamValues v;
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.value().isDouble())
            v[it.key().toStdString()] = it.value().toDouble();
        else if (it.value().isBool())
            v[it.key().toStdString()] = it.value().toBool() ? 1.0 : 0.0;
        else
            v[it.key().toStdString()] = it.value().toString().toStdString();
    }
    return v;
}

// The pair's frames for a job: its own readers (clones), cropped to the ROI and shrunk.
class JobPairSequence : public vf::fusion::PairSequence {
public:
    JobPairSequence(const vf::io::PairInput& pair, QRect roi, int scale)
        : ir_(pair.ir->clone()), vi_(pair.vis->clone()),
          roi_(roi.x(), roi.y(), roi.width(), roi.height()), scale_(std::max(1, scale)),
          n_(int(pair.frameCount())) {}
    int size() const override { return n_; }
    void read(int index, cv::Mat& ir, cv::Mat& vi) override {
        ir_->readInto(index, irBuf_);
        vi_->readInto(index, viBuf_);
        prepare(irBuf_, ir);
        prepare(viBuf_, vi);
    }

private:
    void prepare(const cv::Mat& in, cv::Mat& out) const {
        cv::Mat m = in;
        if (roi_.area() > 0) m = in(roi_ & cv::Rect(0, 0, in.cols, in.rows));
        if (scale_ > 1)
            cv::resize(m, out, cv::Size(std::max(1, m.cols / scale_), std::max(1, m.rows / scale_)),
                       0, 0, cv::INTER_AREA);
        else
            m.copyTo(out);
    }
    std::unique_ptr<vf::io::FrameSource> ir_, vi_;
    cv::Rect roi_;
    int scale_;
    int n_;
    cv::Mat irBuf_, viBuf_;
};

void writePng(const QString& folder, qint64 index, const cv::Mat& m) {
    std::vector<uchar> buf;
    cv::imencode(".png", m, buf, {cv::IMWRITE_PNG_COMPRESSION, 1});
    const QString file = folder + QStringLiteral("/%1.png").arg(index, 6, 10, QLatin1Char('0'));
    vf::writeFileAtomic(file.toStdString(), std::string(buf.begin(), buf.end()));
}

class FuseJob : public Job {
public:
    FuseJob(const QString& title, Lane lane, const vf::io::PairInput& pair, FuseRequest r,
            QString folder)
        : Job(title, lane), seq_(pair, r.roi, r.previewScale), req_(std::move(r)),
          folder_(std::move(folder)) {}

    std::function<void(qint64)> onProduced; // GUI thread
    std::function<void(Job*)> onFinish;
    std::atomic<qint64> produced{0};

    void run() override {
        const QString fused = folder_ + QStringLiteral("/fused");
        const QString rir = folder_ + QStringLiteral("/restored_ir");
        const QString rvi = folder_ + QStringLiteral("/restored_vi");
        QDir().mkpath(fused);
        if (req_.wantRestored) {
            QDir().mkpath(rir);
            QDir().mkpath(rvi);
        }
        const int start = int(req_.start);
        vf::fusion::SequenceOptions so;
        so.start = start;
        so.count = int(req_.count);
        so.wantRestored = req_.wantRestored;
        so.progress = progressFn();
        so.cancel = &cancelToken();
        auto sink = [&](const vf::fusion::FusedFrame& f) {
            const qint64 i = f.index - start;
            writePng(fused, i, f.fused);
            if (req_.wantRestored && !f.restoredIr.empty()) writePng(rir, i, f.restoredIr);
            if (req_.wantRestored && !f.restoredVi.empty()) writePng(rvi, i, f.restoredVi);
            const qint64 n = ++produced;
            QMetaObject::invokeMethod(
                this,
                [this, n] {
                    if (onProduced) onProduced(n);
                },
                Qt::QueuedConnection);
            cancelToken().check();
        };
        const auto given = toParamValues(req_.params);
        if (req_.method == QLatin1String("videofusion")) {
            const auto resolved = vf::fusion::resolveParams(vf::fusion::videoFusionParams(true),
                                                            given, "videofusion");
            reportProgress(0, 1, QObject::tr("loading the model"));
            auto shared =
                vf::fusion::sharedVideoFusionEngine(vf::fusion::videoFusionWeights(resolved),
                                                    vf::fusion::videoFusionEngineOptions(resolved));
            std::lock_guard lk(shared->mutex);
            device_ = QString::fromStdString(shared->engine->deviceName());
            vf::fusion::ClipRunner runner(*shared->engine);
            auto opt = vf::fusion::videoFusionClipOptions(resolved);
            opt.wantRestored = req_.wantRestored;
            stats_ = runner.run(seq_, opt, sink, so);
        } else {
            auto cm =
                vf::fusion::MethodRegistry::builtin().create(req_.method.toStdString(), given);
            stats_ = cm.fuseSequence(seq_, sink, so);
        }
    }
    void finish() override {
        if (onFinish) onFinish(this);
    }
    vf::fusion::SequenceStats stats_;
    QString device_;

private:
    JobPairSequence seq_;
    FuseRequest req_;
    QString folder_;
};

class TapJob : public Job {
public:
    TapJob(const vf::io::PairInput& pair, FuseRequest r, qint64 frame, QStringList prefixes)
        : Job(QObject::tr("Stage taps at frame %1").arg(frame), Lane::Inference),
          seq_(pair, r.roi, r.previewScale), req_(std::move(r)), frame_(frame),
          prefixes_(std::move(prefixes)) {}
    std::function<void(std::shared_ptr<TapResult>)> done;
    std::shared_ptr<TapResult> result = std::make_shared<TapResult>();

    void run() override {
        const auto resolved = vf::fusion::resolveParams(vf::fusion::videoFusionParams(true),
                                                        toParamValues(req_.params), "videofusion");
        auto opt = vf::fusion::videoFusionClipOptions(resolved);
        // The clip of the official schedule over the requested range that emits `frame`.
        const int first = int(req_.start);
        const int n = int(req_.count < 0 ? seq_.size() - first : req_.count);
        const auto plan = vf::fusion::planClips(n, opt.clipFrames, opt.overlap, opt.window);
        const int rel = int(frame_) - first;
        if (rel < 0 || rel >= n)
            throw vf::Error(vf::ErrorCode::InvalidArgument,
                            "frame " + std::to_string(frame_) + " is outside the fused range");
        vf::fusion::ClipPlan clip = plan.front();
        for (const auto& c : plan)
            if (rel >= c.emitBegin && rel < c.emitEnd) clip = c;
        reportProgress(0, 1, QObject::tr("loading the model"));
        auto shared =
            vf::fusion::sharedVideoFusionEngine(vf::fusion::videoFusionWeights(resolved),
                                                vf::fusion::videoFusionEngineOptions(resolved));
        std::lock_guard lk(shared->mutex);
        vf::fusion::ClipRunner runner(*shared->engine);
        opt.taps.enabled = true;
        for (const QString& p : prefixes_)
            opt.taps.names.push_back(p.toStdString());
        opt.tapSink = [this](const vf::fusion::ClipPlan&, int firstFrame,
                             std::vector<vf::model::Tap>&& taps) {
            result->clipStart = firstFrame;
            for (auto& t : taps)
                result->taps.push_back(std::move(t));
        };
        vf::fusion::SequenceOptions so;
        so.start = first + clip.start;
        so.count = clip.length;
        so.progress = progressFn();
        so.cancel = &cancelToken();
        result->clipLength = clip.length;
        result->previewScale = req_.previewScale;
        result->roi = req_.roi;
        result->clipStart = first + clip.start;
        runner.run(
            seq_, opt, [](const vf::fusion::FusedFrame&) {}, so);
    }
    void finish() override {
        if (state() == State::Finished && done) done(result);
    }

private:
    JobPairSequence seq_;
    FuseRequest req_;
    qint64 frame_;
    QStringList prefixes_;
};

} // namespace
#endif

JobController::JobController(Workspace* ws, JobManager* jobs, QObject* parent)
    : QObject(parent), ws_(ws), jobs_(jobs) {
    cacheDir_ = QSettings().value(QStringLiteral("cache/dir")).toString();
    if (cacheDir_.isEmpty())
        cacheDir_ = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                    QStringLiteral("/results");
}

QString JobController::cacheDir() const {
    return cacheDir_;
}
void JobController::setCacheDir(const QString& d) {
    cacheDir_ = d;
}

bool JobController::fusionAvailable() {
#if VF_HAVE_FUSION
    return true;
#else
    return false;
#endif
}

QStringList JobController::baselineMethods() {
    QStringList out;
#if VF_HAVE_FUSION
    for (const auto& m : vf::fusion::MethodRegistry::builtin().methods())
        if (m->kind() == vf::fusion::MethodKind::Image && !m->isLearned())
            out << QString::fromStdString(m->name());
#endif
    return out;
}

QString JobController::cacheKey(const FuseRequest& r) const {
    const auto* p = ws_->pair();
    if (!p) return {};
    QJsonObject k = toJson(r);
    k.remove(QStringLiteral("name"));
    QJsonArray inputs;
    for (const std::string& path : {p->irPath, p->visPath}) {
        QFileInfo fi(QString::fromStdString(path));
        inputs.append(
            QJsonObject{{QStringLiteral("path"), fi.absoluteFilePath()},
                        {QStringLiteral("size"), double(fi.size())},
                        {QStringLiteral("mtime"), double(fi.lastModified().toMSecsSinceEpoch())}});
    }
    k[QStringLiteral("inputs")] = inputs;
    // Weights files are part of the result: a retrained checkpoint saved under the same name
    // (or a new bundled default) must not return the old frames.
    if (r.params.contains(QStringLiteral("weights")) || r.method == QLatin1String("videofusion")) {
        QString w = r.params.value(QStringLiteral("weights")).toString();
        if (w.isEmpty() && r.method == QLatin1String("videofusion")) {
            if (auto d = vf::defaultVideoFusionWeights()) w = QString::fromStdString(d->string());
        }
        if (!w.isEmpty()) {
            QFileInfo wi(w);
            k[QStringLiteral("weightsFile")] = QJsonObject{
                {QStringLiteral("path"), wi.absoluteFilePath()},
                {QStringLiteral("size"), double(wi.size())},
                {QStringLiteral("mtime"), double(wi.lastModified().toMSecsSinceEpoch())}};
        }
    }
    k[QStringLiteral("frames")] = double(p->frameCount());
    k[QStringLiteral("version")] = 1;
    const QByteArray canon = QJsonDocument(k).toJson(QJsonDocument::Compact); // keys sorted
    return QString::fromLatin1(
        QCryptographicHash::hash(canon, QCryptographicHash::Sha1).toHex().left(20));
}

QString JobController::resultFolder(const FuseRequest& r) const {
    return cacheDir_ + QLatin1Char('/') + cacheKey(r);
}

double JobController::estimateSeconds(const FuseRequest& r) const {
    if (!ws_->pair()) return -1;
    const cv::Size sz = ws_->pair()->validation.size;
    const double area =
        (r.roi.isEmpty() ? double(sz.area()) : double(r.roi.width()) * r.roi.height()) /
        double(r.previewScale * r.previewScale);
    const qint64 n =
        r.count < 0 ? ws_->frameCount() - r.start : std::min(r.count, ws_->frameCount() - r.start);
    // Seconds per megapixel-frame measured by the last run of the method; rough defaults.
    const double def = r.method == QLatin1String("videofusion") ? 8.0 : 0.3;
    const double spm = QSettings().value(QStringLiteral("estimate/") + r.method, def).toDouble();
    return spm * area / 1e6 * double(std::max<qint64>(0, n));
}

Job* JobController::startFuse(const FuseRequest& req) {
    if (!ws_->pair()) throw vf::Error(vf::ErrorCode::InvalidArgument, "open a pair first");
#if !VF_HAVE_FUSION
    throw vf::Error(vf::ErrorCode::Unsupported, "this build has no fusion module");
#else
    FuseRequest r = req;
    const qint64 total = ws_->frameCount();
    if (r.start < 0 || r.start >= total)
        throw vf::Error(vf::ErrorCode::InvalidArgument, "first frame " + std::to_string(r.start) +
                                                            " is outside the pair (0.." +
                                                            std::to_string(total - 1) + ")");
    if (r.count < 0 || r.start + r.count > total) r.count = total - r.start;
    if (r.previewScale != 1 && r.previewScale != 2 && r.previewScale != 4)
        throw vf::Error(vf::ErrorCode::InvalidArgument, "preview scale must be 1, 2 or 4");
    const cv::Size sz = ws_->pair()->validation.size;
    if (!r.roi.isEmpty()) {
        r.roi = r.roi.intersected(QRect(0, 0, sz.width, sz.height));
        if (r.roi.width() < 8 || r.roi.height() < 8)
            throw vf::Error(vf::ErrorCode::InvalidArgument,
                            "the region of interest is smaller than 8x8 pixels");
    }
    auto method = vf::fusion::MethodRegistry::builtin().get(
        r.method.toStdString()); // throws naming known ones
    const bool isVf = r.method == QLatin1String("videofusion");
    // Validate the parameters now (a bad value is reported before any work starts).
    vf::fusion::resolveParams(method->params(), toParamValues(r.params), method->name());
    if (r.displayName.isEmpty()) r.displayName = QString::fromStdString(method->displayName());
    if (r.previewScale > 1) r.displayName += QStringLiteral(" (1/%1)").arg(r.previewScale);
    r.wantRestored = r.wantRestored && isVf;

    const QString key = cacheKey(r);
    const QString folder = resultFolder(r);
    const QRectF placement = r.roi.isEmpty() ? QRectF() : QRectF(r.roi);
    const bool cached = QFileInfo::exists(folder + QStringLiteral("/meta.json"));

    struct Out {
        QString sub, suffix;
        StreamRole role;
    };
    std::vector<Out> outs{
        {QStringLiteral("fused"), QString(), isVf ? StreamRole::Fused : StreamRole::Baseline}};
    if (r.wantRestored) {
        outs.push_back({QStringLiteral("restored_ir"), tr(" restored IR"), StreamRole::RestoredIr});
        outs.push_back(
            {QStringLiteral("restored_vi"), tr(" restored visible"), StreamRole::RestoredVi});
    }
    std::vector<int> ids;
    int serial = 0;
    for (const auto& s : ws_->streams())
        serial += s.role == StreamRole::Baseline;
    for (const Out& o : outs) {
        const QString ckey = key + QLatin1Char('/') + o.sub;
        if (const StreamItem* existing = ws_->streamByCacheKey(ckey)) {
            ids.push_back(existing->id); // already shown (cached or running)
            continue;
        }
        StreamItem s;
        s.name = r.displayName + o.suffix;
        s.role = o.role;
        s.color = defaultColor(o.role, serial);
        s.frames = r.count;
        s.firstFrame = r.start;
        s.placement = placement;
        s.path = folder + QLatin1Char('/') + o.sub;
        s.method = r.method;
        s.params = toJson(r);
        s.cacheKey = ckey;
        s.complete = cached;
        s.produced = cached ? r.count : 0;
        QDir().mkpath(s.path);
        ids.push_back(ws_->addComputedStream(s));
        Q_EMIT resultStreamAdded(ids.back(), cached);
    }
    if (cached || running_.contains(key)) return nullptr;
    running_.insert(key);

    auto* job = new FuseJob(
        tr("%1 — frames %2–%3").arg(r.displayName).arg(r.start).arg(r.start + r.count - 1),
        isVf ? Job::Lane::Inference : Job::Lane::Pool, *ws_->pair(), r, folder);
    QPointer<Workspace> ws(ws_);
    job->onProduced = [ws, ids](qint64 n) {
        if (!ws) return;
        for (int id : ids)
            ws->markProduced(id, n);
    };
    const double area = double(r.roi.isEmpty() ? sz.area() : r.roi.width() * r.roi.height()) /
                        double(r.previewScale * r.previewScale);
    QPointer<JobController> self(this);
    job->onFinish = [self, ws, ids, folder, r, area, key](Job* j) {
        auto* fj = static_cast<FuseJob*>(j);
        if (self) self->running_.remove(key);
        if (self && !fj->device_.isEmpty()) Q_EMIT self->deviceReported(fj->device_);
        if (!ws) return;
        if (j->state() == Job::State::Finished) {
            QJsonObject meta = toJson(r);
            meta[QStringLiteral("complete")] = true;
            meta[QStringLiteral("frames")] = double(fj->produced.load());
            meta[QStringLiteral("seconds")] = fj->stats_.seconds;
            meta[QStringLiteral("device")] = fj->device_;
            QSaveFile f(folder + QStringLiteral("/meta.json"));
            if (f.open(QIODevice::WriteOnly)) {
                f.write(QJsonDocument(meta).toJson());
                f.commit();
            }
            if (fj->stats_.frames > 0 && fj->stats_.seconds > 0)
                QSettings().setValue(QStringLiteral("estimate/") + r.method,
                                     fj->stats_.seconds / fj->stats_.frames / (area / 1e6));
            for (int id : ids) {
                ws->markProduced(id, fj->produced.load());
                ws->markComplete(id);
            }
        } else {
            // Cancelled / failed: the partial frames stay visible but are not a cache entry.
            for (int id : ids)
                ws->markProduced(id, fj->produced.load());
        }
    };
    return jobs_->submit(job);
#endif
}

Job* JobController::startTaps(qint64 frame, const FuseRequest& base, const QStringList& prefixes,
                              std::function<void(std::shared_ptr<TapResult>)> done) {
    if (!ws_->pair()) throw vf::Error(vf::ErrorCode::InvalidArgument, "open a pair first");
#if !VF_HAVE_FUSION
    throw vf::Error(vf::ErrorCode::Unsupported, "this build has no fusion module");
#else
    auto* job = new TapJob(*ws_->pair(), base, frame, prefixes);
    job->done = std::move(done);
    return jobs_->submit(job);
#endif
}

} // namespace vf::ui
