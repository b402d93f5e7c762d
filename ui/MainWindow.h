#pragma once
// vf::ui::MainWindow: menus (every action has a shortcut), the viewer, the timeline and
// transport bar, the docks (streams, pixel inspector, jobs, metrics, stage), the warning
// banner and the status bar (device, cache memory).

#include <QMainWindow>
#include <QSet>
#include <QTimer>

#include "ui/FuseJobs.h"
#include "ui/Viewer.h"
#include "ui/Workspace.h"

class QLabel;
class QListWidget;
class QTreeWidget;
class QSpinBox;
class QComboBox;
class QToolButton;
class QFrame;
class QMenu;
class QAction;

namespace vf::ui {

class Timeline;
class MetricsPanel;
class StagePanel;
class JobsPanel;
class AnnotateTools;
class SliceView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens inputs (see Workspace::openPaths). Errors are shown in a dialog naming the file;
    // returns false then. Validation warnings appear in the banner.
    bool openPaths(const QStringList& paths, const QString& sequence = {});
    bool openDemo();

    Workspace* workspace() const { return ws_; }
    Viewer* viewer() const { return viewer_; }
    Timeline* timeline() const { return timeline_; }
    QString bannerText() const;
    bool bannerVisible() const;
    QAction* action(const QString& objectName) const;

    // Playback
    bool playing() const { return playTimer_.isActive(); }
    void setPlaying(bool on);
    double speed() const { return speed_; }
    void setSpeed(double s);
    void setLoop(qint64 in, qint64 out, bool enabled);
    bool loopEnabled() const { return loop_; }
    const QSet<qint64>& marks() const { return marks_; }
    void toggleMark(qint64 frame);

    JobManager* jobs() const { return jobs_; }
    JobController* jobController() const { return jc_; }
    MetricsPanel* metricsPanel() const { return metrics_; }
    StagePanel* stagePanel() const { return stage_; }
    JobsPanel* jobsPanel() const { return jobsPanel_; }
    AnnotateTools* annotateTools() const { return annotate_; } // Annotate menu, overlays, docks
    SliceView* sliceView() const { return slices_; }           // x–t / y–t slices dock

    // Sessions: versioned JSON (inputs, streams with their methods/parameters/cached results,
    // layout, playhead, marks, loop). Errors throw vf::Error naming the file.
    QJsonObject sessionJson() const;
    void saveSession(const QString& path);
    void openSession(const QString& path);
    QString autosavePath() const;
    void autosave();

    void showError(const QString& title, const QString& message);
    QString lastError() const { return lastError_; }

Q_SIGNALS:
    void errorShown(QString message);

protected:
    void dragEnterEvent(QDragEnterEvent*) override;
    void dropEvent(QDropEvent*) override;
    void closeEvent(QCloseEvent*) override;

private:
    void buildActions();
    void buildDocks();
    void updateStreamsDock();
    void updateInspector();
    void updateStatus();
    void updateTransport();
    void showBanner(const QStringList& warnings);
    void addRecent(const QStringList& paths);
    void rebuildRecentMenu();
    void onPlayTick();
    void openPairDialog();
    void openFolderDialog();
    void gotoFrameDialog();
    void fuseDialog();
    void baselinesDialog();
    void addStreamDialog();
    void preferencesDialog();
    void degradeDialog();
    void addRecentSession(const QString& path);
    void rebuildRecentSessions();
    QAction* addAction(QMenu* menu, const QString& name, const QString& text,
                       const QKeySequence& key, std::function<void()> fn);

    Workspace* ws_;
    Viewer* viewer_;
    Timeline* timeline_;
    QFrame* banner_;
    QLabel* bannerLabel_;
    QLabel* statusDevice_;
    QLabel* statusCache_;
    QLabel* statusFrame_;
    QListWidget* streamList_ = nullptr;
    QTreeWidget* inspector_ = nullptr;
    QToolButton* playButton_ = nullptr;
    QSpinBox* frameBox_ = nullptr;
    QComboBox* speedBox_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QMenu* recentSessions_ = nullptr;
    JobManager* jobs_ = nullptr;
    JobController* jc_ = nullptr;
    MetricsPanel* metrics_ = nullptr;
    StagePanel* stage_ = nullptr;
    JobsPanel* jobsPanel_ = nullptr;
    AnnotateTools* annotate_ = nullptr;
    SliceView* slices_ = nullptr;
    QTimer autosaveTimer_;
    QString sessionPath_;
    QMenu* viewMenu_ = nullptr;
    QTimer playTimer_;
    QTimer statusTimer_;
    double speed_ = 1.0;
    bool loop_ = false;
    qint64 loopIn_ = 0, loopOut_ = 0;
    QSet<qint64> marks_;
    QString lastError_;
    bool updatingStreams_ = false;
};

} // namespace vf::ui
