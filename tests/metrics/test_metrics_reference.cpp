// The optimised image metrics of vfcore_metrics (shared intermediates, fused separable filters,
// closed-form FMI, vectorised kernels) against the literal reference translation of the
// toolbox formulas in ReferenceMetrics.cpp, on real M3SVD frames and on synthetic images with
// the awkward cases (flat and saturated areas, constant images, tiny sizes, masks, every
// convention). They must agree to floating-point rounding.
#include <QtTest/QtTest>

#include <cmath>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ReferenceMetrics.h"
#include "core/metrics/Internal.h"
#include "core/metrics/Metrics.h"
#include "core/metrics/VecMath.h"

using namespace vf::metrics;

namespace {

cv::Mat texture(cv::Size s, unsigned seed, double sigma = 2.0, int lo = 0, int hi = 255) {
    cv::Mat n(s, CV_32F);
    cv::RNG rng(seed);
    rng.fill(n, cv::RNG::UNIFORM, 0.0, 1.0);
    cv::GaussianBlur(n, n, cv::Size(0, 0), sigma);
    cv::normalize(n, n, lo, hi, cv::NORM_MINMAX);
    cv::Mat o;
    n.convertTo(o, CV_8U);
    return o;
}

// Allowed difference: relative to the value (absolute near 0). SSIM with the toolbox's L = 1
// (C2 = 9e-4) amplifies the ~1e-12 rounding of local variances in flat regions.
double tolerance(Metric m) {
    return m == Metric::SSIM ? 1e-8 : 1e-10;
}

void compareAll(const cv::Mat& a, const cv::Mat& b, const cv::Mat& f, const Conventions& conv,
                const cv::Mat& mask, const QString& what, bool withFmi = true) {
    std::vector<Metric> ms;
    for (Metric m : imageMetrics())
        if (withFmi || m != Metric::FMI) ms.push_back(m);
    const Values fast = imageMetrics(a, b, f, ms, conv, mask);
    const Values ref = vfref::imageMetrics(a, b, f, ms, conv, mask);
    for (Metric m : ms) {
        const double x = fast.at(m), y = ref.at(m);
        if (std::isinf(y) && x == y) continue;
        const double d = std::abs(x - y);
        QVERIFY2(d <= tolerance(m) * std::max(1.0, std::abs(y)),
                 qPrintable(QString("%1 %2 (%3): optimised %4 vs reference %5")
                                .arg(what, metricName(m), QString::fromStdString(conv.name))
                                .arg(x, 0, 'g', 17)
                                .arg(y, 0, 'g', 17)));
    }
}

} // namespace

class TestMetricsReference : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void realFrames();
    void syntheticCases();
    void tinyAndConstant();
    void singleMetricEntryPoints();
    void fmiBothPaths();
    void vectorisedMathWithinOneUlp();
};

void TestMetricsReference::realFrames() {
    const std::filesystem::path root = std::filesystem::path(VF_SHARED_DIR) / "data/M3SVD/val";
    const auto irP = root / "infrared_Enhance/0111_1716/0003.png";
    const auto viP = root / "visible_Enhance/0111_1716/0003.png";
    if (!std::filesystem::exists(irP) || !std::filesystem::exists(viP))
        QSKIP("shared M3SVD data not available");
    const cv::Mat ir = cv::imread(irP.string()), vi = cv::imread(viP.string());
    QVERIFY(!ir.empty() && !vi.empty());
    // fused candidates: average, per-pixel max (saturates), a noisy one
    cv::Mat avg, mx, noisy;
    cv::addWeighted(ir, 0.5, vi, 0.5, 0, avg);
    cv::max(ir, vi, mx);
    cv::Mat noise(vi.size(), CV_8UC3);
    cv::randu(noise, 0, 40);
    cv::add(avg, noise, noisy);
    // whole frames, FMI excluded (the literal reference FMI takes ~1 s a frame) ...
    for (const cv::Mat* f : {&avg, &mx, &noisy})
        compareAll(ir, vi, *f, Conventions::toolbox(), {}, "640x480 frame", false);
    compareAll(ir, vi, avg, Conventions::standard(), {}, "640x480 frame", false);
    // ... and FMI on crops
    const cv::Rect crop(200, 150, 160, 120);
    for (const cv::Mat* f : {&avg, &mx, &noisy})
        compareAll(ir(crop), vi(crop), (*f)(crop), Conventions::toolbox(), {}, "crop");
    const cv::Mat poly = polygonMask(crop.size(), {{5, 5}, {150, 20}, {120, 110}, {10, 90}});
    compareAll(ir(crop), vi(crop), avg(crop), Conventions::toolbox(), poly, "crop, polygon mask");
    compareAll(ir(crop), vi(crop), noisy(crop), Conventions::nats(), {}, "crop");
}

void TestMetricsReference::syntheticCases() {
    const cv::Size s(97, 61); // odd sizes: every pyramid level and border case
    const cv::Mat A = texture(s, 21), B = texture(s, 22, 1.0);
    cv::Mat F;
    cv::addWeighted(A, 0.5, B, 0.5, 0, F);
    // flat and saturated regions, a hard step, and a region where F copies A exactly
    cv::Mat A2 = A.clone(), B2 = B.clone(), F2 = F.clone();
    A2(cv::Rect(0, 0, 30, 20)).setTo(0);
    B2(cv::Rect(10, 5, 40, 30)).setTo(255);
    F2(cv::Rect(50, 30, 30, 25)).setTo(128);
    F2(cv::Rect(60, 0, 20, 61)).setTo(255);
    A(cv::Rect(0, 40, 40, 21)).copyTo(F2(cv::Rect(0, 40, 40, 21)));
    for (const auto& conv :
         {Conventions::toolbox(), Conventions::standard(), Conventions::nats()}) {
        compareAll(A, B, F, conv, {}, "texture");
        compareAll(A2, B2, F2, conv, {}, "flat/saturated");
        compareAll(A2, B2, F2, conv, rectMask(s, cv::Rect(20, 10, 50, 40)), "rect mask");
    }
    // colour inputs (rgb2gray on the way in) and OpenCV grey conversion
    cv::Mat Ac, Bc, Fc;
    cv::merge(std::vector<cv::Mat>{A2, B2, F2}, Ac);
    cv::merge(std::vector<cv::Mat>{F2, A2, B2}, Bc);
    cv::merge(std::vector<cv::Mat>{B2, F2, A2}, Fc);
    compareAll(Ac, Bc, Fc, Conventions::toolbox(), {}, "BGR");
    Conventions cv2 = Conventions::toolbox();
    cv2.gray = GrayConversion::OpenCV;
    compareAll(Ac, Bc, Fc, cv2, {}, "BGR, OpenCV grey");
    // F = A = B (self scores, zero-variance denominators)
    compareAll(A2, A2, A2, Conventions::toolbox(), {}, "self");
}

void TestMetricsReference::tinyAndConstant() {
    // sizes below the VIF windows (17, 9, 5, 3), and 3x3 (one FMI window)
    for (cv::Size s : {cv::Size(3, 3), cv::Size(4, 4), cv::Size(16, 16), cv::Size(17, 17),
                       cv::Size(20, 18), cv::Size(35, 33), cv::Size(40, 3)}) {
        const cv::Mat A = texture(s, 31), B = texture(s, 32);
        cv::Mat F;
        cv::max(A, B, F);
        compareAll(A, B, F, Conventions::toolbox(), {},
                   QString("%1x%2").arg(s.width).arg(s.height));
    }
    const cv::Mat c1(24, 24, CV_8UC1, cv::Scalar(90)), c2(24, 24, CV_8UC1, cv::Scalar(91));
    const cv::Mat t = texture({24, 24}, 33);
    compareAll(c1, c1, c1, Conventions::toolbox(), {}, "constant");
    compareAll(c1, c2, t, Conventions::toolbox(), {}, "constant sources");
    compareAll(t, t, c1, Conventions::standard(), {}, "constant fused");
}

void TestMetricsReference::fmiBothPaths() {
    // FMI has two implementations: eight windows per vector where the CPU has AVX2 and FMA
    // (what imageMetrics uses on such a CPU, checked above) and one window at a time. Both
    // against the literal fmi.m, on random sizes (every lane position of the last vector of a
    // row), random and coarse levels (ties and zero-width intervals), flat patches (two flat
    // windows: fmi.m's correlation 1), sparse spikes (pdfs with one nonzero: zero entropy and
    // zero sd, exactly) and random masks.
    cv::RNG rng(11);
    for (int t = 0; t < 300; ++t) {
        const int rows = rng.uniform(3, 14), cols = rng.uniform(3, 45);
        cv::Mat a(rows, cols, CV_8UC1), b(rows, cols, CV_8UC1), f(rows, cols, CV_8UC1);
        const int hi = t % 3 == 0 ? 4 : 256;
        for (cv::Mat* m : {&a, &b, &f})
            rng.fill(*m, cv::RNG::UNIFORM, 0, hi);
        if (t % 5 == 0) {
            const cv::Rect r(0, 0, std::min(cols, 6), std::min(rows, 5));
            a(r).setTo(7);
            f(r).setTo(200);
        }
        if (t % 7 == 3) // sparse spikes on flat ground: windows whose pdf has a single nonzero
            for (cv::Mat* m : {&a, &b, &f}) {
                m->setTo(40);
                for (int k = 0; k < rows * cols / 12 + 1; ++k)
                    m->at<uchar>(rng.uniform(0, rows), rng.uniform(0, cols)) =
                        uchar(rng.uniform(0, 256));
            }
        cv::Mat mask;
        if (t % 4 == 1) {
            mask.create(rows, cols, CV_8UC1);
            rng.fill(mask, cv::RNG::UNIFORM, 0, 2);
        }
        const double ref = vfref::imageMetrics(a, b, f, {Metric::FMI}, Conventions::toolbox(), mask)
                               .at(Metric::FMI);
        for (auto path : {detail::FmiPath::Best, detail::FmiPath::Portable}) {
            const double x = detail::fmiGradient(a, b, f, mask, path);
            QVERIFY2(std::abs(x - ref) <= 1e-10 * std::max(1.0, std::abs(ref)),
                     qPrintable(QString("case %1 (%2x%3, %4): %5 vs fmi.m %6")
                                    .arg(t)
                                    .arg(cols)
                                    .arg(rows)
                                    .arg(path == detail::FmiPath::Best ? "vector" : "portable")
                                    .arg(x, 0, 'g', 17)
                                    .arg(ref, 0, 'g', 17)));
        }
    }
    // whole real frames (full rows of windows; the literal code would take seconds): the two
    // paths agree, with and without a polygon mask
    const std::filesystem::path root = std::filesystem::path(VF_SHARED_DIR) / "data/M3SVD/val";
    const cv::Mat ir =
        cv::imread((root / "infrared_Enhance/0111_1716/0003.png").string(), cv::IMREAD_GRAYSCALE);
    const cv::Mat vi =
        cv::imread((root / "visible_Enhance/0111_1716/0003.png").string(), cv::IMREAD_GRAYSCALE);
    if (ir.empty() || vi.empty()) return;
    cv::Mat avg;
    cv::addWeighted(ir, 0.5, vi, 0.5, 0, avg);
    const cv::Mat poly = polygonMask(ir.size(), {{20, 10}, {600, 40}, {500, 460}, {30, 300}});
    for (const cv::Mat* mk : {static_cast<const cv::Mat*>(nullptr), &poly}) {
        const cv::Mat m = mk ? *mk : cv::Mat();
        const double x = detail::fmiGradient(ir, vi, avg, m, detail::FmiPath::Best);
        const double y = detail::fmiGradient(ir, vi, avg, m, detail::FmiPath::Portable);
        QVERIFY2(std::abs(x - y) <= 1e-12 && x > 0.1 && x < 1,
                 qPrintable(QString("640x480 frame: vector %1 vs portable %2")
                                .arg(x, 0, 'g', 17)
                                .arg(y, 0, 'g', 17)));
    }
}

void TestMetricsReference::singleMetricEntryPoints() {
    const cv::Mat A = texture({83, 67}, 41), B = texture({83, 67}, 42, 3.0);
    const cv::Mat m = rectMask(A.size(), cv::Rect(5, 5, 60, 40));
    QVERIFY(std::abs(ssimSingle(A, B, 1.0) - vfref::ssimSingle(A, B, 1.0)) < 1e-8);
    QVERIFY(std::abs(ssimSingle(A, B, 255.0, m) - vfref::ssimSingle(A, B, 255.0, m)) < 1e-10);
    QVERIFY(std::abs(vifpMultiscale(A, B) - vfref::vifpMultiscale(A, B)) < 1e-10);
    QVERIFY(std::abs(vifpMultiscale(A, B, m) - vfref::vifpMultiscale(A, B, m)) < 1e-10);
    QVERIFY(std::abs(qabf(A, B, B) - vfref::qabf(A, B, B)) < 1e-10);
    QVERIFY(std::abs(ssim8(A, B) - vfref::ssim8(A, B)) < 1e-10);
    cv::Mat bgr(5, 300, CV_8UC3);
    cv::randu(bgr, 0, 256);
    QCOMPARE(
        cv::norm(toGray8(bgr), vfref::gray8(bgr, GrayConversion::MatlabRgb2Gray), cv::NORM_INF),
        0.0);
}

void TestMetricsReference::vectorisedMathWithinOneUlp() {
    // The branch-free exp/atan used by Qabf/Nabf against the C library, in units of the last
    // place of the library's result, over the ranges the metrics use and the special points.
    auto ulps = [](double x, double ref) {
        if (x == ref) return 0.0;
        const double a = std::abs(ref);
        return std::abs(x - ref) / (std::nextafter(a, INFINITY) - a);
    };
    cv::RNG rng(7);
    double worstExp = 0, worstAtan = 0;
    for (int i = 0; i < 200000; ++i) {
        const double x = i % 2 ? rng.uniform(-700.0, 700.0) : rng.uniform(-30.0, 30.0);
        worstExp = std::max(worstExp, ulps(vf::metrics::detail::expVec(x), std::exp(x)));
        const double y = i % 3 == 0   ? rng.uniform(-8.0, 8.0)
                         : i % 3 == 1 ? rng.uniform(-1e-6, 1e-6)
                                      : std::tan(rng.uniform(-1.5707, 1.5707)) * 1e3;
        worstAtan = std::max(worstAtan, ulps(vf::metrics::detail::atanVec(y), std::atan(y)));
    }
    for (double y : {0.0, -0.0, 0.4375, 0.6875, 1.1875, 2.4375, 1.0, -1.0, 1e300, -1e300,
                     double(INFINITY), -double(INFINITY)})
        worstAtan = std::max(worstAtan, ulps(vf::metrics::detail::atanVec(y), std::atan(y)));
    QVERIFY2(worstExp <= 1.0, qPrintable(QString::number(worstExp)));
    QVERIFY2(worstAtan <= 1.0, qPrintable(QString::number(worstAtan)));
}

QTEST_GUILESS_MAIN(TestMetricsReference)
#include "test_metrics_reference.moc"
