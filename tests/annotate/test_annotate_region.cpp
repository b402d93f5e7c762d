// Region metrics: metrics inside a track's box / a polygon, per frame and per clip, against
// values worked out by hand.
#include <QtTest/QtTest>

#include <opencv2/core.hpp>

#include "core/annotate/RegionMetrics.h"
#include "core/common/Error.h"

using namespace vf::annotate;
namespace m = vf::metrics;

namespace {
// 64x48 grey frames. The fused frame is 128 everywhere except the 20x10 block at (10,10):
// its left half (x 10..19) is 0 and its right half (x 20..29) is 255.
cv::Mat fusedFrame(int) {
    cv::Mat f(48, 64, CV_8UC1, cv::Scalar(128));
    f(cv::Rect(10, 10, 10, 10)).setTo(0);
    f(cv::Rect(20, 10, 10, 10)).setTo(255);
    return f;
}
cv::Mat irFrame(int) {
    return cv::Mat(48, 64, CV_8UC1, cv::Scalar(100));
}
cv::Mat viFrame(int) {
    return cv::Mat(48, 64, CV_8UC1, cv::Scalar(50));
}
} // namespace

class TestAnnotateRegion : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void masks() {
        const cv::Size size(64, 48);
        QCOMPARE(cv::countNonZero(boxMask({10, 10, 20, 10}, size)), 200);
        QCOMPARE(cv::countNonZero(boxMask({60, 40, 20, 20}, size)), 4 * 8); // clipped
        Region poly;
        poly.kind = RegionKind::Polygon;
        poly.points = {{10, 10}, {29, 10}, {29, 19}, {10, 19}}; // boundary included: 20 x 10
        QCOMPARE(cv::countNonZero(regionMask(poly, size)), 200);
        Region pts;
        pts.kind = RegionKind::Points;
        pts.points = {{30, 30}};
        // disc of radius 1: the centre and its 4 neighbours
        QCOMPARE(cv::countNonZero(regionMask(pts, size, 1)), 5);
    }

    void entropyInsideATrack() {
        Document d;
        d.media.frameCount = 4;
        Track t;
        t.id = 7;
        t.label = "person";
        t.keys = {{0, {10, 10, 20, 10}, false, false}, {2, {10, 10, 20, 10}, true, false}};
        d.tracks = {t};
        auto res = regionMetrics(d, 7, 0, 3, irFrame, viFrame,
                                 {{"fused", fusedFrame}, {"ir", irFrame}}, {m::Metric::EN});
        QCOMPARE(int(res.size()), 2);
        // Present at frames 0 and 1 only (outside from frame 2).
        QCOMPARE(res[0].frames, (std::vector<int>{0, 1}));
        // Inside the box: 100 pixels of 0 and 100 of 255 -> entropy = -2 * 0.5 log2 0.5 = 1 bit.
        QCOMPARE(int(res[0].perFrame[m::Metric::EN].size()), 2);
        QVERIFY(std::fabs(res[0].perFrame[m::Metric::EN][0] - 1.0) < 1e-12);
        QVERIFY(std::fabs(res[0].summary[m::Metric::EN].mean - 1.0) < 1e-12);
        QCOMPARE(res[0].summary[m::Metric::EN].n, 2);
        // The IR stream is constant inside: entropy 0.
        QVERIFY(std::fabs(res[1].perFrame[m::Metric::EN][1]) < 1e-12);
        // Whole image for contrast: three levels (200 px of 0/255, 2872 of 128) -> not 1.
        QVERIFY(std::fabs(m::entropy(fusedFrame(0)) - 1.0) > 0.1);
        // Unknown id
        QVERIFY_THROWS_EXCEPTION(vf::Error, annotationMask(d, 99, 0, {64, 48}));
    }
};

QTEST_GUILESS_MAIN(TestAnnotateRegion)
#include "test_annotate_region.moc"
