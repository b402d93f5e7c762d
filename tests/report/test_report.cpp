// Tests of core/report and `vfstudio-cli export` / `report` on the real M3SVD val pair
// 0111_1716 (degraded IR + blurred visible, 640x480 PNG folders).
// Expectations are independent of the code under test: exported clips are compared with
// fuseFrame() run here on frames read with cv::imread; table values with metrics computed
// per frame here (vf::metrics::imageMetrics, mean/std by plain loops); SVG structure parsed
// with Qt's XML reader; ticks worked out by hand.
//
// Unwritable destinations: tests run as root, where chmod does not block writes, so the
// "read-only / missing folder" cases use (a) a path under a regular FILE (its "folder" is
// not a folder) and (b) /proc, where even root cannot create files.
#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QXmlStreamReader>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"
#include "core/fusion/FusionMethod.h"
#include "core/io/FrameSource.h"
#include "core/metrics/Metrics.h"
#include "core/report/Export.h"
#include "core/report/Report.h"

namespace fs = std::filesystem;
using namespace vf;

namespace {

const fs::path kVal = fs::path(VF_SHARED_DIR) / "data/M3SVD/val";
const fs::path kIr = kVal / "infrared_noise/0111_1716";
const fs::path kVi = kVal / "visible_Blur/0111_1716";
constexpr int kStart = 2, kCount = 8;

fs::path outRoot() {
    const char* e = std::getenv("VF_TEST_OUTPUT");
    fs::path d = fs::path(e ? e : VF_BINARY_DIR "/test-output") / "report";
    return d;
}

cv::Mat srcFrame(const fs::path& dir, int i) {
    char b[16];
    std::snprintf(b, sizeof b, "%04d.png", i);
    return cv::imread((dir / b).string(), cv::IMREAD_COLOR);
}

double psnr(const cv::Mat& a, const cv::Mat& b) {
    double se = 0;
    const size_t n = a.total() * a.channels();
    for (size_t i = 0; i < n; ++i) {
        const double d = double(a.data[i]) - double(b.data[i]);
        se += d * d;
    }
    return se == 0 ? INFINITY : 10 * std::log10(255.0 * 255.0 / (se / double(n)));
}

std::vector<fs::path> listDir(const fs::path& d) {
    std::vector<fs::path> v;
    for (const auto& e : fs::directory_iterator(d))
        v.push_back(e.path().filename());
    std::sort(v.begin(), v.end());
    return v;
}

struct CliResult {
    int code = -1;
    QString out, err;
};
CliResult cli(const QStringList& args) {
    QProcess p;
    p.start(QString(VF_BINARY_DIR) + "/app/vfstudio-cli", args);
    p.waitForFinished(240000);
    CliResult r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}
QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

int countOf(const std::string& s, const std::string& needle) {
    int n = 0;
    for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1))
        ++n;
    return n;
}

// Parses an XML fragment; returns the number of <polyline> elements, -1 on a parse error.
int polylines(const std::string& xml, std::vector<int>* pointsPerLine = nullptr) {
    QXmlStreamReader r(QByteArray::fromStdString(xml));
    int n = 0;
    while (!r.atEnd()) {
        r.readNext();
        if (r.isStartElement() && r.name() == QLatin1String("polyline")) {
            ++n;
            if (pointsPerLine) {
                const QString pts = r.attributes().value("points").toString().trimmed();
                pointsPerLine->push_back(pts.isEmpty() ? 0 : int(pts.split(' ').size()));
            }
        }
    }
    return r.hasError() ? -1 : n;
}

} // namespace

class TestReport : public QObject {
    Q_OBJECT

    fs::path dir_;
    std::vector<cv::Mat> expectedAvg_; // fuseFrame("average") of frames kStart..kStart+kCount-1

private Q_SLOTS:
    void initTestCase() {
        if (!fs::is_directory(kIr) || !fs::is_directory(kVi))
            QSKIP("../shared M3SVD val data is absent");
        dir_ = outRoot();
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        const auto avg = fusion::MethodRegistry::builtin().get("average");
        for (int i = kStart; i < kStart + kCount; ++i)
            expectedAvg_.push_back(fusion::fuseFrame(*avg, srcFrame(kIr, i), srcFrame(kVi, i)));
        QCOMPARE(expectedAvg_.front().type(), CV_8UC3);
    }

    void exportFormats_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("exact");
        QTest::newRow("ffv1") << "avg.mkv" << true;
        QTest::newRow("png") << "avg_png" << true;
        QTest::newRow("h264") << "avg.mp4" << false;
    }
    void exportFormats() {
        QFETCH(QString, name);
        QFETCH(bool, exact);
        report::ExportRequest req;
        req.ir = kIr;
        req.vi = kVi;
        req.method = fusion::MethodRegistry::builtin().create("average");
        req.output = dir_ / name.toStdString();
        req.start = kStart;
        req.count = kCount;
        req.crf = 4; // high quality
        long long lastDone = 0;
        auto res = report::exportClip(
            req, [&](long long d, long long, const std::string&) { lastDone = d; });
        QCOMPARE(res.frames, kCount);
        QCOMPARE(lastDone, (long long)kCount);
        auto src = io::openSource(req.output);
        QCOMPARE(src->frameCount(), (int64_t)kCount);
        for (int i = 0; i < kCount; ++i) {
            cv::Mat got = src->read(i);
            QCOMPARE(got.size(), expectedAvg_[i].size());
            const double p = psnr(got, expectedAvg_[i]);
            if (exact)
                QVERIFY2(std::isinf(p),
                         qPrintable(QString("frame %1 differs, PSNR %2").arg(i).arg(p)));
            else
                QVERIFY2(p >= 40.0, qPrintable(QString("frame %1: PSNR %2 dB").arg(i).arg(p)));
        }
        // Exporting an already fused stream (the FFV1 file) again gives the same frames.
        if (name == "avg.mkv") {
            report::ExportRequest r2;
            r2.fused = req.output;
            r2.output = dir_ / "copy_png";
            r2.start = 3;
            r2.count = 2;
            QCOMPARE(report::exportClip(r2).frames, 2);
            auto copy = io::openSource(r2.output);
            QCOMPARE(copy->frameCount(), (int64_t)2);
            QVERIFY(std::isinf(psnr(copy->read(0), expectedAvg_[3])));
            QVERIFY(std::isinf(psnr(copy->read(1), expectedAvg_[4])));
        }
    }

    void exportRefusesOverwriteAndBadRequests() {
        const fs::path out = dir_ / "exists.mkv";
        { std::ofstream(out) << "keep me"; }
        report::ExportRequest req;
        req.ir = kIr;
        req.vi = kVi;
        req.method = fusion::MethodRegistry::builtin().create("average");
        req.output = out;
        req.count = 2;
        try {
            report::exportClip(req);
            QFAIL("an existing output was overwritten");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::WriteFailed);
            QVERIFY2(std::string(e.what()).find("exists.mkv") != std::string::npos, e.what());
            QVERIFY(std::string(e.what()).find("--force") != std::string::npos);
        }
        QCOMPARE(readFile(out), std::string("keep me"));
        req.force = true;
        QCOMPARE(report::exportClip(req).frames, 2);
        QCOMPARE(io::openSource(out)->frameCount(), (int64_t)2);

        // A non-empty existing folder is refused too; restored streams need a video method.
        req.force = false;
        req.output = dir_ / "avg_png";
        QVERIFY_THROWS_EXCEPTION(Error, report::exportClip(req));
        req.output = dir_ / "restored.mkv";
        req.what = report::ExportWhat::RestoredIr;
        QVERIFY_THROWS_EXCEPTION(Error, report::exportClip(req));
        QVERIFY(!fs::exists(req.output));
    }

    void exportIntoUnwritableFolders() {
        // (a) the "folder" is a regular file.
        const fs::path file = dir_ / "plain.txt";
        { std::ofstream(file) << "x"; }
        report::ExportRequest req;
        req.ir = kIr;
        req.vi = kVi;
        req.method = fusion::MethodRegistry::builtin().create("average");
        req.count = 2;
        req.output = file / "out.mkv";
        const auto before = listDir(dir_);
        try {
            report::exportClip(req);
            QFAIL("export under a file succeeded");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::WriteFailed);
            QVERIFY2(std::string(e.what()).find("plain.txt") != std::string::npos, e.what());
        }
        QCOMPARE(listDir(dir_), before);
        // (b) /proc: root cannot create files there either.
        req.output = "/proc/vf_report_test_export.mkv";
        QVERIFY_THROWS_EXCEPTION(Error, report::exportClip(req));
        QVERIFY(!fs::exists(req.output));
        for (const auto& e : fs::directory_iterator("/proc"))
            QVERIFY(e.path().filename().string().find("vf_report_test") == std::string::npos);
        // Reports: same rule.
        metrics::EvalResult empty;
        try {
            report::writeTableCsv(empty, file / "t.csv");
            QFAIL("table written under a file");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("plain.txt") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, report::writeHtml({}, "/proc/vf_report_test.html"));
        QVERIFY(!fs::exists("/proc/vf_report_test.html"));
        QCOMPARE(listDir(dir_), before);
    }

    void exportCancelLeavesNothing() {
        const fs::path sub = dir_ / "cancel";
        fs::create_directories(sub);
        CancelToken token;
        report::ExportRequest req;
        req.ir = kIr;
        req.vi = kVi;
        req.method = fusion::MethodRegistry::builtin().create("average");
        req.output = sub / "c.mkv";
        try {
            report::exportClip(
                req,
                [&](long long d, long long, const std::string&) {
                    if (d >= 3) token.cancel();
                },
                &token);
            QFAIL("not cancelled");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Cancelled);
        }
        QVERIFY(listDir(sub).empty());
    }

    void ticksAndPlots() {
        const std::vector<double> t = report::niceTicks(0, 1, 6);
        const std::vector<double> want{0, 0.2, 0.4, 0.6, 0.8, 1.0};
        QCOMPARE(t.size(), want.size());
        for (size_t i = 0; i < t.size(); ++i)
            QVERIFY(std::abs(t[i] - want[i]) < 1e-12);
        const auto t2 = report::niceTicks(3.2, 47, 5); // step 10: 0..50
        QCOMPARE(t2.front(), 0.0);
        QCOMPARE(t2.back(), 50.0);
        QCOMPARE(t2.size(), size_t(6));

        std::vector<report::Series> s{
            {"a & b", {1, 2, 3, 4}}, {"nan first", {NAN, 5, 6, 7}}, {"flat", {2, 2, 2, 2}}};
        report::PlotOptions o;
        o.title = "EN <per frame>";
        o.yLabel = "EN";
        const std::string svg = report::plotSvg(s, o);
        std::vector<int> pts;
        QCOMPARE(polylines(svg, &pts), 3);
        QCOMPARE(pts, (std::vector<int>{4, 3, 4}));
        QVERIFY(svg.find("a &amp; b") != std::string::npos);
        // y ticks 1..7 (step 1, integer labels), x ticks at frames 0..3.
        for (const char* lab : {">1</text>", ">7</text>", ">3</text>"})
            QVERIFY2(svg.find(lab) != std::string::npos, lab);
        QVERIFY(svg.find(">7.0</text>") == std::string::npos);

        const cv::Mat img = report::plotImage(s, o);
        QCOMPARE(img.size(), cv::Size(o.width, o.height));
        for (size_t i = 0; i < s.size(); ++i) {
            const cv::Scalar c = report::seriesColorBgr(i);
            cv::Mat m;
            cv::inRange(img, c, c, m);
            QVERIFY2(cv::countNonZero(m) > 20, s[i].name.c_str());
        }
    }

    void tablesAndHtmlMatchDirectMetrics() {
        // Two streams whose frames the test reads directly: copies of the sources themselves.
        metrics::EvalRequest req;
        req.ir = kIr;
        req.vi = kVi;
        req.streams = {{"ir-copy", kIr, {}, {}}, {"vi-copy", kVi, {}, {}}};
        req.metrics = {metrics::Metric::EN, metrics::Metric::SD, metrics::Metric::Flicker};
        req.start = 0;
        req.count = 4;
        const metrics::EvalResult res = metrics::evaluate(req);
        QCOMPARE(res.streams.size(), size_t(2));

        // Direct per-frame values.
        std::map<std::string, std::map<metrics::Metric, std::pair<double, double>>> want;
        for (const auto& [name, dir] : {std::pair{"ir-copy", kIr}, std::pair{"vi-copy", kVi}}) {
            std::vector<double> en, sd;
            for (int i = 0; i < 4; ++i) {
                auto v = metrics::imageMetrics(srcFrame(kIr, i), srcFrame(kVi, i), srcFrame(dir, i),
                                               {metrics::Metric::EN, metrics::Metric::SD});
                en.push_back(v.at(metrics::Metric::EN));
                sd.push_back(v.at(metrics::Metric::SD));
            }
            auto ms = [](const std::vector<double>& x) {
                double m = 0, s = 0;
                for (double v : x)
                    m += v;
                m /= x.size();
                for (double v : x)
                    s += (v - m) * (v - m);
                return std::pair{m, std::sqrt(s / x.size())};
            };
            want[name][metrics::Metric::EN] = ms(en);
            want[name][metrics::Metric::SD] = ms(sd);
        }

        // CSV: header + one row per stream, mean/std columns equal to the direct values.
        const std::string csv = report::tableCsv(res);
        QStringList lines = QString::fromStdString(csv).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        const QStringList head = lines[0].split(',');
        QCOMPARE(head.front(), QString("stream"));
        QVERIFY(head.contains("EN_mean") && head.contains("SD_std") &&
                head.contains("Flicker_mean") && head.contains("convention"));
        for (int row = 1; row <= 2; ++row) {
            const QStringList c = lines[row].split(',');
            QCOMPARE(c.size(), head.size());
            const std::string name = c[0].toStdString();
            QVERIFY(want.count(name));
            for (auto m : {metrics::Metric::EN, metrics::Metric::SD}) {
                const QString mn = metrics::metricName(m);
                const double mean = c[head.indexOf(mn + "_mean")].toDouble();
                const double sd = c[head.indexOf(mn + "_std")].toDouble();
                QVERIFY2(std::abs(mean - want[name][m].first) < 1e-7 * std::max(1.0, mean),
                         qPrintable(QString("%1 %2: %3 vs %4")
                                        .arg(name.c_str(), mn)
                                        .arg(mean)
                                        .arg(want[name][m].first)));
                QVERIFY(std::abs(sd - want[name][m].second) < 1e-6 * std::max(1.0, sd));
            }
            QCOMPARE(c[head.indexOf("convention")], QString("toolbox"));
        }

        // Markdown: header, separator, one row per stream, cells "mean ± std" with 4 decimals.
        const std::string md = report::tableMarkdown(res);
        QStringList mdl = QString::fromStdString(md).split('\n');
        QVERIFY(mdl[0].startsWith("| Stream | EN"));
        QVERIFY(mdl[1].startsWith("|---|"));
        QVERIFY(mdl[2].startsWith("| ir-copy |"));
        QVERIFY(mdl[3].startsWith("| vi-copy |"));
        QVERIFY(mdl[4].isEmpty());
        char cell[64];
        std::snprintf(cell, sizeof cell, "%.4f ± %.4f", want["vi-copy"][metrics::Metric::EN].first,
                      want["vi-copy"][metrics::Metric::EN].second);
        QVERIFY2(mdl[3].contains(QString::fromUtf8(cell)), qPrintable(mdl[3]));
        QVERIFY(QString::fromStdString(md).contains("toolbox"));

        // JSON: conventions recorded, summary values.
        const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(report::tableJson(res)));
        QVERIFY(doc.isObject());
        QCOMPARE(doc["conventions"]["name"].toString(), QString("toolbox"));
        QCOMPARE(doc["streams"].toArray().size(), 2);
        const double jm = doc["streams"][1]["summary"]["SD"]["mean"].toDouble();
        QVERIFY(std::abs(jm - want["vi-copy"][metrics::Metric::SD].first) < 1e-9 * jm);

        // HTML: every stream and metric named; one inline SVG per metric, each parsing as XML
        // with one polyline per stream; thumbnails decode as PNG.
        report::ReportContent c;
        c.result = res;
        c.methods = {{"ir-copy", kIr.string(), {{"note", "the IR source"}}},
                     {"vi-copy", kVi.string(), {}}};
        c.thumbnails = {{"ir-copy", srcFrame(kIr, 1)}, {"vi-copy", srcFrame(kVi, 1)}};
        const std::string html = report::renderHtml(c);
        for (const char* n : {"ir-copy", "vi-copy", "EN", "SD", "Flicker", "toolbox", "note"})
            QVERIFY2(html.find(n) != std::string::npos, n);
        QCOMPARE(countOf(html, "<svg"), 3);
        for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) {
            const size_t e = html.find("</svg>", p);
            QVERIFY(e != std::string::npos);
            QCOMPARE(polylines(html.substr(p, e + 6 - p)), 2);
        }
        QCOMPARE(countOf(html, "data:image/png;base64,"), 2);
        const size_t b = html.find("data:image/png;base64,") + 22;
        const std::string b64 = html.substr(b, html.find('"', b) - b);
        const QByteArray png = QByteArray::fromBase64(QByteArray::fromStdString(b64));
        const cv::Mat thumb =
            cv::imdecode(std::vector<uchar>(png.begin(), png.end()), cv::IMREAD_COLOR);
        QCOMPARE(thumb.cols, 320);
        QCOMPARE(thumb.rows, 240);
        QVERIFY(report::base64Encode("ab") == "YWI=" && report::base64Encode("abc") == "YWJj");
    }

    void cliExportAndReport() {
        if (!fs::exists(fs::path(VF_BINARY_DIR) / "app" / "vfstudio-cli"))
            QSKIP("vfstudio-cli is not built");
        const fs::path out = dir_ / "cli.mkv";
        auto r = cli({"export", "--ir", q(kIr), "--vi", q(kVi), "--method", "average", "-o", q(out),
                      "--start", "1", "--count", "3", "--quiet"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        {
            auto s = io::openSource(out);
            QCOMPARE(s->frameCount(), (int64_t)3);
            QVERIFY(std::isinf(psnr(s->read(1), expectedAvg_[0]))); // frame 2
        }
        const std::string before = readFile(out);
        r = cli({"export", "--ir", q(kIr), "--vi", q(kVi), "--method", "maximum", "-o", q(out),
                 "--count", "2"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("cli.mkv") && r.err.contains("--force"), qPrintable(r.err));
        QVERIFY(readFile(out) == before);
        r = cli({"export", "--ir", q(kIr), "--vi", q(kVi), "--method", "maximum", "-o", q(out),
                 "--count", "2", "--force", "--quiet"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(io::openSource(out)->frameCount(), (int64_t)2);
        // usage errors
        QCOMPARE(cli({"export", "--ir", q(kIr), "--vi", q(kVi), "-o", q(dir_ / "u.mkv")}).code, 2);
        QCOMPARE(
            cli({"export", "--fused", q(out), "--method", "average", "-o", q(dir_ / "u.mkv")}).code,
            2);

        const fs::path rep = dir_ / "rep";
        fs::create_directories(rep);
        r = cli({"report",
                 "--ir",
                 q(kIr),
                 "--vi",
                 q(kVi),
                 "--fused",
                 "irc=" + q(kIr),
                 "--fused",
                 "vic=" + q(kVi),
                 "--metrics",
                 "EN,SD",
                 "--count",
                 "3",
                 "-o",
                 q(rep / "r.html"),
                 "--csv",
                 q(rep / "t.csv"),
                 "--json",
                 q(rep / "t.json"),
                 "--md",
                 q(rep / "t.md"),
                 "--plots-dir",
                 q(rep / "plots") + "/",
                 "--param",
                 "irc:source=infrared",
                 "--quiet"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const std::string html = readFile(rep / "r.html");
        for (const char* n : {"irc", "vic", "EN", "SD", "infrared"})
            QVERIFY2(html.find(n) != std::string::npos, n);
        QCOMPARE(countOf(html, "<svg"), 2);
        QCOMPARE(countOf(html, "data:image/png;base64,"), 4); // IR, visible, 2 streams
        QCOMPARE(
            QString::fromStdString(readFile(rep / "t.csv")).split('\n', Qt::SkipEmptyParts).size(),
            3);
        for (const char* f : {"EN.svg", "EN.png", "SD.svg", "SD.png"})
            QVERIFY2(fs::exists(rep / "plots" / f), f);
        QCOMPARE(polylines(readFile(rep / "plots" / "SD.svg")), 2);
        // SIGINT during an export (a slow method, GTF, over all 20 frames): exit 1, nothing
        // left in the folder (no output, no temporary file).
        {
            const fs::path sig = dir_ / "sigint";
            fs::create_directories(sig);
            QProcess p;
            p.start(QString(VF_BINARY_DIR) + "/app/vfstudio-cli",
                    {"export", "--ir", q(kIr), "--vi", q(kVi), "--method", "gtf", "-o",
                     q(sig / "s.mkv")});
            QVERIFY(p.waitForStarted());
            QByteArray err;
            while (!err.contains("export: 1/") && p.state() == QProcess::Running) {
                p.waitForReadyRead(200);
                err += p.readAllStandardError();
            }
            if (p.state() != QProcess::Running) QSKIP("the export finished before the signal");
            ::kill(pid_t(p.processId()), SIGINT);
            QVERIFY(p.waitForFinished(60000));
            err += p.readAllStandardError();
            QCOMPARE(p.exitCode(), 1);
            QVERIFY2(err.contains("cancel"), err.constData());
            QVERIFY(listDir(sig).empty());
        }
        // A missing folder fails, naming it, and writes nothing.
        r = cli({"report", "--ir", q(kIr), "--vi", q(kVi), "--fused", "a=" + q(kIr), "--metrics",
                 "EN", "--count", "2", "-o", q(rep / "missing" / "r.html"), "--quiet"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("missing"), qPrintable(r.err));
        QVERIFY(!fs::exists(rep / "missing"));
    }
};

QTEST_GUILESS_MAIN(TestReport)
#include "test_report.moc"
