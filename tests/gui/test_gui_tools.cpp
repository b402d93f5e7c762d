// The main window's annotation tools (issue #7) and temporal views (issue #6), and the
// "Simulate degradation" job (issue #8), on the demo pair (60 frames, 640x480):
//  * annotate mode: a box drawn with mouse events on a pane, a keyframe added at another frame
//    (Ctrl+K) and moved, the interpolated box on a middle frame, keys shared with playback
//    (O = toggle outside in annotate mode, loop end otherwise), undo/redo by shortcut, the
//    annotations saved with the session and back after reopening it, crash recovery offered
//    when the pair opens, region metrics (EN inside the box, checked against a hand-computed
//    histogram entropy), export/import through the tools (vfstudio JSON, CVAT XML; a broken
//    file is refused with its name), the blind A/B dialog started for two streams (names
//    hidden, frames spread over the clip, votes by key, ranking);
//  * mean-intensity curves (values against cv::mean of the grey frames; click seeks) and the
//    x–t slice (pick a column with the tool and a click on a pane; width = frames, height =
//    frame height, pixels = the source column; click seeks);
//  * degradation of a frame range written in the M3SVD layout (clean copies exact, degraded
//    frames = core/degrade's documented per-frame seeding), cancel leaves nothing, the result
//    opens as a pair with references.
// Screenshots of each view go to $VF_TEST_OUTPUT.
#include <QtTest/QtTest>

#include <QApplication>
#include <QChartView>
#include <QDockWidget>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QUndoStack>

#include <cmath>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "GuiTestUtil.h"
#include "core/annotate/Autosave.h"
#include "core/common/Resources.h"
#include "core/degrade/Degrade.h"
#include "core/io/FrameSource.h"
#include "core/metrics/Metrics.h"
#include "ui/AnnotateTools.h"
#include "ui/DegradeDialog.h"
#include "ui/MainWindow.h"
#include "ui/MetricsPanel.h"
#include "ui/TemporalViews.h"
#include "ui/Theme.h"
#include "ui/annotate/AnnotationController.h"
#include "ui/annotate/AnnotationOverlay.h"
#include "ui/annotate/BlindCompareDialog.h"

using namespace vf::ui;
namespace fs = std::filesystem;

namespace {
// Mouse drag with the left button held during the moves (QTest::mouseMove sends no buttons).
void drag(QWidget* w, QPointF from, QPointF to) {
    QTest::mousePress(w, Qt::LeftButton, Qt::NoModifier, from.toPoint());
    for (int k = 1; k <= 4; ++k) {
        const QPointF p = from + (to - from) * (k / 4.0);
        QMouseEvent move(QEvent::MouseMove, p, w->mapToGlobal(p), Qt::NoButton, Qt::LeftButton,
                         Qt::NoModifier);
        QApplication::sendEvent(w, &move);
    }
    QTest::mouseRelease(w, Qt::LeftButton, Qt::NoModifier, to.toPoint());
}
bool waitJob(Job* j, int ms) {
    QElapsedTimer t;
    t.start();
    while (j && !j->done() && t.elapsed() < ms)
        QTest::qWait(20);
    return j && j->done();
}
// Shannon entropy (bits) of the 256-bin histogram of grey pixels inside `r`.
double entropyIn(const cv::Mat& grey, cv::Rect r) {
    double hist[256] = {};
    for (int y = r.y; y < r.y + r.height; ++y)
        for (int x = r.x; x < r.x + r.width; ++x)
            hist[grey.at<uchar>(y, x)] += 1;
    const double n = double(r.area());
    double e = 0;
    for (double h : hist)
        if (h > 0) e -= h / n * std::log2(h / n);
    return e;
}
} // namespace

class TestGuiTools : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::unique_ptr<MainWindow> w_;
    Workspace* ws() { return w_->workspace(); }
    AnnotationController* ann() { return w_->annotateTools()->controller(); }
    ImageView* pane(int i) { return w_->viewer()->panes().at(size_t(i)); }
    const StreamItem* streamOf(StreamRole r) { return ws()->streamByRole(r); }

private Q_SLOTS:
    void initTestCase() {
        initGuiTestSettings(QStringLiteral("test_gui_tools"),
                            tmp_.filePath(QStringLiteral("cache")));
        // Annotation documents of earlier runs would be loaded with the pair.
        QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
             QStringLiteral("/annotations"))
            .removeRecursively();
        applyDarkTheme(*qApp);
        if (!std::filesystem::exists(vf::demoInfrared())) QSKIP("demo pair not present");
        w_ = std::make_unique<MainWindow>();
        w_->resize(1500, 950);
        w_->show();
        QVERIFY(QTest::qWaitForWindowExposed(w_.get()));
        QVERIFY(w_->openDemo());
        QCOMPARE(ws()->frameCount(), qint64(60));
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
    }
    void cleanupTestCase() { w_.reset(); }

    void everyActionHasAMenuAndAShortcut() {
        for (const QString& name :
             {QStringLiteral("actAnnotateMode"), QStringLiteral("actAddKeyframe"),
              QStringLiteral("actExportAnnotations"), QStringLiteral("actImportAnnotations"),
              QStringLiteral("actRegionMetrics"), QStringLiteral("actBlindCompare"),
              QStringLiteral("actPickColumn"), QStringLiteral("actPickRow"),
              QStringLiteral("actDegrade"), QStringLiteral("actFuse"),
              QStringLiteral("actBaselines"), QStringLiteral("actIntensityCurves")}) {
            QAction* a = w_->action(name);
            QVERIFY2(a, qPrintable(name));
            QVERIFY2(!a->shortcut().isEmpty(), qPrintable(name));
            bool inMenu = false;
            for (QObject* o : a->associatedObjects())
                inMenu = inMenu || qobject_cast<QMenu*>(o);
            QVERIFY2(inMenu, qPrintable(name));
        }
        // Every dock can be shown / hidden from the View menu by key.
        for (QDockWidget* d : w_->findChildren<QDockWidget*>())
            QVERIFY2(!d->toggleViewAction()->shortcut().isEmpty(), qPrintable(d->objectName()));
        // No two enabled window actions share a key (ambiguous shortcuts fire neither).
        for (bool mode : {false, true}) {
            w_->annotateTools()->setAnnotateMode(mode);
            QMap<QString, QString> seen;
            QList<QAction*> all = w_->actions();
            for (QDockWidget* d : w_->findChildren<QDockWidget*>())
                all << d->toggleViewAction();
            for (QAction* a : all) {
                if (!a->isEnabled() || a->shortcut().isEmpty()) continue;
                const QString k = a->shortcut().toString();
                QVERIFY2(!seen.contains(k),
                         qPrintable(k + ": " + seen.value(k) + " and " + a->objectName()));
                seen[k] = a->objectName();
            }
        }
        w_->annotateTools()->setAnnotateMode(false);
    }

    void drawKeyframeInterpolateUndo() {
        ws()->setFrame(0);
        QTest::keyClick(w_.get(), Qt::Key_A); // annotate mode
        QVERIFY(w_->annotateTools()->annotateMode());
        const auto& ovs = w_->annotateTools()->overlays();
        QCOMPARE(ovs.size(), w_->viewer()->panes().size()); // one overlay per pane
        for (const auto& o : ovs)
            QVERIFY(o && o->editing());
        // Draw on the visible pane from pair (100,80) to (300,240).
        ImageView* v = w_->viewer()->paneForStream(streamOf(StreamRole::Visible)->id);
        AnnotationOverlay* ov = nullptr;
        for (const auto& o : ovs)
            if (o->parentWidget() == v) ov = o;
        QVERIFY(ov);
        const double s = v->scale();
        drag(ov, v->toWidget({100, 80}), v->toWidget({300, 240}));
        const auto& doc = ann()->document();
        QCOMPARE(int(doc.tracks.size()), 1);
        const int id = doc.tracks[0].id;
        QCOMPARE(ann()->selectedTrack(), id);
        const vf::annotate::Rect k0 = doc.tracks[0].keys[0].box;
        QCOMPARE(doc.tracks[0].keys[0].frame, 0);
        // Widget pixels are whole numbers: the box is within one screen pixel of the drag.
        const double tol = 1.0 / s + 1e-6;
        QVERIFY2(std::abs(k0.x - 100) <= tol && std::abs(k0.y - 80) <= tol &&
                     std::abs(k0.w - 200) <= 2 * tol && std::abs(k0.h - 160) <= 2 * tol,
                 qPrintable(QStringLiteral("%1 %2 %3 %4").arg(k0.x).arg(k0.y).arg(k0.w).arg(k0.h)));

        // Frame 20: add a keyframe (Ctrl+K), then move it by pair (+60, +40) on the IR pane.
        ws()->setFrame(20);
        QCOMPARE(ann()->frame(), 20);
        QTest::keyClick(w_.get(), Qt::Key_K, Qt::ControlModifier);
        QVERIFY(ann()->document().track(id)->keyAt(20));
        QCOMPARE(ann()->document().track(id)->keyAt(20)->box, k0);
        ImageView* irPane = w_->viewer()->paneForStream(streamOf(StreamRole::Infrared)->id);
        AnnotationOverlay* irOv = nullptr;
        for (const auto& o : ovs)
            if (o->parentWidget() == irPane) irOv = o;
        QVERIFY(irOv);
        drag(irOv, irPane->toWidget({200, 160}), irPane->toWidget({260, 200}));
        const vf::annotate::Rect k20 = ann()->document().track(id)->keyAt(20)->box;
        QVERIFY(std::abs(k20.x - (k0.x + 60)) <= 2 * tol &&
                std::abs(k20.y - (k0.y + 40)) <= 2 * tol);
        QCOMPARE(k20.w, k0.w);
        QCOMPARE(k20.h, k0.h);
        // Frame 5 lies a quarter of the way from key 0 to key 20.
        const auto mid = ann()->document().track(id)->boxAt(5, 60);
        QVERIFY(mid && !mid->keyframe);
        QVERIFY(std::abs(mid->box.x - (k0.x + (k20.x - k0.x) * 0.25)) < 1e-9);
        QVERIFY(std::abs(mid->box.y - (k0.y + (k20.y - k0.y) * 0.25)) < 1e-9);
        ws()->setFrame(5);
        QTest::qWait(50);
        saveScreenshot(w_.get(), QStringLiteral("tools_annotate_interpolated"));

        // Shared keys: O toggles "outside" in annotate mode ...
        ws()->setFrame(20);
        QVERIFY(!w_->loopEnabled());
        QTest::keyClick(w_.get(), Qt::Key_O);
        QVERIFY(ann()->document().track(id)->keyAt(20)->outside);
        QVERIFY(!w_->loopEnabled());
        // ... Ctrl+Z / Ctrl+Shift+Z undo and redo it ...
        QTest::keyClick(w_.get(), Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(!ann()->document().track(id)->keyAt(20)->outside);
        QTest::keyClick(w_.get(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(ann()->document().track(id)->keyAt(20)->outside);
        QTest::keyClick(w_.get(), Qt::Key_Z, Qt::ControlModifier);
        // ... and sets the loop end when annotate mode is off.
        QTest::keyClick(w_.get(), Qt::Key_A);
        QVERIFY(!w_->annotateTools()->annotateMode());
        for (const auto& o : ovs)
            QVERIFY(!o->editing());
        QTest::keyClick(w_.get(), Qt::Key_O);
        QVERIFY(w_->loopEnabled());
        QVERIFY(!ann()->document().track(id)->keyAt(20)->outside);
        w_->setLoop(0, 59, false);
        // Undo all the way, redo all the way: the same document.
        const vf::annotate::Document full = ann()->document();
        QUndoStack* u = ann()->undoStack();
        const int at = u->index();
        u->setIndex(0);
        QVERIFY(ann()->document().tracks.empty());
        u->setIndex(at);
        QVERIFY(ann()->document() == full);
    }

    void regionMetricsTable() {
        const auto& doc = ann()->document();
        QVERIFY(!doc.tracks.empty());
        const int id = doc.tracks[0].id;
        RegionMetricsPanel* rp = w_->annotateTools()->regionPanel();
        rp->setAnnotation(id);
        QCOMPARE(rp->annotation(), id);
        rp->setMetrics(QStringLiteral("EN,SD"));
        Job* j = rp->compute();
        QVERIFY(j);
        QVERIFY(waitJob(j, 120000));
        QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
        QTableWidget* t = rp->summaryTable();
        QCOMPARE(t->rowCount(), int(ws()->streams().size())); // every stream
        QCOMPARE(t->columnCount(), 4);                        // stream, frames, EN, SD
        // The box exists on every frame (it persists after its last keyframe).
        for (int r = 0; r < t->rowCount(); ++r)
            QCOMPARE(t->item(r, 1)->data(Qt::DisplayRole).toInt(), 60);
        // Per frame: EN of the visible stream inside the box at frame 5 by hand.
        QTableWidget* pf = rp->frameTable();
        QCOMPARE(pf->rowCount(), 60);
        int col = -1;
        for (int c = 0; c < pf->columnCount(); ++c)
            if (pf->horizontalHeaderItem(c)->text() == QStringLiteral("Visible: EN")) col = c;
        QVERIFY(col > 0);
        QCOMPARE(pf->item(5, 0)->text(), QStringLiteral("5"));
        const auto box = doc.tracks[0].boxAt(5, 60)->box;
        const cv::Rect r(int(std::floor(box.x)), int(std::floor(box.y)),
                         int(std::ceil(box.x + box.w)) - int(std::floor(box.x)),
                         int(std::ceil(box.y + box.h)) - int(std::floor(box.y)));
        auto vi = vf::io::openSource(vf::demoVisible());
        const cv::Mat grey = vf::metrics::toGray8(vi->read(5));
        const double expected = entropyIn(grey, r);
        const double got = pf->item(5, col)->data(Qt::DisplayRole).toDouble();
        QVERIFY2(std::abs(got - expected) < 1e-3,
                 qPrintable(QStringLiteral("%1 vs %2").arg(got).arg(expected)));
        if (auto* d = w_->findChild<QDockWidget*>(QStringLiteral("dockRegionMetrics"))) d->raise();
        QTest::qWait(50);
        saveScreenshot(rp, QStringLiteral("tools_region_metrics"));
    }

    void annotationsSurviveTheSessionAndACrash() {
        const vf::annotate::Document before = ann()->document();
        QVERIFY(!before.tracks.empty());
        const QString path = tmp_.filePath(QStringLiteral("a.vfsession.json"));
        w_->saveSession(path);
        ws()->closePair();
        w_->openSession(path);
        QVERIFY(!w_->annotateTools()->recoveryPrompt());
        QCOMPARE(ann()->document().tracks, before.tracks);
        QCOMPARE(ann()->document().segments, before.segments);
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        saveScreenshot(w_.get(), QStringLiteral("tools_session_reopened"));

        // Crash recovery: an edit reaches the autosave sidecar (every 2 s); the saved
        // document does not have it; reopening the pair offers the autosave.
        const fs::path docPath = w_->annotateTools()->documentPath();
        w_->annotateTools()->saveDocument();
        const fs::path side = vf::annotate::autosavePathFor(docPath);
        const int id = before.tracks[0].id;
        ann()->setTrackLabel(id, QStringLiteral("car"));
        QTRY_VERIFY_WITH_TIMEOUT(fs::exists(side), 6000);
        const fs::path keep = fs::path(tmp_.filePath(QStringLiteral("sidecar")).toStdString());
        fs::copy_file(side, keep, fs::copy_options::overwrite_existing);
        ann()->undoStack()->undo();
        ws()->closePair(); // saves the document without the edit (as before the "crash")
        fs::copy_file(keep, side, fs::copy_options::overwrite_existing);
        fs::last_write_time(side, fs::last_write_time(docPath) + std::chrono::seconds(5));
        QVERIFY(w_->openDemo());
        QMessageBox* box = w_->annotateTools()->recoveryPrompt();
        QVERIFY(box);
        QCOMPARE(ann()->document().track(id)->label, std::string("person")); // saved one first
        box->button(QMessageBox::Yes)->click();
        QTRY_COMPARE(ann()->document().track(id)->label, std::string("car"));
        ann()->setTrackLabel(id, QStringLiteral("person"));
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
    }

    void intensityCurvesAndClickToSeek() {
        IntensityPlot* ip = w_->metricsPanel()->intensityPlot();
        Job* j = ip->compute();
        QVERIFY(j);
        QVERIFY(waitJob(j, 120000));
        QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
        const int irId = streamOf(StreamRole::Infrared)->id;
        QVERIFY(ip->curves().count(irId));
        const auto& c = ip->curves().at(irId).values;
        QCOMPARE(int(c.size()), 60);
        auto ir = vf::io::openSource(vf::demoInfrared());
        for (int f : {0, 33, 59}) {
            cv::Mat g;
            cv::cvtColor(ir->read(f), g, cv::COLOR_BGR2GRAY); // IR: R = G = B, any weights
            QVERIFY2(std::abs(c[size_t(f)] - cv::mean(g)[0]) < 0.01,
                     qPrintable(QStringLiteral("frame %1: %2 vs %3")
                                    .arg(f)
                                    .arg(c[size_t(f)])
                                    .arg(cv::mean(g)[0])));
        }
        if (auto* d = w_->findChild<QDockWidget*>(QStringLiteral("dockMetrics"))) d->raise();
        QTRY_VERIFY(ip->chartView()->isVisible() && ip->chartView()->height() > 50);
        ws()->setFrame(0);
        QTest::qWait(50);
        const QPoint pos = ip->plotPosition(12.0, c[12]);
        QTest::mouseClick(ip->chartView()->viewport(), Qt::LeftButton, {}, pos);
        QCOMPARE(ws()->frame(), qint64(12));
        saveScreenshot(w_->metricsPanel(), QStringLiteral("tools_intensity_curves"));
    }

    void xtSliceFromAPickedColumn() {
        w_->action(QStringLiteral("actPickColumn"))->trigger(); // Ctrl+Shift+X
        SliceView* sv = w_->sliceView();
        QVERIFY(sv->picking());
        QSignalSpy done(sv, &SliceView::computed);
        ImageView* p = w_->viewer()->paneForStream(streamOf(StreamRole::Infrared)->id);
        // Click on pair column 200 (the centre of that pixel column), through the overlay.
        QTest::mouseClick(p, Qt::LeftButton, {}, p->toWidget({200.5, 240.5}).toPoint());
        QVERIFY(!sv->picking());
        QCOMPARE(sv->position(), 200);
        QVERIFY(done.wait(120000) || done.count() > 0);
        auto ir = vf::io::openSource(vf::demoInfrared());
        auto vi = vf::io::openSource(vf::demoVisible());
        const cv::Mat sIr = sv->slices().at(streamOf(StreamRole::Infrared)->id);
        const cv::Mat sVi = sv->slices().at(streamOf(StreamRole::Visible)->id);
        QCOMPARE(sIr.cols, 60);
        QCOMPARE(sIr.rows, 480);
        QCOMPARE(sVi.cols, 60);
        for (int f : {0, 17, 59}) {
            QCOMPARE(cv::norm(sIr.col(f), ir->read(f).col(200), cv::NORM_INF), 0.0);
            QCOMPARE(cv::norm(sVi.col(f), vi->read(f).col(200), cv::NORM_INF), 0.0);
        }
        if (auto* d = w_->findChild<QDockWidget*>(QStringLiteral("dockSlices"))) {
            d->show();
            d->raise();
        }
        SliceCanvas* cv = sv->canvas();
        QTRY_VERIFY(cv->isVisible() && cv->width() > 60);
        ws()->setFrame(0);
        QTest::mouseClick(cv, Qt::LeftButton, {},
                          QPoint(int(cv->xOfFrame(41)), cv->stripRect(0).center().y()));
        QCOMPARE(ws()->frame(), qint64(41));
        QTest::qWait(50);
        saveScreenshot(w_.get(), QStringLiteral("tools_xt_slice"));
        saveScreenshot(sv, QStringLiteral("tools_xt_slice_dock"));
        // A row too (y-t): height = frame width.
        Job* j = sv->pick(Qt::Horizontal, 100);
        QVERIFY(waitJob(j, 120000));
        const cv::Mat rIr = sv->slices().at(streamOf(StreamRole::Infrared)->id);
        QCOMPARE(rIr.cols, 60);
        QCOMPARE(rIr.rows, 640);
        cv::Mat want;
        cv::transpose(ir->read(30).row(100), want);
        QCOMPARE(cv::norm(rIr.col(30), want, cv::NORM_INF), 0.0);
    }

    void importExportThroughTheTools() {
        auto* tools = w_->annotateTools();
        const vf::annotate::Document before = ann()->document();
        QVERIFY(!before.tracks.empty());
        const QString json = tmp_.filePath(QStringLiteral("ann.vfann.json"));
        const QString xml = tmp_.filePath(QStringLiteral("ann.xml"));
        tools->exportTo(QStringLiteral("json"), json);
        tools->exportTo(QStringLiteral("cvat"), xml);
        QVERIFY(QFileInfo::exists(json) && QFileInfo::exists(xml));
        // Delete the track, import it back (one undo step), undo the import.
        ann()->deleteTrack(before.tracks[0].id);
        QVERIFY(ann()->document().tracks.empty());
        tools->importFrom(QStringLiteral("json"), json);
        QCOMPARE(ann()->document().tracks, before.tracks);
        ann()->undoStack()->undo();
        QVERIFY(ann()->document().tracks.empty());
        tools->importFrom(QStringLiteral("cvat"), xml);
        QCOMPARE(int(ann()->document().tracks.size()), 1);
        QCOMPARE(ann()->document().tracks[0].keys, before.tracks[0].keys);
        // A broken file: refused with its name, the document unchanged.
        QFile bad(tmp_.filePath(QStringLiteral("broken.xml")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("<annotations><version>1.1</version><track id=\"x\"></annotations>");
        bad.close();
        try {
            tools->importFrom(QStringLiteral("cvat"), bad.fileName());
            QFAIL("no error");
        } catch (const vf::Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(QStringLiteral("broken.xml")),
                     e.what());
        }
        QCOMPARE(int(ann()->document().tracks.size()), 1);
        // Back to the state before (undo the CVAT import and the delete).
        ann()->undoStack()->undo();
        ann()->undoStack()->undo();
        QCOMPARE(ann()->document().tracks, before.tracks);
    }

    void blindComparisonOfSelectedStreams() {
        // From the menu with fewer than two streams selected: a message says what to do.
        auto* list = w_->findChild<QListWidget*>(QStringLiteral("streamList"));
        QVERIFY(list);
        list->clearSelection();
        QSignalSpy err(w_.get(), &MainWindow::errorShown);
        w_->action(QStringLiteral("actBlindCompare"))->trigger();
        QCOMPARE(err.count(), 1);
        QVERIFY(err.at(0).at(0).toString().contains(QStringLiteral("Select two or more")));
        for (auto* box : w_->findChildren<QMessageBox*>(QStringLiteral("errorDialog")))
            box->close();
        // Two streams, three frames spread over the clip: 0, 29, 59.
        const QList<int> ids{streamOf(StreamRole::Infrared)->id, streamOf(StreamRole::Visible)->id};
        BlindCompareDialog* dlg = w_->annotateTools()->startBlindCompare(ids, 3, 5);
        QVERIFY(dlg);
        QCOMPARE(dlg->session().trialCount(), 3);
        QSet<int> frames;
        for (int t = 0; t < 3; ++t)
            frames << dlg->session().present(t).item.firstFrame;
        QCOMPARE(frames, (QSet<int>{0, 29, 59}));
        QVERIFY(QTest::qWaitForWindowExposed(dlg));
        for (int k = 0; k < 3; ++k) {
            dlg->waitForImages();
            for (const QString& text : dlg->visibleTexts())
                QVERIFY2(!text.contains(QStringLiteral("Infrared")) &&
                             !text.contains(QStringLiteral("Visible")),
                         qPrintable(text));
            if (k == 0) saveScreenshot(dlg, QStringLiteral("tools_blind_trial"));
            QTest::keyClick(dlg, Qt::Key_Left);
        }
        QVERIFY(dlg->session().complete());
        QVERIFY(dlg->rankingTable()->rowCount() >= 2);
        saveScreenshot(dlg, QStringLiteral("tools_blind_ranking"));
        dlg->close();
    }

    void degradeARange() {
        const fs::path out = fs::path(tmp_.filePath(QStringLiteral("degraded")).toStdString());
        // Cancelled: nothing is left behind.
        DegradeRequest c;
        c.folder = QString::fromStdString(out.string());
        c.sequence = QStringLiteral("cancelled");
        Job* cj = startDegrade(ws(), w_->jobs(), c, {});
        cj->cancel();
        QVERIFY(waitJob(cj, 60000));
        QCOMPARE(cj->state(), Job::State::Cancelled);
        if (fs::exists(out))
            for (const auto& e : fs::recursive_directory_iterator(out))
                QVERIFY2(e.path().string().find("cancelled") == std::string::npos,
                         e.path().string().c_str());

        DegradeRequest r;
        r.preset = QStringLiteral("m3svd");
        r.seed = 7;
        r.start = 10;
        r.count = 5;
        r.folder = QString::fromStdString(out.string());
        r.sequence = QStringLiteral("demo_deg");
        bool called = false;
        DegradeResult res;
        Job* j = startDegrade(ws(), w_->jobs(), r, [&](const DegradeResult& x) {
            called = true;
            res = x;
        });
        QVERIFY(waitJob(j, 120000));
        QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
        QVERIFY(called);
        const fs::path split = out / "test";
        for (const char* f :
             {"infrared_Enhance", "infrared_noise", "visible_Enhance", "visible_Blur"}) {
            int n = 0;
            for (const auto& e : fs::directory_iterator(split / f / "demo_deg"))
                n += e.path().extension() == ".png";
            QCOMPARE(n, 5);
        }
        QVERIFY(fs::exists(split / "degrade_demo_deg.json"));
        for (const auto& e : fs::directory_iterator(out))
            QVERIFY2(e.path().filename().string().rfind(".", 0) != 0, e.path().string().c_str());
        auto ir = vf::io::openSource(vf::demoInfrared());
        auto vi = vf::io::openSource(vf::demoVisible());
        // Clean copies: exactly the pair's frames 10..14.
        const cv::Mat clean2 = cv::imread(
            (split / "infrared_Enhance" / "demo_deg" / "0002.png").string(), cv::IMREAD_COLOR);
        QCOMPARE(cv::norm(clean2, ir->read(12), cv::NORM_INF), 0.0);
        // Degraded: core/degrade's sequence degrader with the seed, noise of pair frame 12.
        vf::degrade::Recipe recipe;
        const vf::degrade::SequenceDegrader deg(recipe, 7, 640, 480);
        const cv::Mat n2 = cv::imread((split / "infrared_noise" / "demo_deg" / "0002.png").string(),
                                      cv::IMREAD_COLOR);
        QCOMPARE(cv::norm(n2, deg.infrared(ir->read(12), 12), cv::NORM_INF), 0.0);
        QVERIFY(cv::norm(n2, ir->read(12), cv::NORM_L1) > 0); // it is degraded
        const cv::Mat b4 = cv::imread((split / "visible_Blur" / "demo_deg" / "0004.png").string(),
                                      cv::IMREAD_COLOR);
        QCOMPARE(cv::norm(b4, deg.visible(vi->read(14), 14), cv::NORM_INF), 0.0);
        // Same output again is refused with a message naming the folder.
        try {
            startDegrade(ws(), w_->jobs(), r, {});
            QFAIL("no error");
        } catch (const vf::Error& e) {
            QVERIFY(QString::fromStdString(e.what()).contains(QStringLiteral("demo_deg")));
        }
        // Offer: open the degraded pair (with its clean references).
        QMessageBox* box = offerDegraded(w_.get(), ws(), res, {});
        QVERIFY(box->findChild<QPushButton*>(QStringLiteral("addDegraded"))->isEnabled() == false);
        saveScreenshot(box, QStringLiteral("tools_degrade_offer"));
        box->findChild<QPushButton*>(QStringLiteral("openDegraded"))->click();
        QCOMPARE(ws()->frameCount(), qint64(5));
        QVERIFY(ws()->pair()->hasReferences());
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        saveScreenshot(w_.get(), QStringLiteral("tools_degraded_pair"));
    }
};

QTEST_MAIN(TestGuiTools)
#include "test_gui_tools.moc"
