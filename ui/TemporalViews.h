#pragma once
// Temporal views of the workbench (issue #6, "Metrics and temporal consistency"):
//  * IntensityPlot: per-frame mean grey level (MATLAB rgb2gray, as the toolbox metrics) of
//    every stream — the IR/visible sources and the fused results — as a Qt Charts plot with
//    the playhead drawn and click-to-seek. Flicker shows up as a jagged curve where the
//    sources are smooth. Computed by a pool job from independent stream readers.
//  * SliceView: x–t (or y–t) slices. The user picks a column (or row) on a pane ("Pick x–t
//    column" then click); for every visible stream the view shows the image whose x axis is
//    time (pair frames) and y axis the picked column's pixels (for a row: the row's pixels).
//    Computed by a pool job (never on the GUI thread); the playhead is drawn and a click
//    seeks. Streams that do not cover a frame (frame ranges) are black there; streams at a
//    preview scale or with a region of interest are resampled into the pair's geometry.

#include <QImage>
#include <QPointer>
#include <QWidget>

#include <map>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "ui/Jobs.h"
#include "ui/Workspace.h"

class QLabel;
class QLineSeries;
class QValueAxis;
class QPushButton;
class QScrollArea;

namespace vf::ui {

class SeekChartView;
class Viewer;

class IntensityPlot : public QWidget {
    Q_OBJECT
public:
    IntensityPlot(Workspace* ws, JobManager* jobs, QWidget* parent = nullptr);
    // Starts the job over every visible stream (nullptr when no pair is open).
    Job* compute();
    struct Curve {
        QString name;
        QColor color;
        std::vector<double> values; // per pair frame; NaN where the stream has no frame
    };
    const std::map<int, Curve>& curves() const { return curves_; }
    SeekChartView* chartView() const { return chart_; }
    QPoint plotPosition(double frame, double y) const; // widget position in chartView()

Q_SIGNALS:
    void seekRequested(qint64 frame);
    void computed();

private:
    void rebuild();
    void updatePlayhead();

    Workspace* ws_;
    JobManager* jobs_;
    SeekChartView* chart_;
    QLabel* status_;
    QLineSeries* playhead_ = nullptr;
    QValueAxis* axisX_ = nullptr;
    QValueAxis* axisY_ = nullptr;
    std::map<int, Curve> curves_;
    QPointer<Job> running_;
};

// The drawing area of the slice dock (one strip per stream).
class SliceCanvas : public QWidget {
    Q_OBJECT
public:
    explicit SliceCanvas(QWidget* parent = nullptr) : QWidget(parent) { setMouseTracking(true); }
    struct Strip {
        int id;
        QString name;
        QColor color;
        QImage image; // width = frames
    };
    void setStrips(std::vector<Strip> s);
    const std::vector<Strip>& strips() const { return strips_; }
    void setFrame(qint64 f);
    void setFrameCount(qint64 n);
    // Widget x of frame f (centre of its column), and the frame under widget x.
    double xOfFrame(qint64 f) const;
    qint64 frameAt(double x) const;
    QRect stripRect(int i) const; // image rectangle of strip i
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return {100, sizeHint().height()}; }

Q_SIGNALS:
    void seekRequested(qint64 frame);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;

private:
    int stripHeight() const;
    std::vector<Strip> strips_;
    qint64 frame_ = 0, count_ = 0;
};

class SliceView : public QWidget {
    Q_OBJECT
public:
    SliceView(Workspace* ws, Viewer* viewer, JobManager* jobs, QWidget* parent = nullptr);

    // Arms the pick tool: the next left click on a pane picks the column (Vertical) or row
    // (Horizontal) under it. Esc or a second call cancels.
    void beginPick(Qt::Orientation o);
    bool picking() const { return picking_; }
    // Computes the slices at column x (Vertical) or row y (Horizontal) of the pair.
    Job* pick(Qt::Orientation o, int pos);
    Qt::Orientation orientation() const { return orient_; }
    int position() const { return pos_; }
    // Result per stream id: width = pair frame count; height = frame height (column) or
    // width (row); the stream's pixel type (BGR or grey).
    const std::map<int, cv::Mat>& slices() const { return slices_; }
    SliceCanvas* canvas() const { return canvas_; }

Q_SIGNALS:
    void seekRequested(qint64 frame);
    void pickArmed(bool on);
    void computed();

protected:
    bool eventFilter(QObject* o, QEvent* e) override;

private:
    void armPanes();
    void showSlices();

    Workspace* ws_;
    QPointer<Viewer> viewer_;
    JobManager* jobs_;
    QLabel* status_;
    QScrollArea* scroll_;
    SliceCanvas* canvas_;
    bool picking_ = false;
    Qt::Orientation pickOrient_ = Qt::Vertical;
    Qt::Orientation orient_ = Qt::Vertical;
    int pos_ = -1;
    std::map<int, cv::Mat> slices_;
    std::vector<std::pair<int, std::pair<QString, QColor>>> order_;
    QPointer<Job> running_;
};

} // namespace vf::ui
