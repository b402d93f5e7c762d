#pragma once
// vf::ui::ImageView: one pane of the viewer. Shows a stream's frame (or two streams split by
// a draggable wipe divider, or their colourised difference) in PAIR coordinates: every
// stream has a placement rectangle in the pixel grid of the input pair, so panes showing
// streams of different sizes (preview-scaled results, ROI crops) stay aligned.
// Zoom and pan are shared by all panes through a ViewSync; the cursor position too
// (crosshair on the other panes, pixel inspector).

#include <QImage>
#include <QPointer>
#include <QWidget>

#include "ui/CompareLayout.h"
#include "ui/FrameServer.h"
#include "ui/ImageUtil.h"

namespace vf::ui {

// View state shared by the panes: scale (screen pixels per pair pixel) and the pair point
// shown at the pane centre. fit = scale chosen per pane to show the whole pair.
class ViewSync : public QObject {
    Q_OBJECT
public:
    explicit ViewSync(QObject* parent = nullptr) : QObject(parent) {}
    QSizeF pairSize() const { return pairSize_; }
    void setPairSize(QSizeF s);
    bool fit() const { return fit_; }
    double zoom() const { return zoom_; }
    QPointF center() const { return center_; }
    void setFit();
    void setZoom(double zoom, QPointF center);
    QPointF cursor() const { return cursor_; }
    bool cursorInside() const { return cursorInside_; }
    void setCursor(QPointF pairPos, bool inside);
    bool magnifier() const { return magnifier_; }
    void setMagnifier(bool on);

Q_SIGNALS:
    void changed();
    void cursorMoved(QPointF pairPos, bool inside);

private:
    QSizeF pairSize_{640, 480};
    bool fit_ = true;
    double zoom_ = 1.0;
    QPointF center_{320, 240};
    QPointF cursor_;
    bool cursorInside_ = false;
    bool magnifier_ = false;
};

class ImageView : public QWidget {
    Q_OBJECT
public:
    using Mode = PaneMode; // Single, Wipe, Difference

    explicit ImageView(ViewSync* sync, QWidget* parent = nullptr);

    void setMode(Mode m);
    Mode mode() const { return mode_; }
    // Content. `placement` = where the frame lies in pair pixels (default: the whole pair).
    void setStreamA(int streamId, const QString& name, QColor color, QRectF placement = {});
    void setStreamB(int streamId, const QString& name, QColor color, QRectF placement = {});
    int streamA() const { return a_.id; }
    int streamB() const { return b_.id; }
    void setFrameA(FramePtr frame, qint64 index);
    void setFrameB(FramePtr frame, qint64 index);
    void clearFrames();
    // The frame index of stream A the pane should show (for the "pending" indicator).
    void setWantedIndex(qint64 index);
    // The same for stream B (wipe / difference): streams may start at different pair frames,
    // so B's index differs from A's. While it is unknown (-1: never set, or B changed), B
    // counts as pending from each setWantedIndex() call (the playhead moved) until its next
    // frame arrives through setFrameB().
    void setWantedIndexB(qint64 index);
    qint64 wantedIndexA() const { return a_.wanted; }
    qint64 wantedIndexB() const { return b_.wanted; }
    qint64 displayedIndexA() const { return a_.index; }
    qint64 displayedIndexB() const { return b_.index; }
    FramePtr frameA() const { return a_.frame; }
    FramePtr frameB() const { return b_.frame; }
    void setMessage(const QString& text); // shown when there is no frame (e.g. "not computed")

    // Wipe divider position as a fraction of the pane width.
    double divider() const { return divider_; }
    void setDivider(double f);
    void setDiffKind(DiffKind k);
    DiffKind diffKind() const { return diffKind_; }
    void setDiffRange(double r);
    double diffRange() const { return diffRange_; }
    void setOverlay(const QImage& overlay, double opacity); // stage heat map over the frame
    // The text of the label drawn for layer 0 (A) or 1 (B); empty when none is drawn (B outside
    // a wipe, no stream). Ends in "…" while that stream's frame is pending.
    QString labelText(int layer) const;
    bool labelPending(int layer) const;
    void setTimeText(const QString& t) {
        timeText_ = t;
        update();
    }

    // Geometry: screen scale and pair<->widget mapping used for painting.
    double scale() const;
    QPointF toWidget(QPointF pair) const;
    QPointF toPair(QPointF widget) const;
    // The pair pixel of stream A under widget point p (floor), or (-1,-1).
    QPoint pixelOfA(QPointF widgetPos) const;
    // The value of stream A at pair point p as text ("R G B" or "v"), empty if outside.
    QString valueAt(QPointF pairPos) const;
    static QString valueText(const FramePtr& f, QRectF placement, QPointF pairPos);

    QSize sizeHint() const override { return {480, 360}; }

Q_SIGNALS:
    void dividerMoved(double f);

protected:
    void paintEvent(QPaintEvent*) override;
    void wheelEvent(QWheelEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    void mouseDoubleClickEvent(QMouseEvent*) override;
    void leaveEvent(QEvent*) override;

private:
    struct Layer {
        int id = -1;
        QString name;
        QColor color;
        QRectF placement;
        FramePtr frame;
        QImage image;
        qint64 index = -1;
        qint64 wanted = -1;
        quint64 generation = 0; // wantGeneration_ when the frame arrived
    };
    QRectF placementOf(const Layer& l) const;
    PaneGeometry paneGeometry() const;
    PaneLabelLayer labelLayer(const Layer& l) const;
    void drawLayer(QPainter& p, const Layer& l, const QRectF& clip);
    void drawMagnifier(QPainter& p);
    void rebuildDiff();

    QPointer<ViewSync> sync_;
    Mode mode_ = Mode::Single;
    Layer a_, b_;
    quint64 wantGeneration_ = 0; // counts setWantedIndex() calls
    QImage diffImage_;
    DiffKind diffKind_ = DiffKind::Absolute;
    double diffRange_ = 64;
    double divider_ = 0.5;
    QString message_;
    QString timeText_;
    QImage overlay_;
    double overlayOpacity_ = 0.5;
    bool panning_ = false, draggingDivider_ = false;
    QPointF lastMouse_;
    bool mouseInside_ = false;
};

} // namespace vf::ui
