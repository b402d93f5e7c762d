// Tests of pair opening and validation and of M3SVD layout discovery, on real files.
// Mismatched pairs are made with the ffmpeg command-line tool (independent of our writer).
#include <QtTest/QtTest>

#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "IoTestUtil.h"
#include "core/common/Error.h"
#include "core/io/Pair.h"
#include "core/io/VideoReader.h"

namespace fs = std::filesystem;
using namespace vf::io;
using namespace iotest;

class TestIoPair : public QObject {
    Q_OBJECT
private:
    fs::path dir_;

    // A clip cut from the demo visible video by ffmpeg with extra options.
    fs::path makeClip(const std::string& name, const QStringList& opts) {
        const fs::path out = dir_ / name;
        QStringList args{"-v", "error", "-y", "-i", q(demoVis())};
        args += opts;
        args += {"-c:v", "ffv1", q(out)};
        bool ok = false;
        run("ffmpeg", args, &ok);
        if (!ok) qWarning() << "ffmpeg failed for" << name.c_str();
        return out;
    }

private Q_SLOTS:
    void initTestCase() {
        dir_ = makeTempDir("pair");
        if (!haveTool("ffmpeg")) QSKIP("ffmpeg not installed");
    }
    void cleanupTestCase() { fs::remove_all(dir_); }

    void demoPairIsClean() {
        PairInput p = openPair(demoIr(), demoVis());
        QCOMPARE(p.frameCount(), int64_t(60));
        QVERIFY(p.validation.warnings.empty());
        QCOMPARE(p.validation.size, cv::Size(640, 480));
        QCOMPARE(p.validation.fps.value(), 30.0);
        QVERIFY(!p.hasReferences());
        QVERIFY(p.ir && p.vis);
        QCOMPARE(p.ir->read(10).size(), cv::Size(640, 480));
    }

    void differentCountsUseCommonRange() {
        const fs::path shortVis = makeClip("short.mkv", {"-frames:v", "45"});
        PairInput p = openPair(demoIr(), shortVis);
        QCOMPARE(p.frameCount(), int64_t(45));
        QVERIFY(p.validation.countMismatch);
        QCOMPARE(p.validation.warnings.size(), size_t(1));
        const QString w = QString::fromStdString(p.validation.warnings[0]);
        QVERIFY2(w.contains("60") && w.contains("45") && w.contains("frame count"), qPrintable(w));
    }

    void differentSizesRefusedOrResized() {
        const fs::path small = makeClip("small.mkv", {"-frames:v", "60", "-vf", "scale=320:240"});
        try {
            openPair(demoIr(), small);
            QFAIL("different sizes were accepted");
        } catch (const vf::Error& e) {
            QCOMPARE(e.code(), vf::ErrorCode::Mismatch);
            const QString m = e.what();
            QVERIFY2(m.contains("640x480") && m.contains("320x240"), qPrintable(m));
        }
        PairOptions o;
        o.resizeVisibleToInfrared = true;
        PairInput p = openPair(demoIr(), small, o);
        QVERIFY(p.validation.resized);
        QCOMPARE(p.validation.visSize, cv::Size(320, 240));
        QCOMPARE(p.vis->info().size(), cv::Size(640, 480));
        QCOMPARE(p.vis->read(3).size(), cv::Size(640, 480));
        QCOMPARE(p.vis->clone()->read(4).size(), cv::Size(640, 480));
        QCOMPARE(p.validation.warnings.size(), size_t(1));
        // the resized frame resembles the original visible frame
        QVERIFY(psnr(p.vis->read(3), VideoReader(demoVis()).read(3)) > 25);
    }

    void differentFpsWarns() {
        const fs::path f25 = makeClip("fps25.mkv", {"-frames:v", "60", "-r", "25"});
        // -r as an output option resamples time; set the rate without dropping frames instead
        const fs::path g25 = dir_ / "rate25.mkv";
        bool ok = false;
        run("ffmpeg", {"-v", "error", "-y", "-r", "25", "-i", q(f25), "-c:v", "copy", q(g25)}, &ok);
        QVERIFY(ok);
        PairInput p = openPair(demoIr(), g25);
        QVERIFY(p.validation.fpsMismatch);
        bool found = false;
        for (const auto& w : p.validation.warnings) {
            const QString s = QString::fromStdString(w);
            if (s.contains("frame rate")) {
                found = true;
                QVERIFY2(s.contains("30") && s.contains("25"), qPrintable(s));
            }
        }
        QVERIFY(found);
    }

    void greyVisibleAndFolders() {
        if (!haveShared()) QSKIP("../shared/data is absent");
        PairInput p = openPair(shared() / "data" / "TNO" / "Duine" / "ir",
                               shared() / "data" / "TNO" / "Duine" / "vi");
        QCOMPARE(p.frameCount(), int64_t(23));
        QCOMPARE(p.ir->info().channels, 1);
        QCOMPARE(p.vis->info().channels, 1);
        QVERIFY(!p.validation.fpsMismatch); // folders carry no rate: no warning
        QCOMPARE(p.vis->read(0).type(), CV_8UC3);
        QCOMPARE(p.vis->read(0, ColorMode::Gray).type(), CV_8UC1);
        // a video with a folder
        PairInput q2 = openPair(m3svd() / "Video" / "test" / "infrared" / "0111_1716.mp4",
                                m3svd() / "val" / "visible_Enhance" / "0111_1716");
        QCOMPARE(q2.frameCount(), int64_t(20));
        QVERIFY(q2.validation.countMismatch);
        QVERIFY(!q2.validation.fpsMismatch);
    }

    void m3svdLayoutDiscovered() {
        if (!haveShared()) QSKIP("../shared/data is absent");
        QVERIFY(isM3svdRoot(m3svd()));
        QVERIFY(!isM3svdRoot(shared() / "data" / "TNO"));
        const M3svdLayout l = scanM3svd(m3svd());
        QVERIFY(std::find(l.splits.begin(), l.splits.end(), "val") != l.splits.end());
        QCOMPARE(l.sequenceNames("val"), (std::vector<std::string>{"0111_1716", "0114_1609"}));
        QCOMPARE(l.sequenceNames("Video/test"),
                 (std::vector<std::string>{"0111_1716", "0113_1714", "0117_1605"}));
        // the val split root on its own is a root too (split "")
        QCOMPARE(scanM3svd(m3svd() / "val").sequenceNames(""),
                 (std::vector<std::string>{"0111_1716", "0114_1609"}));
        try {
            l.find("val", "9999_0000");
            QFAIL("unknown sequence found");
        } catch (const vf::Error& e) {
            QVERIFY(QString(e.what()).contains("0114_1609")); // lists what exists
        }
        QVERIFY_THROWS_EXCEPTION(vf::Error, scanM3svd(shared() / "data" / "TNO"));
    }

    void m3svdDegradedWithReferences() {
        if (!haveShared()) QSKIP("../shared/data is absent");
        const M3svdLayout l = scanM3svd(m3svd());
        const M3svdSequence& s = l.find("val", "0114_1609");
        PairInput p = openM3svdSequence(s);
        QCOMPARE(p.sequence, std::string("0114_1609"));
        QCOMPARE(p.split, std::string("val"));
        QVERIFY(QString::fromStdString(p.irPath).contains("infrared_noise"));
        QVERIFY(QString::fromStdString(p.visPath).contains("visible_Blur"));
        QVERIFY(p.hasReferences());
        QVERIFY(QString::fromStdString(p.irRef->info().path).contains("infrared_Enhance"));
        QVERIFY(QString::fromStdString(p.visRef->info().path).contains("visible_Enhance"));
        QCOMPARE(p.frameCount(), int64_t(20));
        // pairing: frame i of every stream is the file with the same name (0000..0019)
        const cv::Mat irIn = p.ir->read(12), irRef = p.irRef->read(12);
        const cv::Mat fromDisk = cv::imread((s.irClean / "0012.png").string(), cv::IMREAD_COLOR);
        QCOMPARE(cv::norm(irRef, fromDisk, cv::NORM_INF), 0.0);
        // degraded and clean frames show the same scene: close, but not equal
        const double d = psnr(irIn, irRef);
        QVERIFY2(d > 15 && d < 60, qPrintable(QString::number(d)));

        PairOptions clean;
        clean.useDegraded = false;
        PairInput c = openM3svdSequence(s, clean);
        QVERIFY(QString::fromStdString(c.irPath).contains("infrared_Enhance"));
        QVERIFY(!c.hasReferences());
    }

    void m3svdVideos() {
        if (!haveShared()) QSKIP("../shared/data is absent");
        const M3svdLayout l = scanM3svd(m3svd() / "Video" / "test");
        const M3svdSequence& s = l.find("", "0113_1714");
        QVERIFY(s.isVideo);
        PairInput p = openM3svdSequence(s);
        QCOMPARE(p.frameCount(), int64_t(560));
        QVERIFY(p.validation.warnings.empty());
    }
};

QTEST_GUILESS_MAIN(TestIoPair)
#include "test_io_pair.moc"
