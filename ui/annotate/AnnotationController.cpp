#include "ui/annotate/AnnotationController.h"

#include <QAction>
#include <QColor>
#include <QFutureWatcher>
#include <QKeySequence>
#include <QUndoCommand>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

#include "core/annotate/Formats.h"
#include "core/common/Error.h"

namespace vf::ui {

using namespace vf::annotate;

// One edit: the document before and after (documents are small; a snapshot keeps every
// command exact, including compound edits such as a tracker propagation).
class DocumentCommand : public QUndoCommand {
public:
    DocumentCommand(AnnotationController* c, const QString& text, Document before, Document after)
        : QUndoCommand(text), c_(c), before_(std::move(before)), after_(std::move(after)) {}
    void undo() override { c_->applyState(before_); }
    void redo() override { c_->applyState(after_); }

private:
    AnnotationController* c_;
    Document before_, after_;
};

AnnotationController::AnnotationController(QObject* parent) : QObject(parent) {
    createActions();
}

AnnotationController::~AnnotationController() {
    cancel_.cancel();
    if (watcher_) watcher_->waitForFinished();
}

void AnnotationController::applyState(const Document& d) {
    doc_ = d;
    if (selected_ >= 0 && !doc_.track(selected_)) {
        selected_ = -1;
        Q_EMIT selectionChanged(-1);
    }
    if (autosave_) autosave_->update(doc_);
    Q_EMIT documentChanged();
}

void AnnotationController::setDocument(const Document& d) {
    undo_.clear();
    selected_ = -1;
    applyState(d);
    undo_.setClean();
    Q_EMIT selectionChanged(-1);
}

void AnnotationController::setMedia(const MediaInfo& m) {
    Document d = doc_;
    d.media = m;
    setDocument(d);
}

bool AnnotationController::edit(const QString& text, const std::function<void(Document&)>& fn) {
    Document after = doc_;
    try {
        fn(after);
    } catch (const std::exception& e) {
        Q_EMIT message(QString::fromStdString(e.what()));
        return false;
    }
    if (after == doc_) return false;
    undo_.push(new DocumentCommand(this, text, doc_, std::move(after)));
    return true;
}

int AnnotationController::addTrack(const Rect& box, int frame, const QString& label) {
    const int id = doc_.nextId();
    const std::string l = (label.isEmpty() ? label_ : label).toStdString();
    edit(tr("Add box"), [&](Document& d) {
        d.ensureLabel(l);
        Track t;
        t.id = id;
        t.label = l;
        t.stream = stream_.toStdString();
        t.keys.push_back({frame, box, false, false});
        d.tracks.push_back(t);
    });
    setSelectedTrack(id);
    return id;
}

void AnnotationController::setBox(int trackId, int frame, const Rect& box, const QString& what) {
    edit(what, [&](Document& d) {
        Track* t = d.track(trackId);
        if (!t) return;
        Keyframe k{frame, box, false, false};
        if (auto b = t->boxAt(frame, d.media.frameCount)) k.occluded = b->occluded;
        t->setKey(k);
    });
}

bool AnnotationController::removeKeyframe(int trackId, int frame) {
    return edit(tr("Delete keyframe"), [&](Document& d) {
        Track* t = d.track(trackId);
        if (!t) return;
        t->removeKey(frame);
        if (t->keys.empty())
            d.tracks.erase(std::remove_if(d.tracks.begin(), d.tracks.end(),
                                          [&](const Track& x) { return x.id == trackId; }),
                           d.tracks.end());
    });
}

void AnnotationController::deleteTrack(int trackId) {
    edit(tr("Delete track"), [&](Document& d) {
        d.tracks.erase(std::remove_if(d.tracks.begin(), d.tracks.end(),
                                      [&](const Track& x) { return x.id == trackId; }),
                       d.tracks.end());
    });
}

void AnnotationController::setTrackLabel(int trackId, const QString& label) {
    edit(tr("Change label"), [&](Document& d) {
        if (Track* t = d.track(trackId)) {
            d.ensureLabel(label.toStdString());
            t->label = label.toStdString();
        }
    });
}

void AnnotationController::toggleOutside(int trackId, int frame) {
    edit(tr("Toggle outside"), [&](Document& d) {
        Track* t = d.track(trackId);
        if (!t) return;
        if (const Keyframe* k = t->keyAt(frame)) {
            Keyframe c = *k;
            c.outside = !c.outside;
            t->setKey(c);
        } else if (auto b = t->boxAt(frame, d.media.frameCount)) {
            t->setKey({frame, b->box, true, false});
        }
    });
}

void AnnotationController::toggleOccluded(int trackId, int frame) {
    edit(tr("Toggle occluded"), [&](Document& d) {
        Track* t = d.track(trackId);
        if (!t) return;
        auto b = t->boxAt(frame, d.media.frameCount);
        if (!b) return;
        t->setKey({frame, b->box, false, !b->occluded});
    });
}

int AnnotationController::addSegment(int first, int last, const QString& label,
                                     const QString& text) {
    const int id = doc_.nextId();
    edit(tr("Mark segment"), [&](Document& d) {
        d.ensureLabel(label.toStdString(), LabelKind::Segment);
        Segment s;
        s.id = id;
        s.label = label.toStdString();
        s.stream = stream_.toStdString();
        s.firstFrame = std::min(first, last);
        s.lastFrame = std::max(first, last);
        s.text = text.toStdString();
        d.segments.push_back(s);
    });
    return id;
}

void AnnotationController::removeSegment(int id) {
    edit(tr("Delete segment"), [&](Document& d) {
        d.segments.erase(std::remove_if(d.segments.begin(), d.segments.end(),
                                        [&](const Segment& s) { return s.id == id; }),
                         d.segments.end());
    });
}

void AnnotationController::setSegmentText(int id, const QString& text) {
    edit(tr("Edit segment text"), [&](Document& d) {
        if (Segment* s = d.segment(id)) s->text = text.toStdString();
    });
}

int AnnotationController::addRegion(RegionKind kind, const std::vector<Point>& pts, int first,
                                    int last, const QString& label) {
    const int id = doc_.nextId();
    const std::string l = (label.isEmpty() ? label_ : label).toStdString();
    edit(kind == RegionKind::Polygon ? tr("Add polygon") : tr("Add points"), [&](Document& d) {
        d.ensureLabel(l);
        Region r;
        r.id = id;
        r.kind = kind;
        r.label = l;
        r.stream = stream_.toStdString();
        r.firstFrame = std::min(first, last);
        r.lastFrame = std::max(first, last);
        r.points = pts;
        d.regions.push_back(r);
    });
    return id;
}

void AnnotationController::addLabel(const QString& name, LabelKind kind) {
    if (name.trimmed().isEmpty()) return;
    edit(tr("Add label"), [&](Document& d) { d.ensureLabel(name.trimmed().toStdString(), kind); });
}

void AnnotationController::markIn() {
    markIn_ = frame_;
    Q_EMIT message(tr("Segment start at frame %1").arg(frame_));
    Q_EMIT documentChanged(); // the strip shows the pending mark
}

void AnnotationController::markOut() {
    if (!markIn_) {
        Q_EMIT message(tr("Mark the segment start first ([)"));
        return;
    }
    const int in = *markIn_;
    markIn_.reset();
    addSegment(in, frame_, segmentLabel_);
}

void AnnotationController::setFrame(int frame) {
    if (frame == frame_) return;
    frame_ = std::max(0, frame);
    Q_EMIT frameChanged(frame_);
}

void AnnotationController::setSelectedTrack(int id) {
    if (id == selected_) return;
    selected_ = id;
    Q_EMIT selectionChanged(id);
}

void AnnotationController::setCurrentLabel(const QString& l) {
    if (l == label_) return;
    label_ = l;
    Q_EMIT labelChanged(l);
}

void AnnotationController::setCurrentSegmentLabel(const QString& l) {
    segmentLabel_ = l;
}
void AnnotationController::setStream(const QString& s) {
    stream_ = s;
}

QColor AnnotationController::labelColor(const QString& label) const {
    if (const Label* l = doc_.label(label.toStdString())) return QColor::fromRgb(QRgb(l->color));
    return QColor(160, 160, 160);
}

// ------------------------------------------------------------------------------ tracker

void AnnotationController::setFrameProvider(const QString& stream, FrameProvider p) {
    providers_[stream] = std::move(p);
}

bool AnnotationController::propagating() const {
    return watcher_ && watcher_->isRunning();
}

void AnnotationController::cancelPropagation() {
    cancel_.cancel();
}

bool AnnotationController::propagateSelected(int frames, const QString& stream, TrackerKind kind) {
    if (propagating()) return false;
    const Track* t = doc_.track(selected_);
    auto it = providers_.find(stream);
    if (!t || it == providers_.end()) {
        Q_EMIT message(!t ? tr("Select a box to propagate")
                          : tr("No frames for stream %1").arg(stream));
        return false;
    }
    if (!t->boxAt(frame_, doc_.media.frameCount)) {
        Q_EMIT message(tr("The selected track has no box at frame %1").arg(frame_));
        return false;
    }
    if (!watcher_) {
        watcher_ = new QFutureWatcher<PropagateResult>(this);
        connect(watcher_, &QFutureWatcher<PropagateResult>::finished, this, [this] {
            if (!propError_.isEmpty()) {
                Q_EMIT propagationFinished(false, propError_);
                return;
            }
            const PropagateResult r = watcher_->result();
            const int id = propTrack_;
            edit(tr("Propagate with tracker"), [&](Document& d) {
                if (Track* tr2 = d.track(id)) applyPropagation(*tr2, r);
            });
            QString msg =
                r.stoppedOnFailure
                    ? QString::fromStdString(r.reason)
                    : tr("Tracked to frame %1 (%2 keyframes)").arg(r.lastFrame).arg(r.keys.size());
            Q_EMIT propagationFinished(true, msg);
        });
    }
    cancel_ = vf::CancelToken();
    propTrack_ = t->id;
    propError_.clear();
    const Track track = *t;
    const int start = frame_;
    const int count = doc_.media.frameCount > 0 ? doc_.media.frameCount : start + frames + 1;
    PropagateOptions opt;
    opt.kind = kind;
    opt.frames = frames;
    FrameProvider provider = it->second;
    vf::CancelToken cancel = cancel_;
    QString* err = &propError_;
    Q_EMIT propagationStarted();
    watcher_->setFuture(QtConcurrent::run([=]() -> PropagateResult {
        try {
            return propagate(track, start, count, provider, opt, {}, cancel);
        } catch (const std::exception& e) {
            *err = QString::fromStdString(e.what()); // read on the GUI thread after finished
            return {};
        }
    }));
    return true;
}

// ------------------------------------------------------------------------------ files

void AnnotationController::save(const std::filesystem::path& path) {
    saveWithSidecar(doc_, path);
    if (autosave_) autosave_->clear();
    undo_.setClean();
}

void AnnotationController::load(const std::filesystem::path& path) {
    setDocument(loadDocument(path));
}

void AnnotationController::exportAs(const QString& format,
                                    const std::filesystem::path& path) const {
    vf::annotate::exportAs(doc_, format.toStdString(), path);
}

void AnnotationController::importFile(const QString& format, const std::filesystem::path& path,
                                      const QString& motLabel) {
    Document in = vf::annotate::importAs(format.toStdString(), path, doc_.media.width,
                                         doc_.media.height, motLabel.toStdString());
    const MediaInfo media = doc_.media;
    edit(tr("Import %1").arg(format), [&](Document& d) {
        d = std::move(in);
        if (media.frameCount > 0 || media.width > 0) d.media = media;
    });
}

void AnnotationController::enableAutosave(const std::filesystem::path& documentPath,
                                          int intervalMs) {
    autosave_ = std::make_unique<Autosaver>(autosavePathFor(documentPath),
                                            std::chrono::milliseconds(intervalMs));
}

void AnnotationController::disableAutosave() {
    autosave_.reset();
}

std::optional<RecoveryInfo>
AnnotationController::pendingRecovery(const std::filesystem::path& doc) const {
    return findRecovery(doc);
}

void AnnotationController::recover(const RecoveryInfo& info) {
    Document d = vf::annotate::recover(info);
    setDocument(d);
    undo_.resetClean(); // recovered content is not saved yet
}

// ------------------------------------------------------------------------------ actions

QAction* AnnotationController::action(const QString& name) const {
    for (QAction* a : actions_)
        if (a->objectName() == name) return a;
    return nullptr;
}

void AnnotationController::createActions() {
    auto add = [this](const QString& name, const QString& text, const QKeySequence& key,
                      std::function<void()> fn) {
        auto* a = new QAction(text, this);
        a->setObjectName(name);
        a->setShortcut(key);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, [fn = std::move(fn)] { fn(); });
        actions_.push_back(a);
        return a;
    };
    QAction* u = undo_.createUndoAction(this, tr("Undo"));
    u->setObjectName("annotUndo");
    u->setShortcut(QKeySequence::Undo);
    actions_.push_back(u);
    QAction* r = undo_.createRedoAction(this, tr("Redo"));
    r->setObjectName("annotRedo");
    r->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z));
    actions_.push_back(r);
    add("annotMarkIn", tr("Mark segment start"), QKeySequence(Qt::Key_BracketLeft),
        [this] { markIn(); });
    add("annotMarkOut", tr("Mark segment end"), QKeySequence(Qt::Key_BracketRight),
        [this] { markOut(); });
    add("annotDeleteKey", tr("Delete keyframe"), QKeySequence(Qt::Key_Delete), [this] {
        if (selected_ >= 0) removeKeyframe(selected_, frame_);
    });
    add("annotOutside", tr("Toggle outside"), QKeySequence(Qt::Key_O), [this] {
        if (selected_ >= 0) toggleOutside(selected_, frame_);
    });
    add("annotOccluded", tr("Toggle occluded"), QKeySequence(Qt::Key_C), [this] {
        if (selected_ >= 0) toggleOccluded(selected_, frame_);
    });
    add("annotPropagate", tr("Propagate with tracker"), QKeySequence(Qt::Key_T),
        [this] { propagateSelected(); });
    add("annotPrevKey", tr("Previous keyframe"), QKeySequence(Qt::Key_Comma), [this] {
        if (const Track* t = doc_.track(selected_))
            for (auto it = t->keys.rbegin(); it != t->keys.rend(); ++it)
                if (it->frame < frame_) {
                    Q_EMIT seekRequested(it->frame);
                    return;
                }
    });
    add("annotNextKey", tr("Next keyframe"), QKeySequence(Qt::Key_Period), [this] {
        if (const Track* t = doc_.track(selected_))
            for (const auto& k : t->keys)
                if (k.frame > frame_) {
                    Q_EMIT seekRequested(k.frame);
                    return;
                }
    });
}

} // namespace vf::ui
