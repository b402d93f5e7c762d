// The workbench: jobs (a baseline on the pool, VideoFusion on the inference worker with the
// small fixture weights), cancelling, the result cache, layouts (grid / wipe / difference),
// the stage panel, metrics with click-to-seek, sessions, and the GUI thread's latency while
// a job runs. Each part saves a screenshot of the view it exercised under $VF_TEST_OUTPUT.
#include <QtTest/QtTest>

#include <QApplication>
#include <QChartView>
#include <QComboBox>
#include <QDockWidget>
#include <QJsonObject>
#include <QLabel>
#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>

#include <algorithm>

#include "GuiTestUtil.h"
#include "core/common/Resources.h"
#include "core/fusion/FusionMethod.h"
#include "core/io/FrameSequence.h"
#include "core/io/FrameSource.h"
#include "core/metrics/Metrics.h"
#include "ui/FuseJobs.h"
#include "ui/MainWindow.h"
#include "ui/MetricsPanel.h"
#include "ui/StagePanel.h"
#include "ui/Theme.h"

using namespace vf::ui;

static const char* kWeights = VF_SHARED_DIR "/videofusion/fixtures/vf16_weights.pth";

class TestGuiWorkbench : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::unique_ptr<MainWindow> w_;
    QString baseline_;

    Workspace* ws() { return w_->workspace(); }
    bool waitJob(Job* j, int ms) {
        QElapsedTimer t;
        t.start();
        while (!j->done() && t.elapsed() < ms)
            QTest::qWait(20);
        return j->done();
    }
    static FuseRequest vfRequest() {
        FuseRequest r;
        r.method = QStringLiteral("videofusion");
        r.params[QStringLiteral("weights")] = QString::fromLatin1(kWeights);
        r.params[QStringLiteral("clip_frames")] = 4.0;
        r.start = 2;
        r.count = 6;
        r.previewScale = 4;
        r.wantRestored = true;
        return r;
    }
    const StreamItem* streamNamed(const QString& prefix) {
        for (const auto& s : ws()->streams())
            if (s.name.startsWith(prefix)) return &s;
        return nullptr;
    }

private Q_SLOTS:
    void initTestCase() {
        initGuiTestSettings(QStringLiteral("test_gui_workbench"),
                            tmp_.filePath(QStringLiteral("cache")));
        applyDarkTheme(*qApp);
        if (!std::filesystem::exists(vf::demoInfrared())) QSKIP("demo pair not present");
        w_ = std::make_unique<MainWindow>();
        w_->resize(1500, 900);
        w_->show();
        QVERIFY(QTest::qWaitForWindowExposed(w_.get()));
        QVERIFY(w_->openDemo());
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        const QStringList methods = JobController::baselineMethods();
        QVERIFY2(!methods.isEmpty(), "no baseline registered");
        for (const QString& m : {QStringLiteral("average"), QStringLiteral("max"), methods.front()})
            if (methods.contains(m)) {
                baseline_ = m;
                break;
            }
    }
    void cleanupTestCase() { w_.reset(); }

    void baselineJobDeliversFramesAndCaches() {
        FuseRequest r;
        r.method = baseline_;
        r.start = 5;
        r.count = 10;
        Job* j = w_->jobController()->startFuse(r);
        QVERIFY(j);
        QCOMPARE(j->lane(), Job::Lane::Pool);
        QVERIFY(waitJob(j, 60000));
        QCOMPARE(j->state(), Job::State::Finished);
        const StreamItem* s = nullptr;
        for (const auto& x : ws()->streams())
            if (x.method == baseline_) s = &x;
        QVERIFY(s);
        QVERIFY(s->complete);
        QCOMPARE(s->frames, qint64(10));
        QCOMPARE(s->firstFrame, qint64(5));
        // Frame 8 of the pair is the stream's frame 3: equal to fusing the pair's frame 8.
        ws()->setFrame(8);
        ImageView* pane = w_->viewer()->paneForStream(s->id);
        QVERIFY(pane);
        QTRY_COMPARE_WITH_TIMEOUT(pane->displayedIndexA(), qint64(3), 10000);
        auto ir = vf::io::openSource(vf::demoInfrared());
        auto vi = vf::io::openSource(vf::demoVisible());
        const auto cm = vf::fusion::MethodRegistry::builtin().create(baseline_.toStdString());
        const cv::Mat expected = cm.fuse(ir->read(8), vi->read(8));
        QCOMPARE(cv::norm(*pane->frameA(), expected, cv::NORM_INF), 0.0);
        // Outside the stream's range the pane says so instead of showing a wrong frame.
        ws()->setFrame(20);
        QTRY_COMPARE(pane->displayedIndexA(), qint64(-1));
        // Asking again is served from the disk cache: no job, the stream is complete at once.
        const int id = s->id;
        ws()->removeStream(id);
        QVERIFY(!w_->jobController()->startFuse(r));
        const StreamItem* again = nullptr;
        for (const auto& x : ws()->streams())
            if (x.method == baseline_) again = &x;
        QVERIFY(again && again->complete);
        ws()->setFrame(8);
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        saveScreenshot(w_.get(), QStringLiteral("workbench_baseline_grid"));
    }

    void videoFusionJobKeepsTheGuiResponsive() {
        if (!QFileInfo::exists(QString::fromLatin1(kWeights))) QSKIP("fixture weights not present");
        LatencyProbe probe; // event-loop lateness while the job runs
        probe.start();
        Job* j = w_->jobController()->startFuse(vfRequest());
        QVERIFY(j);
        QCOMPARE(j->lane(), Job::Lane::Inference);
        // Browse while it runs.
        for (int k = 0; k < 20 && !j->done(); ++k) {
            QTest::keyClick(w_.get(), Qt::Key_Right);
            QTest::qWait(40);
        }
        QVERIFY(waitJob(j, 240000));
        probe.stop();
        QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
        QVERIFY(probe.samples() > 20);
        const double p99 = probe.quantile(0.99);
        qInfo("event-loop lateness while VideoFusion ran: p50 %.2f ms, p99 %.2f ms, %zu samples",
              probe.quantile(0.5), p99, probe.samples());
        QVERIFY2(p99 <= 50.0, qPrintable(QString::number(p99)));

        const StreamItem* fused = ws()->streamByRole(StreamRole::Fused);
        QVERIFY(fused && fused->complete);
        QCOMPARE(fused->frames, qint64(6));
        QVERIFY(ws()->streamByRole(StreamRole::RestoredIr));
        QVERIFY(ws()->streamByRole(StreamRole::RestoredVi));
        ws()->setFrame(4);
        ImageView* pane = w_->viewer()->paneForStream(fused->id);
        QVERIFY(pane);
        QTRY_COMPARE_WITH_TIMEOUT(pane->displayedIndexA(), qint64(2), 10000);
        // 1/4 preview of 640x480, a real (non-constant) picture
        QCOMPARE(pane->frameA()->cols, 160);
        QCOMPARE(pane->frameA()->rows, 120);
        cv::Scalar mean, sd;
        cv::meanStdDev(*pane->frameA(), mean, sd);
        QVERIFY(sd[0] > 1.0);
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        saveScreenshot(w_.get(), QStringLiteral("workbench_videofusion_grid"));
    }

    void cancelStopsAJob() {
        FuseRequest r;
        r.method = baseline_;
        r.start = 0;
        r.count = ws()->frameCount();
        r.params = QJsonObject{};
        r.displayName = QStringLiteral("to cancel");
        r.previewScale = 1;
        // a distinct request (different range) so it is not served from the cache
        r.count = ws()->frameCount() - 1;
        Job* j = w_->jobController()->startFuse(r);
        QVERIFY(j);
        j->cancel();
        QVERIFY(waitJob(j, 60000));
        QCOMPARE(j->state(), Job::State::Cancelled);
        const StreamItem* s = streamNamed(QStringLiteral("to cancel"));
        QVERIFY(s);
        QVERIFY(!s->complete);
        QVERIFY(s->produced < s->frames);
        QVERIFY(!QFileInfo::exists(w_->jobController()->resultFolder(r) +
                                   QStringLiteral("/meta.json")));
        ws()->removeStream(s->id);
    }

    void layouts() {
        ws()->setFrame(4);
        QTest::keyClick(w_.get(), Qt::Key_2);
        QCOMPARE(w_->viewer()->layoutMode(), Viewer::Layout::Wipe);
        QCOMPARE(w_->viewer()->panes().size(), size_t(1));
        ImageView* p = w_->viewer()->panes().front();
        QCOMPARE(p->mode(), ImageView::Mode::Wipe);
        // drag the divider
        const int y = p->height() / 2;
        QTest::mousePress(p, Qt::LeftButton, {}, QPoint(p->width() / 2, y));
        QTest::mouseMove(p, QPoint(p->width() / 4, y));
        QTest::mouseRelease(p, Qt::LeftButton, {}, QPoint(p->width() / 4, y));
        QVERIFY(std::abs(p->divider() - 0.25) < 0.02);
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        saveScreenshot(w_.get(), QStringLiteral("workbench_wipe"));

        QTest::keyClick(w_.get(), Qt::Key_3);
        QCOMPARE(w_->viewer()->layoutMode(), Viewer::Layout::Difference);
        // A stream against itself: zero difference everywhere -> the scale's first colour.
        const StreamItem* vis = ws()->streamByRole(StreamRole::Visible);
        const StreamItem* ir = ws()->streamByRole(StreamRole::Infrared);
        w_->viewer()->setCompared(vis->id, vis->id);
        p = w_->viewer()->panes().front();
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        QTRY_VERIFY(p->isVisible() && p->width() > 400 && p->height() > 300); // laid out
        QImage shot = p->grab().toImage();
        const QColor zero = diffScaleColor(DiffKind::Absolute, 0.0);
        QCOMPARE(QColor(shot.pixel(p->width() / 2, p->height() / 2)).rgb(), zero.rgb());
        // IR against visible: clearly non-zero.
        w_->viewer()->setCompared(ir->id, vis->id);
        p = w_->viewer()->panes().front();
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        QTRY_VERIFY(p->isVisible() && p->width() > 400 && p->height() > 300);
        QTest::keyClick(w_.get(), Qt::Key_C); // signed
        QCOMPARE(w_->viewer()->diffKind(), DiffKind::Signed);
        saveScreenshot(w_.get(), QStringLiteral("workbench_difference_signed"));
        QTest::keyClick(w_.get(), Qt::Key_C); // luma
        QTest::keyClick(w_.get(), Qt::Key_C); // back to absolute
        QCOMPARE(w_->viewer()->diffKind(), DiffKind::Absolute);
        saveScreenshot(w_.get(), QStringLiteral("workbench_difference_absolute"));

        // Synchronised zoom at the cursor: the pair point under the cursor stays put.
        QTest::keyClick(w_.get(), Qt::Key_1);
        QCOMPARE(w_->viewer()->layoutMode(), Viewer::Layout::Grid);
        QVERIFY(w_->viewer()->panes().size() >= 2);
        ImageView* a = w_->viewer()->panes()[0];
        ImageView* b = w_->viewer()->panes()[1];
        const QPointF at(a->width() * 0.3, a->height() * 0.4);
        const QPointF before = a->toPair(at);
        const double s0 = a->scale();
        QWheelEvent wheel(at, a->mapToGlobal(at), QPoint(), QPoint(0, 120 * 4), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(a, &wheel);
        QVERIFY(std::abs(a->toPair(at).x() - before.x()) < 1e-6);
        QVERIFY(std::abs(a->scale() / s0 - std::pow(1.25, 4)) < 1e-6); // 4 notches of 1.25x
        QCOMPARE(a->scale(), b->scale());                              // every pane zoomed
        QTest::keyClick(w_.get(), Qt::Key_M);                          // magnifier
        QTest::mouseMove(a, at.toPoint());
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        saveScreenshot(w_.get(), QStringLiteral("workbench_zoom_magnifier"));
        QTest::keyClick(w_.get(), Qt::Key_M);
        QTest::keyClick(w_.get(), Qt::Key_F);
        QVERIFY(w_->viewer()->sync()->fit());
    }

    void stagePanel() {
        if (!QFileInfo::exists(QString::fromLatin1(kWeights))) QSKIP("fixture weights not present");
        StagePanel* sp = w_->stagePanel();
        sp->setBaseRequest(vfRequest());
        ws()->setFrame(4);
        QSignalSpy ready(sp, &StagePanel::tapsReady);
        Job* j = sp->compute(
            {QStringLiteral("cma/"), QStringLiteral("bicam/3/"), QStringLiteral("diff/")});
        QVERIFY(j);
        QVERIFY(waitJob(j, 240000));
        QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
        QTRY_COMPARE(ready.count(), 1);
        const QStringList names = sp->tapNames();
        QVERIFY2(names.contains(QStringLiteral("cma/ir_2/spatial")), qPrintable(names.join(',')));
        sp->selectTap(QStringLiteral("cma/ir_2/spatial"));
        QVERIFY(!sp->overlay().isNull());
        sp->setOpacity(0.7);
        saveScreenshot(w_.get(), QStringLiteral("workbench_stage_heatmap"));
        QString bicam;
        for (const QString& n : names)
            if (n.startsWith(QStringLiteral("bicam/3/")) && n.endsWith(QStringLiteral("/combined")))
                bicam = n;
        QVERIFY(!bicam.isEmpty());
        sp->selectTap(bicam);
        MatrixView* mv = sp->matrixView();
        QVERIFY(mv->rows() > 1 && mv->cols() == mv->rows());
        // Rows of a softmax matrix sum to 1.
        double row0 = 0;
        for (int c = 0; c < mv->cols(); ++c)
            row0 += mv->value(0, c);
        QVERIFY2(std::abs(row0 - 1.0) < 1e-3, qPrintable(QString::number(row0)));
        if (auto* dock = w_->findChild<QDockWidget*>(QStringLiteral("dockStages"))) dock->raise();
        QTRY_VERIFY(mv->isVisible() && mv->width() > 20);
        QMouseEvent move(QEvent::MouseMove, QPointF(6, 6), mv->mapToGlobal(QPointF(6, 6)),
                         Qt::NoButton, Qt::NoButton, Qt::NoModifier);
        QApplication::sendEvent(mv, &move);
        QVERIFY(mv->hoverText().contains(QStringLiteral("row 0, col 0")));
        saveScreenshot(sp, QStringLiteral("workbench_stage_matrix"));
    }

    void metricsPlotSeeks() {
        MetricsPanel* mp = w_->metricsPanel();
        // the flow chosen in the panel's box is the one the values use (checked below)
        auto* flowBox = mp->findChild<QComboBox*>(QStringLiteral("metricsFlow"));
        QVERIFY(flowBox);
        QCOMPARE(mp->flowMethod(), QStringLiteral("dis-medium")); // the default
        flowBox->setFocus();
        QTest::keyClick(flowBox, Qt::Key_Down); // DIS medium -> DIS fast
        QCOMPARE(mp->flowMethod(), QStringLiteral("dis-fast"));
        Job* j = mp->compute();
        QVERIFY(j);
        QVERIFY(waitJob(j, 240000));
        QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
        QTRY_VERIFY(!mp->results().empty());
        // the values are those of the metric functions on the same frames (the job splits
        // the pair frames into blocks, one per thread, and shares source flows between
        // streams: every frame of a full-size stream is checked, block boundaries included)
        int checked = 0;
        for (const auto& s : ws()->streams()) {
            const QJsonObject roi = s.params.value(QStringLiteral("roi")).toObject();
            if (!mp->results().count(s.id) || roi.value(QStringLiteral("w")).toInt() > 0 ||
                s.frames < 4)
                continue;
            const StreamMetrics& sm = mp->results().at(s.id);
            vf::io::FrameSequence seq(s.path.toStdString());
            auto ir = vf::io::openSource(vf::demoInfrared());
            auto vi = vf::io::openSource(vf::demoVisible());
            for (qint64 i = 0; i < s.frames; ++i) {
                const qint64 f = s.firstFrame + i;
                const cv::Mat F = seq.read(i), A = ir->read(f), B = vi->read(f);
                if (A.size() != F.size()) continue; // a preview-scaled stream
                namespace vm = vf::metrics;
                const auto iv = vm::imageMetrics(A, B, F, {vm::Metric::EN, vm::Metric::SSIM});
                QCOMPARE(sm.perFrame.at(QStringLiteral("EN"))[size_t(f)], iv.at(vm::Metric::EN));
                QCOMPARE(sm.perFrame.at(QStringLiteral("SSIM"))[size_t(f)],
                         iv.at(vm::Metric::SSIM));
                if (i == 0) continue;
                const vm::TemporalInputs in{ir->read(f - 1), A, vi->read(f - 1), B,
                                            seq.read(i - 1), F};
                const auto tv = vm::temporalMetrics(in, {vm::Metric::FlowD},
                                                    vm::FlowOptions{vm::FlowMethod::DisFast});
                QCOMPARE(sm.perFrame.at(QStringLiteral("flowD"))[size_t(f)],
                         tv.at(vm::Metric::FlowD));
                ++checked;
            }
        }
        QVERIFY(checked > 0);
        auto* note = mp->findChild<QLabel*>(QStringLiteral("metricsNote"));
        QVERIFY(note && note->text().contains(QStringLiteral("dis-fast")));
        QTableWidget* t = mp->table();
        QVERIFY(t->rowCount() >= 1);
        // every column with values has exactly one best (highlighted) cell
        for (int c = 1; c < t->columnCount(); ++c) {
            int best = 0;
            for (int r = 0; r < t->rowCount(); ++r)
                best += t->item(r, c)->data(Qt::UserRole).toBool();
            QCOMPARE(best, 1);
        }
        mp->setPlotMetric(QStringLiteral("EN"));
        if (auto* dock = w_->findChild<QDockWidget*>(QStringLiteral("dockMetrics"))) dock->raise();
        QTRY_VERIFY(mp->chartView()->isVisible());
        // click on the plot at frame 7 -> the playhead moves there
        ws()->setFrame(0);
        QChartView* cv = mp->chartView();
        QTest::qWait(50);
        const QPoint pos = mp->plotPosition(7.0, 0.0);
        QTest::mouseClick(cv->viewport(), Qt::LeftButton, {}, pos);
        QCOMPARE(ws()->frame(), qint64(7));
        saveScreenshot(mp, QStringLiteral("workbench_metrics"));
    }

    void sessionRoundTrip() {
        ws()->setFrame(6);
        QTest::keyClick(w_.get(), Qt::Key_2);
        w_->toggleMark(3);
        const QString path = tmp_.filePath(QStringLiteral("s.vfsession.json"));
        w_->saveSession(path);
        QStringList names;
        for (const auto& s : ws()->streams())
            names << s.name;
        const int jobsBefore = int(w_->jobs()->jobs().size());
        ws()->closePair();
        QVERIFY(!ws()->hasPair());
        w_->openSession(path);
        QStringList after;
        for (const auto& s : ws()->streams())
            after << s.name;
        QCOMPARE(after, names);
        for (const auto& s : ws()->streams())
            QVERIFY(s.complete); // from the cache, no job
        QCOMPARE(int(w_->jobs()->jobs().size()), jobsBefore);
        QCOMPARE(ws()->frame(), qint64(6));
        QCOMPARE(w_->viewer()->layoutMode(), Viewer::Layout::Wipe);
        QVERIFY(w_->marks().contains(3));
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        saveScreenshot(w_.get(), QStringLiteral("workbench_session_reopened"));
        // a broken session file is refused with a message naming it
        QFile bad(tmp_.filePath(QStringLiteral("bad.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{ not json");
        bad.close();
        try {
            w_->openSession(bad.fileName());
            QFAIL("no error");
        } catch (const vf::Error& e) {
            QVERIFY(QString::fromStdString(e.what()).contains(QStringLiteral("bad.json")));
        }
        QTest::keyClick(w_.get(), Qt::Key_1);
    }
};

QTEST_MAIN(TestGuiWorkbench)
#include "test_gui_workbench.moc"
