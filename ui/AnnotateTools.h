#pragma once
// vf::ui::AnnotateTools: the annotation tools of ui/annotate wired into the main window
// (issue #7), kept out of MainWindow.cpp:
//  * the "Annotate" menu: annotate mode (A), the controller's key actions (undo/redo, segment
//    marks, keyframes, outside/occluded, tracker), add keyframe, delete track, propagate on
//    the IR stream, save / import / export (vfstudio JSON, CVAT XML, MOT, COCO, YOLO), region
//    metrics and the blind A/B comparison;
//  * an AnnotationOverlay on every pane (rebuilt with the panes; the pair is registered, so
//    every pane shows the same boxes), the TimelineStrip under the timeline, the label
//    palette and region-metrics docks;
//  * per pair: the document lives in the application data folder (one per input pair),
//    autosaved every 2 s to a sidecar; a newer sidecar (after a crash) is offered for
//    recovery when the pair opens; tracker frame providers on their own FrameSource clones;
//  * sessions carry the document (sessionJson / restoreSession).
// Keys that the annotate mode shares with playback/view actions (O, C, [, ], ',', '.') go
// to the annotation actions while the mode is on and back to the others when it is off.

#include <QMessageBox>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QWidget>

#include <filesystem>
#include <map>
#include <vector>

#include "ui/Jobs.h"
#include "ui/Workspace.h"

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QMainWindow;
class QMenu;
class QTableWidget;

namespace vf::ui {

class AnnotationController;
class AnnotationOverlay;
class BlindCompareDialog;
class LabelPalette;
class TimelineStrip;
class Viewer;

// Region metrics: any image metric inside the chosen box track / region, per frame and per
// clip, for every stream (computed by a pool job with core/annotate's regionMetrics).
class RegionMetricsPanel : public QWidget {
    Q_OBJECT
public:
    RegionMetricsPanel(AnnotationController* c, Workspace* ws, JobManager* jobs,
                       QWidget* parent = nullptr);
    // The annotation measured (default: the selected track), and the metrics ("EN,SD,AG").
    void setAnnotation(int id);
    int annotation() const;
    void setMetrics(const QString& list);
    Job* compute();
    QTableWidget* summaryTable() const { return summary_; }
    QTableWidget* frameTable() const { return perFrame_; }

Q_SIGNALS:
    void computed();
    void seekRequested(qint64 frame);

private:
    void rebuildChoices();

    QPointer<AnnotationController> c_;
    Workspace* ws_;
    JobManager* jobs_;
    QComboBox* which_;
    QLineEdit* metrics_;
    QLabel* status_;
    QTableWidget* summary_;
    QTableWidget* perFrame_;
    QPointer<Job> running_;
};

class AnnotateTools : public QObject {
    Q_OBJECT
public:
    AnnotateTools(QMainWindow* win, Workspace* ws, Viewer* viewer, JobManager* jobs);
    ~AnnotateTools() override;

    AnnotationController* controller() const { return ann_; }
    // Adds the Annotate menu to the window's menu bar and the docks / strip to the window.
    // `timelineArea`: the layout-owning widget under which the keyframe strip goes.
    void install(QMenu* viewMenu);
    // Main-window actions whose keys the annotate mode takes over while it is on.
    void setSharedKeyActions(const QList<QAction*>& actions);

    bool annotateMode() const;
    void setAnnotateMode(bool on);
    QAction* modeAction() const { return modeAct_; }
    const std::vector<QPointer<AnnotationOverlay>>& overlays() const { return overlays_; }
    TimelineStrip* strip() const { return strip_; }
    LabelPalette* palette() const { return palette_; }
    RegionMetricsPanel* regionPanel() const { return region_; }

    // The document file of the open pair (application data folder) and its saving.
    std::filesystem::path documentPath() const { return docPath_; }
    void saveDocument(); // vf::Error on failure
    // The recovery question shown (non-blocking) when a newer autosave was found; nullptr
    // otherwise.
    QMessageBox* recoveryPrompt() const { return recoveryBox_; }

    // Import / export by format name: "json", "cvat", "mot", "coco", "yolo" (a folder).
    void exportTo(const QString& format, const QString& path) const; // vf::Error on failure
    void importFrom(const QString& format, const QString& path);     // vf::Error on failure

    // Blind A/B comparison of the given streams on `frames` frames spread over the range they
    // all cover (or the document's segments when there are any); non-modal dialog.
    BlindCompareDialog* startBlindCompare(const QList<int>& streamIds, int frames = 10,
                                          quint64 seed = 0);

    // Sessions: the document as JSON (the vfstudio annotation format) and back.
    QJsonObject sessionJson() const;
    void restoreSession(const QJsonObject& annotations); // vf::Error for a bad document

Q_SIGNALS:
    void message(const QString& text, int ms);
    void error(const QString& title, const QString& text);

private:
    void onPairOpened();
    void onPairClosed();
    void rebuildOverlays();
    void updateStrip();
    void addKeyframeHere();
    void exportDialog();
    void importDialog();
    void blindDialog();
    QAction* add(QMenu* m, const QString& name, const QString& text, const QKeySequence& key,
                 std::function<void()> fn);

    QMainWindow* win_;
    Workspace* ws_;
    Viewer* viewer_;
    JobManager* jobs_;
    AnnotationController* ann_;
    TimelineStrip* strip_ = nullptr;
    LabelPalette* palette_ = nullptr;
    RegionMetricsPanel* region_ = nullptr;
    QAction* modeAct_ = nullptr;
    QList<QAction*> shared_;
    std::vector<QPointer<AnnotationOverlay>> overlays_;
    std::filesystem::path docPath_;
    QPointer<QMessageBox> recoveryBox_;
};

} // namespace vf::ui
