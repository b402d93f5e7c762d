// Tracker propagation on real footage: the foreground person of M3SVD 0111_1716 (visible)
// walks up the stairs; a box placed by hand at frame 0 is propagated over 60 frames with
// CSRT and compared with a box placed by hand at frame 60.
#include <QtTest/QtTest>

#include <filesystem>

#include "core/annotate/Tracker.h"
#include "core/annotate/TrackerIo.h"
#include "core/common/Error.h"
#include "core/io/FrameSource.h"

namespace fs = std::filesystem;
using namespace vf::annotate;

class TestAnnotateTracker : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void followsWalkingPerson() {
        const fs::path clip =
            fs::path(VF_SHARED_DIR) / "data/M3SVD/Video/test/visible/0111_1716.mp4";
        if (!fs::exists(clip)) QSKIP("shared M3SVD data not available");
        auto src = vf::io::openSource(clip);
        // Boxes placed by hand (looking at frames 0 and 60 in an image viewer): the person in
        // the grey jacket, from the top of the head to the bottom of the frame / the feet.
        const Rect atFrame0{128, 188, 120, 292};
        const Rect atFrame60{186, 130, 94, 250};
        // A box that stayed put would fail: IoU(frame 0 box, frame 60 box) = 0.255.
        QVERIFY(iou(atFrame0, atFrame60) < 0.3);
        Track t;
        t.id = 0;
        t.label = "person";
        t.keys = {{0, atFrame0, false, false}};
        PropagateOptions opt;
        opt.kind = TrackerKind::CSRT;
        opt.frames = 60;
        opt.keyframeStep = 5;
        int progressCalls = 0;
        auto res = propagate(t, 0, int(src->frameCount()), frameProviderFor(*src), opt,
                             [&](long long, long long, const std::string&) { ++progressCalls; });
        QVERIFY2(!res.stoppedOnFailure, res.reason.c_str());
        QCOMPARE(res.lastFrame, 60);
        QCOMPARE(progressCalls, 60);
        QCOMPARE(int(res.keys.size()), 12); // frames 5, 10, ..., 60
        applyPropagation(t, res);
        auto b = t.boxAt(60);
        QVERIFY(b && b->keyframe);
        const double score = iou(b->box, atFrame60);
        qInfo("tracked box at frame 60: %.0f %.0f %.0f %.0f, IoU with the hand box %.3f", b->box.x,
              b->box.y, b->box.w, b->box.h, score);
        QVERIFY(score >= 0.5);
        // Interpolated frames between tracker keyframes exist.
        QVERIFY(t.boxAt(57).has_value());
    }

    void cancelAndBadStart() {
        Track t;
        t.id = 3;
        t.keys = {{5, {10, 10, 20, 20}, false, false}};
        auto frames = [](int) { return cv::Mat(64, 64, CV_8UC1, cv::Scalar(0)); };
        try {
            propagate(t, 2, 50, frames);
            QFAIL("no error for a start frame without a box");
        } catch (const vf::Error& e) {
            QVERIFY(std::string(e.what()).find("no box at frame 2") != std::string::npos);
        }
        vf::CancelToken c;
        c.cancel();
        QVERIFY_THROWS_EXCEPTION(vf::Error, propagate(t, 5, 50, frames, {}, {}, c));
    }
};

QTEST_GUILESS_MAIN(TestAnnotateTracker)
#include "test_annotate_tracker.moc"
