// Export from the GUI (issue #9) on the bundled demo pair (640x480, 60 frames):
//  * clip export of source and baseline streams: the files reopen with the right frame count
//    and equal the frames read here directly (openSource / cv::imread of the baseline's
//    result PNGs): bit-exact for FFV1 and PNG, PSNR >= 40 dB for H.264;
//  * the WYSIWYG renderer against the screen: the viewer grabbed as a widget (grid, wipe,
//    difference) equals renderComparisonFrame() of the captured layout at the viewer's size;
//  * a comparison video's frames equal offscreen renders of the same layout at those frames
//    (FFV1 bit-exact, H.264 >= 40 dB), with frames read here straight from the demo files;
//  * cancel leaves nothing; existing destinations are refused without `overwrite`; a
//    read-only destination (/proc: even root cannot create files there — tests run as root,
//    where chmod does not stop writes) and a path under a regular file fail with a message
//    naming the file and leave nothing; the GUI event loop stays responsive (p99 <= 50 ms)
//    while a comparison video is encoded.
#include <QtTest/QtTest>

#include <QApplication>
#include <QComboBox>
#include <QListWidget>
#include <QMenuBar>
#include <QSettings>
#include <QTemporaryDir>

#include <algorithm>
#include <filesystem>

#include <sys/resource.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"
#include "core/common/Resources.h"
#include "core/io/FrameSource.h"
#include "gui/GuiTestUtil.h"
#include "ui/FuseJobs.h"
#include "ui/ImageUtil.h"
#include "ui/MainWindow.h"
#include "ui/Theme.h"
#include "ui/export/ComparisonRenderer.h"
#include "ui/export/ExportDialogs.h"
#include "ui/export/ExportJobs.h"

using namespace vf::ui;
namespace fs = std::filesystem;

namespace {

double psnr(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat a3 = a, b3 = b;
    if (a.channels() == 1) cv::cvtColor(a, a3, cv::COLOR_GRAY2BGR);
    if (b.channels() == 1) cv::cvtColor(b, b3, cv::COLOR_GRAY2BGR);
    return cv::PSNR(a3, b3);
}

cv::Mat bgrOf(const QImage& img) {
    return vf::ui::fromQImage(img);
}

// Fraction of pixels whose largest channel difference exceeds `tol`.
double fractionDifferent(const QImage& x, const QImage& y, int tol, int* worst = nullptr) {
    cv::Mat a = bgrOf(x), b = bgrOf(y), d;
    cv::absdiff(a, b, d);
    std::vector<cv::Mat> ch;
    cv::split(d, ch);
    cv::Mat mx = cv::max(cv::max(ch[0], ch[1]), ch[2]);
    if (worst) {
        double w;
        cv::minMaxLoc(mx, nullptr, &w);
        *worst = int(w);
    }
    return double(cv::countNonZero(mx > tol)) / double(mx.total());
}

int entries(const QString& dir) {
    return int(QDir(dir).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden).size());
}

} // namespace

class TestExportGui : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::unique_ptr<MainWindow> w_;
    std::unique_ptr<vf::io::FrameSource> ir_, vi_;

    Workspace* ws() { return w_->workspace(); }
    ExportTools* tools() { return w_->findChild<ExportTools*>(); }
    bool waitJob(Job* j, int ms) {
        QElapsedTimer t;
        t.start();
        while (!j->done() && t.elapsed() < ms)
            QTest::qWait(20);
        return j->done();
    }
    QString out(const QString& name) {
        const QString d = tmp_.filePath(name);
        QDir().mkpath(d);
        return d;
    }
    // Wipe compares IR with visible (the inputs: same first frame). rendererMatchesScreen's
    // "wipe-offsets" row keeps the default instead, the baseline against visible, streams with
    // different first frames (the labels once showed B as pending there).
    void compareInputsInWipe(Viewer::Layout l) {
        w_->viewer()->setLayoutMode(l);
        if (l == Viewer::Layout::Wipe)
            w_->viewer()->setCompared(ws()->streamByRole(StreamRole::Infrared)->id,
                                      ws()->streamByRole(StreamRole::Visible)->id);
    }
    void showFrame(qint64 f) {
        ws()->setFrame(f);
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        QTest::qWait(50);
    }
    // The frames the layout's panes show at pair frame f, read here from the demo files.
    ComparisonFrame framesFromFiles(const ComparisonLayout& L, qint64 f) {
        ComparisonFrame fr;
        fr.pairFrame = f;
        auto read = [&](const ComparisonLayer& l) -> cv::Mat {
            const StreamItem* s = ws()->stream(l.streamId);
            if (!s) return {};
            if (s->role == StreamRole::Infrared) return ir_->read(f);
            if (s->role == StreamRole::Visible) return vi_->read(f);
            const QString png =
                s->path + QStringLiteral("/%1.png").arg(f - s->firstFrame, 6, 10, QLatin1Char('0'));
            return cv::imread(png.toStdString(), cv::IMREAD_COLOR);
        };
        for (const auto& p : L.panes)
            fr.images.push_back(
                {read(p.a), p.mode != ComparisonPane::Mode::Single ? read(p.b) : cv::Mat()});
        return fr;
    }

private Q_SLOTS:
    void initTestCase() {
        initGuiTestSettings(QStringLiteral("test_export_gui"),
                            tmp_.filePath(QStringLiteral("cache")));
        applyDarkTheme(*qApp);
        if (!fs::exists(vf::demoInfrared())) QSKIP("demo pair not present");
        ir_ = vf::io::openSource(vf::demoInfrared());
        vi_ = vf::io::openSource(vf::demoVisible());
        w_ = std::make_unique<MainWindow>();
        w_->resize(1300, 820);
        w_->show();
        QVERIFY(QTest::qWaitForWindowExposed(w_.get()));
        QVERIFY(w_->openDemo());
        QTRY_VERIFY_WITH_TIMEOUT(w_->viewer()->allCurrent(), 10000);
        QVERIFY(tools()); // File > Export clip… / Export comparison video… (MainWindow.cpp)
        QVERIFY(w_->action(QStringLiteral("actExportClip")));
        QVERIFY(w_->action(QStringLiteral("actExportClip"))->isEnabled());
        QVERIFY(w_->action(QStringLiteral("actExportComparison")));
        bool inFileMenu = false;
        for (QAction* m : w_->menuBar()->actions())
            if (m->menu() && m->text().remove(QLatin1Char('&')) == QLatin1String("File"))
                inFileMenu =
                    m->menu()->actions().contains(w_->action(QStringLiteral("actExportClip"))) &&
                    m->menu()->actions().contains(
                        w_->action(QStringLiteral("actExportComparison")));
        QVERIFY(inFileMenu);
        // A finished baseline stream to export and compare ("any baseline result").
        FuseRequest r;
        r.method = QStringLiteral("average");
        r.start = 4;
        r.count = 12;
        Job* j = w_->jobController()->startFuse(r);
        if (j) {
            QVERIFY(waitJob(j, 120000));
            QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
        }
        QTRY_VERIFY(ws()->streamByRole(StreamRole::Baseline) &&
                    ws()->streamByRole(StreamRole::Baseline)->complete);
    }
    void cleanupTestCase() { w_.reset(); }

    void clipExportFormats() {
        const StreamItem* irS = ws()->streamByRole(StreamRole::Infrared);
        const StreamItem* viS = ws()->streamByRole(StreamRole::Visible);
        const StreamItem* base = ws()->streamByRole(StreamRole::Baseline);
        QVERIFY(irS && viS && base);
        // Two streams as FFV1 into a folder: one file each, bit-exact.
        {
            ClipExportRequest req;
            req.streams = {irS->id, base->id};
            req.format = ExportFormat::Ffv1Mkv;
            req.start = 2; // the baseline covers 4..15: its clip is 4..9
            req.count = 8;
            req.destination = out(QStringLiteral("ffv1"));
            const QStringList targets = clipExportTargets(*ws(), req);
            QCOMPARE(targets.size(), 2);
            Job* j = tools()->startClip(req, false);
            QVERIFY2(j, qPrintable(w_->lastError()));
            QVERIFY(waitJob(j, 60000));
            QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
            auto a = vf::io::openSource(targets[0].toStdString());
            QCOMPARE(a->frameCount(), int64_t(8));
            for (int k = 0; k < 8; ++k)
                QCOMPARE(cv::norm(a->read(k), ir_->read(2 + k), cv::NORM_INF), 0.0);
            auto b = vf::io::openSource(targets[1].toStdString());
            QCOMPARE(b->frameCount(), int64_t(6));
            for (int k = 0; k < 6; ++k) {
                const cv::Mat ref = cv::imread(
                    (base->path + QStringLiteral("/%1.png").arg(k, 6, 10, QLatin1Char('0')))
                        .toStdString(),
                    cv::IMREAD_COLOR);
                QVERIFY(!ref.empty());
                QCOMPARE(cv::norm(b->read(k), ref, cv::NORM_INF), 0.0);
            }
        }
        // PNG frames of the visible stream: bit-exact.
        {
            ClipExportRequest req;
            req.streams = {viS->id};
            req.format = ExportFormat::PngFrames;
            req.start = 10;
            req.count = 4;
            req.destination = tmp_.filePath(QStringLiteral("png_vis"));
            Job* j = startClipExport(*w_->jobs(), *ws(), req);
            QVERIFY(waitJob(j, 60000));
            QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
            QCOMPARE(QDir(req.destination).entryList({QStringLiteral("*.png")}).size(), 4);
            for (int k = 0; k < 4; ++k) {
                const cv::Mat m = cv::imread(
                    (req.destination + QStringLiteral("/%1.png").arg(k, 6, 10, QLatin1Char('0')))
                        .toStdString(),
                    cv::IMREAD_COLOR);
                QCOMPARE(cv::norm(m, vi_->read(10 + k), cv::NORM_INF), 0.0);
            }
        }
        // H.264 at CRF 12: the right length, PSNR >= 40 dB per frame.
        {
            ClipExportRequest req;
            req.streams = {viS->id};
            req.format = ExportFormat::H264Mp4;
            req.crf = 12;
            req.start = 20;
            req.count = 10;
            req.destination = tmp_.filePath(QStringLiteral("vis.mp4"));
            Job* j = startClipExport(*w_->jobs(), *ws(), req);
            QVERIFY(waitJob(j, 60000));
            QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
            auto a = vf::io::openSource(req.destination.toStdString());
            QCOMPARE(a->frameCount(), int64_t(10));
            for (int k = 0; k < 10; ++k) {
                const double p = psnr(a->read(k), vi_->read(20 + k));
                QVERIFY2(p >= 40.0, qPrintable(QStringLiteral("frame %1: %2 dB").arg(k).arg(p)));
            }
        }
    }

    void clipExportRefusals() {
        const StreamItem* viS = ws()->streamByRole(StreamRole::Visible);
        ClipExportRequest req;
        req.streams = {viS->id};
        req.format = ExportFormat::Ffv1Mkv;
        req.start = 0;
        req.count = 3;
        // An existing file is not replaced without `overwrite`, and is listed for the question.
        const QString existing = tmp_.filePath(QStringLiteral("exists.mkv"));
        {
            QFile f(existing);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("keep me");
        }
        req.destination = existing;
        QCOMPARE(existingTargets(clipExportTargets(*ws(), req)), QStringList{existing});
        try {
            startClipExport(*w_->jobs(), *ws(), req);
            QFAIL("an existing destination was accepted");
        } catch (const vf::Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(existing), e.what());
        }
        QCOMPARE(QFileInfo(existing).size(), qint64(7));
        req.overwrite = true;
        Job* j = startClipExport(*w_->jobs(), *ws(), req);
        QVERIFY(waitJob(j, 60000));
        QCOMPARE(j->state(), Job::State::Finished);
        QCOMPARE(vf::io::openSource(existing.toStdString())->frameCount(), int64_t(3));
        // Read-only destination: /proc. The message names the file; nothing is left.
        req.overwrite = false;
        req.destination = QStringLiteral("/proc/vf-export-test.mkv");
        QVERIFY(!tools()->startClip(req, false));
        QVERIFY2(w_->lastError().contains(QStringLiteral("/proc/vf-export-test.mkv")) &&
                     w_->lastError().contains(QStringLiteral("read-only")),
                 qPrintable(w_->lastError()));
        QVERIFY(!QFileInfo::exists(req.destination));
        // A path under a regular file: its folder is not a folder.
        req.destination = existing + QStringLiteral("/clip.mkv");
        try {
            startClipExport(*w_->jobs(), *ws(), req);
            QFAIL("a path under a file was accepted");
        } catch (const vf::Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(QStringLiteral("not a folder")),
                     e.what());
        }
        // A range outside the stream and a bad CRF are refused with a reason.
        req.destination = tmp_.filePath(QStringLiteral("never.mkv"));
        req.start = 100;
        QVERIFY_THROWS_EXCEPTION(vf::Error, startClipExport(*w_->jobs(), *ws(), req));
        req.start = 0;
        req.crf = 60;
        QVERIFY_THROWS_EXCEPTION(vf::Error, startClipExport(*w_->jobs(), *ws(), req));
        QVERIFY(!QFileInfo::exists(req.destination));
    }

    // The renderer gives the screen's pixels: the viewer grabbed as a widget vs the captured
    // layout rendered at the viewer's size, for each layout.
    void rendererMatchesScreen_data() {
        QTest::addColumn<int>("layout");
        QTest::newRow("grid") << int(Viewer::Layout::Grid);
        QTest::newRow("wipe") << int(Viewer::Layout::Wipe);
        QTest::newRow("difference") << int(Viewer::Layout::Difference);
        QTest::newRow("wipe-offsets") << int(Viewer::Layout::Wipe);
    }
    void rendererMatchesScreen() {
        QFETCH(int, layout);
        const bool offsets = QByteArray(QTest::currentDataTag()) == "wipe-offsets";
        if (offsets) {
            w_->viewer()->setLayoutMode(Viewer::Layout::Wipe);
            const StreamItem* base = nullptr;
            for (const auto& s : ws()->streams())
                if (s.computed() && s.complete && s.firstFrame > 0) base = &s;
            QVERIFY2(base, "no computed stream starting after pair frame 0");
            w_->viewer()->setCompared(base->id, ws()->streamByRole(StreamRole::Visible)->id);
        } else {
            compareInputsInWipe(Viewer::Layout(layout));
        }
        showFrame(9);
        const QImage screen = w_->viewer()->grab().toImage();
        const ComparisonLayout L = tools()->currentLayout();
        QCOMPARE(L.viewSize, w_->viewer()->size());
        QVERIFY(!L.panes.empty());
        const QImage rendered = renderComparisonFrame(L, framesFromFiles(L, 9), L.viewSize);
        QCOMPARE(rendered.size() * 1, screen.size() / screen.devicePixelRatio());
        int worst = 0;
        const double frac = fractionDifferent(rendered, screen, 2, &worst);
        const QString name =
            offsets ? QStringLiteral("wipe-offsets") : Viewer::layoutName(Viewer::Layout(layout));
        saveScreenshot(w_->viewer(), QStringLiteral("export_screen_%1").arg(name));
        rendered.save(vfTestOutputDir() + QStringLiteral("/export_render_%1.png").arg(name));
        qInfo("%s: %.4f%% of pixels differ by more than 2 (largest difference %d)",
              qPrintable(name), frac * 100, worst);
        QVERIFY2(frac < 0.001, qPrintable(QString::number(frac)));
        // The pane labels (top strip of the first pane) match exactly: same streams, frame
        // indices and pending state.
        const QRect strip = L.panes[0].rect.adjusted(0, 0, 0, -(L.panes[0].rect.height() - 30));
        int worstLabels = 0;
        const double fracLabels =
            fractionDifferent(rendered.copy(strip), screen.copy(strip), 2, &worstLabels);
        QVERIFY2(fracLabels == 0.0,
                 qPrintable(QStringLiteral("%1 of the label strip differs by up to %2")
                                .arg(fracLabels)
                                .arg(worstLabels)));
    }

    // Comparison video frames equal offscreen renders of the same layout (FFV1: bit-exact).
    void comparisonVideoEqualsRender_data() {
        QTest::addColumn<int>("layout");
        QTest::addColumn<int>("format");
        QTest::addColumn<bool>("plot");
        QTest::addColumn<int>("chroma"); // H.264 only
        const int c444 = int(vf::io::ChromaSampling::Yuv444),
                  c420 = int(vf::io::ChromaSampling::Yuv420);
        QTest::newRow("wipe-ffv1")
            << int(Viewer::Layout::Wipe) << int(ExportFormat::Ffv1Mkv) << false << c444;
        QTest::newRow("grid-ffv1-plot")
            << int(Viewer::Layout::Grid) << int(ExportFormat::Ffv1Mkv) << true << c444;
        QTest::newRow("difference-ffv1")
            << int(Viewer::Layout::Difference) << int(ExportFormat::Ffv1Mkv) << false << c444;
        // H.264 on the wipe of the two inputs, CRF 12: full colour (the default) and 4:2:0.
        QTest::newRow("wipe-h264")
            << int(Viewer::Layout::Wipe) << int(ExportFormat::H264Mp4) << false << c444;
        QTest::newRow("wipe-h264-420")
            << int(Viewer::Layout::Wipe) << int(ExportFormat::H264Mp4) << false << c420;
    }
    void comparisonVideoEqualsRender() {
        QFETCH(int, layout);
        QFETCH(int, format);
        QFETCH(bool, plot);
        QFETCH(int, chroma);
        compareInputsInWipe(Viewer::Layout(layout));
        showFrame(6);
        ComparisonExportRequest req;
        req.layout = tools()->currentLayout();
        if (plot) { // a metric strip: series worked out here (a ramp per stream)
            req.layout.plot = true;
            req.layout.plotMetric = QStringLiteral("EN");
            for (const auto& s : req.layout.streams()) {
                PlotSeries ps{s.name, s.color, std::vector<double>(size_t(ws()->frameCount()))};
                for (size_t i = 0; i < ps.values.size(); ++i)
                    ps.values[i] = 6.0 + 0.01 * double(i) + 0.1 * s.streamId;
                req.layout.series.push_back(ps);
            }
        }
        req.format = ExportFormat(format);
        QCOMPARE(int(req.chroma), int(vf::io::ChromaSampling::Yuv444)); // the default
        req.chroma = vf::io::ChromaSampling(chroma);
        req.crf = 12;
        req.start = 5;
        req.count = 4;
        req.size = plot ? QSize(800, 520) : QSize(); // custom, or the source resolution
        req.destination = tmp_.filePath(
            QStringLiteral("cmp_%1%2")
                .arg(QString::fromLatin1(QTest::currentDataTag()), exportFormatSuffix(req.format)));
        const QSize size = comparisonOutputSize(req);
        if (!plot) { // the source resolution shows the 640x480 pair 1:1 in every pane
            const double s = std::min(req.layout.panes[0].rect.width() / 640.0,
                                      req.layout.panes[0].rect.height() / 480.0);
            QVERIFY(std::abs(size.width() - req.layout.viewSize.width() / s) <= 2.0);
        }
        Job* j = tools()->startComparison(req, false);
        QVERIFY2(j, qPrintable(w_->lastError()));
        QVERIFY(waitJob(j, 120000));
        QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
        auto video = vf::io::openSource(req.destination.toStdString());
        QCOMPARE(video->frameCount(), int64_t(4));
        QCOMPARE(video->info().width, size.width());
        QCOMPARE(video->info().height, size.height());
        if (req.format == ExportFormat::H264Mp4)
            QCOMPARE(QString::fromStdString(video->info().pixelFormat),
                     req.chroma == vf::io::ChromaSampling::Yuv444 ? QStringLiteral("yuv444p")
                                                                  : QStringLiteral("yuv420p"));
        for (int k = 0; k < 4; ++k) {
            const QImage expected =
                renderComparisonFrame(req.layout, framesFromFiles(req.layout, 5 + k), size);
            const cv::Mat exp = bgrOf(expected), got = video->read(k);
            if (req.format == ExportFormat::Ffv1Mkv)
                QCOMPARE(cv::norm(got, exp, cv::NORM_INF), 0.0);
            else {
                // 4:2:0 stores colour per 2x2 pixels: the 1-pixel outlines in the streams'
                // colours and the label swatches lose their chroma, so the codec's measure, PSNR
                // of luma, must reach 40 dB; RGB PSNR only has to show it is the same picture.
                // 4:4:4 keeps the colour of every pixel: RGB PSNR >= 40 dB as well.
                cv::Mat ya, yb;
                cv::cvtColor(got, ya, cv::COLOR_BGR2GRAY);
                cv::cvtColor(exp, yb, cv::COLOR_BGR2GRAY);
                const double py = cv::PSNR(ya, yb), p = psnr(got, exp);
                qInfo("frame %d (%s): PSNR luma %.2f dB, RGB %.2f dB", k,
                      vf::io::chromaName(req.chroma), py, p);
                const double minRgb = req.chroma == vf::io::ChromaSampling::Yuv444 ? 40.0 : 30.0;
                QVERIFY2(py >= 40.0 && p >= minRgb,
                         qPrintable(QStringLiteral("frame %1: %2 / %3 dB").arg(k).arg(py).arg(p)));
            }
            if (k == 0)
                expected.save(vfTestOutputDir() +
                              QStringLiteral("/export_comparison_%1.png")
                                  .arg(QString::fromLatin1(QTest::currentDataTag())));
        }
        // The frames differ over time (the playhead moves, the pictures change).
        QVERIFY(cv::norm(video->read(0), video->read(3), cv::NORM_INF) > 0);
    }

    void comparisonCancelAndReadOnlyLeaveNothing() {
        w_->viewer()->setLayoutMode(Viewer::Layout::Grid);
        showFrame(0);
        const QString dir = out(QStringLiteral("cancel"));
        ComparisonExportRequest req;
        req.layout = tools()->currentLayout();
        req.format = ExportFormat::Ffv1Mkv;
        req.size = QSize(1600, 1200);
        req.destination = dir + QStringLiteral("/cancelled.mkv");
        Job* j = tools()->startComparison(req, false);
        QVERIFY(j);
        QTRY_VERIFY_WITH_TIMEOUT(j->progress() > 0 || j->done(), 30000);
        j->cancel();
        QVERIFY(waitJob(j, 60000));
        QCOMPARE(j->state(), Job::State::Cancelled);
        QCOMPARE(entries(dir), 0); // no file, no temporary
        // Read-only destination: a clear message naming the file, nothing written.
        req.destination = QStringLiteral("/proc/vf-comparison.mkv");
        QVERIFY(!tools()->startComparison(req, false));
        QVERIFY2(w_->lastError().contains(QStringLiteral("/proc/vf-comparison.mkv")) &&
                     w_->lastError().contains(QStringLiteral("read-only")),
                 qPrintable(w_->lastError()));
        QVERIFY(!QFileInfo::exists(req.destination));
        // Failing inside the job (the folder vanishes after the checks) also leaves nothing.
        const QString gone = out(QStringLiteral("gone"));
        req.destination = gone + QStringLiteral("/x.mkv");
        req.size = QSize();
        req.start = 5; // the grid shows the baseline (pair frames 4..15)
        req.count = 2;
        Job* k = tools()->startComparison(req, false);
        QVERIFY(k);
        QDir(gone).removeRecursively();
        QVERIFY(waitJob(k, 60000));
        if (k->state() == Job::State::Failed)
            QVERIFY2(k->error().contains(gone), qPrintable(k->error()));
        else // it may have opened its temporary file before the folder went
            QCOMPARE(k->state(), Job::State::Finished);
    }

    void guiStaysResponsiveWhileEncoding() {
        compareInputsInWipe(Viewer::Layout::Wipe);
        showFrame(0);
        LatencyProbe probe;
        ComparisonExportRequest req;
        req.layout = tools()->currentLayout();
        req.format = ExportFormat::H264Mp4;
        req.preset = QStringLiteral("medium");
        req.size = QSize(1280, 960); // several seconds of work: over a thousand probe samples
        req.start = 0;
        req.count = 60;
        req.destination = tmp_.filePath(QStringLiteral("responsive.mp4"));
        probe.start();
        rusage r0{};
        getrusage(RUSAGE_SELF, &r0);
        QElapsedTimer wall;
        wall.start();
        Job* j = tools()->startComparison(req, false);
        QVERIFY(j);
        for (int k = 0; k < 20 && !j->done(); ++k) { // browse while it runs
            QTest::keyClick(w_.get(), Qt::Key_Right);
            QTest::qWait(40);
        }
        QVERIFY(waitJob(j, 120000));
        const double wallS = wall.elapsed() / 1000.0;
        rusage r1{};
        getrusage(RUSAGE_SELF, &r1);
        probe.stop();
        QVERIFY2(j->state() == Job::State::Finished, qPrintable(j->error()));
        const auto secs = [](const timeval& t) { return double(t.tv_sec) + t.tv_usec / 1e6; };
        const double cpuS =
            secs(r1.ru_utime) - secs(r0.ru_utime) + secs(r1.ru_stime) - secs(r0.ru_stime);
        const QSize sz = comparisonOutputSize(req);
        qInfo("comparison video, 60 frames %dx%d H.264 medium: wall %.2f s (%.1f fps), process "
              "CPU %.2f s (%.1f ms per frame, decode + render + encode + GUI)",
              sz.width(), sz.height(), wallS, 60 / wallS, cpuS, cpuS / 60 * 1000);
        QVERIFY(probe.samples() > 200);
        const double p99 = probe.quantile(0.99);
        qInfo("event-loop lateness while encoding: p50 %.2f ms, p99 %.2f ms, %zu samples",
              probe.quantile(0.5), p99, probe.samples());
        QVERIFY2(p99 <= 50.0, qPrintable(QString::number(p99)));
        QCOMPARE(vf::io::openSource(req.destination.toStdString())->frameCount(), int64_t(60));
    }

    void dialogs() {
        // The clip dialog lists every stream and builds the request it shows.
        ClipExportDialog clip(ws(), w_.get());
        QCOMPARE(clip.streamList()->count(), int(ws()->streams().size()));
        ClipExportRequest r;
        r.streams = {ws()->streamByRole(StreamRole::Visible)->id};
        r.format = ExportFormat::PngFrames;
        r.start = 3;
        r.count = 7;
        r.destination = tmp_.filePath(QStringLiteral("dlg"));
        clip.setRequest(r);
        QCOMPARE(int(clip.request().chroma), int(vf::io::ChromaSampling::Yuv420)); // default
        r.chroma = vf::io::ChromaSampling::Yuv444;
        clip.setRequest(r);
        const ClipExportRequest back = clip.request();
        QCOMPARE(int(back.chroma), int(vf::io::ChromaSampling::Yuv444));
        r.chroma = vf::io::ChromaSampling::Yuv420; // the default again for the screenshot
        clip.setRequest(r);
        QCOMPARE(back.streams, r.streams);
        QCOMPARE(int(back.format), int(r.format));
        QCOMPARE(back.start, qint64(3));
        QCOMPARE(back.count, qint64(7));
        clip.show();
        QVERIFY(QTest::qWaitForWindowExposed(&clip));
        saveScreenshot(&clip, QStringLiteral("export_clip_dialog"));
        clip.close();
        w_->viewer()->setLayoutMode(Viewer::Layout::Wipe);
        showFrame(12);
        ComparisonExportDialog cmp(ws(), tools()->currentLayout(), w_.get());
        cmp.show();
        QVERIFY(QTest::qWaitForWindowExposed(&cmp));
        const ComparisonExportRequest cr = cmp.request();
        QCOMPARE(cr.layout.panes.size(), size_t(1));
        QVERIFY(cr.size.isEmpty()); // source resolution by default
        // H.264 colour: full colour (4:4:4) by default, 4:2:0 selectable, only for H.264.
        QCOMPARE(int(cr.format), int(ExportFormat::H264Mp4));
        QCOMPARE(int(cr.chroma), int(vf::io::ChromaSampling::Yuv444));
        auto* chroma = cmp.findChild<QComboBox*>(QStringLiteral("exportChroma"));
        auto* format = cmp.findChild<QComboBox*>(QStringLiteral("exportFormat"));
        QVERIFY(chroma && format);
        QVERIFY(chroma->isEnabled());
        chroma->setCurrentIndex(chroma->findData(int(vf::io::ChromaSampling::Yuv420)));
        QCOMPARE(int(cmp.request().chroma), int(vf::io::ChromaSampling::Yuv420));
        format->setCurrentIndex(format->findData(int(ExportFormat::Ffv1Mkv)));
        QVERIFY(!chroma->isEnabled());
        format->setCurrentIndex(format->findData(int(ExportFormat::H264Mp4)));
        chroma->setCurrentIndex(chroma->findData(int(vf::io::ChromaSampling::Yuv444)));
        saveScreenshot(&cmp, QStringLiteral("export_comparison_dialog"));
        saveScreenshot(w_.get(), QStringLiteral("export_window_wipe"));
        cmp.close();
    }
};

QTEST_MAIN(TestExportGui)
#include "test_export_gui.moc"
