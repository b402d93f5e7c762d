// GUI shell: opens the demo pair, checks that both panes show the right frames (pixels
// compared with an independent io reader), steps with the keyboard, plays, reports errors and
// validation warnings, and saves a screenshot.
#include <QtTest/QtTest>

#include <QApplication>
#include <QSettings>

#include "GuiTestUtil.h"
#include "core/common/Resources.h"
#include "core/io/FrameSource.h"
#include "ui/MainWindow.h"
#include "ui/Theme.h"
#include "ui/Timeline.h"

using namespace vf::ui;

class TestGuiShell : public QObject {
    Q_OBJECT
    std::unique_ptr<MainWindow> w_;
    std::unique_ptr<vf::io::FrameSource> irRef_, viRef_;

    ImageView* pane(StreamRole role) {
        const StreamItem* s = w_->workspace()->streamByRole(role);
        return s ? w_->viewer()->paneForStream(s->id) : nullptr;
    }
    // The pane's frame equals the reference reader's frame `index` exactly.
    void checkPaneFrame(StreamRole role, vf::io::FrameSource& ref, qint64 index) {
        ImageView* p = pane(role);
        QVERIFY(p);
        QTRY_COMPARE_WITH_TIMEOUT(p->displayedIndexA(), index, 10000);
        cv::Mat expected = ref.read(index);
        QVERIFY(p->frameA());
        QCOMPARE(p->frameA()->size(), expected.size());
        QCOMPARE(cv::norm(*p->frameA(), expected, cv::NORM_INF), 0.0);
    }

private Q_SLOTS:
    void initTestCase() {
        initGuiTestSettings(QStringLiteral("test_gui_shell"));
        applyDarkTheme(*qApp);
        if (!std::filesystem::exists(vf::demoInfrared())) QSKIP("demo pair not present");
        irRef_ = vf::io::openSource(vf::demoInfrared());
        viRef_ = vf::io::openSource(vf::demoVisible());
        w_ = std::make_unique<MainWindow>();
        w_->resize(1400, 700);
        w_->show();
        QVERIFY(QTest::qWaitForWindowExposed(w_.get()));
        w_->activateWindow();
    }
    void cleanupTestCase() { w_.reset(); }

    void opensDemoPair() {
        QVERIFY(w_->openDemo());
        auto* ws = w_->workspace();
        QCOMPARE(ws->frameCount(), irRef_->frameCount());
        QVERIFY(ws->frameCount() >= 2);
        QVERIFY(pane(StreamRole::Infrared));
        QVERIFY(pane(StreamRole::Visible));
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        checkPaneFrame(StreamRole::Infrared, *irRef_, 0);
        checkPaneFrame(StreamRole::Visible, *viRef_, 0);
        QVERIFY(!w_->bannerVisible()); // the demo pair has no validation warning
    }

    void panesRenderTheFramePixels() {
        // 1:1 zoom with pair (0,0) at each pane's (0,0): the widget pixels are the frame's.
        ImageView* ir = pane(StreamRole::Infrared);
        ImageView* vi = pane(StreamRole::Visible);
        // Frames can arrive from the cache before the layout has sized the panes.
        QTRY_VERIFY_WITH_TIMEOUT(ir->width() > 200 && ir->height() > 200, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(ir->size(), vi->size(), 10000);
        w_->viewer()->sync()->setZoom(1.0, QPointF(ir->width() / 2.0, ir->height() / 2.0));
        QCOMPARE(ir->toWidget(QPointF(0, 0)), QPointF(0, 0));
        const cv::Mat f0 = irRef_->read(0), v0 = viRef_->read(0);
        const int w = std::min(ir->width(), f0.cols), h = std::min(ir->height(), f0.rows);
        QVERIFY(w > 100 && h > 100);
        // Leave out the label (top) and time text (bottom) and the 1-pixel outline.
        const QRect region(2, 40, w - 4, h - 70);
        QCOMPARE(maxDiffAgainstFrame(ir->grab().toImage(), f0, region), 0);
        QCOMPARE(maxDiffAgainstFrame(vi->grab().toImage(), v0, region), 0);
        // A different frame would not match: the check can fail.
        QVERIFY(maxDiffAgainstFrame(vi->grab().toImage(), viRef_->read(40), region) > 0);
        w_->viewer()->sync()->setFit();
    }

    void stepsWithKeys() {
        auto* ws = w_->workspace();
        QTest::keyClick(w_.get(), Qt::Key_Right);
        QTest::keyClick(w_.get(), Qt::Key_Right);
        QTest::keyClick(w_.get(), Qt::Key_Right);
        QCOMPARE(ws->frame(), qint64(3));
        QTest::keyClick(w_.get(), Qt::Key_Right, Qt::ShiftModifier);
        QCOMPARE(ws->frame(), qint64(13));
        QTest::keyClick(w_.get(), Qt::Key_Left);
        QCOMPARE(ws->frame(), qint64(12));
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        checkPaneFrame(StreamRole::Infrared, *irRef_, 12);
        checkPaneFrame(StreamRole::Visible, *viRef_, 12);
        QCOMPARE(w_->timeline()->frame(), qint64(12));
        // stepping back hits the cache's read-behind window after a moment
        QTest::keyClick(w_.get(), Qt::Key_Left);
        QCOMPARE(ws->frame(), qint64(11));
        checkPaneFrame(StreamRole::Visible, *viRef_, 11);
        QTest::keyClick(w_.get(), Qt::Key_Home);
        QCOMPARE(ws->frame(), qint64(0));
        QTest::keyClick(w_.get(), Qt::Key_End);
        QCOMPARE(ws->frame(), ws->frameCount() - 1);
        QTest::keyClick(w_.get(), Qt::Key_Home);
    }

    void playsAndPauses() {
        auto* ws = w_->workspace();
        QTest::keyClick(w_.get(), Qt::Key_Space);
        QVERIFY(w_->playing());
        QTRY_VERIFY_WITH_TIMEOUT(ws->frame() >= 5, 10000);
        QTest::keyClick(w_.get(), Qt::Key_Space);
        QVERIFY(!w_->playing());
        const qint64 stopped = ws->frame();
        QTest::qWait(200);
        QCOMPARE(ws->frame(), stopped);
        // loop range: play from 20 with loop [20, 24]: the frame stays inside
        ws->setFrame(20);
        w_->setLoop(20, 24, true);
        w_->setSpeed(4.0);
        w_->setPlaying(true);
        QElapsedTimer t;
        t.start();
        bool wrapped = false;
        qint64 prev = ws->frame();
        while (t.elapsed() < 1500) {
            QTest::qWait(10);
            const qint64 f = ws->frame();
            QVERIFY2(f >= 20 && f <= 24, qPrintable(QString::number(f)));
            if (f < prev) wrapped = true;
            prev = f;
        }
        QVERIFY(wrapped);
        w_->setPlaying(false);
        w_->setLoop(0, ws->frameCount() - 1, false);
        w_->setSpeed(1.0);
        ws->setFrame(12);
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
    }

    void screenshot() {
        QTest::qWait(50);
        const QString path = saveScreenshot(w_.get(), QStringLiteral("gui_shell_demo_pair"));
        QImage img(path);
        QVERIFY(!img.isNull());
        QVERIFY(img.width() >= 1000);
    }

    void errorDialogNamesTheFile() {
        QVERIFY(!w_->openPaths({QStringLiteral("/nonexistent/ir_missing.mp4"),
                                QStringLiteral("/nonexistent/vi_missing.mp4")}));
        QVERIFY2(w_->lastError().contains(QStringLiteral("ir_missing.mp4")),
                 qPrintable(w_->lastError()));
        QTRY_VERIFY(w_->findChild<QWidget*>(QStringLiteral("errorDialog")));
        auto* dlg = w_->findChild<QWidget*>(QStringLiteral("errorDialog"));
        dlg->close();
        // The open pair is still there.
        QVERIFY(w_->workspace()->hasPair());
    }

    void countMismatchWarnsInBanner() {
        const QString vi =
            QStringLiteral(VF_SHARED_DIR "/data/M3SVD/Video/test/visible/0111_1716.mp4");
        if (!QFileInfo::exists(vi)) QSKIP("shared data not present");
        QVERIFY(w_->openPaths({QString::fromStdString(vf::demoInfrared().string()), vi}));
        QVERIFY(w_->bannerVisible());
        const QString text = w_->bannerText();
        QVERIFY2(text.contains(QStringLiteral("60")) && text.contains(QStringLiteral("151")),
                 qPrintable(text));
        QCOMPARE(w_->workspace()->frameCount(), qint64(60));
        QVERIFY(w_->openDemo());
        QVERIFY(!w_->bannerVisible());
    }
};

QTEST_MAIN(TestGuiShell)
#include "test_gui_shell.moc"
