#include "ui/annotate/AnnotationOverlay.h"

#include <QEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <cmath>

#include "ui/annotate/AnnotationController.h"

namespace vf::ui {

using namespace vf::annotate;

namespace {
constexpr double kHandle = 5.0; // half size of a resize handle, widget pixels
QPointF handlePoint(const QRectF& r, int h) {
    switch (h) {
    case 0:
        return r.topLeft();
    case 1:
        return {r.center().x(), r.top()};
    case 2:
        return r.topRight();
    case 3:
        return {r.right(), r.center().y()};
    case 4:
        return r.bottomRight();
    case 5:
        return {r.center().x(), r.bottom()};
    case 6:
        return r.bottomLeft();
    default:
        return {r.left(), r.center().y()};
    }
}
} // namespace

AnnotationOverlay::AnnotationOverlay(AnnotationController* c, QWidget* pane)
    : QWidget(pane), c_(c) {
    setAttribute(Qt::WA_NoSystemBackground);
    setAttribute(Qt::WA_TranslucentBackground);
    setMouseTracking(true);
    toWidget_ = [](QPointF p) { return p; };
    toPair_ = [](QPointF p) { return p; };
    if (pane) {
        setGeometry(pane->rect());
        pane->installEventFilter(this);
    }
    connect(c, &AnnotationController::documentChanged, this, qOverload<>(&QWidget::update));
    connect(c, &AnnotationController::frameChanged, this, qOverload<>(&QWidget::update));
    connect(c, &AnnotationController::selectionChanged, this, qOverload<>(&QWidget::update));
    raise();
    show();
}

AnnotationOverlay* AnnotationOverlay::attach(AnnotationController* c, QWidget* pane, Map toWidget,
                                             Map toPair) {
    auto* ov = new AnnotationOverlay(c, pane);
    ov->setMapping(std::move(toWidget), std::move(toPair));
    return ov;
}

void AnnotationOverlay::setMapping(Map toWidget, Map toPair) {
    toWidget_ = std::move(toWidget);
    toPair_ = std::move(toPair);
    update();
}

void AnnotationOverlay::setEditing(bool on) {
    editing_ = on;
    setAttribute(Qt::WA_TransparentForMouseEvents, !on);
}

bool AnnotationOverlay::eventFilter(QObject* o, QEvent* e) {
    if (o == parentWidget() && e->type() == QEvent::Resize) setGeometry(parentWidget()->rect());
    return QWidget::eventFilter(o, e);
}

QRectF AnnotationOverlay::widgetRect(const Rect& r) const {
    return QRectF(toWidget_(QPointF(r.x, r.y)), toWidget_(QPointF(r.x + r.w, r.y + r.h)))
        .normalized();
}

Rect AnnotationOverlay::pairRect(const QRectF& w) const {
    const QPointF a = toPair_(w.topLeft()), b = toPair_(w.bottomRight());
    const QRectF r = QRectF(a, b).normalized();
    // Whole-pixel corners keep exported files tidy.
    const double x0 = std::round(r.left()), y0 = std::round(r.top());
    const double x1 = std::round(r.right()), y1 = std::round(r.bottom());
    return {x0, y0, x1 - x0, y1 - y0};
}

int AnnotationOverlay::hitTrack(QPointF w, int* handle) const {
    *handle = -1;
    if (!c_) return -1;
    const auto boxes = c_->document().boxesAt(c_->frame());
    // The selected track's handles first.
    for (const auto& [id, tb] : boxes) {
        if (id != c_->selectedTrack()) continue;
        const QRectF r = widgetRect(tb.box);
        for (int h = 0; h < 8; ++h) {
            const QPointF p = handlePoint(r, h);
            if (std::fabs(p.x() - w.x()) <= kHandle + 1 &&
                std::fabs(p.y() - w.y()) <= kHandle + 1) {
                *handle = h;
                return id;
            }
        }
    }
    // Then the smallest box containing the point (nested boxes stay reachable).
    int best = -1;
    double bestArea = 0;
    for (const auto& [id, tb] : boxes) {
        const QRectF r = widgetRect(tb.box);
        if (r.contains(w) && (best < 0 || r.width() * r.height() < bestArea)) {
            best = id;
            bestArea = r.width() * r.height();
        }
    }
    return best;
}

QRectF AnnotationOverlay::draggedRect(QPointF now) const {
    const QPointF d = now - pressPos_;
    if (drag_ == Drag::Draw) return QRectF(pressPos_, now).normalized();
    if (drag_ == Drag::Move) return startRect_.translated(d);
    QRectF r = startRect_;
    switch (handle_) {
    case 0:
        r.setTopLeft(r.topLeft() + d);
        break;
    case 1:
        r.setTop(r.top() + d.y());
        break;
    case 2:
        r.setTopRight(r.topRight() + d);
        break;
    case 3:
        r.setRight(r.right() + d.x());
        break;
    case 4:
        r.setBottomRight(r.bottomRight() + d);
        break;
    case 5:
        r.setBottom(r.bottom() + d.y());
        break;
    case 6:
        r.setBottomLeft(r.bottomLeft() + d);
        break;
    default:
        r.setLeft(r.left() + d.x());
        break;
    }
    return r.normalized();
}

void AnnotationOverlay::mousePressEvent(QMouseEvent* e) {
    if (!c_ || !editing_ || e->button() != Qt::LeftButton) {
        e->ignore();
        return;
    }
    pressPos_ = e->position();
    int handle = -1;
    const int id = hitTrack(pressPos_, &handle);
    if (id >= 0) {
        c_->setSelectedTrack(id);
        dragTrack_ = id;
        handle_ = handle;
        drag_ = handle >= 0 ? Drag::Resize : Drag::Move;
        startRect_ = widgetRect(
            c_->document().track(id)->boxAt(c_->frame(), c_->document().media.frameCount)->box);
    } else {
        c_->setSelectedTrack(-1);
        drag_ = Drag::Draw;
        dragTrack_ = -1;
    }
    preview_ = QRectF();
    e->accept();
}

void AnnotationOverlay::mouseMoveEvent(QMouseEvent* e) {
    if (drag_ == Drag::None) {
        // Cursor feedback.
        int handle = -1;
        const int id = editing_ ? hitTrack(e->position(), &handle) : -1;
        if (handle == 0 || handle == 4)
            setCursor(Qt::SizeFDiagCursor);
        else if (handle == 2 || handle == 6)
            setCursor(Qt::SizeBDiagCursor);
        else if (handle == 1 || handle == 5)
            setCursor(Qt::SizeVerCursor);
        else if (handle == 3 || handle == 7)
            setCursor(Qt::SizeHorCursor);
        else if (id >= 0)
            setCursor(Qt::SizeAllCursor);
        else
            setCursor(Qt::CrossCursor);
        e->ignore();
        return;
    }
    preview_ = draggedRect(e->position());
    update();
    e->accept();
}

void AnnotationOverlay::mouseReleaseEvent(QMouseEvent* e) {
    if (drag_ == Drag::None || !c_) {
        e->ignore();
        return;
    }
    const QRectF r = draggedRect(e->position());
    const bool moved = (e->position() - pressPos_).manhattanLength() >= 3;
    const Drag d = drag_;
    drag_ = Drag::None;
    preview_ = QRectF();
    if (moved) {
        const Rect pr = pairRect(r);
        if (d == Drag::Draw) {
            if (pr.w >= 2 && pr.h >= 2) c_->addTrack(pr, c_->frame());
        } else {
            c_->setBox(dragTrack_, c_->frame(), pr,
                       d == Drag::Move ? tr("Move box") : tr("Resize box"));
        }
    }
    update();
    e->accept();
}

void AnnotationOverlay::paintEvent(QPaintEvent*) {
    if (!c_) return;
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const Document& doc = c_->document();
    const int frame = c_->frame();
    auto faint = [&](const std::string& stream) {
        return !stream_.isEmpty() && stream != kStreamPair &&
               QString::fromStdString(stream) != stream_;
    };
    // Regions.
    for (const Region& r : doc.regions) {
        if (frame < r.firstFrame || frame > r.lastFrame) continue;
        QColor col = c_->labelColor(QString::fromStdString(r.label));
        if (faint(r.stream)) col.setAlpha(90);
        p.setPen(QPen(col, 2));
        if (r.kind == RegionKind::Polygon) {
            QPolygonF poly;
            for (const Point& q : r.points)
                poly << toWidget_(QPointF(q.x, q.y));
            QColor fill = col;
            fill.setAlpha(50);
            p.setBrush(fill);
            p.drawPolygon(poly);
        } else {
            p.setBrush(col);
            for (const Point& q : r.points)
                p.drawEllipse(toWidget_(QPointF(q.x, q.y)), 3.5, 3.5);
        }
    }
    p.setBrush(Qt::NoBrush);
    // Boxes.
    for (const Track& t : doc.tracks) {
        auto tb = t.boxAt(frame, doc.media.frameCount);
        if (!tb) continue;
        QRectF r = widgetRect(tb->box);
        const bool sel = t.id == c_->selectedTrack();
        if (sel && !preview_.isNull() && drag_ != Drag::Draw) r = preview_;
        QColor col = c_->labelColor(QString::fromStdString(t.label));
        if (faint(t.stream)) col.setAlpha(90);
        QPen pen(col, sel ? 2.5 : 1.8);
        pen.setStyle(tb->occluded ? Qt::DotLine : tb->keyframe ? Qt::SolidLine : Qt::DashLine);
        p.setPen(pen);
        p.drawRect(r);
        const QString text = QString("%1 #%2%3")
                                 .arg(QString::fromStdString(t.label))
                                 .arg(t.id)
                                 .arg(tb->keyframe ? QString(" \u25C6") : QString());
        const QRectF tr =
            QRectF(r.left(), r.top() - 16, p.fontMetrics().horizontalAdvance(text) + 8, 16);
        p.fillRect(tr, col);
        p.setPen(col.lightness() > 140 ? Qt::black : Qt::white);
        p.drawText(tr.adjusted(4, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, text);
        if (sel) {
            p.setPen(QPen(Qt::white, 1));
            p.setBrush(col);
            for (int h = 0; h < 8; ++h) {
                const QPointF c = handlePoint(r, h);
                p.drawRect(QRectF(c.x() - kHandle, c.y() - kHandle, 2 * kHandle, 2 * kHandle));
            }
            p.setBrush(Qt::NoBrush);
        }
    }
    if (drag_ == Drag::Draw && !preview_.isNull()) {
        p.setPen(QPen(c_->labelColor(c_->currentLabel()), 1.5, Qt::DashLine));
        p.drawRect(preview_);
    }
    // Active segments: a banner at the top.
    QStringList active;
    for (const Segment& s : doc.segments)
        if (frame >= s.firstFrame && frame <= s.lastFrame)
            active << QString::fromStdString(s.label + (s.text.empty() ? "" : ": " + s.text));
    if (c_->markedIn()) active << tr("segment from frame %1 ...").arg(*c_->markedIn());
    if (!active.isEmpty()) {
        const QString t = active.join("  |  ");
        QRectF band(0, 0, width(), 20);
        p.fillRect(band, QColor(0, 0, 0, 150));
        p.setPen(QColor(255, 230, 90));
        p.drawText(band.adjusted(6, 0, -6, 0), Qt::AlignVCenter | Qt::AlignLeft, t);
    }
}

} // namespace vf::ui
