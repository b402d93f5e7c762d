#include "ui/AnnotateTools.h"

#include <QAction>
#include <QBoxLayout>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableWidget>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "core/annotate/Autosave.h"
#include "core/annotate/Formats.h"
#include "core/common/Error.h"
#include "ui/FnJob.h"
#include "ui/ImageUtil.h"
#include "ui/StreamReaders.h"
#include "ui/Viewer.h"
#include "ui/annotate/AnnotationController.h"
#include "ui/annotate/AnnotationOverlay.h"
#include "ui/annotate/AnnotationPanels.h"
#include "ui/annotate/BlindCompareDialog.h"

#if VF_HAVE_METRICS
#include "core/annotate/RegionMetrics.h"
#include "core/metrics/Metrics.h"
#endif

namespace vf::ui {

namespace fs = std::filesystem;
namespace an = vf::annotate;

namespace {
// A reader usable from several worker threads (one at a time).
struct LockedReader {
    std::shared_ptr<StreamReader> r;
    std::mutex m;
    cv::Mat pairFrame(qint64 f) {
        std::lock_guard<std::mutex> lock(m);
        return r->readPair(f);
    }
};

// A frame provider reading its own clone of `src`, made on first use (on the calling thread).
an::FrameProvider lazyProvider(std::shared_ptr<vf::io::FrameSource> src) {
    struct Lazy {
        std::shared_ptr<vf::io::FrameSource> original;
        std::unique_ptr<vf::io::FrameSource> clone;
        std::mutex m;
    };
    auto l = std::make_shared<Lazy>();
    l->original = std::move(src);
    return [l](int i) {
        std::lock_guard<std::mutex> lock(l->m);
        if (!l->clone) l->clone = l->original->clone();
        return l->clone->read(i);
    };
}

QString streamTag(const StreamItem& s) {
    switch (s.role) {
    case StreamRole::Infrared:
        return QStringLiteral("ir");
    case StreamRole::Visible:
        return QStringLiteral("visible");
    default:
        return QStringLiteral("fused:") + s.name;
    }
}
} // namespace

// ======================================================================= RegionMetricsPanel
RegionMetricsPanel::RegionMetricsPanel(AnnotationController* c, Workspace* ws, JobManager* jobs,
                                       QWidget* parent)
    : QWidget(parent), c_(c), ws_(ws), jobs_(jobs) {
    setObjectName(QStringLiteral("regionMetrics"));
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(2, 2, 2, 2);
    auto* top = new QHBoxLayout();
    which_ = new QComboBox(this);
    which_->setToolTip(tr("Box track or region to measure inside"));
    top->addWidget(which_, 1);
    metrics_ = new QLineEdit(QStringLiteral("EN,SD,AG,SF,MI,SSIM"), this);
    metrics_->setToolTip(tr("Image metrics, comma-separated (e.g. EN,SD,AG,SF,MI,SSIM,VIF,Qabf) "
                            "or 'image' for all"));
    top->addWidget(metrics_, 1);
    auto* btn = new QPushButton(tr("Compute"), this);
    connect(btn, &QPushButton::clicked, this, [this] {
        try {
            compute();
        } catch (const std::exception& e) {
            status_->setText(QString::fromStdString(e.what()));
        }
    });
    top->addWidget(btn);
    v->addLayout(top);
    status_ = new QLabel(tr("Draw or select a box, then Compute: every stream is measured "
                            "inside it, per frame and over the clip."),
                         this);
    status_->setWordWrap(true);
    v->addWidget(status_);
    auto* split = new QSplitter(Qt::Vertical, this);
    summary_ = new QTableWidget(split);
    summary_->setObjectName(QStringLiteral("regionSummary"));
    summary_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    summary_->setSortingEnabled(true);
    perFrame_ = new QTableWidget(split);
    perFrame_->setObjectName(QStringLiteral("regionPerFrame"));
    perFrame_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    connect(perFrame_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        if (auto* it = perFrame_->item(row, 0)) Q_EMIT seekRequested(it->text().toLongLong());
    });
    v->addWidget(split, 1);
    connect(c_, &AnnotationController::documentChanged, this, &RegionMetricsPanel::rebuildChoices);
    connect(c_, &AnnotationController::selectionChanged, this, [this](int id) {
        if (id >= 0) setAnnotation(id);
    });
    rebuildChoices();
}

void RegionMetricsPanel::rebuildChoices() {
    const int keep = annotation();
    QSignalBlocker b(which_);
    which_->clear();
    const an::Document& d = c_->document();
    for (const auto& t : d.tracks)
        which_->addItem(tr("box track %1 (%2)").arg(t.id).arg(QString::fromStdString(t.label)),
                        t.id);
    for (const auto& r : d.regions)
        which_->addItem(tr("%1 %2 (%3)")
                            .arg(QString::fromLatin1(an::regionKindName(r.kind)))
                            .arg(r.id)
                            .arg(QString::fromStdString(r.label)),
                        r.id);
    const int i = which_->findData(keep >= 0 ? keep : c_->selectedTrack());
    if (i >= 0) which_->setCurrentIndex(i);
}

void RegionMetricsPanel::setAnnotation(int id) {
    const int i = which_->findData(id);
    if (i >= 0) which_->setCurrentIndex(i);
}
int RegionMetricsPanel::annotation() const {
    return which_->currentIndex() >= 0 ? which_->currentData().toInt() : -1;
}
void RegionMetricsPanel::setMetrics(const QString& list) {
    metrics_->setText(list);
}

Job* RegionMetricsPanel::compute() {
#if VF_HAVE_METRICS
    if (!ws_->hasPair()) return nullptr;
    const int id = annotation();
    const an::Document doc = c_->document();
    const int n = int(ws_->frameCount());
    int first = -1, last = -1;
    if (const an::Track* t = doc.track(id)) {
        first = t->firstFrame();
        last = t->lastVisibleFrame(n);
    } else {
        for (const auto& r : doc.regions)
            if (r.id == id) {
                first = r.firstFrame;
                last = r.lastFrame;
            }
    }
    if (id < 0 || first < 0)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "region metrics: choose a box track or region first (draw one in "
                        "annotate mode)");
    first = std::clamp(first, 0, n - 1);
    last = std::clamp(last, first, n - 1);
    const std::vector<vf::metrics::Metric> which =
        vf::metrics::parseMetricList(metrics_->text().toStdString());
    const vf::io::PairInput* pair = ws_->pair();
    auto ir = std::make_shared<std::unique_ptr<vf::io::FrameSource>>(pair->ir->clone());
    auto vi = std::make_shared<std::unique_ptr<vf::io::FrameSource>>(pair->vis->clone());
    QStringList problems;
    auto readers = makeStreamReaders(*ws_, false, &problems);
    struct Out {
        QString name;
        QColor color;
        an::RegionStreamResult r;
    };
    auto result = std::make_shared<std::vector<Out>>();
    QPointer<RegionMetricsPanel> self(this);
    if (running_) running_->cancel();
    auto* job = new FnJob(
        tr("Region metrics"),
        [=](FnJob& j) {
            const an::FrameProvider irP = [ir](int f) { return (*ir)->read(f); };
            const an::FrameProvider viP = [vi](int f) { return (*vi)->read(f); };
            qint64 all = 0, done = 0;
            for (const auto& r : readers)
                all += std::max<qint64>(0, std::min<qint64>(last, r->first + r->frames - 1) -
                                               std::max<qint64>(first, r->first) + 1);
            for (const auto& r : readers) {
                const int a = int(std::max<qint64>(first, r->first));
                const int b = int(std::min<qint64>(last, r->first + r->frames - 1));
                if (b < a) continue;
                const an::FrameProvider sp = [r](int f) { return r->readPair(f); };
                const QString name =
                    r->name + (r->pairGeometry() ? QString() : tr(" (resampled to the pair)"));
                const qint64 base = done;
                auto res = an::regionMetrics(
                    doc, id, a, b, irP, viP, {{name.toStdString(), sp}}, which,
                    vf::metrics::Conventions::toolbox(),
                    [&j, base, all](int64_t d, int64_t, const std::string& text) {
                        j.reportProgress(base + d, all, QString::fromStdString(text));
                    },
                    j.cancelToken());
                done += b - a + 1;
                result->push_back({name, r->color, std::move(res.front())});
            }
        },
        [self, result, which](FnJob& j) {
            if (!self) return;
            if (j.state() != Job::State::Finished) {
                self->status_->setText(j.state() == Job::State::Cancelled ? tr("cancelled")
                                                                          : j.error());
                return;
            }
            // Per clip: one row per stream (frames measured, mean ± sd of each metric).
            QTableWidget* s = self->summary_;
            s->setSortingEnabled(false);
            s->clear();
            s->setColumnCount(int(which.size()) + 2);
            QStringList h{tr("Stream"), tr("frames")};
            for (auto m : which)
                h << QString::fromLatin1(vf::metrics::metricName(m)) +
                         (vf::metrics::higherIsBetter(m) ? QStringLiteral(" ↑")
                                                         : QStringLiteral(" ↓"));
            s->setHorizontalHeaderLabels(h);
            s->setRowCount(int(result->size()));
            for (int row = 0; row < int(result->size()); ++row) {
                const Out& o = (*result)[size_t(row)];
                auto* name = new QTableWidgetItem(o.name);
                name->setForeground(o.color);
                s->setItem(row, 0, name);
                auto* nf = new QTableWidgetItem();
                nf->setData(Qt::DisplayRole, int(o.r.frames.size()));
                s->setItem(row, 1, nf);
                for (int c = 0; c < int(which.size()); ++c) {
                    auto* it = new QTableWidgetItem();
                    auto st = o.r.summary.find(which[size_t(c)]);
                    if (st != o.r.summary.end() && st->second.n > 0) {
                        it->setData(Qt::DisplayRole, std::round(st->second.mean * 10000) / 10000);
                        it->setToolTip(tr("mean %1, sd %2, min %3, max %4, %5 frames")
                                           .arg(st->second.mean)
                                           .arg(st->second.stddev)
                                           .arg(st->second.min)
                                           .arg(st->second.max)
                                           .arg(st->second.n));
                    } else {
                        it->setText(QStringLiteral("—"));
                    }
                    s->setItem(row, c + 2, it);
                }
            }
            s->setSortingEnabled(true);
            s->resizeColumnsToContents();
            // Per frame: one row per frame, one column per (stream, metric).
            QTableWidget* p = self->perFrame_;
            p->clear();
            std::vector<int> frames;
            for (const Out& o : *result)
                frames.insert(frames.end(), o.r.frames.begin(), o.r.frames.end());
            std::sort(frames.begin(), frames.end());
            frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
            QStringList ph{tr("frame")};
            for (const Out& o : *result)
                for (auto m : which)
                    ph << o.name + QStringLiteral(": ") +
                              QString::fromLatin1(vf::metrics::metricName(m));
            p->setColumnCount(ph.size());
            p->setHorizontalHeaderLabels(ph);
            p->setRowCount(int(frames.size()));
            for (int row = 0; row < int(frames.size()); ++row)
                p->setItem(row, 0, new QTableWidgetItem(QString::number(frames[size_t(row)])));
            int col = 1;
            for (const Out& o : *result)
                for (auto m : which) {
                    auto pf = o.r.perFrame.find(m);
                    for (size_t k = 0; k < o.r.frames.size(); ++k) {
                        const int row =
                            int(std::lower_bound(frames.begin(), frames.end(), o.r.frames[k]) -
                                frames.begin());
                        auto* it = new QTableWidgetItem();
                        if (pf != o.r.perFrame.end() && k < pf->second.size())
                            it->setData(Qt::DisplayRole, std::round(pf->second[k] * 10000) / 10000);
                        p->setItem(row, col, it);
                    }
                    ++col;
                }
            p->resizeColumnsToContents();
            self->status_->setText(tr("%1 streams, %2 frames (double-click a row to seek)")
                                       .arg(result->size())
                                       .arg(frames.size()));
            Q_EMIT self->computed();
        });
    status_->setText(problems.isEmpty()
                         ? tr("computing…")
                         : tr("computing… (skipped: %1)").arg(problems.join(QStringLiteral("; "))));
    running_ = job;
    return jobs_->submit(job);
#else
    return nullptr;
#endif
}

// ======================================================================= AnnotateTools
AnnotateTools::AnnotateTools(QMainWindow* win, Workspace* ws, Viewer* viewer, JobManager* jobs)
    : QObject(win), win_(win), ws_(ws), viewer_(viewer), jobs_(jobs) {
    ann_ = new AnnotationController(this);
    connect(ws_, &Workspace::pairOpened, this, &AnnotateTools::onPairOpened);
    connect(ws_, &Workspace::pairClosed, this, &AnnotateTools::onPairClosed);
    connect(ws_, &Workspace::frameChanged, ann_, [this](qint64 f) { ann_->setFrame(int(f)); });
    connect(ann_, &AnnotationController::seekRequested, ws_, [this](int f) { ws_->setFrame(f); });
    connect(viewer_, &Viewer::panesRebuilt, this, &AnnotateTools::rebuildOverlays);
    connect(ann_, &AnnotationController::documentChanged, this, &AnnotateTools::updateStrip);
    connect(ann_, &AnnotationController::message, this,
            [this](const QString& m) { Q_EMIT message(m, 4000); });
    connect(ann_, &AnnotationController::propagationFinished, this,
            [this](bool, const QString& m) { Q_EMIT message(m, 6000); });
}

AnnotateTools::~AnnotateTools() {
    ann_->cancelPropagation();
    // Closing the window keeps the annotations (the workspace may already be gone here).
    if (!docPath_.empty() && !ann_->undoStack()->isClean()) {
        try {
            ann_->save(docPath_);
        } catch (const std::exception&) {
            // the autosave sidecar still holds the edits; the next start offers them
        }
    }
    ann_->disableAutosave();
}

QAction* AnnotateTools::add(QMenu* m, const QString& name, const QString& text,
                            const QKeySequence& key, std::function<void()> fn) {
    auto* a = new QAction(text, win_);
    a->setObjectName(name);
    if (!key.isEmpty()) a->setShortcut(key);
    a->setShortcutContext(Qt::WindowShortcut);
    connect(a, &QAction::triggered, this, [fn = std::move(fn)] { fn(); });
    m->addAction(a);
    win_->addAction(a);
    return a;
}

void AnnotateTools::install(QMenu* viewMenu) {
    QMenu* m = win_->menuBar()->addMenu(tr("&Annotate"));
    modeAct_ = add(m, QStringLiteral("actAnnotateMode"), tr("Annotate mode (draw / edit boxes)"),
                   QKeySequence(Qt::Key_A), [this] { setAnnotateMode(modeAct_->isChecked()); });
    modeAct_->setCheckable(true);
    m->addSeparator();
    for (QAction* a : ann_->actions()) {
        m->addAction(a);
        win_->addAction(a);
    }
    add(m, QStringLiteral("actAddKeyframe"), tr("Add keyframe at this frame"),
        QKeySequence(Qt::CTRL | Qt::Key_K), [this] { addKeyframeHere(); });
    add(m, QStringLiteral("actDeleteTrack"), tr("Delete selected track"),
        QKeySequence(Qt::SHIFT | Qt::Key_Delete), [this] {
            if (ann_->selectedTrack() >= 0) ann_->deleteTrack(ann_->selectedTrack());
        });
    add(m, QStringLiteral("actPropagateIr"), tr("Propagate with tracker on infrared"),
        QKeySequence(Qt::SHIFT | Qt::Key_T), [this] { ann_->propagateSelected(30, "ir"); });
    add(m, QStringLiteral("actCancelPropagation"), tr("Cancel tracker propagation"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T), [this] { ann_->cancelPropagation(); });
    m->addSeparator();
    add(m, QStringLiteral("actSaveAnnotations"), tr("Save annotations"),
        QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_S), [this] {
            try {
                saveDocument();
                Q_EMIT message(
                    tr("Annotations saved to %1").arg(QString::fromStdString(docPath_.string())),
                    4000);
            } catch (const std::exception& e) {
                Q_EMIT error(tr("Cannot save the annotations"), QString::fromStdString(e.what()));
            }
        });
    add(m, QStringLiteral("actImportAnnotations"), tr("Import annotations…"),
        QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_I), [this] { importDialog(); });
    add(m, QStringLiteral("actExportAnnotations"), tr("Export annotations…"),
        QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_E), [this] { exportDialog(); });
    m->addSeparator();
    add(m, QStringLiteral("actRegionMetrics"), tr("Region metrics of the selected box"),
        QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_R), [this] {
            if (auto* d = win_->findChild<QDockWidget*>(QStringLiteral("dockRegionMetrics"))) {
                d->show();
                d->raise();
            }
            if (ann_->selectedTrack() >= 0) region_->setAnnotation(ann_->selectedTrack());
            try {
                region_->compute();
            } catch (const std::exception& e) {
                Q_EMIT error(tr("Region metrics"), QString::fromStdString(e.what()));
            }
        });
    add(m, QStringLiteral("actBlindCompare"), tr("Blind A/B comparison of the selected streams…"),
        QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_B), [this] { blindDialog(); });

    // Keyframe strip under the timeline (the central widget's vertical layout).
    strip_ = new TimelineStrip(ann_, win_->centralWidget());
    strip_->setObjectName(QStringLiteral("annotationStrip"));
    if (auto* box = qobject_cast<QBoxLayout*>(win_->centralWidget()->layout()))
        box->addWidget(strip_);

    auto* pd = new QDockWidget(tr("Labels"), win_);
    pd->setObjectName(QStringLiteral("dockLabels"));
    palette_ = new LabelPalette(ann_, pd);
    pd->setWidget(palette_);
    win_->addDockWidget(Qt::LeftDockWidgetArea, pd);
    if (auto* idock = win_->findChild<QDockWidget*>(QStringLiteral("dockInspector"))) {
        win_->tabifyDockWidget(idock, pd);
        idock->raise();
    }
    auto* rd = new QDockWidget(tr("Region metrics"), win_);
    rd->setObjectName(QStringLiteral("dockRegionMetrics"));
    region_ = new RegionMetricsPanel(ann_, ws_, jobs_, rd);
    connect(region_, &RegionMetricsPanel::seekRequested, ws_, &Workspace::setFrame);
    rd->setWidget(region_);
    win_->addDockWidget(Qt::RightDockWidgetArea, rd);
    if (viewMenu) {
        viewMenu->addAction(pd->toggleViewAction());
        viewMenu->addAction(rd->toggleViewAction());
    }
    if (auto* md = win_->findChild<QDockWidget*>(QStringLiteral("dockMetrics"))) {
        win_->tabifyDockWidget(md, rd);
        md->raise();
    }
    setAnnotateMode(false);
}

void AnnotateTools::setSharedKeyActions(const QList<QAction*>& actions) {
    shared_ = actions;
    setAnnotateMode(annotateMode());
}

bool AnnotateTools::annotateMode() const {
    return modeAct_ && modeAct_->isChecked();
}

void AnnotateTools::setAnnotateMode(bool on) {
    if (modeAct_ && modeAct_->isChecked() != on) modeAct_->setChecked(on);
    for (const auto& ov : overlays_)
        if (ov) ov->setEditing(on);
    // Keys shared with playback/view go to the annotation actions only in annotate mode.
    for (QAction* a : ann_->actions())
        if (a->objectName() != QLatin1String("annotUndo") &&
            a->objectName() != QLatin1String("annotRedo"))
            a->setEnabled(on);
    for (QAction* a : shared_)
        a->setEnabled(!on);
    updateStrip();
}

void AnnotateTools::updateStrip() {
    // The keyframe strip shows while annotating or when there is something to show.
    if (!strip_) return;
    const auto& d = ann_->document();
    strip_->setVisible(annotateMode() || !d.tracks.empty() || !d.segments.empty() ||
                       !d.regions.empty());
}

void AnnotateTools::rebuildOverlays() {
    overlays_.clear();
    for (ImageView* v : viewer_->panes()) {
        auto* ov = AnnotationOverlay::attach(
            ann_, v, [v](QPointF p) { return v->toWidget(p); },
            [v](QPointF w) { return v->toPair(w); });
        ov->setObjectName(QStringLiteral("annotationOverlay"));
        if (const StreamItem* s = ws_->stream(v->streamA())) ov->setStreamName(streamTag(*s));
        connect(viewer_->sync(), &ViewSync::changed, ov, qOverload<>(&QWidget::update));
        ov->setEditing(annotateMode());
        ov->show();
        overlays_.push_back(ov);
    }
}

void AnnotateTools::onPairOpened() {
    ann_->cancelPropagation();
    ann_->disableAutosave(); // never write this pair's document to another pair's sidecar
    const vf::io::PairInput* p = ws_->pair();
    if (!p) return;
    an::MediaInfo media;
    media.infrared = p->irPath;
    media.visible = p->visPath;
    media.width = p->ir->info().width;
    media.height = p->ir->info().height;
    media.frameCount = int(ws_->frameCount());
    media.fps = ws_->fps();
    // One document per input pair, in the application data folder (inputs may be read-only).
    const QString key =
        ws_->inputPaths().join(QLatin1Char('\n')) + QLatin1Char('\n') + ws_->m3svdSequence();
    const QString hash = QString::fromLatin1(
        QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha1).toHex().left(16));
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                        QStringLiteral("/annotations/") + hash;
    QDir().mkpath(dir);
    QString base = ws_->pairName();
    base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.+-]+")), QStringLiteral("_"));
    if (base.isEmpty()) base = QStringLiteral("pair");
    docPath_ =
        fs::path((dir + QLatin1Char('/') + base + QStringLiteral(".vfann.json")).toStdString());

    an::Document fresh;
    fresh.media = media;
    ann_->setDocument(fresh);
    if (recoveryBox_) recoveryBox_->deleteLater();
    if (fs::exists(docPath_)) {
        try {
            ann_->load(docPath_);
            ann_->setMedia(media);
        } catch (const std::exception& e) {
            Q_EMIT error(tr("Annotations"), QString::fromStdString(e.what()));
        }
    }
    auto r = ann_->pendingRecovery(docPath_);
    if (r) {
        // An autosave that holds nothing new (e.g. equal to the saved document) is dropped.
        try {
            an::Document rec = an::recover(*r), cur = ann_->document();
            rec.media = cur.media;
            if (rec == cur) {
                an::discardRecovery(*r);
                r.reset();
            }
        } catch (const std::exception&) {
            // unreadable autosave: let the user decide (recover() will report the problem)
        }
    }
    if (r) {
        // Ask without blocking the event loop; until answered the saved document is shown.
        auto* box = new QMessageBox(QMessageBox::Question, tr("Recover annotations"),
                                    tr("Annotations of this pair were autosaved after they were "
                                       "last saved (was vfstudio closed unexpectedly?).\n\n"
                                       "Recover unsaved annotations?"),
                                    QMessageBox::Yes | QMessageBox::No, win_);
        box->setObjectName(QStringLiteral("recoverDialog"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        const an::RecoveryInfo info = *r;
        connect(box, &QMessageBox::finished, this, [this, info, media, box](int) {
            if (box->clickedButton() == box->button(QMessageBox::Yes) ||
                box->result() == QMessageBox::Yes) {
                try {
                    ann_->recover(info);
                    ann_->setMedia(media);
                    Q_EMIT message(tr("Annotations recovered from the autosave"), 4000);
                } catch (const std::exception& e) {
                    Q_EMIT error(tr("Cannot recover the annotations"),
                                 QString::fromStdString(e.what()));
                }
            } else {
                an::discardRecovery(info);
            }
        });
        recoveryBox_ = box;
        box->open();
    }
    ann_->enableAutosave(docPath_);

    // Tracker frames: own clones, made on first use on the tracker's worker thread (opening
    // decoders here would slow down every pair opening for a tool that may not be used).
    ann_->setFrameProvider(QStringLiteral("ir"), lazyProvider(p->ir));
    ann_->setFrameProvider(QStringLiteral("visible"), lazyProvider(p->vis));
    ann_->setFrame(int(ws_->frame()));
}

void AnnotateTools::onPairClosed() {
    ann_->cancelPropagation();
    if (docPath_.empty()) return;
    if (!ann_->undoStack()->isClean()) {
        try {
            saveDocument(); // also removes the autosave sidecar
        } catch (const std::exception& e) {
            Q_EMIT error(tr("Cannot save the annotations"), QString::fromStdString(e.what()));
        }
    }
    ann_->disableAutosave();
    if (ann_->undoStack()->isClean()) {
        std::error_code ec; // the sidecar holds nothing newer than the saved document
        fs::remove(an::autosavePathFor(docPath_), ec);
    }
    docPath_.clear();
}

void AnnotateTools::saveDocument() {
    if (docPath_.empty())
        throw vf::Error(vf::ErrorCode::InvalidArgument, "no pair is open: nothing to save");
    ann_->save(docPath_);
    ann_->undoStack()->setClean();
}

void AnnotateTools::addKeyframeHere() {
    const int id = ann_->selectedTrack();
    const an::Track* t = ann_->document().track(id);
    if (!t) {
        Q_EMIT message(tr("Select a box first (click it in annotate mode)"), 4000);
        return;
    }
    const int f = ann_->frame();
    auto b = t->boxAt(f, ann_->document().media.frameCount);
    if (!b) {
        // Hidden here: reuse the nearest earlier keyframe's box.
        for (auto it = t->keys.rbegin(); it != t->keys.rend(); ++it)
            if (it->frame <= f) {
                b = an::TrackBox{it->box, false, false};
                break;
            }
        if (!b) b = an::TrackBox{t->keys.front().box, false, false};
    }
    ann_->setBox(id, f, b->box, tr("Add keyframe"));
}

void AnnotateTools::exportTo(const QString& format, const QString& path) const {
    ann_->exportAs(format, fs::path(path.toStdString()));
}

void AnnotateTools::importFrom(const QString& format, const QString& path) {
    ann_->importFile(format, fs::path(path.toStdString()));
}

static const QStringList& formatNames() {
    static const QStringList n{QStringLiteral("json"), QStringLiteral("cvat"),
                               QStringLiteral("mot"), QStringLiteral("coco"),
                               QStringLiteral("yolo")};
    return n;
}
static QStringList formatTitles() {
    return {QObject::tr("vfstudio JSON (*.vfann.json *.json)"),
            QObject::tr("CVAT for video 1.1 XML (*.xml)"), QObject::tr("MOTChallenge text (*.txt)"),
            QObject::tr("COCO JSON (*.json)"), QObject::tr("YOLO (a folder of text files)")};
}

void AnnotateTools::exportDialog() {
    if (!ws_->hasPair()) return;
    bool ok = false;
    const QStringList titles = formatTitles();
    const QString pick =
        QInputDialog::getItem(win_, tr("Export annotations"), tr("Format:"), titles, 0, false, &ok);
    if (!ok) return;
    const QString fmt = formatNames()[titles.indexOf(pick)];
    const QString path =
        fmt == QLatin1String("yolo")
            ? QFileDialog::getExistingDirectory(win_, tr("Export YOLO labels into folder"))
            : QFileDialog::getSaveFileName(win_, tr("Export annotations"), QString(), pick);
    if (path.isEmpty()) return;
    try {
        exportTo(fmt, path);
        Q_EMIT message(tr("Annotations exported to %1").arg(path), 4000);
    } catch (const std::exception& e) {
        Q_EMIT error(tr("Cannot export the annotations"), QString::fromStdString(e.what()));
    }
}

void AnnotateTools::importDialog() {
    if (!ws_->hasPair()) return;
    bool ok = false;
    const QStringList titles = formatTitles();
    const QString pick =
        QInputDialog::getItem(win_, tr("Import annotations"), tr("Format:"), titles, 0, false, &ok);
    if (!ok) return;
    const QString fmt = formatNames()[titles.indexOf(pick)];
    const QString path =
        fmt == QLatin1String("yolo")
            ? QFileDialog::getExistingDirectory(win_, tr("Import YOLO labels from folder"))
            : QFileDialog::getOpenFileName(win_, tr("Import annotations"), QString(), pick);
    if (path.isEmpty()) return;
    try {
        importFrom(fmt, path); // one undo step
        Q_EMIT message(tr("Annotations imported from %1 (Ctrl+Z undoes)").arg(path), 4000);
    } catch (const std::exception& e) {
        Q_EMIT error(tr("Cannot import the annotations"), QString::fromStdString(e.what()));
    }
}

void AnnotateTools::blindDialog() {
    QList<int> ids;
    if (auto* list = win_->findChild<QListWidget*>(QStringLiteral("streamList")))
        for (QListWidgetItem* it : list->selectedItems())
            ids << it->data(Qt::UserRole).toInt();
    if (ids.size() < 2) {
        Q_EMIT error(tr("Blind A/B comparison"),
                     tr("Select two or more streams in the Streams list (Ctrl+click), then "
                        "start the comparison."));
        return;
    }
    bool ok = false;
    const int frames = QInputDialog::getInt(
        win_, tr("Blind A/B comparison"),
        tr("Frames to compare (spread over the range all streams cover; the annotation's "
           "segments are used instead when there are any):"),
        10, 1, 1000, 1, &ok);
    if (!ok) return;
    try {
        startBlindCompare(ids, frames, quint64(QDateTime::currentMSecsSinceEpoch()));
    } catch (const std::exception& e) {
        Q_EMIT error(tr("Blind A/B comparison"), QString::fromStdString(e.what()));
    }
}

BlindCompareDialog* AnnotateTools::startBlindCompare(const QList<int>& streamIds, int frames,
                                                     quint64 seed) {
    std::vector<std::string> names;
    std::vector<std::shared_ptr<LockedReader>> readers;
    qint64 lo = 0, hi = ws_->frameCount() - 1;
    for (int id : streamIds) {
        const StreamItem* s = ws_->stream(id);
        if (!s) continue;
        QString why;
        auto r = makeStreamReader(*ws_, *s, &why);
        if (!r)
            throw vf::Error(vf::ErrorCode::InvalidArgument,
                            "blind comparison: " + why.toStdString());
        lo = std::max(lo, r->first);
        hi = std::min(hi, r->first + r->frames - 1);
        names.push_back(s->name.toStdString());
        auto lr = std::make_shared<LockedReader>();
        lr->r = std::move(r);
        readers.push_back(std::move(lr));
    }
    if (hi < lo)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "blind comparison: the chosen streams share no frame");
    std::vector<an::BlindItem> items;
    for (const auto& seg : ann_->document().segments)
        if (seg.firstFrame >= lo && seg.lastFrame <= hi)
            items.push_back({seg.firstFrame, seg.lastFrame});
    if (items.empty()) {
        const int n = int(std::clamp<qint64>(frames, 1, hi - lo + 1));
        for (int k = 0; k < n; ++k) {
            const int f = int(lo + (n == 1 ? (hi - lo) / 2 : (hi - lo) * k / (n - 1)));
            if (items.empty() || items.back().firstFrame != f) items.push_back({f, f});
        }
    }
    an::BlindSession session(names, items, seed);
    auto* dlg = new BlindCompareDialog(
        std::move(session),
        [readers](int stream, int frame) {
            if (stream < 0 || size_t(stream) >= readers.size()) return QImage();
            return toQImageCopy(readers[size_t(stream)]->pairFrame(frame));
        },
        win_);
    dlg->setObjectName(QStringLiteral("blindCompareDialog"));
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    dlg->open();
    return dlg;
}

QJsonObject AnnotateTools::sessionJson() const {
    return QJsonDocument::fromJson(QByteArray::fromStdString(an::toJson(ann_->document())))
        .object();
}

void AnnotateTools::restoreSession(const QJsonObject& annotations) {
    if (annotations.isEmpty()) return;
    const std::string text = QJsonDocument(annotations).toJson().toStdString();
    an::Document d = an::fromJson(text, "session annotations");
    d.media = ann_->document().media; // the open pair's
    ann_->setDocument(d);
}

} // namespace vf::ui
