// Image fusion metrics against values worked out by hand (in the comments) and against
// invariants of their definitions (SPEC.md, "The metric toolbox in detail").
#include <QtTest/QtTest>

#include <cmath>
#include <random>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/metrics/Metrics.h"

using namespace vf::metrics;

namespace {

cv::Mat fromRows(std::initializer_list<std::initializer_list<int>> rows) {
    cv::Mat m(static_cast<int>(rows.size()), static_cast<int>(rows.begin()->size()), CV_8UC1);
    int y = 0;
    for (const auto& r : rows) {
        int x = 0;
        for (int v : r)
            m.at<uchar>(y, x++) = static_cast<uchar>(v);
        ++y;
    }
    return m;
}

// Smooth random texture (no flat areas), values in [lo, hi].
cv::Mat texture(cv::Size s, unsigned seed, int lo = 20, int hi = 230) {
    cv::Mat n(s, CV_32F);
    cv::RNG rng(seed);
    rng.fill(n, cv::RNG::UNIFORM, 0.0, 1.0);
    cv::GaussianBlur(n, n, cv::Size(0, 0), 2.0);
    cv::normalize(n, n, lo, hi, cv::NORM_MINMAX);
    cv::Mat o;
    n.convertTo(o, CV_8U);
    return o;
}

double v(const Values& vals, Metric m) {
    return vals.at(m);
}

} // namespace

class TestMetricsImage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rgb2grayRounding();
    void entropyHand();
    void sdSfAgHand();
    void miHandAndConventions();
    void miSaturationQuirk();
    void ssimSelfAndOffset();
    void psnrOffsetBothConventions();
    void vifSelf();
    void qabfStepEdgeSelf();
    void nabfSelfIsZero();
    void ccScd();
    void fmiInvariants();
    void masks();
    void restoration();
    void errors();
    void conventionsJsonRoundTrip();
};

void TestMetricsImage::rgb2grayRounding() {
    // MATLAB rgb2gray: 0.298936021293775 R + 0.587043074451121 G + 0.114020904255103 B, then
    // rounded to uint8. By hand:
    //   R=2:        0.5979  -> 1   (truncation would give 0)
    //   R=255:      76.2287 -> 76
    //   G=255:      149.696 -> 150 (truncation 149)
    //   B=255:      29.0753 -> 29
    //   (R,G,B)=(200,100,50): 59.787 + 58.704 + 5.701 = 124.193 -> 124
    cv::Mat bgr(1, 5, CV_8UC3);
    bgr.at<cv::Vec3b>(0, 0) = {0, 0, 2};
    bgr.at<cv::Vec3b>(0, 1) = {0, 0, 255};
    bgr.at<cv::Vec3b>(0, 2) = {0, 255, 0};
    bgr.at<cv::Vec3b>(0, 3) = {255, 0, 0};
    bgr.at<cv::Vec3b>(0, 4) = {50, 100, 200};
    const cv::Mat g = toGray8(bgr);
    QCOMPARE(g.type(), CV_8UC1);
    QCOMPARE(int(g.at<uchar>(0, 0)), 1);
    QCOMPARE(int(g.at<uchar>(0, 1)), 76);
    QCOMPARE(int(g.at<uchar>(0, 2)), 150);
    QCOMPARE(int(g.at<uchar>(0, 3)), 29);
    QCOMPARE(int(g.at<uchar>(0, 4)), 124);
    // equal channels (M3SVD IR stored as RGB) stay the same grey level: coefficients sum to 1
    cv::Mat grey3(1, 256, CV_8UC3);
    for (int i = 0; i < 256; ++i)
        grey3.at<cv::Vec3b>(0, i) = cv::Vec3b(i, i, i);
    const cv::Mat g3 = toGray8(grey3);
    for (int i = 0; i < 256; ++i)
        QCOMPARE(int(g3.at<uchar>(0, i)), i);
}

void TestMetricsImage::entropyHand() {
    // 8 pixels of 0, 4 of 100, 4 of 200: p = 1/2, 1/4, 1/4
    // H = 1/2*1 + 1/4*2 + 1/4*2 = 1.5 bits = 1.5 ln2 nats
    const cv::Mat f =
        fromRows({{0, 0, 0, 0}, {0, 0, 0, 0}, {100, 100, 100, 100}, {200, 200, 200, 200}});
    QVERIFY(std::abs(entropy(f) - 1.5) < 1e-12);
    QVERIFY(std::abs(entropy(f, Conventions::nats()) - 1.5 * std::log(2.0)) < 1e-12);
    // constant image: 0 bits
    QCOMPARE(entropy(cv::Mat(4, 4, CV_8UC1, cv::Scalar(7))), 0.0);
    // through the combined entry point
    const auto vals = imageMetrics(f, f, f, {Metric::EN});
    QVERIFY(std::abs(v(vals, Metric::EN) - 1.5) < 1e-12);
}

void TestMetricsImage::sdSfAgHand() {
    // SD: 8 pixels 0 and 8 pixels 10 -> mean 5, every |x - mean| = 5 -> SD = 5 (population)
    const cv::Mat s = fromRows({{0, 0, 0, 0}, {0, 0, 0, 0}, {10, 10, 10, 10}, {10, 10, 10, 10}});
    QVERIFY(std::abs(v(imageMetrics(s, s, s, {Metric::SD}), Metric::SD) - 5.0) < 1e-12);

    // F = 0 0 0 0 / 0 4 4 0 / 0 4 4 0 / 0 0 0 0
    // SF: vertical differences (3x4 = 12): rows 0->1: 0 4 4 0, 1->2: 0 0 0 0, 2->3: 0 -4 -4 0
    //     sum of squares 4*16 = 64 -> RF^2 = 64/12; horizontal the same by symmetry.
    //     SF = sqrt(128/12) = 3.265986...
    // AG: MATLAB gradient along x for row 0 4 4 0: [4-0, (4-0)/2, (0-4)/2, 0-4] = 4 2 -2 -4;
    //     rows 0 and 3 are 0. gy is the transpose pattern. sqrt((gx^2+gy^2)/2):
    //       0    2.828 2.828 0
    //       2.828 2    2     2.828
    //       2.828 2    2     2.828
    //       0    2.828 2.828 0        sum = 8*sqrt(8) + 8 = 30.6274
    //     AG = 30.6274 / ((4-1)(4-1)) = 3.403046...
    const cv::Mat f = fromRows({{0, 0, 0, 0}, {0, 4, 4, 0}, {0, 4, 4, 0}, {0, 0, 0, 0}});
    const auto vals = imageMetrics(f, f, f, {Metric::SF, Metric::AG});
    QVERIFY(std::abs(v(vals, Metric::SF) - std::sqrt(128.0 / 12.0)) < 1e-12);
    QVERIFY(std::abs(v(vals, Metric::AG) - (8 * std::sqrt(8.0) + 8) / 9.0) < 1e-12);
}

void TestMetricsImage::miHandAndConventions() {
    // A = B = F (levels 0/100/200 with p = 1/2, 1/4, 1/4): MI(X,F) = H(X) + H(F) - H(X,F) and
    // H(X,F) = H(F) when X = F, so MI(X,F) = H(F) = 1.5 bits. Toolbox: sum over A and B = 3.0.
    // "standard": mean = 1.5. "nats": 3.0 * ln 2.
    const cv::Mat f =
        fromRows({{0, 0, 0, 0}, {0, 0, 0, 0}, {100, 100, 100, 100}, {200, 200, 200, 200}});
    QVERIFY(std::abs(v(imageMetrics(f, f, f, {Metric::MI}), Metric::MI) - 3.0) < 1e-12);
    QVERIFY(std::abs(v(imageMetrics(f, f, f, {Metric::MI}, Conventions::standard()), Metric::MI) -
                     1.5) < 1e-12);
    QVERIFY(std::abs(v(imageMetrics(f, f, f, {Metric::MI}, Conventions::nats()), Metric::MI) -
                     3.0 * std::log(2.0)) < 1e-12);

    // Independent images: A = checkerboard of 0/255 by columns, F = by rows, each pixel pair
    // (a, f) equally likely over 4 combinations -> H(A) = H(F) = 1, H(A,F) = 2 -> MI = 0.
    const cv::Mat a = fromRows({{0, 50, 0, 50}, {0, 50, 0, 50}, {0, 50, 0, 50}, {0, 50, 0, 50}});
    const cv::Mat g = fromRows({{0, 0, 0, 0}, {50, 50, 50, 50}, {0, 0, 0, 0}, {50, 50, 50, 50}});
    QVERIFY(std::abs(mutualInformation(a, g)) < 1e-12);

    // On a real-ish image: nats = bits * ln 2 exactly (all entropies scale), and the standard
    // (mean) value is half the toolbox sum when no pixel is at 254/255.
    const cv::Mat A = texture({64, 48}, 1), B = texture({64, 48}, 2);
    cv::Mat F;
    cv::addWeighted(A, 0.5, B, 0.5, 0, F);
    const double bits = v(imageMetrics(A, B, F, {Metric::MI, Metric::EN}), Metric::MI);
    const auto nats = imageMetrics(A, B, F, {Metric::MI, Metric::EN}, Conventions::nats());
    QVERIFY(std::abs(nats.at(Metric::MI) - bits * std::log(2.0)) < 1e-12);
    QVERIFY(std::abs(nats.at(Metric::EN) - entropy(F) * std::log(2.0)) < 1e-12);
    Conventions meanOnly = Conventions::toolbox();
    meanOnly.miCombine = SourceCombine::Mean;
    QVERIFY(std::abs(v(imageMetrics(A, B, F, {Metric::MI}, meanOnly), Metric::MI) - bits / 2) <
            1e-12);
}

void TestMetricsImage::miSaturationQuirk() {
    // Hab.m indexes the joint histogram with uint8(x)+1, which saturates at 255: levels 254 and
    // 255 share one joint bin, but not the marginal bins.
    // Image: 8 pixels 254, 8 pixels 255; A = F.
    //   H(A) = H(F) = 1 bit. Joint (saturated): one bin -> H(A,F) = 0 -> MI(A,F) = 2 bits.
    //   Without the quirk H(A,F) = 1 -> MI(A,F) = 1 bit.
    const cv::Mat f = fromRows(
        {{254, 254, 254, 254}, {254, 254, 254, 254}, {255, 255, 255, 255}, {255, 255, 255, 255}});
    QVERIFY(std::abs(mutualInformation(f, f) - 2.0) < 1e-12);
    Conventions noQuirk = Conventions::toolbox();
    noQuirk.miJointSaturation = false;
    QVERIFY(std::abs(mutualInformation(f, f, noQuirk) - 1.0) < 1e-12);
    // toolbox sum over A and B: 4; standard (mean, no quirk): 1
    QVERIFY(std::abs(v(imageMetrics(f, f, f, {Metric::MI}), Metric::MI) - 4.0) < 1e-12);
    QVERIFY(std::abs(v(imageMetrics(f, f, f, {Metric::MI}, Conventions::standard()), Metric::MI) -
                     1.0) < 1e-12);
}

void TestMetricsImage::ssimSelfAndOffset() {
    // ssim(x, x) = 1 for any L: luminance and contrast-structure terms are both (a+C)/(a+C).
    const cv::Mat A = texture({40, 30}, 3);
    QVERIFY(std::abs(ssimSingle(A, A, 1.0) - 1.0) < 1e-12);
    QVERIFY(std::abs(ssimSingle(A, A, 255.0) - 1.0) < 1e-12);
    QVERIFY(std::abs(v(imageMetrics(A, A, A, {Metric::SSIM}), Metric::SSIM) - 1.0) < 1e-12);

    // Uniform images x = 100, y = 110: all sigmas are 0, so SSIM = (2 mx my + C1) /
    // (mx^2 + my^2 + C1) (the structure term is C2/C2 = 1).
    //   L = 255: C1 = (0.01*255)^2 = 6.5025 -> (22000 + 6.5025)/(22100 + 6.5025) = 0.99547644
    //   L = 1:   C1 = 1e-4                  -> 22000.0001/22100.0001            = 0.99547511
    const cv::Mat x(16, 16, CV_8UC1, cv::Scalar(100)), y(16, 16, CV_8UC1, cv::Scalar(110));
    QVERIFY(std::abs(ssimSingle(x, y, 255.0) - 22006.5025 / 22106.5025) < 1e-12);
    // With L = 1, C2 = 9e-4 is tiny against the ~1e-11 rounding of E[x^2] - mu^2 on values
    // near 1e4 (the same in MATLAB), so only ~1e-8 agreement is meaningful here.
    QVERIFY(std::abs(ssimSingle(x, y, 1.0) - 22000.0001 / 22100.0001) < 1e-7);
    // the toolbox SSIM is 0.5 ssim(F,A) + 0.5 ssim(F,B); with A = B = x and F = y it equals
    // ssim(x, y) with L = 1; "standard" uses L = 255
    QVERIFY(std::abs(v(imageMetrics(x, x, y, {Metric::SSIM}), Metric::SSIM) -
                     22000.0001 / 22100.0001) < 1e-7);
    QVERIFY(
        std::abs(v(imageMetrics(x, x, y, {Metric::SSIM}, Conventions::standard()), Metric::SSIM) -
                 22006.5025 / 22106.5025) < 1e-12);
    // F = A exactly, B very different: 0.5 * 1 + 0.5 * ssim(A, B)
    const cv::Mat B = texture({40, 30}, 4);
    QVERIFY(std::abs(v(imageMetrics(A, B, A, {Metric::SSIM}), Metric::SSIM) -
                     (0.5 + 0.5 * ssimSingle(A, B, 1.0))) < 1e-12);
}

void TestMetricsImage::psnrOffsetBothConventions() {
    // F = A + 10 = B + 10 everywhere: MSE = 100 on [0,255].
    //   standard: 10 log10(255^2 / 100) = 20 log10(25.5) = 28.1308036 dB
    //   toolbox: MSE on [0,1] = 100/255^2, PSNR = 20 log10(255 / sqrt(MSE)) = 20 log10(6502.5)
    //            = 76.2616072 dB
    const cv::Mat A = texture({32, 32}, 5, 20, 200);
    cv::Mat F = A + 10;
    QVERIFY(
        std::abs(v(imageMetrics(A, A, F, {Metric::PSNR}, Conventions::standard()), Metric::PSNR) -
                 20 * std::log10(25.5)) < 1e-9);
    QVERIFY(std::abs(v(imageMetrics(A, A, F, {Metric::PSNR}), Metric::PSNR) -
                     20 * std::log10(6502.5)) < 1e-9);
    // and the average of the two MSEs: offsets 10 (A) and 20 (B) -> MSE = (100 + 400)/2 = 250
    const cv::Mat B = A - 10; // F - B = 20
    QVERIFY(
        std::abs(v(imageMetrics(A, B, F, {Metric::PSNR}, Conventions::standard()), Metric::PSNR) -
                 10 * std::log10(255.0 * 255.0 / 250.0)) < 1e-9);
}

void TestMetricsImage::vifSelf() {
    // vifp(X, X): g = sigma12 / sigma1^2 = 1 and sv^2 = sigma2^2 - g sigma12 = 0 -> clamped
    // to 1e-10, so each numerator term log10(1 + sigma1^2 / (1e-10 + 2)) equals the
    // denominator term log10(1 + sigma1^2 / 2) up to 1e-10 relative: VIF = 1.
    const cv::Mat A = texture({96, 80}, 6);
    QVERIFY(std::abs(vifpMultiscale(A, A) - 1.0) < 1e-9);
    // toolbox sums the two sources (A = B = F): 2; standard takes the mean: 1
    QVERIFY(std::abs(v(imageMetrics(A, A, A, {Metric::VIF}), Metric::VIF) - 2.0) < 1e-9);
    QVERIFY(std::abs(v(imageMetrics(A, A, A, {Metric::VIF}, Conventions::standard()), Metric::VIF) -
                     1.0) < 1e-9);
    // a blurred version keeps less information: VIF < 1
    cv::Mat Ab;
    cv::GaussianBlur(A, Ab, cv::Size(0, 0), 2.0);
    const double vb = vifpMultiscale(A, Ab);
    QVERIFY2(vb > 0 && vb < 0.9, qPrintable(QString::number(vb)));
}

void TestMetricsImage::qabfStepEdgeSelf() {
    // A = B = F = a step image with values 0 / 100. Sobel (conv2 'same', zero padding)
    // magnitudes are 0 or multiples of 100, so where g > 0:
    //   gA == gF -> the toolbox quirk G = gF (>= 100), Qg = 0.9994 / (1 + exp(-15 (G - 0.5)))
    //            = 0.9994 (exp(-1492) is 0 in double);
    //   angles equal -> A = 1, Qa = 0.9879 / (1 + exp(-22 (1 - 0.8))) = 0.9879 / (1 + e^-4.4);
    //   Qabf = sum(Q gA + Q gB) / sum(gA + gB) = 0.9994 * 0.9879 / (1 + e^-4.4) = 0.9753328
    cv::Mat s(8, 8, CV_8UC1, cv::Scalar(0));
    s(cv::Rect(4, 0, 4, 8)).setTo(100);
    const double expected = 0.9994 * 0.9879 / (1 + std::exp(-4.4));
    QVERIFY(std::abs(qabf(s, s, s) - expected) < 1e-12);
    QVERIFY(std::abs(v(imageMetrics(s, s, s, {Metric::Qabf}), Metric::Qabf) - expected) < 1e-12);
    // F with no edges at all keeps nothing: every G is 0 -> Qg = 0.9994/(1+e^{7.5}) small
    const cv::Mat flat(8, 8, CV_8UC1, cv::Scalar(0));
    QVERIFY(qabf(s, s, flat) < 0.01);
}

void TestMetricsImage::nabfSelfIsZero() {
    // Kumar's NABF counts only pixels where gF > gA and gF > gB: none when F = A = B.
    const cv::Mat A = texture({32, 24}, 7);
    QCOMPARE(v(imageMetrics(A, A, A, {Metric::Nabf}), Metric::Nabf), 0.0);
    // F = A + strong noise adds gradients that neither source has: Nabf > 0
    cv::Mat noise(A.size(), CV_8UC1);
    cv::randu(noise, 0, 80);
    cv::Mat F = A + noise;
    QVERIFY(v(imageMetrics(A, A, F, {Metric::Nabf}), Metric::Nabf) > 0.05);
}

void TestMetricsImage::ccScd() {
    // CC(F = A = B) = mean(r_AF, r_BF) = 1.
    const cv::Mat A = texture({32, 24}, 8, 0, 100), B = texture({32, 24}, 9, 0, 100);
    QVERIFY(std::abs(v(imageMetrics(A, A, A, {Metric::CC}), Metric::CC) - 1.0) < 1e-12);
    // F = A + B (no saturation: values <= 200): F - B = A and F - A = B, so
    // SCD = corr2(A, A) + corr2(B, B) = 2.
    const cv::Mat F = A + B;
    QVERIFY(std::abs(v(imageMetrics(A, B, F, {Metric::SCD}), Metric::SCD) - 2.0) < 1e-12);
    // The toolbox's r_BF numerator (B - mean(A)) changes nothing mathematically, because
    // sum(F - mean F) = 0: both conventions agree to rounding.
    const double t = v(imageMetrics(A, B, F, {Metric::CC}), Metric::CC);
    const double s = v(imageMetrics(A, B, F, {Metric::CC}, Conventions::standard()), Metric::CC);
    QVERIFY(std::abs(t - s) < 1e-9);
    QVERIFY(t > 0.3 && t < 1.0);
}

void TestMetricsImage::fmiInvariants() {
    // FMI averages the normalised feature MI of (A, F) and (B, F): swapping the sources does
    // not change it, it lies in [0, 1], and a fused image equal to both sources scores at least
    // as high as a blurred one (blurring removes gradient features).
    const cv::Mat A = texture({24, 20}, 10), B = texture({24, 20}, 11);
    cv::Mat F;
    cv::max(A, B, F);
    const double f1 = v(imageMetrics(A, B, F, {Metric::FMI}), Metric::FMI);
    const double f2 = v(imageMetrics(B, A, F, {Metric::FMI}), Metric::FMI);
    QVERIFY(std::abs(f1 - f2) < 1e-12);
    QVERIFY2(f1 > 0.0 && f1 <= 1.0 + 1e-9, qPrintable(QString::number(f1)));
    cv::Mat Ab;
    cv::GaussianBlur(A, Ab, cv::Size(0, 0), 1.5);
    const double self = v(imageMetrics(A, A, A, {Metric::FMI}), Metric::FMI);
    const double blurred = v(imageMetrics(A, A, Ab, {Metric::FMI}), Metric::FMI);
    QVERIFY2(self > blurred && self <= 1.0 + 1e-9,
             qPrintable(QString("%1 vs %2").arg(self).arg(blurred)));
}

void TestMetricsImage::masks() {
    const cv::Mat A = texture({48, 40}, 12), B = texture({48, 40}, 13);
    cv::Mat F;
    cv::addWeighted(A, 0.6, B, 0.4, 0, F);
    const auto all = imageMetrics();
    // A mask covering the whole image changes nothing (for every metric).
    const cv::Mat full = rectMask(A.size(), cv::Rect(-5, -5, 100, 100));
    QCOMPARE(cv::countNonZero(full), A.rows * A.cols);
    const auto u = imageMetrics(A, B, F, all);
    const auto m = imageMetrics(A, B, F, all, {}, full);
    for (Metric x : all)
        QVERIFY2(std::abs(u.at(x) - m.at(x)) <= 1e-9 * std::max(1.0, std::abs(u.at(x))),
                 metricName(x));

    // Pixel statistics use the masked pixels only: left half 0, right half textured; EN and
    // SD inside the left half are 0.
    cv::Mat half = F.clone();
    half(cv::Rect(0, 0, 24, 40)).setTo(0);
    const cv::Mat left = rectMask(A.size(), cv::Rect(0, 0, 24, 40));
    const auto h = imageMetrics(A, B, half, {Metric::EN, Metric::SD}, {}, left);
    QCOMPARE(h.at(Metric::EN), 0.0);
    QCOMPARE(h.at(Metric::SD), 0.0);
    // polygon: a triangle of 3 points fills a non-empty region inside the bounding box
    const cv::Mat tri = polygonMask(A.size(), {{0, 0}, {47, 0}, {0, 39}});
    QVERIFY(cv::countNonZero(tri) > 800 && cv::countNonZero(tri) < 48 * 40);
    const auto t = imageMetrics(A, B, F, {Metric::SSIM, Metric::Qabf}, {}, tri);
    QVERIFY(std::isfinite(t.at(Metric::SSIM)) && std::isfinite(t.at(Metric::Qabf)));
}

void TestMetricsImage::restoration() {
    // PSNR over all channels of 8-bit images: offset 10 everywhere -> 20 log10(25.5).
    cv::Mat clean(20, 20, CV_8UC3, cv::Scalar(40, 80, 120));
    cv::Mat restored = clean + cv::Scalar(10, 10, 10);
    QVERIFY(std::abs(psnr8(restored, clean) - 20 * std::log10(25.5)) < 1e-9);
    QVERIFY(std::isinf(psnr8(clean, clean)));
    QVERIFY(std::abs(ssim8(clean, clean) - 1.0) < 1e-12);
}

void TestMetricsImage::errors() {
    const cv::Mat a(8, 8, CV_8UC1, cv::Scalar(1)), b(9, 8, CV_8UC1, cv::Scalar(1));
    try {
        imageMetrics(a, a, b, {Metric::EN});
        QFAIL("no error for a size mismatch");
    } catch (const vf::Error& e) {
        QCOMPARE(e.code(), vf::ErrorCode::Mismatch);
        QVERIFY(QString(e.what()).contains("8x8"));
    }
    try {
        imageMetrics(a, a, a, {Metric::EN}, {}, cv::Mat::zeros(8, 8, CV_8UC1));
        QFAIL("no error for an empty mask");
    } catch (const vf::Error& e) {
        QCOMPARE(e.code(), vf::ErrorCode::InvalidArgument);
    }
    cv::Mat f32(8, 8, CV_32FC1, cv::Scalar(0));
    QVERIFY_THROWS_EXCEPTION(vf::Error, imageMetrics(a, a, f32, {Metric::EN}));
    QVERIFY_THROWS_EXCEPTION(vf::Error, parseMetricList("EN,bogus"));
    QCOMPARE(parseMetricList("en, MI ,ssim").size(), size_t(3));
    QCOMPARE(parseMetricList("paper"), paperMetrics());
}

void TestMetricsImage::conventionsJsonRoundTrip() {
    for (const auto& n : Conventions::presetNames()) {
        const Conventions c = Conventions::byName(n);
        QCOMPARE(c.name, n);
        QVERIFY(conventionsFromJson(toJson(c)) == c);
    }
    QVERIFY_THROWS_EXCEPTION(vf::Error, Conventions::byName("matlab2"));
    QVERIFY(Conventions::standard().ssimDynamicRange == 255.0);
    QVERIFY(Conventions::toolbox().ssimDynamicRange == 1.0);
}

QTEST_GUILESS_MAIN(TestMetricsImage)
#include "test_metrics_image.moc"
