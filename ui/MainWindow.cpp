#include "ui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QColorDialog>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QStyle>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>

#include "core/common/Error.h"
#include "core/common/Resources.h"
#include "ui/AnnotateTools.h"
#include "ui/DegradeDialog.h"
#include "ui/Dialogs.h"
#include "ui/JobsPanel.h"
#include "ui/MetricsPanel.h"
#include "ui/StagePanel.h"
#include "ui/TemporalViews.h"
#include "ui/Timeline.h"
#include "ui/export/ExportDialogs.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTabWidget>

namespace vf::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(QStringLiteral("vfstudio"));
    setAcceptDrops(true);
    QSettings settings;
    const size_t budgetMb =
        size_t(settings.value(QStringLiteral("cache/budgetMB"), 768).toLongLong());
    ws_ = new Workspace(this, budgetMb << 20);
    jobs_ = new JobManager(this);
    jc_ = new JobController(ws_, jobs_, this);

    auto* central = new QWidget(this);
    auto* vbox = new QVBoxLayout(central);
    vbox->setContentsMargins(0, 0, 0, 0);
    vbox->setSpacing(0);

    banner_ = new QFrame(central);
    banner_->setObjectName(QStringLiteral("banner"));
    banner_->setStyleSheet(
        QStringLiteral("#banner { background: #5a4a1a; } QLabel { color: #f0e0b0; }"));
    auto* bl = new QHBoxLayout(banner_);
    bl->setContentsMargins(10, 4, 4, 4);
    bannerLabel_ = new QLabel(banner_);
    bannerLabel_->setWordWrap(true);
    bannerLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* closeBanner = new QToolButton(banner_);
    closeBanner->setText(QStringLiteral("✕"));
    closeBanner->setAutoRaise(true);
    connect(closeBanner, &QToolButton::clicked, banner_, &QWidget::hide);
    bl->addWidget(bannerLabel_, 1);
    bl->addWidget(closeBanner);
    banner_->hide();
    vbox->addWidget(banner_);

    viewer_ = new Viewer(ws_, central);
    vbox->addWidget(viewer_, 1);

    // transport bar
    auto* transport = new QWidget(central);
    auto* tl = new QHBoxLayout(transport);
    tl->setContentsMargins(4, 2, 4, 2);
    playButton_ = new QToolButton(transport);
    playButton_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    playButton_->setToolTip(tr("Play / pause (Space)"));
    connect(playButton_, &QToolButton::clicked, this, [this] { setPlaying(!playing()); });
    tl->addWidget(playButton_);
    frameBox_ = new QSpinBox(transport);
    frameBox_->setObjectName(QStringLiteral("frameBox"));
    frameBox_->setKeyboardTracking(false);
    frameBox_->setToolTip(tr("Current frame (Ctrl+G)"));
    connect(frameBox_, &QSpinBox::valueChanged, this, [this](int v) { ws_->setFrame(v); });
    tl->addWidget(frameBox_);
    timeline_ = new Timeline(transport);
    connect(timeline_, &Timeline::seekRequested, ws_, &Workspace::setFrame);
    tl->addWidget(timeline_, 1);
    speedBox_ = new QComboBox(transport);
    for (double s : {0.25, 0.5, 1.0, 2.0, 4.0})
        speedBox_->addItem(QStringLiteral("%1×").arg(s), s);
    speedBox_->setCurrentIndex(2);
    speedBox_->setToolTip(tr("Playback speed ([ / ])"));
    connect(speedBox_, &QComboBox::activated, this,
            [this](int i) { setSpeed(speedBox_->itemData(i).toDouble()); });
    tl->addWidget(speedBox_);
    vbox->addWidget(transport);
    setCentralWidget(central);

    statusDevice_ = new QLabel(this);
    statusCache_ = new QLabel(this);
    statusFrame_ = new QLabel(this);
    statusBar()->addWidget(statusFrame_, 1);
    statusBar()->addPermanentWidget(statusCache_);
    statusBar()->addPermanentWidget(statusDevice_);
    statusDevice_->setText(tr("Device: CPU"));

    buildActions();
    buildDocks();
    annotate_ = new AnnotateTools(this, ws_, viewer_, jobs_);
    annotate_->install(viewMenu_);
    annotate_->setSharedKeyActions(
        {action(QStringLiteral("actLoopOut")), action(QStringLiteral("actDiffKind")),
         action(QStringLiteral("actSlower")), action(QStringLiteral("actFaster")),
         action(QStringLiteral("actPrevMark")), action(QStringLiteral("actNextMark"))});
    connect(annotate_, &AnnotateTools::message, this,
            [this](const QString& m, int ms) { statusBar()->showMessage(m, ms); });
    connect(annotate_, &AnnotateTools::error, this, &MainWindow::showError);
    // Every dock's show/hide action (View menu) gets a key too: Alt+1, Alt+2, ...
    int dockKey = 0;
    for (QDockWidget* d : findChildren<QDockWidget*>())
        if (++dockKey <= 9)
            d->toggleViewAction()->setShortcut(
                QKeySequence(Qt::ALT | Qt::Key(Qt::Key_0 + dockKey)));

    connect(ws_, &Workspace::frameChanged, this, [this] {
        updateTransport();
        updateInspector();
    });
    connect(ws_, &Workspace::pairOpened, this, [this] {
        timeline_->setFrameCount(ws_->frameCount());
        frameBox_->setRange(0, int(std::max<qint64>(0, ws_->frameCount() - 1)));
        loopIn_ = 0;
        loopOut_ = std::max<qint64>(0, ws_->frameCount() - 1);
        marks_.clear();
        timeline_->setMarks(marks_);
        setWindowTitle(QStringLiteral("vfstudio — %1").arg(ws_->pairName()));
        updateTransport();
    });
    connect(ws_, &Workspace::streamsChanged, this, &MainWindow::updateStreamsDock);
    connect(ws_, &Workspace::streamProduced, this, &MainWindow::updateTransport);
    connect(viewer_->sync(), &ViewSync::cursorMoved, this, &MainWindow::updateInspector);
    connect(viewer_, &Viewer::frameShown, this, &MainWindow::updateInspector);

    playTimer_.setTimerType(Qt::PreciseTimer);
    connect(&playTimer_, &QTimer::timeout, this, &MainWindow::onPlayTick);
    connect(&statusTimer_, &QTimer::timeout, this, &MainWindow::updateStatus);
    statusTimer_.start(500);
    connect(jc_, &JobController::deviceReported, this,
            [this](const QString& d) { statusDevice_->setText(tr("Device: %1").arg(d)); });
    connect(jobs_, &JobManager::jobFinished, this, [this](Job* j) {
        if (j->state() == Job::State::Failed)
            showError(tr("Job failed"), j->title() + QStringLiteral(":\n") + j->error());
    });
    connect(metrics_, &MetricsPanel::seekRequested, ws_, &Workspace::setFrame);
    // Autosave every minute while a pair is open.
    connect(&autosaveTimer_, &QTimer::timeout, this, &MainWindow::autosave);
    autosaveTimer_.start(QSettings().value(QStringLiteral("session/autosaveSeconds"), 60).toInt() *
                         1000);

    resize(1280, 800);
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    updateStatus();
}

MainWindow::~MainWindow() {
    // Stop the jobs before the workspace and panels they report to go away.
    jobs_->cancelAll();
    delete jobs_;
    jobs_ = nullptr;
}

QAction* MainWindow::addAction(QMenu* menu, const QString& name, const QString& text,
                               const QKeySequence& key, std::function<void()> fn) {
    auto* a = new QAction(text, this);
    a->setObjectName(name);
    if (!key.isEmpty()) a->setShortcut(key);
    a->setShortcutContext(Qt::WindowShortcut);
    connect(a, &QAction::triggered, this, [fn] { fn(); });
    menu->addAction(a);
    QMainWindow::addAction(a); // shortcuts work even when the menu bar is hidden
    return a;
}

QAction* MainWindow::action(const QString& name) const {
    return findChild<QAction*>(name);
}

void MainWindow::buildActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    addAction(file, QStringLiteral("actOpenPair"), tr("Open pair…"), QKeySequence::Open,
              [this] { openPairDialog(); });
    addAction(file, QStringLiteral("actOpenFolder"), tr("Open folder / M3SVD root…"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), [this] { openFolderDialog(); });
    addAction(file, QStringLiteral("actOpenDemo"), tr("Open demo pair"),
              QKeySequence(Qt::CTRL | Qt::Key_D), [this] { openDemo(); });
    recentMenu_ = file->addMenu(tr("Open recent"));
    rebuildRecentMenu();
    addAction(file, QStringLiteral("actAddStream"), tr("Add stream from file…"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A), [this] { addStreamDialog(); });
    file->addSeparator();
    addAction(file, QStringLiteral("actOpenSession"), tr("Open session…"),
              QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O), [this] {
                  const QString f = QFileDialog::getOpenFileName(
                      this, tr("Open session"), QString(),
                      tr("vfstudio sessions (*.vfsession.json *.json)"));
                  if (f.isEmpty()) return;
                  try {
                      openSession(f);
                  } catch (const std::exception& e) {
                      showError(tr("Cannot open the session"), QString::fromStdString(e.what()));
                  }
              });
    recentSessions_ = file->addMenu(tr("Recent sessions"));
    rebuildRecentSessions();
    auto saveAs = [this] {
        const QString f = QFileDialog::getSaveFileName(this, tr("Save session"), sessionPath_,
                                                       tr("vfstudio sessions (*.vfsession.json)"));
        if (f.isEmpty()) return;
        try {
            saveSession(f);
        } catch (const std::exception& e) {
            showError(tr("Cannot save the session"), QString::fromStdString(e.what()));
        }
    };
    addAction(file, QStringLiteral("actSaveSession"), tr("Save session"), QKeySequence::Save,
              [this, saveAs] {
                  if (sessionPath_.isEmpty()) return saveAs();
                  try {
                      saveSession(sessionPath_);
                  } catch (const std::exception& e) {
                      showError(tr("Cannot save the session"), QString::fromStdString(e.what()));
                  }
              });
    addAction(file, QStringLiteral("actSaveSessionAs"), tr("Save session as…"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), saveAs);
    file->addSeparator();
    (new ExportTools(this))->install(file); // Export clip… / Export comparison video…
    file->addSeparator();
    addAction(file, QStringLiteral("actPreferences"), tr("Preferences…"),
              QKeySequence(Qt::CTRL | Qt::Key_Comma), [this] { preferencesDialog(); });
    file->addSeparator();
    addAction(file, QStringLiteral("actClose"), tr("Close pair"),
              QKeySequence(Qt::CTRL | Qt::Key_W), [this] { ws_->closePair(); });
    addAction(file, QStringLiteral("actQuit"), tr("Quit"), QKeySequence::Quit, [this] { close(); });

    viewMenu_ = menuBar()->addMenu(tr("&View"));
    auto layoutAct = [this](const QString& name, const QString& text, QKeySequence key,
                            Viewer::Layout l) {
        addAction(viewMenu_, name, text, key, [this, l] { viewer_->setLayoutMode(l); });
    };
    layoutAct(QStringLiteral("actLayoutGrid"), tr("Grid of panes"), QKeySequence(Qt::Key_1),
              Viewer::Layout::Grid);
    layoutAct(QStringLiteral("actLayoutWipe"), tr("Split / wipe"), QKeySequence(Qt::Key_2),
              Viewer::Layout::Wipe);
    layoutAct(QStringLiteral("actLayoutDiff"), tr("Difference"), QKeySequence(Qt::Key_3),
              Viewer::Layout::Difference);
    addAction(viewMenu_, QStringLiteral("actSwapCompared"), tr("Swap compared streams"),
              QKeySequence(Qt::Key_X),
              [this] { viewer_->setCompared(viewer_->comparedB(), viewer_->comparedA()); });
    addAction(viewMenu_, QStringLiteral("actDiffKind"),
              tr("Cycle difference kind (absolute/signed/luma)"), QKeySequence(Qt::Key_C),
              [this] { viewer_->setDiffKind(DiffKind((int(viewer_->diffKind()) + 1) % 3)); });
    addAction(viewMenu_, QStringLiteral("actDiffRangeUp"), tr("Difference scale ×2"),
              QKeySequence(Qt::SHIFT | Qt::Key_C), [this] {
                  viewer_->setDiffRange(viewer_->diffRange() >= 255 ? 8 : viewer_->diffRange() * 2);
              });
    viewMenu_->addSeparator();
    addAction(viewMenu_, QStringLiteral("actFit"), tr("Fit to pane"), QKeySequence(Qt::Key_F),
              [this] { viewer_->sync()->setFit(); });
    addAction(viewMenu_, QStringLiteral("actZoom100"), tr("Actual pixels (1:1)"),
              QKeySequence(Qt::CTRL | Qt::Key_0),
              [this] { viewer_->sync()->setZoom(1.0, viewer_->sync()->center()); });
    auto zoomBy = [this](double f) {
        ViewSync* s = viewer_->sync();
        const double cur =
            s->fit() && !viewer_->panes().empty() ? viewer_->panes().front()->scale() : s->zoom();
        s->setZoom(cur * f, s->center());
    };
    addAction(viewMenu_, QStringLiteral("actZoomIn"), tr("Zoom in"), QKeySequence(Qt::Key_Plus),
              [zoomBy] { zoomBy(1.5); });
    addAction(viewMenu_, QStringLiteral("actZoomIn2"), tr("Zoom in (=)"),
              QKeySequence(Qt::Key_Equal), [zoomBy] { zoomBy(1.5); });
    addAction(viewMenu_, QStringLiteral("actZoomOut"), tr("Zoom out"), QKeySequence(Qt::Key_Minus),
              [zoomBy] { zoomBy(1 / 1.5); });
    auto* mag = addAction(viewMenu_, QStringLiteral("actMagnifier"), tr("Magnifier"),
                          QKeySequence(Qt::Key_M),
                          [this] { viewer_->sync()->setMagnifier(!viewer_->sync()->magnifier()); });
    mag->setCheckable(true);
    viewMenu_->addSeparator();

    QMenu* play = menuBar()->addMenu(tr("&Playback"));
    addAction(play, QStringLiteral("actPlay"), tr("Play / pause"), QKeySequence(Qt::Key_Space),
              [this] { setPlaying(!playing()); });
    addAction(play, QStringLiteral("actStepFwd"), tr("Next frame"), QKeySequence(Qt::Key_Right),
              [this] {
                  setPlaying(false);
                  ws_->step(1);
              });
    addAction(play, QStringLiteral("actStepBack"), tr("Previous frame"), QKeySequence(Qt::Key_Left),
              [this] {
                  setPlaying(false);
                  ws_->step(-1);
              });
    addAction(play, QStringLiteral("actStepFwd10"), tr("Forward 10 frames"),
              QKeySequence(Qt::SHIFT | Qt::Key_Right), [this] {
                  setPlaying(false);
                  ws_->step(10);
              });
    addAction(play, QStringLiteral("actStepBack10"), tr("Back 10 frames"),
              QKeySequence(Qt::SHIFT | Qt::Key_Left), [this] {
                  setPlaying(false);
                  ws_->step(-10);
              });
    addAction(play, QStringLiteral("actFirst"), tr("First frame"), QKeySequence(Qt::Key_Home),
              [this] { ws_->setFrame(0); });
    addAction(play, QStringLiteral("actLast"), tr("Last frame"), QKeySequence(Qt::Key_End),
              [this] { ws_->setFrame(ws_->frameCount() - 1); });
    addAction(play, QStringLiteral("actGoto"), tr("Go to frame…"),
              QKeySequence(Qt::CTRL | Qt::Key_G), [this] { gotoFrameDialog(); });
    play->addSeparator();
    addAction(play, QStringLiteral("actSlower"), tr("Slower"), QKeySequence(Qt::Key_BracketLeft),
              [this] { setSpeed(speed_ / 2); });
    addAction(play, QStringLiteral("actFaster"), tr("Faster"), QKeySequence(Qt::Key_BracketRight),
              [this] { setSpeed(speed_ * 2); });
    addAction(play, QStringLiteral("actLoopIn"), tr("Set loop start here"), QKeySequence(Qt::Key_I),
              [this] { setLoop(ws_->frame(), std::max(loopOut_, ws_->frame()), true); });
    addAction(play, QStringLiteral("actLoopOut"), tr("Set loop end here"), QKeySequence(Qt::Key_O),
              [this] { setLoop(std::min(loopIn_, ws_->frame()), ws_->frame(), true); });
    addAction(play, QStringLiteral("actLoop"), tr("Loop range on/off"), QKeySequence(Qt::Key_L),
              [this] { setLoop(loopIn_, loopOut_, !loop_); });
    addAction(play, QStringLiteral("actMark"), tr("Mark / unmark frame"), QKeySequence(Qt::Key_K),
              [this] { toggleMark(ws_->frame()); });
    addAction(play, QStringLiteral("actNextMark"), tr("Next mark"), QKeySequence(Qt::Key_Period),
              [this] {
                  qint64 best = -1;
                  for (qint64 m : marks_)
                      if (m > ws_->frame() && (best < 0 || m < best)) best = m;
                  if (best >= 0) ws_->setFrame(best);
              });
    addAction(play, QStringLiteral("actPrevMark"), tr("Previous mark"), QKeySequence(Qt::Key_Comma),
              [this] {
                  qint64 best = -1;
                  for (qint64 m : marks_)
                      if (m < ws_->frame() && m > best) best = m;
                  if (best >= 0) ws_->setFrame(best);
              });

    QMenu* tools = menuBar()->addMenu(tr("&Tools"));
    addAction(tools, QStringLiteral("actFuse"), tr("Fuse with VideoFusion…"),
              QKeySequence(Qt::CTRL | Qt::Key_R), [this] { fuseDialog(); });
    addAction(tools, QStringLiteral("actBaselines"), tr("Run baselines…"),
              QKeySequence(Qt::CTRL | Qt::Key_B), [this] { baselinesDialog(); });
    addAction(tools, QStringLiteral("actComputeMetrics"), tr("Compute metrics"),
              QKeySequence(Qt::CTRL | Qt::Key_M), [this] { metrics_->compute(); });
    addAction(tools, QStringLiteral("actIntensityCurves"), tr("Mean-intensity curves"),
              QKeySequence(Qt::CTRL | Qt::Key_I), [this] { metrics_->intensityPlot()->compute(); });
    addAction(tools, QStringLiteral("actPickColumn"), tr("Pick x–t column"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X), [this] {
                  annotate_->setAnnotateMode(false);
                  slices_->beginPick(Qt::Vertical);
              });
    addAction(tools, QStringLiteral("actPickRow"), tr("Pick y–t row"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Y), [this] {
                  annotate_->setAnnotateMode(false);
                  slices_->beginPick(Qt::Horizontal);
              });
    addAction(tools, QStringLiteral("actDegrade"), tr("Simulate degradation…"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D), [this] { degradeDialog(); });
}

void MainWindow::buildDocks() {
    // Streams
    auto* dock = new QDockWidget(tr("Streams"), this);
    dock->setObjectName(QStringLiteral("dockStreams"));
    streamList_ = new QListWidget(dock);
    streamList_->setObjectName(QStringLiteral("streamList"));
    streamList_->setContextMenuPolicy(Qt::ActionsContextMenu);
    dock->setWidget(streamList_);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    connect(streamList_, &QListWidget::itemChanged, this, [this](QListWidgetItem* it) {
        if (updatingStreams_) return;
        const int id = it->data(Qt::UserRole).toInt();
        ws_->setStreamVisible(id, it->checkState() == Qt::Checked);
        if (it->text() != ws_->stream(id)->name) ws_->renameStream(id, it->text());
    });
    connect(streamList_, &QListWidget::itemDoubleClicked, this,
            [this](QListWidgetItem* it) { streamList_->editItem(it); });
    auto* colorAct = new QAction(tr("Colour tag…"), streamList_);
    connect(colorAct, &QAction::triggered, this, [this] {
        auto* it = streamList_->currentItem();
        if (!it) return;
        const int id = it->data(Qt::UserRole).toInt();
        const QColor c = QColorDialog::getColor(ws_->stream(id)->color, this);
        if (c.isValid()) ws_->setStreamColor(id, c);
    });
    streamList_->addAction(colorAct);
    auto* compareAct = new QAction(tr("Compare with next selected (wipe/difference)"), streamList_);
    connect(compareAct, &QAction::triggered, this, [this] {
        auto sel = streamList_->selectedItems();
        if (sel.size() >= 2)
            viewer_->setCompared(sel[0]->data(Qt::UserRole).toInt(),
                                 sel[1]->data(Qt::UserRole).toInt());
        else if (sel.size() == 1)
            viewer_->setCompared(sel[0]->data(Qt::UserRole).toInt(), viewer_->comparedB());
    });
    streamList_->addAction(compareAct);
    streamList_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    // The same two actions in the menu bar, with keys (they act on the Streams list's
    // current / selected items).
    colorAct->setObjectName(QStringLiteral("actStreamColor"));
    colorAct->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    compareAct->setObjectName(QStringLiteral("actCompareSelected"));
    compareAct->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
    for (QAction* a : {colorAct, compareAct}) {
        a->setShortcutContext(Qt::WindowShortcut);
        viewMenu_->addAction(a);
        QMainWindow::addAction(a);
    }
    viewMenu_->addAction(dock->toggleViewAction());

    // Pixel inspector
    auto* idock = new QDockWidget(tr("Pixel inspector"), this);
    idock->setObjectName(QStringLiteral("dockInspector"));
    inspector_ = new QTreeWidget(idock);
    inspector_->setObjectName(QStringLiteral("inspector"));
    inspector_->setHeaderLabels({tr("Stream"), tr("Value (R G B)")});
    inspector_->setRootIsDecorated(false);
    idock->setWidget(inspector_);
    addDockWidget(Qt::LeftDockWidgetArea, idock);
    viewMenu_->addAction(idock->toggleViewAction());

    auto* jdock = new QDockWidget(tr("Jobs"), this);
    jdock->setObjectName(QStringLiteral("dockJobs"));
    jobsPanel_ = new JobsPanel(jobs_, jdock);
    jdock->setWidget(jobsPanel_);
    addDockWidget(Qt::BottomDockWidgetArea, jdock);
    viewMenu_->addAction(jdock->toggleViewAction());

    auto* mdock = new QDockWidget(tr("Metrics"), this);
    mdock->setObjectName(QStringLiteral("dockMetrics"));
    metrics_ = new MetricsPanel(ws_, jobs_, mdock);
    mdock->setWidget(metrics_);
    addDockWidget(Qt::RightDockWidgetArea, mdock);
    viewMenu_->addAction(mdock->toggleViewAction());

    auto* sdock = new QDockWidget(tr("Stages"), this);
    sdock->setObjectName(QStringLiteral("dockStages"));
    stage_ = new StagePanel(ws_, viewer_, jc_, sdock);
    sdock->setWidget(stage_);
    addDockWidget(Qt::RightDockWidgetArea, sdock);
    tabifyDockWidget(mdock, sdock);
    mdock->raise();
    viewMenu_->addAction(sdock->toggleViewAction());

    auto* xdock = new QDockWidget(tr("x–t slices"), this);
    xdock->setObjectName(QStringLiteral("dockSlices"));
    slices_ = new SliceView(ws_, viewer_, jobs_, xdock);
    connect(slices_, &SliceView::seekRequested, ws_, &Workspace::setFrame);
    connect(slices_, &SliceView::pickArmed, xdock, [xdock](bool on) {
        if (!on) return;
        xdock->show();
        xdock->raise();
    });
    xdock->setWidget(slices_);
    addDockWidget(Qt::BottomDockWidgetArea, xdock);
    tabifyDockWidget(jdock, xdock);
    jdock->raise();
    viewMenu_->addAction(xdock->toggleViewAction());
}

void MainWindow::degradeDialog() {
    if (!ws_->hasPair()) return;
    DegradeDialog dlg(ws_, this);
    if (dlg.exec() != QDialog::Accepted) return;
    try {
        startDegrade(ws_, jobs_, dlg.request(), [this](const DegradeResult& r) {
            offerDegraded(this, ws_, r, [this](const QString& e) {
                if (e.isEmpty())
                    showBanner(ws_->warnings());
                else
                    showError(tr("Degraded pair"), e);
            });
        });
    } catch (const std::exception& e) {
        showError(tr("Cannot degrade"), QString::fromStdString(e.what()));
    }
}

void MainWindow::fuseDialog() {
    if (!ws_->hasPair()) return;
    FuseDialog dlg(jc_, ws_, this);
    if (dlg.exec() != QDialog::Accepted) return;
    try {
        jc_->startFuse(dlg.request());
    } catch (const std::exception& e) {
        showError(tr("Cannot start VideoFusion"), QString::fromStdString(e.what()));
    }
}

void MainWindow::baselinesDialog() {
    if (!ws_->hasPair()) return;
    BaselinesDialog dlg(jc_, ws_, this);
    if (dlg.exec() != QDialog::Accepted) return;
    for (const FuseRequest& r : dlg.requests()) {
        try {
            jc_->startFuse(r);
        } catch (const std::exception& e) {
            showError(tr("Cannot start %1").arg(r.method), QString::fromStdString(e.what()));
        }
    }
}

void MainWindow::addStreamDialog() {
    if (!ws_->hasPair()) return;
    const QString f =
        QFileDialog::getOpenFileName(this, tr("Add a stream (video or first image of a folder)"));
    if (f.isEmpty()) return;
    try {
        ws_->addExternalStream(f);
    } catch (const std::exception& e) {
        showError(tr("Cannot add the stream"), QString::fromStdString(e.what()));
    }
}

void MainWindow::preferencesDialog() {
    QDialog dlg(this);
    dlg.setWindowTitle(tr("Preferences"));
    auto* fl = new QFormLayout(&dlg);
    QSettings st;
    auto* budget = new QSpinBox(&dlg);
    budget->setRange(64, 65536);
    budget->setSuffix(QStringLiteral(" MB"));
    budget->setValue(int(ws_->server()->stats().budgetBytes >> 20));
    fl->addRow(tr("Frame cache budget"), budget);
    auto* autosaveBox = new QSpinBox(&dlg);
    autosaveBox->setRange(5, 3600);
    autosaveBox->setSuffix(QStringLiteral(" s"));
    autosaveBox->setValue(st.value(QStringLiteral("session/autosaveSeconds"), 60).toInt());
    fl->addRow(tr("Autosave every"), autosaveBox);
    auto* cache = new QLineEdit(jc_->cacheDir(), &dlg);
    fl->addRow(tr("Result cache folder"), cache);
    auto* bb = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dlg);
    connect(bb, &QDialogButtonBox::accepted, &dlg, &QDialog::accept);
    connect(bb, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
    fl->addRow(bb);
    if (dlg.exec() != QDialog::Accepted) return;
    st.setValue(QStringLiteral("cache/budgetMB"), budget->value());
    ws_->server()->cache().setBudget(size_t(budget->value()) << 20);
    st.setValue(QStringLiteral("session/autosaveSeconds"), autosaveBox->value());
    autosaveTimer_.start(autosaveBox->value() * 1000);
    st.setValue(QStringLiteral("cache/dir"), cache->text());
    jc_->setCacheDir(cache->text());
}

// ------------------------------------------------------------------------------ sessions
QJsonObject MainWindow::sessionJson() const {
    QJsonObject o;
    o[QStringLiteral("format")] = QStringLiteral("vfstudio-session");
    o[QStringLiteral("version")] = 1;
    o[QStringLiteral("inputs")] = QJsonArray::fromStringList(ws_->inputPaths());
    o[QStringLiteral("m3svdSequence")] = ws_->m3svdSequence();
    o[QStringLiteral("frame")] = double(ws_->frame());
    QJsonArray streams;
    int idxA = -1, idxB = -1, i = 0;
    for (const auto& s : ws_->streams()) {
        QJsonObject j;
        j[QStringLiteral("name")] = s.name;
        j[QStringLiteral("role")] = roleName(s.role);
        j[QStringLiteral("color")] = s.color.name();
        j[QStringLiteral("visible")] = s.visible;
        j[QStringLiteral("path")] = s.path;
        if (!s.method.isEmpty()) {
            j[QStringLiteral("request")] = s.params;
            j[QStringLiteral("cacheKey")] = s.cacheKey;
            j[QStringLiteral("complete")] = s.complete;
        }
        if (s.id == viewer_->comparedA()) idxA = i;
        if (s.id == viewer_->comparedB()) idxB = i;
        streams.append(j);
        ++i;
    }
    o[QStringLiteral("streams")] = streams;
    const ViewSync* vs = const_cast<Viewer*>(viewer_)->sync();
    o[QStringLiteral("layout")] = QJsonObject{
        {QStringLiteral("mode"), Viewer::layoutName(viewer_->layoutMode())},
        {QStringLiteral("compared"), QJsonArray{idxA, idxB}},
        {QStringLiteral("diffKind"), QString::fromLatin1(diffKindName(viewer_->diffKind()))},
        {QStringLiteral("diffRange"), viewer_->diffRange()},
        {QStringLiteral("fit"), vs->fit()},
        {QStringLiteral("zoom"), vs->zoom()},
        {QStringLiteral("centerX"), vs->center().x()},
        {QStringLiteral("centerY"), vs->center().y()},
        {QStringLiteral("magnifier"), vs->magnifier()}};
    QJsonArray marks;
    for (qint64 m : marks_)
        marks.append(double(m));
    o[QStringLiteral("marks")] = marks;
    o[QStringLiteral("loop")] = QJsonObject{{QStringLiteral("in"), double(loopIn_)},
                                            {QStringLiteral("out"), double(loopOut_)},
                                            {QStringLiteral("enabled"), loop_}};
    o[QStringLiteral("speed")] = speed_;
    o[QStringLiteral("annotations")] = annotate_->sessionJson();
    return o;
}

void MainWindow::saveSession(const QString& path) {
    if (!ws_->hasPair())
        throw vf::Error(vf::ErrorCode::InvalidArgument, "nothing to save: no pair is open");
    QSaveFile f(path); // atomic: temporary file + rename
    if (!f.open(QIODevice::WriteOnly))
        throw vf::Error(vf::ErrorCode::WriteFailed,
                        path.toStdString() + ": " + f.errorString().toStdString(),
                        path.toStdString());
    f.write(QJsonDocument(sessionJson()).toJson());
    if (!f.commit())
        throw vf::Error(vf::ErrorCode::WriteFailed,
                        path.toStdString() + ": " + f.errorString().toStdString(),
                        path.toStdString());
    if (path != autosavePath()) {
        sessionPath_ = path;
        addRecentSession(path);
    }
}

void MainWindow::openSession(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw vf::Error(vf::ErrorCode::NotFound,
                        path.toStdString() + ": " + f.errorString().toStdString(),
                        path.toStdString());
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &perr);
    if (doc.isNull() || !doc.isObject())
        throw vf::Error(vf::ErrorCode::Corrupt,
                        path.toStdString() + ": not a JSON document (" +
                            perr.errorString().toStdString() + " at offset " +
                            std::to_string(perr.offset) + ")",
                        path.toStdString());
    const QJsonObject o = doc.object();
    if (o.value(QStringLiteral("format")).toString() != QLatin1String("vfstudio-session"))
        throw vf::Error(vf::ErrorCode::Unsupported,
                        path.toStdString() + ": not a vfstudio session file", path.toStdString());
    const int version = o.value(QStringLiteral("version")).toInt();
    if (version < 1 || version > 1)
        throw vf::Error(vf::ErrorCode::Unsupported,
                        path.toStdString() + ": session version " + std::to_string(version) +
                            " is not supported (this vfstudio reads version 1)",
                        path.toStdString());
    QStringList inputs;
    for (const auto& v : o.value(QStringLiteral("inputs")).toArray())
        inputs << v.toString();
    setPlaying(false);
    ws_->openPaths(inputs, o.value(QStringLiteral("m3svdSequence")).toString());
    QStringList warnings = ws_->warnings();
    const QJsonArray streams = o.value(QStringLiteral("streams")).toArray();
    std::vector<int> ids;
    for (const auto& sv : streams) {
        const QJsonObject j = sv.toObject();
        const StreamRole role = roleFromName(j.value(QStringLiteral("role")).toString());
        int id = -1;
        if (j.contains(QStringLiteral("request"))) {
            const FuseRequest r =
                fuseRequestFromJson(j.value(QStringLiteral("request")).toObject());
            const QString key = j.value(QStringLiteral("cacheKey")).toString();
            if (const StreamItem* s = ws_->streamByCacheKey(key)) {
                id = s->id;
            } else if (QFileInfo::exists(jc_->resultFolder(r) + QStringLiteral("/meta.json"))) {
                try {
                    jc_->startFuse(r); // complete in the cache: added at once, no job
                } catch (const std::exception& e) {
                    warnings << QString::fromStdString(e.what());
                }
                if (const StreamItem* s = ws_->streamByCacheKey(key)) id = s->id;
            } else {
                warnings << tr("%1: its cached result is missing or incomplete; run it again")
                                .arg(j.value(QStringLiteral("name")).toString());
            }
        } else if (role <= StreamRole::RefVisible) {
            if (const StreamItem* s = ws_->streamByRole(role)) id = s->id;
        } else {
            try {
                id = ws_->addExternalStream(j.value(QStringLiteral("path")).toString(),
                                            j.value(QStringLiteral("name")).toString());
            } catch (const std::exception& e) {
                warnings << QString::fromStdString(e.what());
            }
        }
        ids.push_back(id);
        if (id < 0) continue;
        ws_->renameStream(id, j.value(QStringLiteral("name")).toString());
        ws_->setStreamColor(id, QColor(j.value(QStringLiteral("color")).toString()));
        ws_->setStreamVisible(id, j.value(QStringLiteral("visible")).toBool(true));
    }
    // Stream order as saved.
    for (size_t k = 0; k < ids.size(); ++k) {
        if (ids[k] < 0) continue;
        int pos = 0;
        for (const auto& s : ws_->streams()) {
            if (s.id == ids[k]) break;
            ++pos;
        }
        int want = 0;
        for (size_t q = 0; q < k; ++q)
            want += ids[q] >= 0;
        ws_->moveStream(ids[k], want - pos);
    }
    const QJsonObject lay = o.value(QStringLiteral("layout")).toObject();
    const QJsonArray cmp = lay.value(QStringLiteral("compared")).toArray();
    auto idAt = [&ids](int i) { return i >= 0 && size_t(i) < ids.size() ? ids[size_t(i)] : -1; };
    viewer_->setCompared(idAt(cmp.at(0).toInt(-1)), idAt(cmp.at(1).toInt(-1)));
    const QString dk = lay.value(QStringLiteral("diffKind")).toString();
    viewer_->setDiffKind(dk == QLatin1String("signed") ? DiffKind::Signed
                         : dk == QLatin1String("luma") ? DiffKind::Luma
                                                       : DiffKind::Absolute);
    viewer_->setDiffRange(lay.value(QStringLiteral("diffRange")).toDouble(64));
    viewer_->setLayoutMode(Viewer::layoutFromName(lay.value(QStringLiteral("mode")).toString()));
    if (lay.value(QStringLiteral("fit")).toBool(true))
        viewer_->sync()->setFit();
    else
        viewer_->sync()->setZoom(lay.value(QStringLiteral("zoom")).toDouble(1),
                                 QPointF(lay.value(QStringLiteral("centerX")).toDouble(),
                                         lay.value(QStringLiteral("centerY")).toDouble()));
    viewer_->sync()->setMagnifier(lay.value(QStringLiteral("magnifier")).toBool());
    marks_.clear();
    for (const auto& m : o.value(QStringLiteral("marks")).toArray())
        marks_.insert(qint64(m.toDouble()));
    timeline_->setMarks(marks_);
    const QJsonObject loop = o.value(QStringLiteral("loop")).toObject();
    setLoop(qint64(loop.value(QStringLiteral("in")).toDouble()),
            qint64(loop.value(QStringLiteral("out")).toDouble()),
            loop.value(QStringLiteral("enabled")).toBool());
    setSpeed(o.value(QStringLiteral("speed")).toDouble(1.0));
    ws_->setFrame(qint64(o.value(QStringLiteral("frame")).toDouble()));
    try {
        annotate_->restoreSession(o.value(QStringLiteral("annotations")).toObject());
    } catch (const std::exception& e) {
        warnings << QString::fromStdString(e.what());
    }
    showBanner(warnings);
    if (path != autosavePath()) {
        sessionPath_ = path;
        addRecentSession(path);
    }
}

QString MainWindow::autosavePath() const {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dir);
    return dir + QStringLiteral("/autosave.vfsession.json");
}

void MainWindow::autosave() {
    if (!ws_->hasPair()) return;
    try {
        saveSession(autosavePath());
    } catch (const std::exception&) {
        // autosave is best effort; the next tick tries again
    }
}

void MainWindow::addRecentSession(const QString& path) {
    QSettings st;
    QStringList r = st.value(QStringLiteral("recent/sessions")).toStringList();
    r.removeAll(path);
    r.prepend(path);
    while (r.size() > 10)
        r.removeLast();
    st.setValue(QStringLiteral("recent/sessions"), r);
    rebuildRecentSessions();
}

void MainWindow::rebuildRecentSessions() {
    if (!recentSessions_) return;
    recentSessions_->clear();
    const QStringList r = QSettings().value(QStringLiteral("recent/sessions")).toStringList();
    for (const QString& p : r) {
        auto* a = recentSessions_->addAction(QFileInfo(p).fileName());
        a->setToolTip(p);
        connect(a, &QAction::triggered, this, [this, p] {
            try {
                openSession(p);
            } catch (const std::exception& e) {
                showError(tr("Cannot open the session"), QString::fromStdString(e.what()));
            }
        });
    }
    if (r.isEmpty()) recentSessions_->addAction(tr("(none)"))->setEnabled(false);
}

void MainWindow::updateStreamsDock() {
    updatingStreams_ = true;
    streamList_->clear();
    for (const auto& s : ws_->streams()) {
        auto* it = new QListWidgetItem(s.name, streamList_);
        it->setData(Qt::UserRole, s.id);
        it->setFlags(it->flags() | Qt::ItemIsUserCheckable | Qt::ItemIsEditable);
        it->setCheckState(s.visible ? Qt::Checked : Qt::Unchecked);
        QPixmap pm(12, 12);
        pm.fill(s.color);
        it->setIcon(QIcon(pm));
        QString tip = roleName(s.role) + QStringLiteral("\n") + s.path;
        if (s.computed())
            tip +=
                QStringLiteral("\n%1 — %2/%3 frames").arg(s.method).arg(s.produced).arg(s.frames);
        it->setToolTip(tip);
    }
    updatingStreams_ = false;
}

void MainWindow::updateInspector() {
    if (!inspector_) return;
    ViewSync* s = viewer_->sync();
    inspector_->clear();
    if (!ws_->hasPair()) return;
    const QPointF p = s->cursor();
    auto* head = new QTreeWidgetItem(
        inspector_,
        {tr("position"), s->cursorInside()
                             ? QStringLiteral("x %1  y %2").arg(int(p.x())).arg(int(p.y()))
                             : tr("(outside)")});
    (void)head;
    if (!s->cursorInside()) return;
    for (const auto& [name, value] : viewer_->valuesAt(p))
        new QTreeWidgetItem(inspector_, {name, value});
}

void MainWindow::updateStatus() {
    const auto st = ws_->server()->stats();
    statusCache_->setText(tr("Cache %1 / %2 MB (%3 frames)")
                              .arg(double(st.bytesUsed) / (1 << 20), 0, 'f', 0)
                              .arg(double(st.budgetBytes) / (1 << 20), 0, 'f', 0)
                              .arg(st.frames));
}

void MainWindow::updateTransport() {
    const qint64 f = ws_->frame();
    timeline_->setFrame(f);
    {
        QSignalBlocker b(frameBox_);
        frameBox_->setValue(int(f));
    }
    QList<QPair<QColor, qint64>> bars;
    for (const auto& s : ws_->streams())
        if (s.computed())
            bars.append(
                {s.color, s.complete ? s.firstFrame + s.frames : s.firstFrame + s.produced});
    timeline_->setProduced(bars);
    const double fps = ws_->fps();
    statusFrame_->setText(tr("Frame %1 / %2   %3 s   %4 fps")
                              .arg(f)
                              .arg(std::max<qint64>(0, ws_->frameCount() - 1))
                              .arg(fps > 0 ? f / fps : 0, 0, 'f', 3)
                              .arg(fps, 0, 'f', 2));
}

void MainWindow::showBanner(const QStringList& warnings) {
    if (warnings.isEmpty()) {
        banner_->hide();
        return;
    }
    bannerLabel_->setText(QStringLiteral("⚠ ") + warnings.join(QStringLiteral("\n⚠ ")));
    banner_->show();
}
QString MainWindow::bannerText() const {
    return bannerLabel_->text();
}
bool MainWindow::bannerVisible() const {
    return !banner_->isHidden();
}

void MainWindow::showError(const QString& title, const QString& message) {
    lastError_ = message;
    auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open(); // window-modal, does not block the event loop
    Q_EMIT errorShown(message);
}

bool MainWindow::openPaths(const QStringList& paths, const QString& sequence) {
    setPlaying(false);
    try {
        ws_->openPaths(paths, sequence);
    } catch (const std::exception& e) {
        showError(tr("Cannot open"), QString::fromStdString(e.what()));
        return false;
    }
    showBanner(ws_->warnings());
    addRecent(ws_->inputPaths());
    return true;
}

bool MainWindow::openDemo() {
    try {
        const auto ir = vf::demoInfrared(), vi = vf::demoVisible();
        return openPaths(
            {QString::fromStdString(ir.string()), QString::fromStdString(vi.string())});
    } catch (const std::exception& e) {
        showError(tr("Demo pair"), QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::openPairDialog() {
    QSettings settings;
    const QString dir = settings.value(QStringLiteral("recent/dir")).toString();
    const QString filter = tr("Videos and images (*.mp4 *.mkv *.avi *.mov *.webm *.m4v *.png *.jpg "
                              "*.bmp *.tif *.tiff);;All files (*)");
    const QString ir =
        QFileDialog::getOpenFileName(this, tr("Open the infrared video"), dir, filter);
    if (ir.isEmpty()) return;
    const QString vi = QFileDialog::getOpenFileName(this, tr("Open the visible video"),
                                                    QFileInfo(ir).absolutePath(), filter);
    if (vi.isEmpty()) return;
    settings.setValue(QStringLiteral("recent/dir"), QFileInfo(ir).absolutePath());
    openPaths({ir, vi});
}

void MainWindow::openFolderDialog() {
    QSettings settings;
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open an M3SVD root or a folder with an infrared/visible pair"),
        settings.value(QStringLiteral("recent/dir")).toString());
    if (dir.isEmpty()) return;
    settings.setValue(QStringLiteral("recent/dir"), dir);
    QString seq;
    try {
        if (vf::io::isM3svdRoot(dir.toStdString())) {
            auto layout = vf::io::scanM3svd(dir.toStdString());
            QStringList names;
            for (const auto& s : layout.sequences)
                names << QString::fromStdString(s.split.empty() ? s.name : s.split + "/" + s.name) +
                             (s.isVideo ? tr(" (video)") : QString());
            if (names.size() > 1) {
                bool ok = false;
                const QString pick = QInputDialog::getItem(this, tr("M3SVD sequence"),
                                                           tr("Sequence:"), names, 0, false, &ok);
                if (!ok) return;
                seq = QString::fromStdString(layout.sequences[size_t(names.indexOf(pick))].name);
            }
        }
    } catch (const std::exception& e) {
        showError(tr("Cannot open"), QString::fromStdString(e.what()));
        return;
    }
    openPaths({dir}, seq);
}

void MainWindow::gotoFrameDialog() {
    bool ok = false;
    const int f = QInputDialog::getInt(this, tr("Go to frame"), tr("Frame:"), int(ws_->frame()), 0,
                                       int(std::max<qint64>(0, ws_->frameCount() - 1)), 1, &ok);
    if (ok) ws_->setFrame(f);
}

void MainWindow::addRecent(const QStringList& paths) {
    if (paths.isEmpty()) return;
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recent/pairs")).toStringList();
    const QString entry = paths.join(QLatin1Char('\t'));
    recent.removeAll(entry);
    recent.prepend(entry);
    while (recent.size() > 10)
        recent.removeLast();
    settings.setValue(QStringLiteral("recent/pairs"), recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recent/pairs")).toStringList();
    int n = 0;
    for (const QString& entry : recent) {
        const QStringList paths = entry.split(QLatin1Char('\t'));
        QStringList names;
        for (const QString& p : paths)
            names << QFileInfo(p).fileName();
        auto* a = recentMenu_->addAction(
            QStringLiteral("&%1 %2").arg(++n).arg(names.join(QStringLiteral(" + "))));
        a->setToolTip(paths.join(QLatin1Char('\n')));
        connect(a, &QAction::triggered, this, [this, paths] { openPaths(paths); });
    }
    if (recent.isEmpty()) recentMenu_->addAction(tr("(none)"))->setEnabled(false);
}

void MainWindow::setPlaying(bool on) {
    if (on == playing()) return;
    if (on && ws_->frameCount() > 0) {
        playTimer_.start(std::max(1, int(std::lround(1000.0 / (ws_->fps() * speed_)))));
        playButton_->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
    } else {
        playTimer_.stop();
        playButton_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    }
}

void MainWindow::setSpeed(double s) {
    speed_ = std::clamp(s, 1.0 / 16, 16.0);
    for (int i = 0; i < speedBox_->count(); ++i)
        if (std::abs(speedBox_->itemData(i).toDouble() - speed_) < 1e-9)
            speedBox_->setCurrentIndex(i);
    if (playing())
        playTimer_.setInterval(std::max(1, int(std::lround(1000.0 / (ws_->fps() * speed_)))));
}

void MainWindow::setLoop(qint64 in, qint64 out, bool enabled) {
    loopIn_ = std::min(in, out);
    loopOut_ = std::max(in, out);
    loop_ = enabled;
    timeline_->setLoop(loopIn_, loopOut_, loop_);
}

void MainWindow::toggleMark(qint64 f) {
    if (marks_.contains(f))
        marks_.remove(f);
    else
        marks_.insert(f);
    timeline_->setMarks(marks_);
}

void MainWindow::onPlayTick() {
    // Every pane shows the same frame: advance only when all panes have the current one.
    if (!viewer_->allCurrent()) return;
    const qint64 f = ws_->frame();
    const qint64 last = loop_ ? loopOut_ : ws_->frameCount() - 1;
    if (f >= last) {
        if (loop_)
            ws_->setFrame(loopIn_);
        else
            setPlaying(false);
        return;
    }
    ws_->step(1);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    QStringList paths;
    for (const QUrl& u : e->mimeData()->urls())
        if (u.isLocalFile()) paths << u.toLocalFile();
    if (paths.isEmpty()) return;
    e->acceptProposedAction();
    openPaths(paths);
}

void MainWindow::closeEvent(QCloseEvent* e) {
    QSettings().setValue(QStringLiteral("window/geometry"), saveGeometry());
    setPlaying(false);
    autosave();
    jobs_->cancelAll();
    e->accept();
}

} // namespace vf::ui
