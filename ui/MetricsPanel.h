#pragma once
// The metrics panel: per-clip table (one row per computed stream, sortable, the best value of
// each column highlighted, the conventions noted), per-frame plot of any metric for every
// stream (Qt Charts) with the playhead drawn, and click-to-seek on the plot. Values are
// computed by a pool job with core/metrics (image metrics against the IR/visible sources and
// the temporal flowD/flicker), over each stream's frame range, at the stream's own size
// (sources cropped to its ROI and shrunk to its preview scale).

#include <QChartView>
#include <QWidget>

#include <map>
#include <vector>

#include "ui/Jobs.h"
#include "ui/Workspace.h"

class QComboBox;
class QTableWidget;
class QLabel;
class QLineSeries;
class QValueAxis;

namespace vf::ui {

class IntensityPlot;

// Chart view that reports the x value clicked.
class SeekChartView : public QChartView {
    Q_OBJECT
public:
    using QChartView::QChartView;
Q_SIGNALS:
    void clickedAt(double x);

protected:
    void mousePressEvent(QMouseEvent* e) override;
};

struct StreamMetrics {
    QString name;
    QColor color;
    // metric name -> value per pair frame (NaN where not computed)
    std::map<QString, std::vector<double>> perFrame;
    std::map<QString, double> mean;
};

class MetricsPanel : public QWidget {
    Q_OBJECT
public:
    MetricsPanel(Workspace* ws, JobManager* jobs, QWidget* parent = nullptr);
    // Starts computing metrics for every complete computed stream. nullptr if nothing to do.
    Job* compute();
    static QStringList metricNames(); // what the panel computes
    void setPlotMetric(const QString& name);
    QString plotMetric() const;
    // Optical flow of the next computation, by core/metrics name ("dis-medium" (default),
    // "dis-fast", "dis-ultrafast", "farneback"); the note names the flow of the values shown.
    void setFlowMethod(const QString& name);
    QString flowMethod() const;
    const std::map<int, StreamMetrics>& results() const { return results_; }
    QTableWidget* table() const { return table_; }
    SeekChartView* chartView() const { return chart_; }
    // Mean-intensity curves of sources and fused streams (below the per-frame plot).
    IntensityPlot* intensityPlot() const { return intensity_; }
    // Widget position of pair frame `frame` at value `y` on the plot (for tests).
    QPoint plotPosition(double frame, double y) const;

Q_SIGNALS:
    void seekRequested(qint64 frame);
    void computed();

private:
    void rebuildTable();
    void rebuildPlot();
    void updatePlayhead();
    void updateNote();

    Workspace* ws_;
    JobManager* jobs_;
    QComboBox* metricBox_;
    QComboBox* flowBox_;
    QTableWidget* table_;
    SeekChartView* chart_;
    QLabel* note_;
    IntensityPlot* intensity_ = nullptr;
    QLineSeries* playhead_ = nullptr;
    QValueAxis* axisX_ = nullptr;
    QValueAxis* axisY_ = nullptr;
    std::map<int, StreamMetrics> results_;
    QString resultsFlow_; // flow method of results_
};

} // namespace vf::ui
