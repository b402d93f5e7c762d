// Temporal metrics: warping, occlusion rule, flowD / Ewarp / BiSWE / MS2R / flicker on synthetic
// clips whose correct answers are known (static clip = 0, correctly warped translation ~ 0,
// swapped frames clearly > 0).
#include <QtTest/QtTest>

#include <cmath>
#include <cstring>

#include <opencv2/imgproc.hpp>

#include "core/metrics/Internal.h"
#include "core/metrics/Metrics.h"

using namespace vf::metrics;

namespace {

// Smooth colour texture, larger than the frames so that translated crops have real content.
cv::Mat bigTexture(unsigned seed) {
    cv::Mat n(320, 400, CV_32FC3);
    cv::RNG rng(seed);
    rng.fill(n, cv::RNG::UNIFORM, 0.0, 1.0);
    cv::GaussianBlur(n, n, cv::Size(0, 0), 3.0);
    cv::normalize(n, n, 10, 245, cv::NORM_MINMAX);
    cv::Mat o;
    n.convertTo(o, CV_8UC3);
    return o;
}

// Frame t of a clip translating by (dx, dy) pixels per frame: a crop of the big texture.
cv::Mat frameAt(const cv::Mat& big, int t, int dx, int dy) {
    return big(cv::Rect(40 + t * dx, 40 + t * dy, 240, 180)).clone();
}

} // namespace

class TestMetricsTemporal : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void warpConstantFlowExact();
    void occlusionRuleHand();
    void staticClipIsZero();
    void translationWarpedCorrectly();
    void flickerHand();
    void greyCountsAsThreeChannels();
    void ms2rIdenticalClipsIsOne();
    void slicesAndCurve();
    void fusedWarpMatchesRemap();
    void fusedResidualsMatchRemap();
};

void TestMetricsTemporal::warpConstantFlowExact() {
    // out(x, y) = img(x + 1, y + 2): integer flow -> exact copies inside the image.
    cv::Mat img(6, 7, CV_8UC1);
    for (int y = 0; y < 6; ++y)
        for (int x = 0; x < 7; ++x)
            img.at<uchar>(y, x) = static_cast<uchar>(10 * y + x);
    cv::Mat flow(6, 7, CV_32FC2, cv::Scalar(1.0f, 2.0f));
    const cv::Mat w = warpBackward(img, flow);
    QCOMPARE(w.type(), CV_32FC1);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 6; ++x)
            QCOMPARE(w.at<float>(y, x), float(10 * (y + 2) + (x + 1)));
    // half-pixel flow: bilinear average of two neighbours
    cv::Mat half(6, 7, CV_32FC2, cv::Scalar(0.5f, 0.0f));
    QCOMPARE(warpBackward(img, half).at<float>(1, 1), 0.5f * (11 + 12));
}

void TestMetricsTemporal::occlusionRuleHand() {
    // f = (2, 0) everywhere, g = (-2, 0): |f + g|^2 = 0 <= 0.01 (4 + 4) + 0.5 -> consistent.
    cv::Mat f(5, 5, CV_32FC2, cv::Scalar(2.0f, 0.0f));
    cv::Mat g(5, 5, CV_32FC2, cv::Scalar(-2.0f, 0.0f));
    QCOMPARE(cv::countNonZero(consistencyMask(f, g)), 25);
    // g = (2, 0): |f + g|^2 = 16 > 0.01 * 8 + 0.5 = 0.58 -> occluded everywhere.
    cv::Mat g2(5, 5, CV_32FC2, cv::Scalar(2.0f, 0.0f));
    QCOMPARE(cv::countNonZero(consistencyMask(f, g2)), 0);
    // g = (-1.5, 0): |0.5|^2 = 0.25 <= 0.01 (4 + 2.25) + 0.5 = 0.5625 -> consistent.
    cv::Mat g3(5, 5, CV_32FC2, cv::Scalar(-1.5f, 0.0f));
    QCOMPARE(cv::countNonZero(consistencyMask(f, g3)), 25);
    // g = (-1.2, 0): |0.8|^2 = 0.64 > 0.01 (4 + 1.44) + 0.5 = 0.5544 -> occluded.
    cv::Mat g4(5, 5, CV_32FC2, cv::Scalar(-1.2f, 0.0f));
    QCOMPARE(cv::countNonZero(consistencyMask(f, g4)), 0);
}

void TestMetricsTemporal::staticClipIsZero() {
    const cv::Mat big = bigTexture(1), bigIr = bigTexture(2);
    const cv::Mat vi = frameAt(big, 0, 0, 0), ir = frameAt(bigIr, 0, 0, 0);
    cv::Mat fused;
    cv::addWeighted(vi, 0.5, ir, 0.5, 0, fused);
    TemporalInputs in{ir, ir, vi, vi, fused, fused};
    const auto v = temporalMetrics(in, temporalMetrics(), FlowOptions{});
    // identical frames: the flow is ~0 and the warp reproduces the frame
    QVERIFY2(v.at(Metric::FlowD) < 0.05, qPrintable(QString::number(v.at(Metric::FlowD))));
    QVERIFY(v.at(Metric::WarpError) < 1e-5);
    QVERIFY(v.at(Metric::BiSWE) < 0.05);
    QCOMPARE(v.at(Metric::Flicker), 0.0);
    QCOMPARE(v.at(Metric::FlickerIR), 0.0);
    QCOMPARE(v.at(Metric::FlickerVI), 0.0);
}

void TestMetricsTemporal::translationWarpedCorrectly() {
    // Both sources and the fused clip translate by (3, 2) px per frame. The visible flow
    // explains the fused motion exactly, so flowD is ~0 (DIS is not exact: allow a little,
    // compared with the frame's own temporal difference). Swapping the fused frames (playing
    // t then t-1 where t-1 then t is expected) makes the residual clearly larger.
    const cv::Mat big = bigTexture(3), bigIr = bigTexture(4);
    const int dx = 3, dy = 2;
    const cv::Mat vi0 = frameAt(big, 0, dx, dy), vi1 = frameAt(big, 1, dx, dy);
    const cv::Mat ir0 = frameAt(bigIr, 0, dx, dy), ir1 = frameAt(bigIr, 1, dx, dy);
    cv::Mat f0, f1;
    cv::addWeighted(vi0, 0.5, ir0, 0.5, 0, f0);
    cv::addWeighted(vi1, 0.5, ir1, 0.5, 0, f1);
    const std::vector<Metric> which{Metric::FlowD, Metric::WarpError, Metric::BiSWE, Metric::MS2R};
    // every DIS preset explains the motion (the default, MEDIUM, is checked in full below)
    for (FlowMethod fm : {FlowMethod::DisUltrafast, FlowMethod::DisFast, FlowMethod::DisMedium}) {
        QCOMPARE(flowMethodFromName(flowMethodName(fm)), fm);
        const FlowOptions fo{fm};
        const double g =
            temporalMetrics({ir0, ir1, vi0, vi1, f0, f1}, {Metric::FlowD}, fo).at(Metric::FlowD);
        const double s =
            temporalMetrics({ir0, ir1, vi0, vi1, f1, f0}, {Metric::FlowD}, fo).at(Metric::FlowD);
        QVERIFY2(
            s > 4 * g,
            qPrintable(QString("%1: swapped %2 vs good %3").arg(flowMethodName(fm)).arg(s).arg(g)));
    }

    const auto good = temporalMetrics({ir0, ir1, vi0, vi1, f0, f1}, which);
    // reference scale: the un-warped frame difference
    cv::Mat d;
    cv::absdiff(f0, f1, d);
    const double raw = cv::mean(d)[0];
    QVERIFY2(raw > 5, qPrintable(QString::number(raw)));
    QVERIFY2(good.at(Metric::FlowD) < 0.25 * raw,
             qPrintable(QString("flowD %1 raw %2").arg(good.at(Metric::FlowD)).arg(raw)));

    const auto swapped = temporalMetrics({ir0, ir1, vi0, vi1, f1, f0}, which);
    QVERIFY2(
        swapped.at(Metric::FlowD) > 4 * good.at(Metric::FlowD),
        qPrintable(QString("%1 vs %2").arg(swapped.at(Metric::FlowD)).arg(good.at(Metric::FlowD))));
    QVERIFY(swapped.at(Metric::WarpError) > 4 * good.at(Metric::WarpError));
    // a fused clip whose second frame is unrelated (a different texture) is not smooth
    const cv::Mat other = frameAt(bigTexture(9), 1, dx, dy);
    const auto broken = temporalMetrics({ir0, ir1, vi0, vi1, f0, other}, which);
    QVERIFY(broken.at(Metric::FlowD) > 4 * good.at(Metric::FlowD));
    QVERIFY(broken.at(Metric::MS2R) > 2 * good.at(Metric::MS2R));
    QVERIFY(broken.at(Metric::BiSWE) > 2 * good.at(Metric::BiSWE));

    // precomputed source flows give the same numbers as computing them inside
    const SourceFlows fl = computeSourceFlows({ir0, ir1, vi0, vi1, f0, f1}, which);
    const auto again = temporalMetrics({ir0, ir1, vi0, vi1, f0, f1}, which, {}, {}, &fl);
    QCOMPARE(again.at(Metric::FlowD), good.at(Metric::FlowD));
}

void TestMetricsTemporal::flickerHand() {
    // fused grey 100 then 110: |110 - 100| = 10; IR 50 -> 47: 3; visible constant: 0
    const cv::Mat f0(32, 32, CV_8UC1, cv::Scalar(100)), f1(32, 32, CV_8UC1, cv::Scalar(110));
    const cv::Mat i0(32, 32, CV_8UC1, cv::Scalar(50)), i1(32, 32, CV_8UC1, cv::Scalar(47));
    const cv::Mat v0(32, 32, CV_8UC1, cv::Scalar(80));
    const auto r = temporalMetrics({i0, i1, v0, v0, f0, f1},
                                   {Metric::Flicker, Metric::FlickerIR, Metric::FlickerVI});
    QCOMPARE(r.at(Metric::Flicker), 10.0);
    QCOMPARE(r.at(Metric::FlickerIR), 3.0);
    QCOMPARE(r.at(Metric::FlickerVI), 0.0);
    // flowD of a uniform brightness step with zero motion: every pixel differs by 10 in each
    // of the three (equal) channels a grey frame counts as, so the residual is sqrt(3 * 10^2)
    const auto fd = temporalMetrics({i0, i1, v0, v0, f0, f1}, {Metric::FlowD});
    QVERIFY(std::abs(fd.at(Metric::FlowD) - std::sqrt(300.0)) < 1e-4);
    // frames too small for optical flow: a clear error, not an OpenCV assertion
    const cv::Mat t0(8, 8, CV_8UC1, cv::Scalar(1));
    QVERIFY_THROWS_EXCEPTION(vf::Error, temporalMetrics({t0, t0, t0, t0, t0, t0}, {Metric::FlowD}));
}

void TestMetricsTemporal::greyCountsAsThreeChannels() {
    // A grey clip and its 3-channel copy (cv::COLOR_GRAY2BGR) give the same flows (the grey
    // conversion of equal channels is the identity) and must give the same scores: the
    // reference code reads grey images as 3-channel ones.
    const cv::Mat big = bigTexture(11), bigIr = bigTexture(12);
    cv::Mat ir[2], vi[2], f[2];
    for (int t = 0; t < 2; ++t) {
        cv::cvtColor(frameAt(bigIr, t, 2, 1), ir[t], cv::COLOR_BGR2GRAY);
        cv::cvtColor(frameAt(big, t, 2, 1), vi[t], cv::COLOR_BGR2GRAY);
        cv::addWeighted(ir[t], 0.5, vi[t], 0.5, 4.0 * t, f[t]);
    }
    const std::vector<cv::Mat> g{ir[0], ir[1], vi[0], vi[1], f[0], f[1]};
    std::vector<cv::Mat> c(6);
    for (int i = 0; i < 6; ++i)
        cv::cvtColor(g[i], c[i], cv::COLOR_GRAY2BGR);
    const FlowOptions opt{FlowMethod::DisFast};
    const auto vg = temporalMetrics({g[0], g[1], g[2], g[3], g[4], g[5]}, temporalMetrics(), opt);
    const auto vc = temporalMetrics({c[0], c[1], c[2], c[3], c[4], c[5]}, temporalMetrics(), opt);
    for (Metric m : temporalMetrics()) {
        const double a = vg.at(m), b = vc.at(m);
        QVERIFY2(std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)),
                 qPrintable(QString("%1: grey %2 vs 3-channel %3")
                                .arg(metricName(m))
                                .arg(a, 0, 'g', 17)
                                .arg(b, 0, 'g', 17)));
    }
    QVERIFY(vg.at(Metric::FlowD) > 0.5); // the clip moves and brightens: not a trivial 0
}

void TestMetricsTemporal::ms2rIdenticalClipsIsOne() {
    // F = A = B: the three self-warping errors are computed from identical frames with the
    // same (deterministic) flows, so MS2R = SWE(F) / mean(SWE(A), SWE(B)) = 1.
    const cv::Mat big = bigTexture(5);
    const cv::Mat a0 = frameAt(big, 0, 2, 1), a1 = frameAt(big, 1, 2, 1);
    const auto r = temporalMetrics({a0, a1, a0, a1, a0, a1}, {Metric::MS2R});
    QVERIFY2(std::abs(r.at(Metric::MS2R) - 1.0) < 1e-9,
             qPrintable(QString::number(r.at(Metric::MS2R))));
}

void TestMetricsTemporal::slicesAndCurve() {
    // A tiny in-memory clip through the Frames interface: frame t is constant 10 t, with
    // column x = 2 set to 200.
    class Mem : public Frames {
    public:
        int count() const override { return 5; }
        cv::Size size() const override { return {4, 3}; }
        cv::Mat read(int i) const override {
            cv::Mat m(3, 4, CV_8UC1, cv::Scalar(10 * i));
            m.col(2).setTo(200);
            return m;
        }
        std::string path() const override { return "mem"; }
    } mem;
    const auto curve = meanIntensityCurve(mem, 1, 3);
    QCOMPARE(curve.size(), size_t(3));
    // frame 1: three pixels of 10 and one of 200 per row -> (30 + 200) / 4 = 57.5
    QCOMPARE(curve[0], 57.5);
    QCOMPARE(curve[2], (3 * 30 + 200) / 4.0);
    const cv::Mat xt = xtSlice(mem, 2);
    QCOMPARE(xt.size(), cv::Size(5, 3));
    QCOMPARE(int(xt.at<uchar>(1, 4)), 200);
    const cv::Mat yt = ytSlice(mem, 0);
    QCOMPARE(yt.size(), cv::Size(4, 5));
    QCOMPARE(int(yt.at<uchar>(3, 0)), 30);
    QVERIFY_THROWS_EXCEPTION(vf::Error, xtSlice(mem, 4));
}

namespace {
// Smooth random flow field with values in [-amp, amp] (many samples fall outside the frame
// when amp is large), on a grid of quarter/half/odd fractions.
cv::Mat randomFlow(cv::Size size, double amp, unsigned seed) {
    cv::Mat f(size, CV_32FC2);
    cv::RNG rng(seed);
    rng.fill(f, cv::RNG::UNIFORM, -amp, amp);
    cv::GaussianBlur(f, f, cv::Size(0, 0), 2.0);
    return f;
}

bool bitEqual(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.type() != b.type()) return false;
    for (int y = 0; y < a.rows; ++y)
        if (std::memcmp(a.ptr(y), b.ptr(y), a.cols * a.elemSize()) != 0) return false;
    return true;
}
} // namespace

void TestMetricsTemporal::fusedWarpMatchesRemap() {
    // The temporal metrics warp with their own bilinear code (no float copies, no warped
    // images); it must give exactly what cv::remap gives (warpBackward), bit for bit: the
    // same 1/32 fixed-point positions, table weights, summation order and border replicate.
    const cv::Mat big = bigTexture(5);
    const cv::Mat a = frameAt(big, 0, 3, 2), b = frameAt(big, 1, 3, 2);
    cv::Mat grey, flt;
    cv::cvtColor(a, grey, cv::COLOR_BGR2GRAY);
    std::vector<cv::Mat> flows{computeFlow(b, a, FlowOptions{FlowMethod::DisFast}),
                               randomFlow(a.size(), 3.0, 1), randomFlow(a.size(), 40.0, 2),
                               cv::Mat(a.size(), CV_32FC2, cv::Scalar(-0.5f, 1.03125f)),
                               cv::Mat(a.size(), CV_32FC2, cv::Scalar(1e7f, -3e9f))};
    flows.push_back(randomFlow(a.size(), 1.0, 3));
    flows.back().at<cv::Vec2f>(5, 7) = cv::Vec2f(std::nanf(""), 2.f);  // degenerate sample
    const cv::Mat roi = bigTexture(6)(cv::Rect(7, 5, a.cols, a.rows)); // not continuous
    for (size_t i = 0; i < flows.size(); ++i) {
        const cv::Mat& f = flows[i];
        for (const cv::Mat& img : {a, grey, roi, f, flows[0]}) {
            const cv::Mat ref = warpBackward(img, f), got = detail::warpBackwardFused(img, f);
            QVERIFY2(bitEqual(ref, got),
                     qPrintable(QString("flow %1, image type %2").arg(i).arg(img.type())));
        }
        // the occlusion rule on remap's warp of the opposite flow
        const cv::Mat g = flows[(i + 1) % flows.size()];
        const cv::Mat gw = warpBackward(g, f);
        cv::Mat expect(f.size(), CV_8UC1);
        for (int y = 0; y < f.rows; ++y)
            for (int x = 0; x < f.cols; ++x) {
                const cv::Vec2f u = f.at<cv::Vec2f>(y, x), v = gw.at<cv::Vec2f>(y, x);
                const double sx = u[0] + v[0], sy = u[1] + v[1];
                const double lhs = sx * sx + sy * sy;
                const double rhs =
                    0.01 * (u[0] * u[0] + u[1] * u[1] + v[0] * v[0] + v[1] * v[1]) + 0.5;
                expect.at<uchar>(y, x) = lhs > rhs ? 0 : 255;
            }
        QVERIFY(bitEqual(consistencyMask(f, g), expect));
    }
}

void TestMetricsTemporal::fusedResidualsMatchRemap() {
    // flowD, Ewarp and BiSWE recomputed here from their definitions with cv::remap
    // (warpBackward), computeFlow and consistencyMask, summed in raster order.
    const cv::Mat big = bigTexture(7), bigIr = bigTexture(8);
    const cv::Mat vi0 = frameAt(big, 0, 2, 1), vi1 = frameAt(big, 1, 2, 1);
    const cv::Mat ir0 = frameAt(bigIr, 0, 1, 2), ir1 = frameAt(bigIr, 1, 1, 2);
    cv::Mat f0, f1;
    cv::addWeighted(vi0, 0.6, ir0, 0.4, 0, f0);
    cv::addWeighted(vi1, 0.4, ir1, 0.6, 3, f1);
    cv::Mat mask(f0.size(), CV_8UC1, cv::Scalar(0));
    cv::circle(mask, {120, 90}, 70, cv::Scalar(255), -1);
    const FlowOptions opt{FlowMethod::DisFast};
    const auto v = temporalMetrics({ir0, ir1, vi0, vi1, f0, f1}, temporalMetrics(), opt, mask);
    // precomputed source flows and source-only values (the engine's shared part) give exactly
    // the same numbers, also when they were computed over another region (then not reused)
    const SourceFlows pre =
        computeSourceFlows({ir0, ir1, vi0, vi1, f0, f1}, temporalMetrics(), opt, mask);
    QVERIFY(!std::isnan(pre.sweIr) && !std::isnan(pre.sweVi) && !std::isnan(pre.flickerIr));
    const SourceFlows whole =
        computeSourceFlows({ir0, ir1, vi0, vi1, f0, f1}, temporalMetrics(), opt);
    for (const SourceFlows* fl : {&pre, &whole}) {
        const auto again =
            temporalMetrics({ir0, ir1, vi0, vi1, f0, f1}, temporalMetrics(), opt, mask, fl);
        for (Metric m : temporalMetrics())
            QVERIFY2(again.at(m) == v.at(m), qPrintable(QString("%1: %2 vs %3")
                                                            .arg(metricName(m))
                                                            .arg(again.at(m), 0, 'g', 17)
                                                            .arg(v.at(m), 0, 'g', 17)));
    }

    const cv::Mat viBw = computeFlow(vi1, vi0, opt), viFw = computeFlow(vi0, vi1, opt);
    const cv::Mat irBw = computeFlow(ir1, ir0, opt), irFw = computeFlow(ir0, ir1, opt);
    const cv::Mat fBw = computeFlow(f1, f0, opt), fFw = computeFlow(f0, f1, opt);
    const cv::Mat viOk = consistencyMask(viBw, viFw), irOk = consistencyMask(irBw, irFw);
    // kind 0: L2 over channels; 1: mean |.|; 2: squared L2 on [0,1]
    auto resid = [&](const cv::Mat& cur, const cv::Mat& warped, auto keep, int kind) {
        double s = 0, n = 0;
        for (int y = 0; y < cur.rows; ++y)
            for (int x = 0; x < cur.cols; ++x) {
                if (!keep(y, x)) continue;
                double acc = 0;
                for (int k = 0; k < 3; ++k) {
                    const double d =
                        double(cur.at<cv::Vec3b>(y, x)[k]) - double(warped.at<cv::Vec3f>(y, x)[k]);
                    acc += kind == 1 ? std::abs(d) : d * d;
                }
                s += kind == 0 ? std::sqrt(acc) : (kind == 1 ? acc / 3 : acc / (255.0 * 255.0));
                n += 1;
            }
        return s / n;
    };
    auto inMask = [&](int y, int x) { return mask.at<uchar>(y, x) != 0; };
    auto ewKeep = [&](int y, int x) { return inMask(y, x) && viOk.at<uchar>(y, x); };
    auto srcKeep = [&](int y, int x) { return ewKeep(y, x) && irOk.at<uchar>(y, x); };
    const cv::Mat fw = warpBackward(f0, viBw);
    auto close = [](double got, double want) {
        return std::abs(got - want) <= 1e-12 * std::max(1.0, std::abs(want));
    };
    QVERIFY(close(v.at(Metric::FlowD), resid(f1, fw, inMask, 0)));
    QVERIFY(close(v.at(Metric::WarpError), resid(f1, fw, ewKeep, 2)));
    const double swe = 0.5 * (resid(f1, warpBackward(f0, fBw), srcKeep, 1) +
                              resid(f0, warpBackward(f1, fFw), srcKeep, 1));
    QVERIFY2(
        close(v.at(Metric::BiSWE), swe),
        qPrintable(QString("%1 vs %2").arg(v.at(Metric::BiSWE), 0, 'g', 17).arg(swe, 0, 'g', 17)));
}

QTEST_GUILESS_MAIN(TestMetricsTemporal)
#include "test_metrics_temporal.moc"
