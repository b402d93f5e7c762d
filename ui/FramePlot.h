#pragma once
// Per-frame line plots (Qt Charts) shared by the metrics panel and the temporal views: one
// line series per stream over frame indices, a value axis pair, and a playhead line.

#include <QColor>
#include <QPoint>
#include <QString>
#include <vector>

class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

namespace vf::ui {

struct FramePlotCurve {
    QString name;
    QColor color;
    const std::vector<double>* values = nullptr; // one value per frame; NaN = no value
};

struct FramePlotHandles {
    QValueAxis* axisX = nullptr;
    QValueAxis* axisY = nullptr;
    QLineSeries* playhead = nullptr;
};

// Clears `chart` and fills it with `curves` (x = frame 0..frameCount-1), a y axis titled
// `yTitle` padded 5 % around the finite values ([0, emptyHi] when there are none) and a
// playhead series hidden from the legend. The chart owns everything it returns.
FramePlotHandles rebuildFramePlot(QChart* chart, const QString& yTitle,
                                  const std::vector<FramePlotCurve>& curves, qint64 frameCount,
                                  double emptyHi);
// Moves the playhead to `frame` (full height of the y axis).
void moveFramePlotPlayhead(const FramePlotHandles& h, qint64 frame);
// Widget position in `view` of the plot point (frame, y).
QPoint framePlotPosition(const QChartView* view, double frame, double y);

} // namespace vf::ui
