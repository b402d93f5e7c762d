// Browsing a long pair with many streams keeps memory within the frame-cache budget: a
// 1000-frame synthetic video (written with io's ClipWriter into a temp folder) opened as the
// pair plus four more streams (6 streams), browsed forwards, backwards and by random jumps
// in the viewer. The cache's bytes stay within its budget at every step, every pane ends on
// the right frame, and the process's resident memory grows by less than budget + slack.
#include <QtTest/QtTest>

#include <QTemporaryDir>

#include <fstream>
#include <random>

#include "GuiTestUtil.h"
#include "core/io/ClipWriter.h"
#include "ui/Viewer.h"
#include "ui/Workspace.h"

using namespace vf::ui;

static double rssMb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

class TestGuiMemory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void browseLongPairWithinBudget() {
        QTemporaryDir tmp;
        const QString video = tmp.filePath(QStringLiteral("long.mkv"));
        const int frames = 1000;
        const cv::Size size(320, 240);
        {
            vf::io::ClipWriterOptions o;
            o.format = vf::io::ClipFormat::Ffv1Mkv;
            vf::io::ClipWriter w(video.toStdString(), size, vf::io::ColorMode::BGR, o);
            cv::Mat f(size, CV_8UC3);
            for (int i = 0; i < frames; ++i) {
                // a pattern that identifies the frame: pixel (0,0) holds i % 256, (1,0) i / 256
                f.setTo(cv::Scalar(40, 80, 120));
                cv::rectangle(f, cv::Rect((i * 3) % 300, 100, 20, 20), cv::Scalar(255, 255, 255),
                              -1);
                f.at<cv::Vec3b>(0, 0) = cv::Vec3b(uchar(i % 256), 0, 0);
                f.at<cv::Vec3b>(0, 1) = cv::Vec3b(uchar(i / 256), 0, 0);
                w.write(f);
            }
            w.finish();
        }
        const size_t budget = size_t(48) << 20;
        Workspace ws(nullptr, budget);
        ws.openPair(video, video);
        for (int k = 0; k < 4; ++k)
            ws.addExternalStream(video, QStringLiteral("extra %1").arg(k));
        QCOMPARE(int(ws.streams().size()), 6);
        QCOMPARE(ws.frameCount(), qint64(frames));
        Viewer viewer(&ws);
        viewer.resize(1200, 700);
        viewer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&viewer));
        QCOMPARE(int(viewer.panes().size()), 6);
        QTRY_VERIFY_WITH_TIMEOUT(viewer.allCurrent(), 10000);
        const double rss0 = rssMb();

        size_t peak = 0;
        auto visit = [&](qint64 f) {
            ws.setFrame(f);
            QElapsedTimer t;
            t.start();
            while (!viewer.allCurrent() && t.elapsed() < 10000) {
                QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
                peak = std::max(peak, ws.server()->stats().bytesUsed);
            }
            peak = std::max(peak, ws.server()->stats().bytesUsed);
            QVERIFY2(viewer.allCurrent(), qPrintable(QStringLiteral("frame %1 not shown").arg(f)));
            // every pane shows frame f (its identifying pixels)
            for (ImageView* p : viewer.panes()) {
                const cv::Mat& m = *p->frameA();
                const int got = m.at<cv::Vec3b>(0, 0)[0] + 256 * m.at<cv::Vec3b>(0, 1)[0];
                QCOMPARE(got, int(f));
            }
        };
        for (qint64 f = 0; f < frames; f += 7)
            visit(f);
        for (qint64 f = frames - 1; f >= 0; f -= 11)
            visit(f);
        std::mt19937 rng(7);
        for (int k = 0; k < 60; ++k)
            visit(qint64(rng() % frames));
        const auto st = ws.server()->stats();
        qInfo("cache: peak %.1f MB of %.1f MB budget, %llu hits, %llu misses, %llu evictions; RSS "
              "%.0f -> %.0f MB",
              peak / 1048576.0, budget / 1048576.0, (unsigned long long)st.hits,
              (unsigned long long)st.misses, (unsigned long long)st.evictions, rss0, rssMb());
        QVERIFY(peak <= budget);
        QVERIFY(st.evictions > 0); // the budget was actually binding
        QVERIFY2(rssMb() - rss0 < budget / 1048576.0 + 96,
                 qPrintable(QString::number(rssMb() - rss0)));
        saveScreenshot(&viewer, QStringLiteral("memory_six_streams"));
    }
};

QTEST_MAIN(TestGuiMemory)
#include "test_gui_memory.moc"
