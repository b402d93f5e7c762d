// Tests of `vfstudio-cli info` and `vfstudio-cli extract`, run as a user would (QProcess).
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QtTest>

#include <filesystem>

#include "IoTestUtil.h"
#include "core/io/FrameSequence.h"
#include "core/io/VideoReader.h"

namespace fs = std::filesystem;
using namespace vf::io;
using namespace iotest;

namespace {

struct Result {
    int code = -1;
    QByteArray out, err;
};

Result cli(const QStringList& args) {
    QProcess p;
    p.start(QString(VF_BINARY_DIR) + "/app/vfstudio-cli", args);
    Result r;
    if (!p.waitForFinished(120000)) return r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class TestIoCli : public QObject {
    Q_OBJECT
private:
    fs::path dir_;

private Q_SLOTS:
    void initTestCase() {
        if (!fs::exists(fs::path(VF_BINARY_DIR) / "app" / "vfstudio-cli"))
            QSKIP("vfstudio-cli is not built");
        dir_ = makeTempDir("cli");
    }
    void cleanupTestCase() { fs::remove_all(dir_); }

    void infoOnM3svdPair() {
        if (!haveShared()) QSKIP("../shared/data is absent");
        const QString ir = q(m3svd() / "Video/test/infrared/0113_1714.mp4");
        const QString vis = q(m3svd() / "Video/test/visible/0113_1714.mp4");
        Result r = cli({"info", ir, vis});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.count("frames      560"), 2);
        QCOMPARE(r.out.count("size        640x480"), 2);
        QCOMPARE(r.out.count("fps         30\n"), 2);
        QVERIFY(r.out.contains("no problems"));
        r = cli({"info", "--json", ir, vis});
        QCOMPARE(r.code, 0);
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        const QJsonArray inputs = doc["inputs"].toArray();
        QCOMPARE(inputs.size(), 2);
        for (const auto& v : inputs) {
            const QJsonObject o = v.toObject();
            QCOMPARE(o["frames"].toInt(), 560);
            QCOMPARE(o["fps"].toDouble(), 30.0);
            QCOMPARE(o["width"].toInt(), 640);
            QCOMPARE(o["height"].toInt(), 480);
            QCOMPARE(o["codec"].toString(), QString("mpeg4"));
            QCOMPARE(o["pixel_format"].toString(), QString("yuv420p"));
        }
        QCOMPARE(doc["pair"].toObject()["common_frames"].toInt(), 560);
        QVERIFY(doc["pair"].toObject()["warnings"].toArray().isEmpty());
    }

    void infoPairWarningsAndM3svdRoot() {
        if (!haveShared()) QSKIP("../shared/data is absent");
        Result r = cli({"info", q(demoIr()), q(m3svd() / "Video/test/visible/0111_1716.mp4")});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("60 vs 151"), r.out.constData());
        r = cli({"info", q(m3svd())});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("0111_1716") && r.out.contains("0114_1609") &&
                r.out.contains("val"));
    }

    void infoErrorsAndUsage() {
        Result r = cli({"info", q(dir_ / "nope.mp4")});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("nope.mp4"));
        QCOMPARE(cli({"info", "--bogus", q(demoIr())}).code, 2);
    }

    void extractRanges() {
        VideoReader src(demoVis());
        // FFV1: exact frames 5..14
        Result r = cli({"extract", q(demoVis()), "-o", q(dir_ / "cut.mkv"), "--start", "5",
                        "--count", "10", "--quiet"});
        QCOMPARE(r.code, 0);
        VideoReader cut(dir_ / "cut.mkv");
        QCOMPARE(cut.info().frameCount, int64_t(10));
        QCOMPARE(cv::norm(cut.read(0), src.read(5), cv::NORM_INF), 0.0);
        QCOMPARE(cv::norm(cut.read(9), src.read(14), cv::NORM_INF), 0.0);
        // PNG: --end is inclusive
        r = cli({"extract", q(demoVis()), "-o", q(dir_ / "png"), "--start", "2", "--end", "4",
                 "--quiet"});
        QCOMPARE(r.code, 0);
        FrameSequence png(dir_ / "png");
        QCOMPARE(png.frameCount(), int64_t(3));
        QCOMPARE(cv::norm(png.read(2), src.read(4), cv::NORM_INF), 0.0);
        // H.264
        r = cli({"extract", q(demoIr()), "-o", q(dir_ / "ir.mp4"), "--count", "8", "--crf", "20",
                 "--preset", "ultrafast", "--quiet"});
        QCOMPARE(r.code, 0);
        VideoReader h(dir_ / "ir.mp4");
        QCOMPARE(h.info().frameCount, int64_t(8));
        QCOMPARE(QString::fromStdString(h.info().codec), QString("h264"));
        // usage errors: exit 2, nothing written
        QCOMPARE(cli({"extract", q(demoVis())}).code, 2);
        QCOMPARE(cli({"extract", q(demoVis()), "-o", q(dir_ / "x.mkv"), "--start", "100"}).code, 2);
        QVERIFY(!fs::exists(dir_ / "x.mkv"));
        // unreadable input: exit 1
        writeBytes(dir_ / "bad.mp4", "garbage");
        r = cli({"extract", q(dir_ / "bad.mp4"), "-o", q(dir_ / "y.mkv")});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("bad.mp4"));
    }
};

QTEST_GUILESS_MAIN(TestIoCli)
#include "test_io_cli.moc"
