// Pane labels of the viewer (vf::ui::ImageView) in split (wipe) and difference compare modes,
// where the two streams start at different pair frames (a baseline computed over a range, a
// trimmed input): each label must name its own stream, its own frame index and its own pending
// state. Expectations are worked out here from the stream offsets (pair frame 10; stream A
// starts at pair frame 0, stream B at 3, so A shows #10 and B #7). Also: the comparison-video
// renderer draws the same labels as the widget for such a wipe (pixels of the grabbed widget
// against renderComparisonFrame of the equivalent layout).
#include <QtTest/QtTest>

#include <QApplication>

#include <opencv2/imgproc.hpp>

#include "gui/GuiTestUtil.h"
#include "ui/ImageView.h"
#include "ui/Theme.h"
#include "ui/export/ComparisonRenderer.h"

using namespace vf::ui;

namespace {

constexpr int kIr = 1, kVf = 2, kOther = 3;
constexpr qint64 kPairFrame = 10, kFirstA = 0, kFirstB = 3;

FramePtr solid(cv::Scalar bgr) {
    return std::make_shared<const cv::Mat>(75, 100, CV_8UC3, bgr);
}

} // namespace

class TestGuiLabels : public QObject {
    Q_OBJECT
    std::unique_ptr<ViewSync> sync_;
    std::unique_ptr<ImageView> view_;
    FramePtr fa_ = solid({40, 80, 200}), fb_ = solid({200, 120, 30});

    // The viewer's state at pair frame 10 once both frames arrived: each stream's wanted
    // index is the pair frame minus the stream's first frame.
    void showBoth() {
        view_->setStreamA(kIr, QStringLiteral("IR"), QColor(255, 80, 80));
        view_->setStreamB(kVf, QStringLiteral("VideoFusion"), QColor(80, 200, 255));
        view_->setWantedIndex(kPairFrame - kFirstA);
        view_->setWantedIndexB(kPairFrame - kFirstB);
        view_->setFrameA(fa_, kPairFrame - kFirstA);
        view_->setFrameB(fb_, kPairFrame - kFirstB);
    }

private Q_SLOTS:
    void initTestCase() {
        initGuiTestSettings(QStringLiteral("test_gui_labels"));
        applyDarkTheme(*qApp);
        sync_ = std::make_unique<ViewSync>();
        sync_->setPairSize(QSizeF(100, 75));
        view_ = std::make_unique<ImageView>(sync_.get());
        view_->resize(400, 300); // fit: 4 pane pixels per pair pixel (no smoothing)
        view_->show();
        QVERIFY(QTest::qWaitForWindowExposed(view_.get()));
    }
    void cleanupTestCase() {
        view_.reset();
        sync_.reset();
    }

    void wipeLabelsShowTheirOwnFrames() {
        view_->setMode(ImageView::Mode::Wipe);
        showBoth();
        QCOMPARE(view_->labelText(0), QStringLiteral("IR  #10"));
        QCOMPARE(view_->labelText(1), QStringLiteral("VideoFusion  #7"));
        QVERIFY(!view_->labelPending(0));
        QVERIFY(!view_->labelPending(1));
    }

    void wipePendingIsPerStream() {
        view_->setMode(ImageView::Mode::Wipe);
        showBoth();
        // The playhead moves to pair frame 11; only A's new frame has arrived.
        view_->setWantedIndex(11 - kFirstA);
        view_->setWantedIndexB(11 - kFirstB);
        view_->setFrameA(fa_, 11 - kFirstA);
        QCOMPARE(view_->labelText(0), QStringLiteral("IR  #11"));
        QVERIFY(!view_->labelPending(0));
        QCOMPARE(view_->labelText(1), QStringLiteral("VideoFusion  #7  …"));
        QVERIFY(view_->labelPending(1));
        // Then B's arrives and A's goes stale (pair frame 12, A decoding).
        view_->setFrameB(fb_, 11 - kFirstB);
        QVERIFY(!view_->labelPending(1));
        view_->setWantedIndex(12 - kFirstA);
        view_->setWantedIndexB(12 - kFirstB);
        view_->setFrameB(fb_, 12 - kFirstB);
        QCOMPARE(view_->labelText(0), QStringLiteral("IR  #11  …"));
        QVERIFY(view_->labelPending(0));
        QCOMPARE(view_->labelText(1), QStringLiteral("VideoFusion  #9"));
        QVERIFY(!view_->labelPending(1));
    }

    void differenceLabelNamesBothFrames() {
        view_->setMode(ImageView::Mode::Difference);
        view_->setDiffKind(DiffKind::Absolute);
        showBoth();
        QCOMPARE(view_->labelText(0), QStringLiteral("IR − VideoFusion (absolute)  #10 / #7"));
        QVERIFY(view_->labelText(1).isEmpty()); // one label for the difference
        // Pending while either stream is.
        view_->setWantedIndexB(8);
        QVERIFY(view_->labelPending(0));
        QVERIFY(view_->labelText(0).endsWith(QStringLiteral("…")));
        view_->setFrameB(fb_, 8);
        QVERIFY(!view_->labelPending(0));
        // Equal indices: one number.
        view_->setFrameB(fb_, 10);
        view_->setWantedIndexB(10);
        QCOMPARE(view_->labelText(0), QStringLiteral("IR − VideoFusion (absolute)  #10"));
    }

    void singleModeLabelsOnlyA() {
        view_->setMode(ImageView::Mode::Single);
        showBoth();
        QCOMPARE(view_->labelText(0), QStringLiteral("IR  #10"));
        QVERIFY(view_->labelText(1).isEmpty());
    }

    void newStreamBForgetsTheOldWantedIndex() {
        view_->setMode(ImageView::Mode::Wipe);
        showBoth();
        view_->setStreamB(kOther, QStringLiteral("GFF"), QColor(Qt::green));
        QCOMPARE(view_->wantedIndexB(), qint64(-1));
        QCOMPARE(view_->labelText(1), QStringLiteral("GFF  …")); // no frame yet
        QVERIFY(view_->labelPending(1));
        view_->setWantedIndexB(kPairFrame - 4); // GFF starts at pair frame 4
        view_->setFrameB(fb_, kPairFrame - 4);
        QCOMPARE(view_->labelText(1), QStringLiteral("GFF  #6"));
        QVERIFY(!view_->labelPending(1));
        QCOMPARE(view_->labelText(0), QStringLiteral("IR  #10"));
    }

    // A viewer that gives only A's wanted index (setWantedIndex): B is pending from each
    // playhead move until its frame arrives, whatever its index (never compared with A's).
    void withoutWantedIndexBPendingFollowsArrival() {
        ViewSync sync;
        sync.setPairSize(QSizeF(100, 75));
        ImageView v(&sync);
        v.setMode(ImageView::Mode::Wipe);
        v.setStreamA(kIr, QStringLiteral("IR"), QColor(Qt::red));
        v.setStreamB(kVf, QStringLiteral("VideoFusion"), QColor(Qt::blue));
        QVERIFY(!v.labelPending(1)); // no playhead yet
        v.setWantedIndex(kPairFrame - kFirstA);
        v.setFrameA(fa_, kPairFrame - kFirstA);
        QVERIFY(!v.labelPending(0));
        QVERIFY(v.labelPending(1)); // B's frame has not arrived
        v.setFrameB(fb_, kPairFrame - kFirstB);
        QCOMPARE(v.labelText(1), QStringLiteral("VideoFusion  #7"));
        QVERIFY(!v.labelPending(1));
        v.setWantedIndex(11 - kFirstA); // the playhead moves on
        QCOMPARE(v.labelText(1), QStringLiteral("VideoFusion  #7  …"));
        v.setFrameB(fb_, 11 - kFirstB);
        QCOMPARE(v.labelText(1), QStringLiteral("VideoFusion  #8"));
        QVERIFY(!v.labelPending(1));
        // An explicit wanted index for B takes over.
        v.setWantedIndexB(9);
        QVERIFY(v.labelPending(1));
        v.setFrameB(fb_, 9);
        QVERIFY(!v.labelPending(1));
    }

    // The exported comparison draws what the pane shows: the widget against the renderer
    // for the same wipe of two streams with different first frames.
    void rendererDrawsTheSameLabels() {
        view_->setMode(ImageView::Mode::Wipe);
        view_->setDivider(0.5);
        showBoth();
        const QImage screen = view_->grab().toImage().convertToFormat(QImage::Format_RGB32);

        ComparisonLayout L;
        L.viewSize = view_->size();
        L.pairSize = QSizeF(100, 75);
        L.center = QPointF(50, 37.5); // fit: the pair centre (as ViewSync keeps it)
        L.font = view_->font();
        L.frameCount = 20;
        L.frameText = false; // the pane here has no time text
        ComparisonPane pane;
        pane.mode = ComparisonPane::Mode::Wipe;
        pane.rect = QRect(QPoint(0, 0), view_->size());
        pane.divider = 0.5;
        pane.a = {kIr, QStringLiteral("IR"), QColor(255, 80, 80), QRectF(0, 0, 100, 75), kFirstA,
                  20};
        pane.b = {kVf,
                  QStringLiteral("VideoFusion"),
                  QColor(80, 200, 255),
                  QRectF(0, 0, 100, 75),
                  kFirstB,
                  20};
        L.panes.push_back(pane);
        ComparisonFrame fr;
        fr.pairFrame = kPairFrame;
        fr.images.push_back({*fa_, *fb_});
        const QImage rendered = renderComparisonFrame(L, fr, L.viewSize);
        QCOMPARE(rendered.size(), screen.size());
        saveScreenshot(view_.get(), QStringLiteral("labels_wipe_screen"));
        rendered.save(vfTestOutputDir() + QStringLiteral("/labels_wipe_render.png"));
        // The label strip (top 40 rows) and the whole pane: equal up to rounding (<= 2).
        int worstLabels = 0, worstAll = 0;
        for (int y = 0; y < screen.height(); ++y) {
            const QRgb* s = reinterpret_cast<const QRgb*>(screen.constScanLine(y));
            const QRgb* r = reinterpret_cast<const QRgb*>(rendered.constScanLine(y));
            for (int x = 0; x < screen.width(); ++x) {
                const int d = std::max({std::abs(qRed(s[x]) - qRed(r[x])),
                                        std::abs(qGreen(s[x]) - qGreen(r[x])),
                                        std::abs(qBlue(s[x]) - qBlue(r[x]))});
                worstAll = std::max(worstAll, d);
                if (y < 40) worstLabels = std::max(worstLabels, d);
            }
        }
        qInfo("largest difference: %d in the label strip, %d in the pane", worstLabels, worstAll);
        QVERIFY2(worstLabels <= 2, qPrintable(QString::number(worstLabels)));
        QVERIFY2(worstAll <= 2, qPrintable(QString::number(worstAll)));
    }
};

QTEST_MAIN(TestGuiLabels)
#include "test_gui_labels.moc"
