// GUI test of ui/annotate (offscreen): drawing, moving and resizing a box with mouse events,
// undo/redo, segment marking with keys, tracker propagation off the GUI thread, the blind
// comparison dialog with arrow keys; screenshots go to $VF_TEST_OUTPUT.
#include <QtTest/QtTest>

#include <QLabel>
#include <QMainWindow>
#include <QSignalSpy>
#include <QTableWidget>
#include <QUndoStack>
#include <QVBoxLayout>
#include <filesystem>
#include <opencv2/imgproc.hpp>

#include "ui/annotate/AnnotationController.h"
#include "ui/annotate/AnnotationOverlay.h"
#include "ui/annotate/AnnotationPanels.h"
#include "ui/annotate/BlindCompareDialog.h"

using namespace vf::annotate;
using vf::ui::AnnotationController;
using vf::ui::AnnotationOverlay;

namespace {
QString outputDir() {
    QString d = qEnvironmentVariable("VF_TEST_OUTPUT");
    if (d.isEmpty()) d = QDir::tempPath();
    QDir().mkpath(d);
    return d;
}

// Mouse drag with the left button held during the move (QTest::mouseMove sends no buttons).
void drag(QWidget* w, QPoint from, QPoint to) {
    QTest::mousePress(w, Qt::LeftButton, Qt::NoModifier, from);
    for (int k = 1; k <= 4; ++k) {
        const QPointF p = QPointF(from) + (QPointF(to - from) * k / 4.0);
        QMouseEvent move(QEvent::MouseMove, p, w->mapToGlobal(p), Qt::NoButton, Qt::LeftButton,
                         Qt::NoModifier);
        QApplication::sendEvent(w, &move);
    }
    QTest::mouseRelease(w, Qt::LeftButton, Qt::NoModifier, to);
}

bool near(const Rect& a, const Rect& b) {
    return std::fabs(a.x - b.x) < 1e-9 && std::fabs(a.y - b.y) < 1e-9 &&
           std::fabs(a.w - b.w) < 1e-9 && std::fabs(a.h - b.h) < 1e-9;
}
} // namespace

class TestAnnotateGui : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void drawMoveResizeUndoRedo() {
        QMainWindow win;
        auto* central = new QWidget(&win);
        auto* lay = new QVBoxLayout(central);
        // A pane showing the 640x480 pair at half size (widget = pair / 2).
        auto* pane = new QLabel(central);
        pane->setFixedSize(320, 240);
        QImage bg(QString(VF_SHARED_DIR) + "/data/M3SVD/val/visible_Enhance/0111_1716/0000.png");
        if (bg.isNull()) {
            bg = QImage(640, 480, QImage::Format_RGB32);
            bg.fill(QColor(60, 70, 80));
        }
        pane->setPixmap(QPixmap::fromImage(bg.scaled(320, 240)));
        lay->addWidget(pane);
        AnnotationController c;
        c.setMedia({"ir.mp4", "vis.mp4", 640, 480, 30, 30});
        auto* strip = new vf::ui::TimelineStrip(&c, central);
        lay->addWidget(strip);
        auto* palette = new vf::ui::LabelPalette(&c, central);
        lay->addWidget(palette);
        win.setCentralWidget(central);
        win.addActions(c.actions());
        auto* ov = AnnotationOverlay::attach(
            &c, pane, [](QPointF p) { return p * 0.5; }, [](QPointF w) { return w * 2.0; });
        win.show();
        QVERIFY(QTest::qWaitForWindowExposed(&win));
        QCOMPARE(ov->size(), pane->size());

        // Draw: widget (50,40)-(150,140) = pair (100,80)-(300,280).
        drag(ov, {50, 40}, {150, 140});
        QCOMPARE(int(c.document().tracks.size()), 1);
        const Track& t0 = c.document().tracks[0];
        QCOMPARE(t0.label, std::string("person"));
        QCOMPARE(int(t0.keys.size()), 1);
        QCOMPARE(t0.keys[0].frame, 0);
        QVERIFY(near(t0.keys[0].box, {100, 80, 200, 200}));
        QCOMPARE(c.selectedTrack(), t0.id);
        QCOMPARE(c.undoStack()->count(), 1);

        // Undo / redo.
        c.undoStack()->undo();
        QVERIFY(c.document().tracks.empty());
        c.undoStack()->redo();
        QCOMPARE(int(c.document().tracks.size()), 1);
        const int id = c.document().tracks[0].id;

        // Move at frame 10: drag inside by widget (20,10) = pair (40,20).
        c.setFrame(10);
        drag(ov, {100, 90}, {120, 100});
        const Track* t = c.document().track(id);
        QCOMPARE(int(t->keys.size()), 2);
        QVERIFY(near(t->keyAt(10)->box, {140, 100, 200, 200}));
        // Interpolated at frame 5 (hand-computed, halfway): x = 100 + 40/2, y = 80 + 20/2.
        QVERIFY(near(t->boxAt(5, 30)->box, {120, 90, 200, 200}));
        QCOMPARE(c.undoStack()->count(), 2);

        // Resize at frame 10: bottom-right handle at widget (170,150) dragged by (10,20).
        drag(ov, {170, 150}, {180, 170});
        QVERIFY(near(c.document().track(id)->keyAt(10)->box, {140, 100, 220, 240}));
        QCOMPARE(c.undoStack()->count(), 3);
        c.undoStack()->undo();
        QVERIFY(near(c.document().track(id)->keyAt(10)->box, {140, 100, 200, 200}));
        c.undoStack()->undo();
        QVERIFY(c.document().track(id)->keyAt(10) == nullptr);
        c.undoStack()->redo();
        c.undoStack()->redo();
        QVERIFY(near(c.document().track(id)->keyAt(10)->box, {140, 100, 220, 240}));

        // Segment marking with the keys [ and ] (window shortcuts).
        c.setCurrentSegmentLabel("ghosting");
        c.setFrame(3);
        QTest::keyClick(&win, Qt::Key_BracketLeft);
        c.setFrame(7);
        QTest::keyClick(&win, Qt::Key_BracketRight);
        QCOMPARE(int(c.document().segments.size()), 1);
        QCOMPARE(c.document().segments[0].firstFrame, 3);
        QCOMPARE(c.document().segments[0].lastFrame, 7);
        QCOMPARE(c.document().segments[0].label, std::string("ghosting"));
        // Ctrl+Z through the shortcut removes it again, Ctrl+Shift+Z restores it.
        QTest::keyClick(&win, Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(c.document().segments.empty());
        QTest::keyClick(&win, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(int(c.document().segments.size()), 1);

        // Timeline strip: a click seeks.
        QSignalSpy seek(&c, &AnnotationController::seekRequested);
        QTest::mouseClick(strip, Qt::LeftButton, Qt::NoModifier, QPoint(int(strip->xOf(20)), 20));
        QCOMPARE(seek.count(), 1);
        QCOMPARE(seek.at(0).at(0).toInt(), 20);

        // Export as CVAT and import into a fresh controller: same annotations, one undo step.
        const std::filesystem::path xmlPath =
            std::filesystem::temp_directory_path() /
            ("vf_gui_export_" + std::to_string(QCoreApplication::applicationPid()) + ".xml");
        c.exportAs("cvat", xmlPath);
        AnnotationController c2;
        c2.setMedia(c.document().media);
        c2.importFile("cvat", xmlPath);
        std::filesystem::remove(xmlPath);
        QVERIFY(c2.document().tracks == c.document().tracks);
        QVERIFY(c2.document().segments == c.document().segments);
        QCOMPARE(c2.undoStack()->count(), 1);
        c2.undoStack()->undo();
        QVERIFY(c2.document().tracks.empty());

        c.setFrame(6); // interpolated box + the ghosting banner
        QVERIFY(win.grab().save(outputDir() + "/annotate_overlay.png"));
    }

    void propagateOffTheGuiThread() {
        // Synthetic clip: a textured 40x40 square moving 3 px right and 2 px down per frame.
        auto frames = [](int f) {
            cv::Mat m(240, 320, CV_8UC3, cv::Scalar(30, 30, 30));
            const int x = 40 + 3 * f, y = 50 + 2 * f;
            cv::rectangle(m, cv::Rect(x, y, 40, 40), cv::Scalar(220, 220, 220), cv::FILLED);
            cv::rectangle(m, cv::Rect(x + 10, y + 10, 20, 8), cv::Scalar(40, 90, 200), cv::FILLED);
            cv::circle(m, cv::Point(x + 20, y + 30), 6, cv::Scalar(10, 160, 10), cv::FILLED);
            return m;
        };
        AnnotationController c;
        c.setMedia({"", "", 320, 240, 40, 30});
        c.setFrameProvider("visible", frames);
        c.setFrame(2);
        const int id = c.addTrack({46, 54, 40, 40}, 2);
        QCOMPARE(c.undoStack()->count(), 1);
        QSignalSpy done(&c, &AnnotationController::propagationFinished);
        QVERIFY(c.propagateSelected(12, "visible"));
        QVERIFY(c.propagating());
        QVERIFY(done.wait(60000));
        QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(1).toString()));
        const Track* t = c.document().track(id);
        QCOMPARE(int(t->keys.size()), 13); // frame 2 + 12 tracked frames
        // At frame 14 the square is at (82, 74).
        QVERIFY2(
            iou(t->keyAt(14)->box, {82, 74, 40, 40}) > 0.7,
            qPrintable(QString("box %1 %2").arg(t->keyAt(14)->box.x).arg(t->keyAt(14)->box.y)));
        // One undo step removes the whole propagation.
        QCOMPARE(c.undoStack()->count(), 2);
        c.undoStack()->undo();
        QCOMPARE(int(c.document().track(id)->keys.size()), 1);
    }

    void blindDialogWithKeys() {
        const std::vector<std::string> names{"VideoFusion", "AverageBaseline"};
        BlindSession s(names, {{0, 0}, {5, 5}, {9, 9}}, 11);
        const QColor colors[] = {QColor(200, 30, 30), QColor(30, 30, 200)};
        vf::ui::BlindCompareDialog dlg(s, [&](int stream, int) {
            QImage img(64, 48, QImage::Format_RGB32);
            img.fill(colors[stream]);
            return img;
        });
        dlg.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dlg));
        for (int k = 0; k < 3; ++k) {
            dlg.waitForImages();
            const int trial = dlg.currentTrial();
            // Nothing the rater can read names a stream.
            for (const QString& text : dlg.visibleTexts())
                for (const auto& n : names)
                    QVERIFY2(!text.contains(QString::fromStdString(n)), qPrintable(text));
            const Qt::Key keys[] = {Qt::Key_Left, Qt::Key_Down, Qt::Key_Right};
            QTest::keyClick(&dlg, keys[k]);
            const auto& v = dlg.session().trials()[std::size_t(trial)].vote;
            QVERIFY(v.has_value());
            QCOMPARE(int(*v), k == 0   ? int(Vote::Left)
                              : k == 1 ? int(Vote::Tie)
                                       : int(Vote::Right));
        }
        QVERIFY(dlg.session().complete());
        // Ranking page: both names, strengths as computed from the votes.
        auto* table = dlg.rankingTable();
        QVERIFY(table->isVisible());
        QStringList cells;
        for (int r = 0; r < table->rowCount(); ++r)
            for (int col = 0; col < table->columnCount(); ++col)
                if (auto* it = table->item(r, col)) cells << it->text();
        QVERIFY(cells.contains("VideoFusion"));
        QVERIFY(cells.contains("AverageBaseline"));
        QVERIFY(dlg.grab().save(outputDir() + "/annotate_blind_ranking.png"));
        const QString csv =
            QDir(QDir::tempPath())
                .filePath(QString("vf_votes_%1.csv").arg(QCoreApplication::applicationPid()));
        QVERIFY(dlg.saveVotes(csv));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll().count('\n'), 4); // header + 3 votes
        QFile::remove(csv);
        QFile::remove(QString(csv).replace(".csv", ".session.json"));
    }

    void blindDialogShowsTheHiddenStreams() {
        // The picture on each side is the one of the stream the session assigned to it.
        BlindSession s({"a", "b", "c"}, {{0, 0}}, 4);
        const QColor colors[] = {QColor(255, 0, 0), QColor(0, 255, 0), QColor(0, 0, 255)};
        vf::ui::BlindCompareDialog dlg(s, [&](int stream, int) {
            QImage img(32, 24, QImage::Format_RGB32);
            img.fill(colors[stream]);
            return img;
        });
        dlg.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dlg));
        dlg.waitForImages();
        QLabel* left = nullptr;
        QLabel* right = nullptr;
        for (QLabel* l : dlg.findChildren<QLabel*>())
            if (!l->pixmap().isNull()) (left ? right : left) = l;
        QVERIFY(left && right);
        if (left->mapTo(&dlg, QPoint()).x() > right->mapTo(&dlg, QPoint()).x())
            std::swap(left, right);
        const QImage li = left->pixmap().toImage(), ri = right->pixmap().toImage();
        const int tr = dlg.currentTrial();
        QCOMPARE(QColor(li.pixel(li.width() / 2, li.height() / 2)),
                 colors[dlg.session().streamFor(tr, true)]);
        QCOMPARE(QColor(ri.pixel(ri.width() / 2, ri.height() / 2)),
                 colors[dlg.session().streamFor(tr, false)]);
    }
};

QTEST_MAIN(TestAnnotateGui)
#include "test_annotate_gui.moc"
