#pragma once
// vf::ui::AnnotationController: owns the annotation Document of the open pair, its undo stack
// (one QUndoCommand per edit), the current frame / selection / label, autosave, and runs
// "propagate with tracker" off the GUI thread (QtConcurrent).
//
// How to wire it into the main window (see also AnnotationOverlay.h):
//   auto* ann = new AnnotationController(this);
//   ann->setMedia(pairInfo);                       // width/height/frameCount/fps, paths
//   ann->enableAutosave(docPath);                  // sidecar next to the document
//   if (auto r = ann->pendingRecovery(docPath)) { ask the user; ann->recover(*r) or
//                                                   vf::annotate::discardRecovery(*r) }
//   connect(timeline, &Timeline::seekRequested, ann, [ann](qint64 f){ ann->setFrame(int(f)); });
//   connect(ann, &AnnotationController::seekRequested, <player>, <seek slot>);
//   for each pane: AnnotationOverlay::attach(ann, view, toWidget, toPair)  (one per pane; the
//                  pair is registered so every pane shows the same boxes)
//   menu->addActions(ann->actions());              // undo/redo, marks, tracker, delete ...
//   ann->setFrameProvider(streamName, provider)    // for the tracker (IR or visible)
// The main window calls setFrame() whenever the shown frame changes.

#include <QColor>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUndoStack>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "core/annotate/Autosave.h"
#include "core/annotate/Document.h"
#include "core/annotate/Tracker.h"
#include "core/common/Progress.h"

class QAction;
template <typename T> class QFutureWatcher;

namespace vf::ui {

class AnnotationController : public QObject {
    Q_OBJECT
public:
    explicit AnnotationController(QObject* parent = nullptr);
    ~AnnotationController() override;

    // --- document
    const vf::annotate::Document& document() const { return doc_; }
    // Replaces the document (not undoable: clears the undo stack).
    void setDocument(const vf::annotate::Document& d);
    void setMedia(const vf::annotate::MediaInfo& m);
    QUndoStack* undoStack() { return &undo_; }

    // Generic undoable edit: `edit` changes a copy of the document; pushed as one command.
    // Returns false (and pushes nothing) when the edit changed nothing.
    bool edit(const QString& text, const std::function<void(vf::annotate::Document&)>& edit);

    // --- edits (each one undo step)
    int addTrack(const vf::annotate::Rect& box, int frame, const QString& label = {});
    void setBox(int trackId, int frame, const vf::annotate::Rect& box, const QString& what);
    bool removeKeyframe(int trackId, int frame);
    void deleteTrack(int trackId);
    void setTrackLabel(int trackId, const QString& label);
    void toggleOutside(int trackId, int frame);
    void toggleOccluded(int trackId, int frame);
    int addSegment(int first, int last, const QString& label, const QString& text = {});
    void removeSegment(int id);
    void setSegmentText(int id, const QString& text);
    int addRegion(vf::annotate::RegionKind kind, const std::vector<vf::annotate::Point>& pts,
                  int first, int last, const QString& label = {});
    void addLabel(const QString& name, vf::annotate::LabelKind kind);

    // --- segment marking with keys: markIn() at the current frame, markOut() creates the
    // segment [in, current] (or [current, in]) with the current segment label.
    void markIn();
    void markOut();
    std::optional<int> markedIn() const { return markIn_; }

    // --- state
    int frame() const { return frame_; }
    int selectedTrack() const { return selected_; }
    QString currentLabel() const { return label_; }
    QString currentSegmentLabel() const { return segmentLabel_; }
    QString stream() const { return stream_; }

    // --- tracker
    // Frame providers by stream name ("ir", "visible"); called on a worker thread, so each
    // must be safe there (e.g. own a FrameSource clone).
    void setFrameProvider(const QString& stream, vf::annotate::FrameProvider p);
    // Follows the selected track from the current frame over `frames` frames on `stream`.
    // Returns false when there is nothing to track or a propagation is running.
    bool propagateSelected(int frames = 30, const QString& stream = "visible",
                           vf::annotate::TrackerKind kind = vf::annotate::TrackerKind::CSRT);
    bool propagating() const;
    void cancelPropagation();

    // --- files
    void save(const std::filesystem::path& path); // atomic; removes the autosave sidecar
    void load(const std::filesystem::path& path);
    void exportAs(const QString& format, const std::filesystem::path& path) const;
    // Replaces the annotations with an imported file (one undo step; the media info of the
    // open pair is kept). Throws vf::Error with the file/line/field of any problem.
    void importFile(const QString& format, const std::filesystem::path& path,
                    const QString& motLabel = "object");
    void enableAutosave(const std::filesystem::path& documentPath, int intervalMs = 2000);
    // Stops autosaving (a pending change is written first), e.g. before another pair opens.
    void disableAutosave();
    std::optional<vf::annotate::RecoveryInfo>
    pendingRecovery(const std::filesystem::path& doc) const;
    void recover(const vf::annotate::RecoveryInfo& info);

    // Actions with shortcuts (owned by the controller): Undo (Ctrl+Z), Redo (Ctrl+Shift+Z),
    // Mark segment start ([), Mark segment end (]), Delete keyframe (Del), Toggle outside
    // (O), Toggle occluded (C), Propagate with tracker (T), Previous/next keyframe (, .).
    QList<QAction*> actions() const { return actions_; }
    QAction* action(const QString& objectName) const;

    // Colour of a label (palette colour, grey when unknown).
    QColor labelColor(const QString& label) const;

public Q_SLOTS:
    void setFrame(int frame);
    void setSelectedTrack(int id);
    void setCurrentLabel(const QString& l);
    void setCurrentSegmentLabel(const QString& l);
    void setStream(const QString& s);

Q_SIGNALS:
    void documentChanged();
    void frameChanged(int frame);
    void selectionChanged(int trackId);
    void labelChanged(const QString& label);
    void seekRequested(int frame);
    void propagationStarted();
    void propagationFinished(bool ok, const QString& message);
    void message(const QString& text);

private:
    friend class DocumentCommand;
    void applyState(const vf::annotate::Document& d);
    void createActions();

    vf::annotate::Document doc_;
    QUndoStack undo_;
    int frame_ = 0;
    int selected_ = -1;
    QString label_ = "person";
    QString segmentLabel_ = "flicker";
    QString stream_ = "pair";
    std::optional<int> markIn_;
    std::unique_ptr<vf::annotate::Autosaver> autosave_;
    std::map<QString, vf::annotate::FrameProvider> providers_;
    QFutureWatcher<vf::annotate::PropagateResult>* watcher_ = nullptr;
    vf::CancelToken cancel_;
    int propTrack_ = -1;
    QString propError_;
    QList<QAction*> actions_;
};

} // namespace vf::ui
