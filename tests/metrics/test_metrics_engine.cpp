// The evaluation engine and `vfstudio-cli eval` on the real M3SVD 0111_1716 val sequence with
// two fused streams made here (average and maximum of the degraded inputs, grey PNG folders).
// Expected values are computed independently in this file from the PNGs (plain histogram,
// mean and PSNR loops), not by the code under test.
#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <thread>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/io/FrameSource.h"
#include "core/metrics/Metrics.h"

namespace fs = std::filesystem;
using namespace vf::metrics;

namespace {

const fs::path kVal = fs::path(VF_SHARED_DIR) / "data/M3SVD/val";
const char* kSeq = "0111_1716";
constexpr int kFrames = 6; // fused folders hold 6 frames; the sources have 20

fs::path outDir() {
    const char* e = std::getenv("VF_TEST_OUTPUT");
    fs::path d = fs::path(e ? e : VF_BINARY_DIR "/test-output") / "metrics_engine";
    fs::create_directories(d);
    return d;
}

fs::path src(const char* kind) {
    return kVal / kind / kSeq;
}

std::string frameName(int i) {
    char b[16];
    std::snprintf(b, sizeof b, "%04d.png", i);
    return b;
}

// Plain-loop expectations.
double entropyBits(const cv::Mat& g) {
    double h[256] = {};
    for (int y = 0; y < g.rows; ++y)
        for (int x = 0; x < g.cols; ++x)
            h[g.at<uchar>(y, x)] += 1;
    double e = 0, n = double(g.total());
    for (double c : h)
        if (c > 0) e -= c / n * std::log2(c / n);
    return e;
}
double meanOf(const cv::Mat& g) {
    double s = 0;
    for (int y = 0; y < g.rows; ++y)
        for (int x = 0; x < g.cols; ++x)
            s += g.at<uchar>(y, x);
    return s / double(g.total());
}
double psnrAllChannels(const cv::Mat& a, const cv::Mat& b) {
    double se = 0;
    const uchar* p = a.data;
    const uchar* q = b.data;
    const size_t n = a.total() * a.channels();
    for (size_t i = 0; i < n; ++i)
        se += (double(p[i]) - q[i]) * (double(p[i]) - q[i]);
    return 10 * std::log10(255.0 * 255.0 / (se / double(n)));
}

} // namespace

class TestMetricsEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void engineCacheProgressCancel();
    void cliEvalOnM3svd();
    void cliErrors();
    void videoFramesInAnyOrder();

private:
    fs::path avg_, max_;
    bool haveData_ = false;
};

void TestMetricsEngine::initTestCase() {
    haveData_ = fs::exists(src("infrared_noise") / "0000.png");
    if (!haveData_) return;
    avg_ = outDir() / "avg";
    max_ = outDir() / "max";
    fs::remove_all(avg_);
    fs::remove_all(max_);
    fs::create_directories(avg_);
    fs::create_directories(max_);
    for (int i = 0; i < kFrames; ++i) {
        cv::Mat ir =
            cv::imread((src("infrared_noise") / frameName(i)).string(), cv::IMREAD_GRAYSCALE);
        cv::Mat vi =
            cv::imread((src("visible_Blur") / frameName(i)).string(), cv::IMREAD_GRAYSCALE);
        QVERIFY(!ir.empty() && !vi.empty());
        cv::Mat a, m;
        cv::addWeighted(ir, 0.5, vi, 0.5, 0, a);
        cv::max(ir, vi, m);
        QVERIFY(cv::imwrite((avg_ / frameName(i)).string(), a));
        QVERIFY(cv::imwrite((max_ / frameName(i)).string(), m));
    }
}

void TestMetricsEngine::engineCacheProgressCancel() {
    if (!haveData_) QSKIP("../shared/data/M3SVD is absent");
    EvalRequest req;
    req.ir = src("infrared_noise");
    req.vi = src("visible_Blur");
    req.streams = {StreamSpec{"avg", avg_, {}, {}}};
    req.metrics = {Metric::EN, Metric::SD, Metric::Flicker};
    req.count = 3;
    std::atomic<int> calls{0};
    long long lastTotal = 0;
    MetricCache cache;
    const auto r1 = evaluate(
        req,
        [&](long long, long long total, const std::string&) {
            ++calls;
            lastTotal = total;
        },
        {}, &cache);
    QCOMPARE(calls.load(), 3);
    QCOMPARE(lastTotal, 3LL);
    QCOMPARE(r1.count, 3);
    // EN of frame 1 against a plain histogram of the PNG the test wrote
    const cv::Mat f1 = cv::imread((avg_ / frameName(1)).string(), cv::IMREAD_UNCHANGED);
    QCOMPARE(f1.channels(), 1);
    QVERIFY(std::abs(r1.streams[0].perFrame.at(Metric::EN)[1] - entropyBits(f1)) < 1e-9);
    // 3 frames x (EN, SD) + 2 pairs x Flicker cached
    QCOMPARE(cache.size(), size_t(8));
    const auto r2 = evaluate(req, {}, {}, &cache);
    QCOMPARE(cache.size(), size_t(8));
    QCOMPARE(r2.streams[0].perFrame.at(Metric::SD), r1.streams[0].perFrame.at(Metric::SD));
    // a different convention is a different cache entry
    req.conventions = Conventions::nats();
    const auto r3 = evaluate(req, {}, {}, &cache);
    QCOMPARE(cache.size(), size_t(14)); // EN and SD again (keyed by convention), Flicker reused
    QVERIFY(std::abs(r3.streams[0].perFrame.at(Metric::EN)[1] - entropyBits(f1) * std::log(2.0)) <
            1e-9);
    // the fused folder has 6 frames, the sources 20: common prefix and a warning
    req.count = -1;
    req.metrics = {Metric::SD};
    const auto r4 = evaluate(req);
    QCOMPARE(r4.count, kFrames);
    QVERIFY(!r4.warnings.empty());
    // a range starting later: the temporal value at its first frame uses the frame before it
    req.start = 2;
    req.count = 2;
    req.metrics = {Metric::Flicker};
    const auto r5 = evaluate(req);
    const cv::Mat f2 = cv::imread((avg_ / frameName(2)).string(), cv::IMREAD_UNCHANGED);
    QVERIFY(std::abs(r5.streams[0].perFrame.at(Metric::Flicker)[0] -
                     std::abs(meanOf(f2) - meanOf(f1))) < 1e-9);
    req.start = 0;
    req.count = -1;
    // cancelled before the start: Error(Cancelled)
    vf::CancelToken tok;
    tok.cancel();
    try {
        evaluate(req, {}, tok);
        QFAIL("no error on cancel");
    } catch (const vf::Error& e) {
        QCOMPARE(e.code(), vf::ErrorCode::Cancelled);
    }
    // curves and slices over an open core/io FrameSource
    const auto frames = framesFrom(vf::io::openSource(avg_));
    const auto curve = meanIntensityCurve(*frames, 1, 2);
    QCOMPARE(curve.size(), size_t(2));
    QVERIFY(std::abs(curve[0] - meanOf(f1)) < 1e-9);
    const cv::Mat yt = ytSlice(*frames, 100);
    QCOMPARE(yt.rows, kFrames);
    QCOMPARE(yt.cols, f1.cols);
    // statistics: mean / population std / median by hand
    const Stats s = computeStats({1.0, 2.0, 6.0, std::nan("")});
    QCOMPARE(s.n, 3);
    QCOMPARE(s.mean, 3.0);
    QCOMPARE(s.median, 2.0);
    QVERIFY(std::abs(s.stddev - std::sqrt((4.0 + 1.0 + 9.0) / 3.0)) < 1e-12);
}

void TestMetricsEngine::cliEvalOnM3svd() {
    if (!haveData_) QSKIP("../shared/data/M3SVD is absent");
    const QString cli = QStringLiteral(VF_BINARY_DIR "/app/vfstudio-cli");
    QVERIFY2(QFileInfo::exists(cli), qPrintable(cli));
    const fs::path csv = outDir() / "eval.csv", json = outDir() / "eval.json";
    fs::remove(csv);
    fs::remove(json);
    QProcess p;
    p.start(cli, {"eval",
                  "--ir",
                  QString::fromStdString(src("infrared_noise").string()),
                  "--vi",
                  QString::fromStdString(src("visible_Blur").string()),
                  "--fused",
                  QString::fromStdString("avg=" + avg_.string()),
                  "--fused",
                  QString::fromStdString("max=" + max_.string()),
                  "--ref-ir",
                  QString::fromStdString(src("infrared_Enhance").string()),
                  "--ref-vi",
                  QString::fromStdString(src("visible_Enhance").string()),
                  "--restored-ir",
                  QString::fromStdString("avg=" + src("infrared_Enhance").string()),
                  "--metrics",
                  "EN,SD,MI,SSIM,VIF,flowD,Flicker",
                  "--per-frame",
                  QString::fromStdString(csv.string()),
                  "--json",
                  QString::fromStdString(json.string()),
                  "--quiet"});
    QVERIFY(p.waitForFinished(110000));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(p.exitCode() == 0, qPrintable(out + err));
    // the table: a header and one row per fused stream, plus the inputs-vs-references row
    QVERIFY2(out.contains("EN") && out.contains("flowD") && out.contains("PSNR_IR"),
             qPrintable(out));
    QStringList lines = out.split('\n', Qt::SkipEmptyParts);
    QVERIFY(std::any_of(lines.begin(), lines.end(),
                        [](const QString& l) { return l.trimmed().startsWith("avg"); }));
    QVERIFY(std::any_of(lines.begin(), lines.end(),
                        [](const QString& l) { return l.trimmed().startsWith("max"); }));
    QVERIFY(std::any_of(lines.begin(), lines.end(),
                        [](const QString& l) { return l.trimmed().startsWith("inputs"); }));
    QVERIFY2(err.contains("evaluating the first 6"), qPrintable(err));

    // CSV: comment lines, header, 6 frames x (2 streams + inputs row)
    QFile cf(QString::fromStdString(csv.string()));
    QVERIFY(cf.open(QIODevice::ReadOnly));
    QStringList rows;
    for (const QString& l : QString::fromUtf8(cf.readAll()).split('\n', Qt::SkipEmptyParts))
        if (!l.startsWith('#')) rows << l;
    QVERIFY2(rows.value(0).startsWith("stream,frame,EN,SD,MI,SSIM,VIF,flowD,Flicker"),
             qPrintable(rows.value(0)));
    QCOMPARE(rows.size(), 1 + 3 * kFrames);

    // JSON: conventions recorded, values checked against plain-loop expectations
    QFile jf(QString::fromStdString(json.string()));
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const QJsonObject j = QJsonDocument::fromJson(jf.readAll()).object();
    QCOMPARE(j["conventions"].toObject()["name"].toString(), QString("toolbox"));
    QCOMPARE(j["conventions"].toObject()["ssim_dynamic_range"].toDouble(), 1.0);
    QCOMPARE(j["count"].toInt(), kFrames);
    const QJsonArray streams = j["streams"].toArray();
    QCOMPARE(streams.size(), 2);
    const QJsonObject avg = streams[0].toObject(), mx = streams[1].toObject();
    QCOMPARE(avg["name"].toString(), QString("avg"));
    QCOMPARE(mx["name"].toString(), QString("max"));
    const QJsonObject pf = avg["per_frame"].toObject();
    for (int i : {0, 3}) {
        const cv::Mat f = cv::imread((avg_ / frameName(i)).string(), cv::IMREAD_UNCHANGED);
        QVERIFY(std::abs(pf["EN"].toArray()[i].toDouble() - entropyBits(f)) < 1e-9);
    }
    // flowD and flicker are undefined at the first frame; flicker(1) = |mean F1 - mean F0|
    QVERIFY(pf["flowD"].toArray()[0].isNull());
    const cv::Mat f0 = cv::imread((avg_ / frameName(0)).string(), cv::IMREAD_UNCHANGED);
    const cv::Mat f1 = cv::imread((avg_ / frameName(1)).string(), cv::IMREAD_UNCHANGED);
    QVERIFY(std::abs(pf["Flicker"].toArray()[1].toDouble() - std::abs(meanOf(f1) - meanOf(f0))) <
            1e-9);
    QVERIFY(pf["flowD"].toArray()[1].toDouble() > 0.0);
    // the restored IR given for "avg" IS the clean reference: SSIM 1, PSNR infinite (null)
    QVERIFY(std::abs(pf["SSIM_IR"].toArray()[2].toDouble() - 1.0) < 1e-12);
    QVERIFY(pf["PSNR_IR"].toArray()[2].isNull());
    // the degraded inputs against the clean references
    const QJsonObject inp = j["inputs_against_refs"].toObject()["per_frame"].toObject();
    const cv::Mat n0 = cv::imread((src("infrared_noise") / frameName(0)).string());
    const cv::Mat c0 = cv::imread((src("infrared_Enhance") / frameName(0)).string());
    QVERIFY(std::abs(inp["PSNR_IR"].toArray()[0].toDouble() - psnrAllChannels(n0, c0)) < 1e-9);
    // summary mean of EN over the 6 frames equals the mean of the per-frame values
    double s = 0;
    for (int i = 0; i < kFrames; ++i)
        s += pf["EN"].toArray()[i].toDouble();
    QVERIFY(std::abs(avg["summary"].toObject()["EN"].toObject()["mean"].toDouble() - s / kFrames) <
            1e-9);
}

void TestMetricsEngine::cliErrors() {
    const QString cli = QStringLiteral(VF_BINARY_DIR "/app/vfstudio-cli");
    QProcess p;
    p.start(cli, {"eval", "--ir", "a", "--vi", "b"}); // no --fused: usage error
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 2);
    p.start(cli, {"eval", "--ir", "/nonexistent/ir.mp4", "--vi", "/nonexistent/vi", "--fused",
                  "x=/nonexistent/f"});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("/nonexistent/ir.mp4"));
    p.start(cli, {"eval", "--ir", "a", "--vi", "b", "--fused", "x=c", "--metrics", "EN,bogus"});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("bogus"));
}

void TestMetricsEngine::videoFramesInAnyOrder() {
    // The engine reads each frame twice (t, then t-1 of the next pair) from several threads;
    // the video reader keeps recent frames and picks the pooled decoder that can decode
    // forward. Whatever the order, every read must be exactly the frame a plain sequential
    // decode gives.
    const fs::path video = fs::path(VF_SHARED_DIR) / "data/M3SVD/Video/test/visible/0111_1716.mp4";
    if (!fs::exists(video)) QSKIP("../shared M3SVD test video is absent");
    constexpr int kN = 60; // several GOPs (keyframes about every 12 frames)
    std::vector<cv::Mat> expect;
    {
        auto seq = vf::io::openSource(video);
        for (int i = 0; i < kN; ++i)
            expect.push_back(seq->next());
    }
    const auto frames = framesFrom(vf::io::openSource(video));
    auto same = [&](int i) { return cv::norm(frames->read(i), expect[i], cv::NORM_INF) == 0; };
    // backwards, jumps across keyframes, repeats, the engine's (t, t-1) pattern
    for (int i : {5, 4, 5, 3, 40, 39, 0, 39, 59, 12, 11, 13, 58, 1})
        QVERIFY2(same(i), qPrintable(QString("frame %1").arg(i)));
    // two threads walking the (t, t-1) pattern over interleaved frames at once
    std::atomic<int> bad{-1};
    auto walk = [&](int first) {
        for (int t = first; t < kN; t += 2)
            for (int i : {t, t > 0 ? t - 1 : 0})
                if (!same(i)) bad = i;
    };
    std::thread a(walk, 1), b(walk, 2);
    a.join();
    b.join();
    QVERIFY2(bad == -1, qPrintable(QString("frame %1 differs").arg(bad.load())));
}

QTEST_GUILESS_MAIN(TestMetricsEngine)
#include "test_metrics_engine.moc"
