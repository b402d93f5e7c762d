#pragma once
// vf::ui::AnnotationOverlay: a transparent widget laid over a viewer pane that paints the
// annotations of the current frame (boxes, polygons, points, active segments) and edits boxes
// with the mouse:
//   * drag on empty space: draw a new box (new track, keyframe at the current frame);
//   * drag inside a box: move it; drag a corner/edge handle: resize it (a keyframe is set
//     at the current frame, one undo step per drag);
//   * click a box: select it (its keyframes show on the TimelineStrip).
// Keyframe boxes are drawn solid, interpolated ones dashed, occluded ones dotted.
//
// Coordinates: pair pixels (the pair is registered, so boxes mean the same place in IR,
// visible and fused panes). The pane supplies the mapping; for vf::ui::ImageView:
//   auto* ov = AnnotationOverlay::attach(controller, view,
//       [view](QPointF p) { return view->toWidget(p); },
//       [view](QPointF w) { return view->toPair(w); });
//   connect(viewSync, &ViewSync::changed, ov, qOverload<>(&QWidget::update));
// attach() makes the overlay a child of the pane that follows its size. While editing is
// off (setEditing(false)) mouse events pass through to the pane (pan/zoom keep working).

#include <QPointer>
#include <QWidget>
#include <functional>

#include "core/annotate/Document.h"

namespace vf::ui {

class AnnotationController;

class AnnotationOverlay : public QWidget {
    Q_OBJECT
public:
    using Map = std::function<QPointF(QPointF)>;
    AnnotationOverlay(AnnotationController* c, QWidget* pane);
    static AnnotationOverlay* attach(AnnotationController* c, QWidget* pane, Map toWidget,
                                     Map toPair);

    void setMapping(Map toWidget, Map toPair);
    void setEditing(bool on);
    bool editing() const { return editing_; }
    // Which stream this pane shows ("ir", "visible", a fused name): annotations attached to
    // another single stream are drawn faint; "pair" ones everywhere.
    void setStreamName(const QString& s) {
        stream_ = s;
        update();
    }

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    bool eventFilter(QObject* o, QEvent* e) override;

private:
    enum class Drag { None, Draw, Move, Resize };
    QRectF widgetRect(const vf::annotate::Rect& r) const;
    vf::annotate::Rect pairRect(const QRectF& w) const;
    int hitTrack(QPointF w, int* handle) const; // handle: 0..7 or -1 inside
    QRectF draggedRect(QPointF now) const;

    QPointer<AnnotationController> c_;
    Map toWidget_, toPair_;
    bool editing_ = true;
    QString stream_;
    Drag drag_ = Drag::None;
    int dragTrack_ = -1;
    int handle_ = -1;
    QPointF pressPos_;
    QRectF startRect_; // widget coordinates of the box when the drag began
    QRectF preview_;
};

} // namespace vf::ui
