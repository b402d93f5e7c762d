#pragma once
// The stage panel: looks inside VideoFusion at the current frame. "Compute" runs the clip
// that holds the frame on the inference worker with stage taps on (differential maps per
// scale, CMA spatial attention, unmixing attention, feature energy per module, fused-feature
// energy, BiCAM co-attention matrices per layer/head). A spatial tap is shown as a heat map
// (inferno, colour legend, adjustable opacity) over the frame in the viewer; channel/gate
// vectors and BiCAM matrices in a matrix view with the value under the mouse.

#include <QWidget>

#include <memory>

#include "ui/FuseJobs.h"

class QComboBox;
class QSlider;
class QSpinBox;
class QLabel;
class QPushButton;

namespace vf::ui {

class Viewer;

class MatrixView : public QWidget {
    Q_OBJECT
public:
    explicit MatrixView(QWidget* parent = nullptr);
    void setMatrix(std::vector<float> values, int rows, int cols);
    int rows() const { return rows_; }
    int cols() const { return cols_; }
    float value(int r, int c) const { return data_[size_t(r) * size_t(cols_) + size_t(c)]; }
    QString hoverText() const { return hover_; }
    // The cell under a widget point (-1,-1 outside).
    QPoint cellAt(QPointF p) const;
    QSize sizeHint() const override { return {260, 220}; }

Q_SIGNALS:
    void hovered(QString text);

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;

private:
    QRectF area() const;
    std::vector<float> data_;
    int rows_ = 0, cols_ = 0;
    float lo_ = 0, hi_ = 1;
    QString hover_;
};

class ColorLegend : public QWidget {
    Q_OBJECT
public:
    explicit ColorLegend(QWidget* parent = nullptr);
    void setRange(double lo, double hi);
    QSize sizeHint() const override { return {200, 30}; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    double lo_ = 0, hi_ = 1;
};

class StagePanel : public QWidget {
    Q_OBJECT
public:
    StagePanel(Workspace* ws, Viewer* viewer, JobController* jc, QWidget* parent = nullptr);
    // The VideoFusion settings used for taps (weights, clip length, scale, ROI, range).
    void setBaseRequest(const FuseRequest& r) { base_ = r; }
    FuseRequest baseRequest() const;
    Job* compute(const QStringList& prefixes = {});
    QStringList tapNames() const;
    void selectTap(const QString& name);
    QString currentTap() const;
    void setOpacity(double o);
    bool hasResult() const { return result_ != nullptr; }
    std::shared_ptr<TapResult> result() const { return result_; }
    MatrixView* matrixView() const { return matrix_; }
    // The heat map shown over the viewer (null when the tap is not spatial).
    QImage overlay() const { return overlay_; }

Q_SIGNALS:
    void tapsReady();

private:
    void show();
    Workspace* ws_;
    Viewer* viewer_;
    JobController* jc_;
    FuseRequest base_;
    std::shared_ptr<TapResult> result_;
    QComboBox* tapBox_;
    QSpinBox* headBox_;
    QSlider* opacity_;
    QLabel* info_;
    QPushButton* computeBtn_;
    MatrixView* matrix_;
    ColorLegend* legend_;
    QImage overlay_;
};

} // namespace vf::ui
