// Tests of the classical fusion baselines (core/fusion/classical): output shape and type on
// real pairs of assorted sizes and colour layouts, invariants (self-fusion, hot-target
// contrast, chroma restoration), exact rules (average, maximum), hand-computed PCA weights and
// Haar coefficients, Laplacian pyramid reconstruction, and the GTF solver's convergence.
#include <QtTest/QtTest>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"
#include "core/fusion/FusionMethod.h"
#include "core/fusion/classical/Classical.h"

namespace fs = std::filesystem;
using namespace vf::fusion;

namespace {

const std::vector<std::string> kMethods = {"average", "maximum", "pca",        "lp",    "rp",
                                           "dwt",     "gff",     "cbf",        "adf",   "tif",
                                           "mgff",    "gtf",     "hybrid-msd", "vsmwls"};

fs::path shared() {
    return fs::path(VF_SHARED_DIR) / "data";
}

cv::Mat load(const fs::path& p, int flags) {
    cv::Mat m = cv::imread(p.string(), flags);
    if (m.empty()) throw std::runtime_error("cannot read " + p.string());
    return m;
}

cv::Mat toF(const cv::Mat& u8) {
    cv::Mat f;
    u8.convertTo(f, CV_32F, 1.0 / 255.0);
    return f;
}

double maxAbsDiff(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    double mx = 0;
    cv::minMaxLoc(d.reshape(1), nullptr, &mx);
    return mx;
}

// Index of the padded position k in [0, n) under reflection without repeating the period
// (OpenCV's BORDER_REFLECT: "fedcba|abcdefgh|hgfedcb"), written out independently: the
// pattern repeats with period 2n.
int reflectIndex(int k, int n) {
    const int period = 2 * n;
    int m = ((k % period) + period) % period;
    return m < n ? m : period - 1 - m;
}

// Plain (2r+1)^2 window mean with reflected borders, in double, straight from the definition.
cv::Mat naiveBoxMean(const cv::Mat& f, int r) {
    cv::Mat out(f.size(), CV_64F);
    for (int y = 0; y < f.rows; ++y)
        for (int x = 0; x < f.cols; ++x) {
            double s = 0;
            for (int dy = -r; dy <= r; ++dy)
                for (int dx = -r; dx <= r; ++dx)
                    s += f.at<double>(reflectIndex(y + dy, f.rows), reflectIndex(x + dx, f.cols));
            out.at<double>(y, x) = s / ((2 * r + 1) * (2 * r + 1));
        }
    return out;
}

// He et al.'s guided filter written out from the paper's equations (double precision).
cv::Mat naiveGuidedFilter(const cv::Mat& guide, const cv::Mat& src, int r, double eps) {
    cv::Mat I, p;
    guide.convertTo(I, CV_64F);
    src.convertTo(p, CV_64F);
    const cv::Mat mI = naiveBoxMean(I, r), mp = naiveBoxMean(p, r);
    const cv::Mat mIp = naiveBoxMean(I.mul(p), r), mII = naiveBoxMean(I.mul(I), r);
    cv::Mat a = (mIp - mI.mul(mp)) / (mII - mI.mul(mI) + eps);
    cv::Mat b = mp - a.mul(mI);
    cv::Mat q = naiveBoxMean(a, r).mul(I) + naiveBoxMean(b, r);
    cv::Mat qf;
    q.convertTo(qf, CV_32F);
    return qf;
}

const MethodRegistry& registry() {
    static const MethodRegistry reg = [] {
        MethodRegistry r;
        registerClassicalMethods(r);
        return r;
    }();
    return reg;
}

struct Pair {
    std::string name;
    cv::Mat ir, vi; // 8-bit as loaded (IR colour-stored for M3SVD / RoadScene)
};

} // namespace

class TestBaselines : public QObject {
    Q_OBJECT
private:
    std::vector<Pair> pairs_;

private Q_SLOTS:
    void initTestCase() {
        if (!fs::exists(shared()))
            QSKIP("../shared/data is absent; the baseline tests need the real image pairs");
        const fs::path m3 = shared() / "M3SVD/val";
        pairs_.push_back({"M3SVD 640x480 colour",
                          load(m3 / "infrared_Enhance/0114_1609/0005.png", cv::IMREAD_COLOR),
                          load(m3 / "visible_Enhance/0114_1609/0005.png", cv::IMREAD_COLOR)});
        const fs::path rs = shared() / "pairs/roadscene10";
        pairs_.push_back({"RoadScene JPEG colour", load(rs / "ir/FLIR_04269.jpg", cv::IMREAD_COLOR),
                          load(rs / "vi/FLIR_04269.jpg", cv::IMREAD_COLOR)});
        const fs::path tno = shared() / "TNO/Duine";
        pairs_.push_back({"TNO 360x270 grey", load(tno / "ir/0000.png", cv::IMREAD_GRAYSCALE),
                          load(tno / "vi/0000.png", cv::IMREAD_GRAYSCALE)});
        // A small odd crop (not a multiple of 2, 4 or 16) of the M3SVD pair.
        const cv::Rect crop(101, 57, 37, 23);
        pairs_.push_back({"37x23 crop", pairs_[0].ir(crop).clone(), pairs_[0].vi(crop).clone()});
    }

    void registryListsEveryMethod() {
        const auto names = registry().names();
        QCOMPARE(names.size(), kMethods.size());
        for (size_t i = 0; i < kMethods.size(); ++i) {
            QCOMPARE(QString::fromStdString(names[i]), QString::fromStdString(kMethods[i]));
            auto m = registry().get(kMethods[i]);
            QVERIFY(!m->description().empty());
            QCOMPARE(m->defaultColorPolicy(), ColorPolicy::LumaY);
            // every parameter's default lies inside its own range
            for (const auto& s : m->params())
                if (s.type == ParamSpec::Int || s.type == ParamSpec::Double)
                    QVERIFY2(s.defaultValue >= s.min && s.defaultValue <= s.max,
                             (kMethods[i] + "." + s.key).c_str());
        }
    }

    void outputSizeAndType_data() {
        QTest::addColumn<QString>("method");
        for (const auto& m : kMethods)
            QTest::newRow(m.c_str()) << QString::fromStdString(m);
    }
    void outputSizeAndType() {
        QFETCH(QString, method);
        const auto m = registry().get(method.toStdString());
        for (const auto& p : pairs_) {
            const bool colour = p.vi.channels() == 3;
            cv::Mat out = fuseFrame(*m, p.ir, p.vi, {}, ColorPolicy::LumaY);
            QVERIFY2(out.size() == p.vi.size(), p.name.c_str());
            QCOMPARE(out.type(), colour ? CV_8UC3 : CV_8UC1);
            if (colour && p.vi.cols < 100) { // per-channel (VIFB) policy on the small crop
                cv::Mat pc = fuseFrame(*m, p.ir, p.vi, {}, ColorPolicy::PerChannel);
                QVERIFY(pc.size() == p.vi.size());
                QCOMPARE(pc.type(), CV_8UC3);
            }
            // the grey core returns the input size and a finite image
            cv::Mat irF = toGrayFloat(p.ir), viF = toGrayFloat(p.vi);
            cv::Mat g = m->fuseGray(irF, viF, resolveParams(m->params(), {}));
            QCOMPARE(g.type(), CV_32FC1);
            QVERIFY(g.size() == irF.size());
            QVERIFY2(cv::checkRange(g), (method.toStdString() + " on " + p.name).c_str());
        }
    }

    // Degenerate sizes (smaller than every filter window and pyramid) still give an image of
    // the input size.
    void tinyImages_data() { outputSizeAndType_data(); }
    void tinyImages() {
        QFETCH(QString, method);
        const auto m = registry().get(method.toStdString());
        for (const cv::Size s : {cv::Size(1, 1), cv::Size(2, 3), cv::Size(5, 3), cv::Size(17, 1)}) {
            const cv::Rect r(cv::Point(300, 200), s);
            cv::Mat out = fuseFrame(*m, pairs_[0].ir(r), pairs_[0].vi(r), {});
            QVERIFY(out.size() == s);
            QCOMPARE(out.type(), CV_8UC3);
        }
    }

    // Fusing an image with itself gives it back: true for all fourteen methods. Every one is
    // a convex combination of the sources (average, max, PCA, CBF) or splits each source into
    // layers that sum back to it and combines corresponding layers with weights summing to 1
    // (pyramids, DWT, GFF, ADF, TIF, MGFF, Hybrid-MSD, VSMWLS); GTF's TV-L1 of ir - vi = 0 is
    // 0. (Hybrid-MSD only thanks to the guard against its 0/0 when IR is nowhere more
    // salient: the MATLAB code returns white there.)
    void selfFusionIsIdentity_data() { outputSizeAndType_data(); }
    void selfFusionIsIdentity() {
        QFETCH(QString, method);
        const auto m = registry().get(method.toStdString());
        for (size_t i : {size_t(1), size_t(2)}) { // RoadScene (odd size) and TNO
            cv::Mat grey = pairs_[i].vi.channels() == 3 ? cv::Mat() : pairs_[i].vi;
            if (grey.empty()) cv::cvtColor(pairs_[i].vi, grey, cv::COLOR_BGR2GRAY);
            cv::Mat out = fuseFrame(*m, grey, grey, {});
            QVERIFY2(maxAbsDiff(out, grey) <= 1.0,
                     (method.toStdString() + " on " + pairs_[i].name + ": max diff " +
                      std::to_string(maxAbsDiff(out, grey)))
                         .c_str());
        }
    }

    // A hot IR target (a bright disc on a dim IR) over a real visible frame: methods that
    // select the larger coefficient / saliency keep most of its contrast, unlike the average
    // (the pyramids and the DWT average their base band, which still holds part of a disc of
    // radius 10 after 4 levels, hence 70% rather than 100%). GFF is not included: its
    // saliency is a smoothed Laplacian, zero inside a flat disc, and on this textured visible
    // frame the visible saliency wins almost everywhere (measured: IR wins 0.5% of pixels).
    void hotTargetKeepsContrast() {
        cv::Mat vi;
        cv::cvtColor(pairs_[0].vi, vi, cv::COLOR_BGR2GRAY);
        cv::Mat ir = vi * 0.3; // dim, structured background
        const cv::Point c(420, 260);
        const int radius = 10;
        cv::circle(ir, c, radius, cv::Scalar(250), cv::FILLED);
        cv::Mat inner = cv::Mat::zeros(vi.size(), CV_8U), ring = inner.clone();
        cv::circle(inner, c, radius - 3, cv::Scalar(255), cv::FILLED);
        cv::circle(ring, c, radius + 12, cv::Scalar(255), cv::FILLED);
        cv::circle(ring, c, radius + 4, cv::Scalar(0), cv::FILLED);
        auto contrast = [&](const cv::Mat& img) {
            return cv::mean(img, inner)[0] - cv::mean(img, ring)[0];
        };
        const double irContrast = contrast(ir);
        const double viContrast = contrast(vi);
        const double avgContrast = contrast(fuseFrame(*registry().get("average"), ir, vi, {}));
        QVERIFY(irContrast > 150);
        // The independent expectation for the average: half of each.
        QVERIFY(std::abs(avgContrast - 0.5 * (irContrast + viContrast)) < 2.0);
        QVERIFY(std::abs(contrast(fuseFrame(*registry().get("maximum"), ir, vi, {})) -
                         contrast(cv::max(ir, vi))) < 0.5);
        for (const char* name : {"maximum", "lp", "rp", "dwt", "hybrid-msd"}) {
            const double k = contrast(fuseFrame(*registry().get(name), ir, vi, {}));
            QVERIFY2(k >= 0.7 * irContrast && k > avgContrast + 20,
                     (std::string(name) + ": contrast " + std::to_string(k) + " vs IR " +
                      std::to_string(irContrast) + ", average " + std::to_string(avgContrast))
                         .c_str());
        }
    }

    // Y-mode (LumaY) keeps the visible chroma: Cr and Cb of the output equal the visible's
    // wherever no output channel saturated.
    void lumaModeKeepsVisibleChroma() {
        const cv::Mat& vi = pairs_[0].vi;
        for (const char* name : {"lp", "tif", "maximum"}) {
            cv::Mat out =
                fuseFrame(*registry().get(name), pairs_[0].ir, vi, {}, ColorPolicy::LumaY);
            cv::Mat yo, yv;
            cv::cvtColor(toF(out), yo, cv::COLOR_BGR2YCrCb);
            cv::cvtColor(toF(vi), yv, cv::COLOR_BGR2YCrCb);
            cv::Mat lo, hi, ok;
            cv::inRange(out, cv::Scalar(1, 1, 1), cv::Scalar(254, 254, 254), ok);
            QVERIFY(cv::countNonZero(ok) > static_cast<int>(out.total() / 2));
            std::vector<cv::Mat> co, cvv;
            cv::split(yo, co);
            cv::split(yv, cvv);
            for (int ch : {1, 2}) {
                cv::Mat d;
                cv::absdiff(co[ch], cvv[ch], d);
                double mx = 0;
                cv::minMaxLoc(d, nullptr, &mx, nullptr, nullptr, ok);
                QVERIFY2(mx * 255 <= 1.0, (std::string(name) + ": chroma differs by " +
                                           std::to_string(mx * 255) + " grey levels")
                                              .c_str());
            }
            // and the fused luma is not the visible luma (IR was injected)
            cv::Mat dy;
            cv::absdiff(co[0], cvv[0], dy);
            QVERIFY2(cv::mean(dy)[0] * 255 > 2.0,
                     (std::string(name) + ": fused luma equals the visible luma (mean diff " +
                      std::to_string(cv::mean(dy)[0] * 255) + ")")
                         .c_str());
        }
    }

    void averageIsExactMean() {
        const Pair& p = pairs_[2];
        cv::Mat a = toF(p.ir), b = toF(p.vi);
        cv::Mat g = classical::fuseAverage(a, b);
        for (int y = 0; y < a.rows; ++y)
            for (int x = 0; x < a.cols; ++x)
                QCOMPARE(g.at<float>(y, x), (a.at<float>(y, x) + b.at<float>(y, x)) / 2.f);
        // 8-bit path: (a+b)/2 exactly when a+b is even, one of the two neighbours when odd
        cv::Mat out = fuseFrame(*registry().get("average"), p.ir, p.vi, {});
        for (int y = 0; y < a.rows; ++y)
            for (int x = 0; x < a.cols; ++x) {
                const int s = p.ir.at<uchar>(y, x) + p.vi.at<uchar>(y, x);
                const int o = out.at<uchar>(y, x);
                if (s % 2 == 0)
                    QCOMPARE(o, s / 2);
                else
                    QVERIFY(o == s / 2 || o == s / 2 + 1);
            }
    }

    void maximumIsPixelMax() {
        const Pair& p = pairs_[2];
        cv::Mat out = fuseFrame(*registry().get("maximum"), p.ir, p.vi, {});
        for (int y = 0; y < out.rows; ++y)
            for (int x = 0; x < out.cols; ++x)
                QCOMPARE(int(out.at<uchar>(y, x)),
                         std::max(int(p.ir.at<uchar>(y, x)), int(p.vi.at<uchar>(y, x))));
    }

    // a = [0 1 2], b = [0 0 3]: means 1, 1; var a = 1, var b = 3, cov = 1.5 (unbiased).
    // lambda_max = 2 + sqrt(1 + 1.5^2) = 3.8027756; eigenvector (1.5, lambda_max - 1) =
    // (1.5, 2.8027756); weights = 1.5 / 4.3027756 = 0.3486121 and 0.6513879.
    void pcaWeightsMatchHandComputation() {
        cv::Mat a = (cv::Mat_<float>(1, 3) << 0, 1, 2);
        cv::Mat b = (cv::Mat_<float>(1, 3) << 0, 0, 3);
        const auto [w1, w2] = classical::pcaWeights(a, b);
        QVERIFY(std::abs(w1 - 0.3486121) < 1e-6);
        QVERIFY(std::abs(w2 - 0.6513879) < 1e-6);
        cv::Mat f = classical::fusePca(a, b);
        QVERIFY(std::abs(f.at<float>(0, 2) - (2 * 0.3486121 + 3 * 0.6513879)) < 1e-5);
        // b = 2a: eigenvector (1, 2), weights 1/3 and 2/3.
        cv::Mat c = (cv::Mat_<float>(2, 2) << 0.1f, 0.2f, 0.3f, 0.4f);
        const auto [u1, u2] = classical::pcaWeights(c, c * 2);
        QVERIFY(std::abs(u1 - 1.0 / 3) < 1e-5 && std::abs(u2 - 2.0 / 3) < 1e-5);
        // identical images: equal weights
        const auto [e1, e2] = classical::pcaWeights(c, c);
        QVERIFY(std::abs(e1 - 0.5) < 1e-9 && std::abs(e2 - 0.5) < 1e-9);
    }

    void laplacianPyramidReconstructs() {
        cv::Mat g;
        cv::cvtColor(pairs_[1].vi, g, cv::COLOR_BGR2GRAY); // odd RoadScene size
        cv::Mat f = toF(g);
        for (int levels : {1, 4, 6}) {
            auto pyr = classical::laplacianPyramid(f, levels);
            QCOMPARE(int(pyr.size()), levels + 1);
            QVERIFY(maxAbsDiff(classical::reconstructLaplacianPyramid(pyr), f) < 1e-5);
        }
        // LP fusion of identical inputs is the input, exactly at 8 bits
        cv::Mat out = fuseFrame(*registry().get("lp"), g, g, {});
        QCOMPARE(maxAbsDiff(out, g), 0.0);
    }

    // Hand-computed one- and two-level Haar coefficients of
    //   [4 2 0 1; 3 3 5 7; 8 6 1 1; 0 2 9 3]
    // per 2x2 block [a b; c d]: ll=(a+b+c+d)/2, hl=(a-b+c-d)/2, lh=(a+b-c-d)/2, hh=(a-b-c+d)/2.
    void haarMatchesHandComputation() {
        cv::Mat img = (cv::Mat_<float>(4, 4) << 4, 2, 0, 1, 3, 3, 5, 7, 8, 6, 1, 1, 0, 2, 9, 3);
        auto b = classical::haarDwt2(img);
        auto eq = [](const cv::Mat& m, std::vector<float> v) {
            cv::Mat e(m.rows, m.cols, CV_32F, v.data());
            return maxAbsDiff(m, e) < 1e-6;
        };
        QVERIFY(eq(b.ll, {6, 6.5f, 8, 7}));
        QVERIFY(eq(b.hl, {1, -1.5f, 0, 3}));
        QVERIFY(eq(b.lh, {0, -5.5f, 6, -5}));
        QVERIFY(eq(b.hh, {1, 0.5f, 2, -3}));
        auto b2 = classical::haarDwt2(b.ll);
        QVERIFY(eq(b2.ll, {13.75f}) && eq(b2.hl, {0.25f}) && eq(b2.lh, {-1.25f}) &&
                eq(b2.hh, {-0.75f}));
        QVERIFY(maxAbsDiff(classical::haarIdwt2(b), img) < 1e-6);
        QVERIFY_THROWS_EXCEPTION(vf::Error, classical::haarDwt2(cv::Mat::zeros(3, 4, CV_32F)));
    }

    // CBF's weights (computed with separable box sums) equal the sum of the eigenvalues of
    // the two 5x5 window covariance matrices computed explicitly with cv::calcCovarMatrix and
    // cv::eigen, as cbf_ieeeconf2011f.m does, at interior pixels of a real detail image.
    void cbfEdgeStrengthMatchesEigenvalues() {
        cv::Mat g = toF(pairs_[2].vi) * 255.0, blur;
        cv::GaussianBlur(g, blur, cv::Size(5, 5), 1.5);
        cv::Mat d = g - blur;
        cv::Mat es = classical::cbfEdgeStrength(d, 5);
        for (const cv::Point p :
             {cv::Point(40, 30), cv::Point(200, 100), cv::Point(300, 250), cv::Point(123, 77)}) {
            cv::Mat win;
            d(cv::Rect(p.x - 2, p.y - 2, 5, 5)).convertTo(win, CV_64F);
            double expected = 0;
            for (const cv::Mat& obs : {win, cv::Mat(win.t())}) {
                cv::Mat cov, mean, evals;
                cv::calcCovarMatrix(obs, cov, mean, cv::COVAR_NORMAL | cv::COVAR_ROWS, CV_64F);
                cov /= 4.0; // unbiased, n - 1
                cv::eigen(cov, evals);
                expected += cv::sum(evals)[0];
            }
            const double got = es.at<float>(p);
            QVERIFY2(std::abs(got - expected) <= 1e-3 * std::max(1.0, expected),
                     (std::to_string(got) + " vs " + std::to_string(expected)).c_str());
        }
    }

    // GTF's primal-dual solver with the default iteration count reaches the TV-L1 energy of a
    // long single-scale run (3000 iterations) within 1%, on a real IR/visible difference.
    void gtfSolverConverges() {
        cv::Mat f = toF(pairs_[2].ir) - toF(pairs_[2].vi);
        const classical::GtfParams d;
        cv::Mat u = classical::tvl1(f, d.lambda, d.iterations, d.scales);
        cv::Mat ref = classical::tvl1(f, d.lambda, 3000, 1);
        const double e = classical::tvl1Energy(u, f, d.lambda);
        const double eRef = classical::tvl1Energy(ref, f, d.lambda);
        const double eStart = classical::tvl1Energy(f, f, d.lambda);
        qInfo("TV-L1 energy: start %.1f, default %.2f, 3000 iterations %.2f", eStart, e, eRef);
        QVERIFY(eRef < eStart);
        QVERIFY2(e <= eRef * 1.01, "default GTF iterations do not reach the converged energy");
        QVERIFY(cv::mean(cv::abs(u - ref))[0] < 2.0 / 255);
    }

    // The guided filter against the paper's equations computed naively in double, on real
    // crops: windows inside the image (r = 2, 5) and windows larger than the image (r = 45
    // on a 37x23 crop: reflections repeat), for eps on the [0,1] scale and a tiny eps.
    void guidedFilterMatchesDefinition() {
        cv::Mat g;
        cv::cvtColor(pairs_[0].vi, g, cv::COLOR_BGR2GRAY);
        const cv::Mat guide = toF(g(cv::Rect(200, 150, 61, 47)));
        const cv::Mat src = toGrayFloat(pairs_[0].ir(cv::Rect(200, 150, 61, 47)));
        const cv::Mat smallG = toF(g(cv::Rect(101, 57, 37, 23)));
        const cv::Mat smallP = toGrayFloat(pairs_[0].ir(cv::Rect(101, 57, 37, 23)));
        struct Case {
            cv::Mat I, p;
            int r;
            double eps;
        };
        for (const Case& c :
             {Case{guide, src, 2, 1e-3}, Case{guide, src, 5, 0.3}, Case{guide, guide, 5, 1e-6},
              Case{smallG, smallP, 45, 0.01}, Case{smallG, smallP, 7, 1e-6}}) {
            const cv::Mat got = classical::guidedFilter(c.I, c.p, c.r, c.eps);
            const cv::Mat want = naiveGuidedFilter(c.I, c.p, c.r, c.eps);
            QVERIFY(got.size() == want.size() && got.type() == CV_32FC1);
            // float inputs and outputs: a few float ulps of the result, amplified by a/eps
            // where the tiny eps makes the filter an edge-preserving identity.
            const double tol = c.eps < 1e-4 ? 2e-4 : 2e-5;
            QVERIFY2(maxAbsDiff(got, want) < tol,
                     ("r=" + std::to_string(c.r) + " eps=" + std::to_string(c.eps) + ": " +
                      std::to_string(maxAbsDiff(got, want)))
                         .c_str());
        }
    }

    // MGFF written out from fuse_MGF_RGB.m with the naive guided filter on 0..255 intensities
    // (eps = 1e3 there), on a real 64x48 crop: the implementation's shared-means pass and
    // [0,1] scaling must give the same fused image.
    void mgffMatchesDefinition() {
        const cv::Rect crop(300, 200, 64, 48);
        cv::Mat vi8;
        cv::cvtColor(pairs_[0].vi(crop), vi8, cv::COLOR_BGR2GRAY);
        const cv::Mat ir = toGrayFloat(pairs_[0].ir(crop)), vi = toF(vi8);
        const classical::MgffParams p;
        cv::Mat a1 = ir * 255.0, a2 = vi * 255.0, detail = cv::Mat::zeros(ir.size(), CV_32F);
        for (int k = 0; k < p.levels; ++k) {
            cv::Mat n1 = naiveGuidedFilter(a1, a2, p.radius, p.eps);
            cv::Mat n2 = naiveGuidedFilter(a2, a1, p.radius, p.eps);
            cv::Mat d1 = a1 - n1, d2 = a2 - n2;
            cv::Mat s1 = cv::abs(d1), s2 = cv::abs(d2);
            detail += (s1.mul(d1) + s2.mul(d2)) / (s1 + s2);
            a1 = n1;
            a2 = n2;
        }
        cv::Mat want = (0.5 * (a1 + a2) + detail) / 255.0;
        const cv::Mat got = classical::fuseMgff(ir, vi, p);
        QVERIFY2(maxAbsDiff(got, want) < 1e-4, std::to_string(maxAbsDiff(got, want)).c_str());
    }

    // The frame-parallel sequence runner (two OpenCV threads: two frames fused at once)
    // delivers every selected frame once, in order, each equal to fusing that pair alone
    // (within one grey level: row stripes start their sums afresh), reports progress per
    // frame, stops on cancel and reports a bad frame's error.
    void sequenceRunIsFrameByFrame() {
        const int oldThreads = cv::getNumThreads();
        cv::setNumThreads(2);
        const fs::path m3 = shared() / "M3SVD/val";
        std::vector<cv::Mat> irs, vis;
        for (int f = 0; f < 7; ++f) {
            char name[16];
            std::snprintf(name, sizeof name, "%04d.png", f);
            irs.push_back(load(m3 / "infrared_Enhance/0111_1716" / name, cv::IMREAD_COLOR));
            vis.push_back(load(m3 / "visible_Enhance/0111_1716" / name, cv::IMREAD_COLOR));
        }
        MemoryPairSequence seq(irs, vis);
        for (const char* name : {"gff", "lp"}) {
            const auto m = registry().get(name);
            std::vector<int> order;
            std::vector<long long> progress;
            SequenceOptions o;
            o.start = 1;
            o.count = 5;
            o.progress = [&](long long done, long long total, const std::string&) {
                QCOMPARE(total, 5LL);
                progress.push_back(done);
            };
            const SequenceStats st = m->fuseSequence(
                seq, {},
                [&](const FusedFrame& f) {
                    order.push_back(f.index);
                    const cv::Mat alone = fuseFrame(*m, irs[size_t(f.index)], vis[size_t(f.index)]);
                    QVERIFY(f.fused.size() == alone.size() && f.fused.type() == alone.type());
                    QVERIFY2(maxAbsDiff(f.fused, alone) <= 1.0,
                             (std::string(name) + " frame " + std::to_string(f.index)).c_str());
                },
                o);
            QCOMPARE(st.frames, 5);
            QCOMPARE(order, (std::vector<int>{1, 2, 3, 4, 5}));
            QCOMPARE(progress, (std::vector<long long>{1, 2, 3, 4, 5}));
        }
        // cancelled from the sink after the second frame: no further frame is delivered
        {
            vf::CancelToken cancel;
            SequenceOptions o;
            o.cancel = &cancel;
            int delivered = 0;
            try {
                registry().get("tif")->fuseSequence(
                    seq, {},
                    [&](const FusedFrame&) {
                        if (++delivered == 2) cancel.cancel();
                    },
                    o);
                QFAIL("cancel not reported");
            } catch (const vf::Error& e) {
                QCOMPARE(e.code(), vf::ErrorCode::Cancelled);
            }
            QCOMPARE(delivered, 2);
        }
        // a frame pair of different sizes: the frames before it are delivered, then its error
        {
            std::vector<cv::Mat> bad = vis;
            bad[3] = vis[3](cv::Rect(0, 0, 320, 240)).clone();
            MemoryPairSequence badSeq(irs, bad);
            int delivered = 0;
            try {
                registry().get("average")->fuseSequence(badSeq, {},
                                                        [&](const FusedFrame&) { ++delivered; });
                QFAIL("size mismatch not reported");
            } catch (const vf::Error& e) {
                QCOMPARE(e.code(), vf::ErrorCode::Mismatch);
            }
            QCOMPARE(delivered, 3);
        }
        cv::setNumThreads(oldThreads);
    }

    void badInputsThrowTypedErrors() {
        cv::Mat a = cv::Mat::zeros(10, 10, CV_32F), b = cv::Mat::zeros(10, 12, CV_32F);
        try {
            classical::fuseLaplacian(a, b);
            QFAIL("size mismatch not reported");
        } catch (const vf::Error& e) {
            QCOMPARE(e.code(), vf::ErrorCode::Mismatch);
            QVERIFY(std::string(e.what()).find("10x10 vs 12x10") != std::string::npos);
        }
        try {
            classical::fuseDwt(a, a, {0});
            QFAIL("levels 0 not reported");
        } catch (const vf::Error& e) {
            QCOMPARE(e.code(), vf::ErrorCode::InvalidArgument);
        }
        QVERIFY_THROWS_EXCEPTION(vf::Error, fuseFrame(*registry().get("lp"), pairs_[2].ir,
                                                      pairs_[2].vi, {{"levels", 0.0}}));
    }
};

QTEST_GUILESS_MAIN(TestBaselines)
#include "test_baselines.moc"
