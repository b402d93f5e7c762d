// H.264 chroma of comparison videos: a comparison frame with saturated colour (a wipe of two
// colour test patterns: bars, a checker, a hue ramp, drawn at 3 pixels per pattern pixel so
// colour edges fall on odd pixels; a false-colour difference pane; labels and outlines) rendered by
// renderComparisonFrame, encoded by vf::io::ClipWriter as 4:2:0 and as 4:4:4, decoded by the
// project's VideoReader, and compared with the rendered frames on the saturated pixels (largest
// channel minus smallest >= 96):
//  * the files really are yuv420p / yuv444p H.264;
//  * near-lossless (CRF 0, where x264 is lossless in YUV): 4:4:4 loses only the 8-bit
//    RGB -> limited-range YCbCr rounding (a few levels per channel, worked out below), while
//    4:2:0 must lose much more (one chroma sample per 2x2 pixels cannot follow a colour edge
//    on an odd pixel, nor a 1-pixel outline);
//  * high quality (CRF 12) with the comparison exporter's settings (comparisonClipOptions:
//    tune=psnr): 4:4:4 > 45 dB RGB PSNR on the saturated pixels and >= 12 dB above 4:2:0; at
//    the default CRF 18 still >= 10 dB above;
//  * 4:4:4 accepts odd frame sizes, 4:2:0 refuses them with a message; names parse.
#include <QtTest/QtTest>

#include <QApplication>
#include <QTemporaryDir>

#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"
#include "core/io/ClipWriter.h"
#include "core/io/VideoReader.h"
#include "ui/ImageUtil.h"
#include "ui/export/ComparisonRenderer.h"
#include "ui/export/ExportJobs.h"

using namespace vf::ui;
namespace fs = std::filesystem;

namespace {

// Saturated colour regions (BGR), shifted by `t` pixels per frame: six colour bars (27 pixels
// wide), a checker of 5x5-pixel red/blue (or green/magenta) blocks and a fully saturated hue
// ramp.
cv::Mat pattern(int t, bool alt) {
    cv::Mat m(120, 160, CV_8UC3);
    const cv::Vec3b cols[6] = {{0, 0, 255},   {0, 255, 0},   {255, 0, 0},
                               {255, 0, 255}, {0, 255, 255}, {255, 255, 0}};
    for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x) {
            const int xs = x + t;
            cv::Vec3b c;
            if (y < 40)
                c = cols[(xs / 27 + (alt ? 3 : 0)) % 6];
            else if (y < 80)
                c = cols[((xs / 5 + y / 5) % 2) * 2 + (alt ? 1 : 0)];
            else
                c = cv::Vec3b(uchar((xs * 3) % 180), 255, 255); // HSV, converted below
            m.at<cv::Vec3b>(y, x) = c;
        }
    cv::Mat ramp = m.rowRange(80, 120);
    cv::cvtColor(ramp, ramp, cv::COLOR_HSV2BGR);
    return m;
}

cv::Mat bgrOf(const QImage& img) {
    return vf::ui::fromQImage(img);
}

// Pixels of saturated colour: largest channel minus smallest >= 96.
cv::Mat saturatedMask(const cv::Mat& bgr) {
    std::vector<cv::Mat> ch;
    cv::split(bgr, ch);
    cv::Mat hi = cv::max(cv::max(ch[0], ch[1]), ch[2]), lo = cv::min(cv::min(ch[0], ch[1]), ch[2]);
    cv::Mat d;
    cv::subtract(hi, lo, d);
    return d >= 96;
}

struct Err {
    double psnr = 0; // RGB PSNR over the mask
    double mse = 0;
    int worst = 0; // largest channel difference over the mask
};

Err errorOn(const cv::Mat& got, const cv::Mat& exp, const cv::Mat& mask) {
    cv::Mat d;
    cv::absdiff(got, exp, d);
    double sum = 0;
    int worst = 0;
    int n = 0;
    for (int y = 0; y < d.rows; ++y)
        for (int x = 0; x < d.cols; ++x) {
            if (!mask.at<uchar>(y, x)) continue;
            const cv::Vec3b v = d.at<cv::Vec3b>(y, x);
            for (int c = 0; c < 3; ++c) {
                sum += double(v[c]) * v[c];
                worst = std::max(worst, int(v[c]));
            }
            ++n;
        }
    Err e;
    e.mse = n ? sum / (3.0 * n) : 0;
    e.psnr = e.mse > 0 ? 10 * std::log10(255.0 * 255.0 / e.mse) : 99;
    e.worst = worst;
    return e;
}

} // namespace

class TestExportChroma : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::vector<cv::Mat> rendered_; // the comparison frames, BGR
    cv::Mat mask_;                  // saturated pixels of frame 0

    // Encodes the rendered frames with the comparison exporter's writer options for an H.264
    // request with `chroma` and `crf` (other settings: the request's defaults), and decodes
    // them again with VideoReader.
    std::vector<cv::Mat> roundTrip(vf::io::ChromaSampling chroma, int crf, const QString& name,
                                   std::string* pixFmt) {
        const fs::path p = tmp_.filePath(name).toStdString();
        ComparisonExportRequest req;
        req.format = ExportFormat::H264Mp4;
        req.chroma = chroma;
        req.crf = crf;
        const vf::io::ClipWriterOptions opt = comparisonClipOptions(req);
        {
            vf::io::ClipWriter w(p, rendered_[0].size(), vf::io::ColorMode::BGR, opt);
            for (const auto& f : rendered_)
                w.write(f);
            w.finish();
        }
        vf::io::VideoReader r(p);
        *pixFmt = r.info().pixelFormat;
        if (r.info().codec != "h264") return {};
        std::vector<cv::Mat> out;
        for (int64_t i = 0; i < r.frameCount(); ++i)
            out.push_back(r.read(i));
        return out;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        // Two 480x360 panes side by side (fit: 3 pane pixels per pair pixel, no smoothing;
        // region edges fall on odd and even pixels): a wipe of the two patterns and their
        // absolute difference (inferno false colour).
        ComparisonLayout L;
        L.viewSize = QSize(960, 360);
        L.pairSize = QSizeF(160, 120);
        L.center = QPointF(80, 60);
        L.frameCount = 4;
        L.fps = 25;
        ComparisonPane wipe;
        wipe.mode = ComparisonPane::Mode::Wipe;
        wipe.rect = QRect(0, 0, 480, 360);
        wipe.a = {1, QStringLiteral("pattern A"), QColor(255, 60, 60), QRectF(0, 0, 160, 120), 0,
                  4};
        wipe.b = {2, QStringLiteral("pattern B"), QColor(60, 160, 255), QRectF(0, 0, 160, 120), 0,
                  4};
        ComparisonPane diff = wipe;
        diff.mode = ComparisonPane::Mode::Difference;
        diff.rect = QRect(480, 0, 480, 360);
        L.panes = {wipe, diff};
        for (int f = 0; f < 4; ++f) {
            ComparisonFrame fr;
            fr.pairFrame = f;
            const cv::Mat a = pattern(f, false), b = pattern(f, true);
            fr.images = {{a, b}, {a, b}};
            rendered_.push_back(bgrOf(renderComparisonFrame(L, fr, L.viewSize)));
        }
        mask_ = saturatedMask(rendered_[0]);
        const double share = double(cv::countNonZero(mask_)) / double(mask_.total());
        qInfo("saturated pixels: %.1f%% of the frame", share * 100);
        QVERIFY(share > 0.3); // the patterns and the false-colour pane dominate
    }

    // CRF 0: x264 codes the YUV planes losslessly, so what is left is the format itself.
    // 8-bit limited-range BT.601: Y' has 219 levels for 255 and Cb/Cr 224 for 255, so each
    // plane rounds by <= 0.5 of its step; back in RGB R = Y + 1.402 Cr', B = Y + 1.772 Cb'
    // gives at most 0.5*255/219 + 1.772*0.5*255/224 ~= 1.6 levels (+1 for the reader's own
    // rounding): <= 3. 4:2:0 keeps one Cb/Cr pair per 2x2 pixels, so where a red region meets
    // a blue one on an odd pixel the pixels beside the edge get their mixture: an error of
    // ~100 levels or more.
    void nearLosslessShowsTheFormat() {
        std::string f444, f420;
        const auto d444 = roundTrip(vf::io::ChromaSampling::Yuv444, 0, "q0_444.mp4", &f444);
        const auto d420 = roundTrip(vf::io::ChromaSampling::Yuv420, 0, "q0_420.mp4", &f420);
        QCOMPARE(QString::fromStdString(f444), QStringLiteral("yuv444p"));
        QCOMPARE(QString::fromStdString(f420), QStringLiteral("yuv420p"));
        QCOMPARE(d444.size(), rendered_.size());
        QCOMPARE(d420.size(), rendered_.size());
        for (size_t i = 0; i < rendered_.size(); ++i) {
            const cv::Mat mask = saturatedMask(rendered_[i]);
            const Err e444 = errorOn(d444[i], rendered_[i], mask);
            const Err e420 = errorOn(d420[i], rendered_[i], mask);
            qInfo("CRF 0 frame %zu: 4:4:4 %.2f dB (max %d), 4:2:0 %.2f dB (max %d)", i, e444.psnr,
                  e444.worst, e420.psnr, e420.worst);
            QVERIFY2(e444.worst <= 3, qPrintable(QString::number(e444.worst)));
            QVERIFY2(e420.worst >= 64, qPrintable(QString::number(e420.worst)));
            QVERIFY(e444.psnr > e420.psnr + 15);
        }
    }

    // High quality (CRF 12, as the comparison tests of test_export_gui use) with the
    // exporter's settings: 4:4:4 > 45 dB RGB PSNR on the saturated pixels and >= 12 dB better
    // than 4:2:0, whose 2x2 chroma cannot follow colour edges on odd pixels. At the default
    // CRF 18 4:4:4 stays >= 10 dB better.
    void highQualityKeepsColour_data() {
        QTest::addColumn<int>("crf");
        QTest::addColumn<double>("min444");
        QTest::addColumn<double>("minGain");
        QTest::newRow("crf12") << 12 << 45.0 << 12.0;
        QTest::newRow("crf18") << 18 << 0.0 << 10.0;
    }
    void highQualityKeepsColour() {
        QFETCH(int, crf);
        QFETCH(double, min444);
        QFETCH(double, minGain);
        QCOMPARE(int(ComparisonExportRequest{}.chroma), int(vf::io::ChromaSampling::Yuv444));
        QCOMPARE(int(ClipExportRequest{}.chroma), int(vf::io::ChromaSampling::Yuv420));
        std::string f444, f420;
        const QString tag = QString::fromLatin1(QTest::currentDataTag());
        const auto d444 = roundTrip(vf::io::ChromaSampling::Yuv444, crf, tag + "_444.mp4", &f444);
        const auto d420 = roundTrip(vf::io::ChromaSampling::Yuv420, crf, tag + "_420.mp4", &f420);
        QCOMPARE(d444.size(), rendered_.size());
        QCOMPARE(d420.size(), rendered_.size());
        for (size_t i = 0; i < rendered_.size(); ++i) {
            const cv::Mat mask = saturatedMask(rendered_[i]);
            const Err e444 = errorOn(d444[i], rendered_[i], mask);
            const Err e420 = errorOn(d420[i], rendered_[i], mask);
            qInfo("CRF %d frame %zu: 4:4:4 %.2f dB, 4:2:0 %.2f dB on saturated pixels", crf, i,
                  e444.psnr, e420.psnr);
            QVERIFY2(e444.psnr > min444, qPrintable(QString::number(e444.psnr)));
            QVERIFY2(e444.psnr >= e420.psnr + minGain,
                     qPrintable(QStringLiteral("%1 vs %2 dB").arg(e444.psnr).arg(e420.psnr)));
        }
    }

    void oddSizesAndNames() {
        vf::io::ClipWriterOptions opt;
        opt.chroma = vf::io::ChromaSampling::Yuv444;
        const fs::path odd = tmp_.filePath(QStringLiteral("odd.mp4")).toStdString();
        {
            vf::io::ClipWriter w(odd, cv::Size(161, 121), vf::io::ColorMode::BGR, opt);
            w.write(cv::Mat(121, 161, CV_8UC3, cv::Scalar(0, 0, 255)));
            w.finish();
        }
        vf::io::VideoReader r(odd);
        QCOMPARE(r.info().width, 161);
        QCOMPARE(r.info().height, 121);
        opt.chroma = vf::io::ChromaSampling::Yuv420;
        const fs::path odd420 = tmp_.filePath(QStringLiteral("odd420.mp4")).toStdString();
        try {
            vf::io::ClipWriter w(odd420, cv::Size(161, 121), vf::io::ColorMode::BGR, opt);
            QFAIL("4:2:0 accepted an odd size");
        } catch (const vf::Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(QStringLiteral("even")), e.what());
        }
        QVERIFY(!fs::exists(odd420));
        QCOMPARE(int(vf::io::chromaFromName("444")), int(vf::io::ChromaSampling::Yuv444));
        QCOMPARE(int(vf::io::chromaFromName("4:2:0")), int(vf::io::ChromaSampling::Yuv420));
        QCOMPARE(QString::fromLatin1(vf::io::chromaName(vf::io::ChromaSampling::Yuv444)),
                 QStringLiteral("4:4:4"));
        QVERIFY_THROWS_EXCEPTION(vf::Error, vf::io::chromaFromName("422"));

        // The comparison exporter keeps an odd size except for H.264 4:2:0, which rounds down.
        ComparisonExportRequest req;
        req.size = QSize(801, 521);
        req.format = ExportFormat::H264Mp4;
        req.chroma = vf::io::ChromaSampling::Yuv444;
        QCOMPARE(comparisonOutputSize(req), QSize(801, 521));
        req.chroma = vf::io::ChromaSampling::Yuv420;
        QCOMPARE(comparisonOutputSize(req), QSize(800, 520));
        req.format = ExportFormat::Ffv1Mkv;
        QCOMPARE(comparisonOutputSize(req), QSize(801, 521));
    }
};

QTEST_MAIN(TestExportChroma)
#include "test_export_chroma.moc"
