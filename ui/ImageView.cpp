#include "ui/ImageView.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace vf::ui {

// ------------------------------------------------------------------------------- ViewSync
void ViewSync::setPairSize(QSizeF s) {
    if (s.isEmpty()) return;
    pairSize_ = s;
    center_ = {s.width() / 2, s.height() / 2};
    Q_EMIT changed();
}
void ViewSync::setFit() {
    fit_ = true;
    center_ = {pairSize_.width() / 2, pairSize_.height() / 2};
    Q_EMIT changed();
}
void ViewSync::setZoom(double zoom, QPointF center) {
    fit_ = false;
    zoom_ = std::clamp(zoom, 1.0 / 64, 256.0);
    center_ = center;
    Q_EMIT changed();
}
void ViewSync::setCursor(QPointF pairPos, bool inside) {
    cursor_ = pairPos;
    cursorInside_ = inside;
    Q_EMIT cursorMoved(pairPos, inside);
}
void ViewSync::setMagnifier(bool on) {
    magnifier_ = on;
    Q_EMIT changed();
}

// ------------------------------------------------------------------------------- ImageView
ImageView::ImageView(ViewSync* sync, QWidget* parent) : QWidget(parent), sync_(sync) {
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(120, 90);
    setFocusPolicy(Qt::NoFocus);
    connect(sync, &ViewSync::changed, this, qOverload<>(&QWidget::update));
    connect(sync, &ViewSync::cursorMoved, this, [this] {
        if (!mouseInside_) update();
    });
}

void ImageView::setMode(Mode m) {
    mode_ = m;
    rebuildDiff();
    update();
}

void ImageView::setStreamA(int id, const QString& name, QColor color, QRectF placement) {
    if (a_.id != id) {
        a_.frame.reset();
        a_.image = {};
        a_.index = -1;
    }
    a_.id = id;
    a_.name = name;
    a_.color = color;
    a_.placement = placement;
    update();
}
void ImageView::setStreamB(int id, const QString& name, QColor color, QRectF placement) {
    if (b_.id != id) {
        b_.frame.reset();
        b_.image = {};
        b_.index = -1;
        b_.wanted = -1; // belonged to the previous stream
        b_.generation = 0;
    }
    b_.id = id;
    b_.name = name;
    b_.color = color;
    b_.placement = placement;
    update();
}
void ImageView::setFrameA(FramePtr f, qint64 index) {
    a_.frame = std::move(f);
    a_.image = toQImage(a_.frame);
    a_.index = index;
    message_.clear();
    rebuildDiff();
    update();
}
void ImageView::setFrameB(FramePtr f, qint64 index) {
    b_.frame = std::move(f);
    b_.image = toQImage(b_.frame);
    b_.index = index;
    b_.generation = wantGeneration_;
    rebuildDiff();
    update();
}
void ImageView::clearFrames() {
    a_.frame.reset();
    a_.image = {};
    a_.index = -1;
    b_.frame.reset();
    b_.image = {};
    b_.index = -1;
    b_.generation = 0;
    diffImage_ = {};
    update();
}
void ImageView::setWantedIndex(qint64 index) {
    a_.wanted = index;
    ++wantGeneration_;
    update();
}
void ImageView::setWantedIndexB(qint64 index) {
    b_.wanted = index;
    update();
}
void ImageView::setMessage(const QString& text) {
    message_ = text;
    update();
}
void ImageView::setDivider(double f) {
    divider_ = std::clamp(f, 0.0, 1.0);
    update();
}
void ImageView::setDiffKind(DiffKind k) {
    diffKind_ = k;
    rebuildDiff();
    update();
}
void ImageView::setDiffRange(double r) {
    diffRange_ = std::max(1.0, r);
    rebuildDiff();
    update();
}
void ImageView::setOverlay(const QImage& overlay, double opacity) {
    overlay_ = overlay;
    overlayOpacity_ = opacity;
    update();
}

void ImageView::rebuildDiff() {
    diffImage_ = {};
    if (mode_ != Mode::Difference || !a_.frame || !b_.frame) return;
    diffImage_ = toQImageCopy(differenceImage(*a_.frame, *b_.frame, diffKind_, diffRange_));
}

PaneGeometry ImageView::paneGeometry() const {
    PaneGeometry g;
    g.size = QSizeF(size());
    g.pairSize = sync_->pairSize();
    g.fit = sync_->fit();
    g.zoom = sync_->zoom();
    g.center = sync_->center();
    return g;
}
double ImageView::scale() const {
    return paneGeometry().scale();
}
QPointF ImageView::toWidget(QPointF pair) const {
    return paneGeometry().toPane(pair);
}
QPointF ImageView::toPair(QPointF w) const {
    return paneGeometry().toPair(w);
}
QRectF ImageView::placementOf(const Layer& l) const {
    if (!l.placement.isEmpty()) return l.placement;
    return QRectF(QPointF(0, 0), sync_->pairSize());
}
QPoint ImageView::pixelOfA(QPointF w) const {
    if (a_.image.isNull()) return {-1, -1};
    QRectF pl = placementOf(a_);
    QPointF p = toPair(w);
    double x = (p.x() - pl.x()) * a_.image.width() / pl.width();
    double y = (p.y() - pl.y()) * a_.image.height() / pl.height();
    if (x < 0 || y < 0 || x >= a_.image.width() || y >= a_.image.height()) return {-1, -1};
    return {int(x), int(y)};
}

QString ImageView::valueText(const FramePtr& f, QRectF pl, QPointF p) {
    if (!f || f->empty()) return {};
    if (pl.isEmpty()) pl = QRectF(0, 0, f->cols, f->rows); // caller passes the pair rect
    const int x = int(std::floor((p.x() - pl.x()) * f->cols / pl.width()));
    const int y = int(std::floor((p.y() - pl.y()) * f->rows / pl.height()));
    if (x < 0 || y < 0 || x >= f->cols || y >= f->rows) return {};
    const cv::Mat& m = *f;
    if (m.type() == CV_8UC1) return QString::number(m.at<uchar>(y, x));
    if (m.type() == CV_8UC3) {
        const auto v = m.at<cv::Vec3b>(y, x);
        return QStringLiteral("%1 %2 %3").arg(v[2]).arg(v[1]).arg(v[0]); // R G B
    }
    return {};
}
QString ImageView::valueAt(QPointF p) const {
    QRectF pl = placementOf(a_);
    return valueText(a_.frame, pl, p);
}

void ImageView::drawLayer(QPainter& p, const Layer& l, const QRectF& clip) {
    const bool isA = &l == &a_;
    const QImage& img =
        (mode_ == Mode::Difference && !diffImage_.isNull() && isA) ? diffImage_ : l.image;
    const bool overlay = isA && mode_ == Mode::Single;
    drawPaneImage(p, font(), paneGeometry(), img, placementOf(l), clip,
                  overlay ? overlay_ : QImage(), overlayOpacity_);
}

PaneLabelLayer ImageView::labelLayer(const Layer& l) const {
    // Without B's wanted index, B is pending from the playhead's move until its frame arrives.
    const bool stale = &l == &b_ && wantGeneration_ > 0 && l.generation != wantGeneration_;
    return {l.id, l.name, l.color, l.index, l.wanted, stale};
}
QString ImageView::labelText(int layer) const {
    const PaneLabel lab = paneLabel(mode_, labelLayer(a_), labelLayer(b_), layer, diffKind_);
    return lab.visible ? lab.text : QString();
}
bool ImageView::labelPending(int layer) const {
    const PaneLabel lab = paneLabel(mode_, labelLayer(a_), labelLayer(b_), layer, diffKind_);
    return lab.visible && lab.pending;
}

void ImageView::drawMagnifier(QPainter& p) {
    if (a_.image.isNull() && diffImage_.isNull()) return;
    const QImage& img = (mode_ == Mode::Difference && !diffImage_.isNull()) ? diffImage_ : a_.image;
    const QPoint px = pixelOfA(lastMouse_);
    if (px.x() < 0) return;
    const int r = 7, cell = 11, box = (2 * r + 1) * cell;
    QRectF target(lastMouse_.x() + 20, lastMouse_.y() + 20, box, box);
    if (target.right() > width()) target.moveRight(lastMouse_.x() - 20);
    if (target.bottom() > height()) target.moveBottom(lastMouse_.y() - 20);
    p.save();
    p.fillRect(target, QColor(10, 10, 10));
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    QRect src(px.x() - r, px.y() - r, 2 * r + 1, 2 * r + 1);
    QImage crop = img.copy(src); // out-of-image parts are transparent/black
    p.drawImage(target, crop);
    p.setPen(QPen(QColor(255, 255, 255, 200), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(QRectF(target.left() + r * cell, target.top() + r * cell, cell, cell));
    p.setPen(QPen(QColor(120, 120, 120), 1));
    p.drawRect(target);
    p.restore();
}

void ImageView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), paneBackground());
    const PaneGeometry g = paneGeometry();
    const PaneLabelLayer la = labelLayer(a_), lb = labelLayer(b_);
    if (mode_ == Mode::Wipe) {
        const double x = divider_ * width();
        drawLayer(p, a_, QRectF(0, 0, x, height()));
        drawLayer(p, b_, QRectF(x, 0, width() - x, height()));
        drawWipeDivider(p, g, x);
    } else {
        drawLayer(p, a_, rect());
    }
    drawPaneLabels(p, font(), g, mode_, la, lb, diffKind_);
    if (mode_ == Mode::Difference && !diffImage_.isNull())
        drawDiffLegend(p, font(), g, diffKind_, diffRange_);
    if (a_.image.isNull()) drawPaneMessage(p, g, message_);
    drawPaneFrameText(p, g, timeText_);
    // Crosshair of the cursor in another pane.
    if (!mouseInside_ && sync_->cursorInside()) {
        const QPointF c = toWidget(sync_->cursor());
        p.setPen(QPen(QColor(0, 255, 200, 200), 1));
        p.drawLine(QPointF(c.x() - 8, c.y()), QPointF(c.x() + 8, c.y()));
        p.drawLine(QPointF(c.x(), c.y() - 8), QPointF(c.x(), c.y() + 8));
    }
    if (mouseInside_ && sync_->magnifier()) drawMagnifier(p);
    drawPaneOutline(p, g, a_.color);
}

void ImageView::wheelEvent(QWheelEvent* e) {
    const double steps = e->angleDelta().y() / 120.0;
    if (steps == 0) return;
    const QPointF at = e->position();
    const QPointF pairAt = toPair(at);
    const double s0 = scale();
    const double s1 = std::clamp(s0 * std::pow(1.25, steps), 1.0 / 64, 256.0);
    // Keep the pair point under the cursor fixed.
    const QPointF c = pairAt - (at - QPointF(width() / 2.0, height() / 2.0)) / s1;
    sync_->setZoom(s1, c);
    e->accept();
}

void ImageView::mousePressEvent(QMouseEvent* e) {
    lastMouse_ = e->position();
    if (e->button() != Qt::LeftButton) return;
    if (mode_ == Mode::Wipe && std::abs(e->position().x() - divider_ * width()) < 8) {
        draggingDivider_ = true;
        return;
    }
    panning_ = true;
    setCursor(Qt::ClosedHandCursor);
}

void ImageView::mouseMoveEvent(QMouseEvent* e) {
    const QPointF pos = e->position();
    mouseInside_ = true;
    if (draggingDivider_) {
        setDivider(pos.x() / std::max(1, width()));
        Q_EMIT dividerMoved(divider_);
    } else if (panning_) {
        const double s = scale();
        const QPointF d = (pos - lastMouse_) / s;
        const QPointF c =
            (sync_->fit() ? QPointF(sync_->pairSize().width() / 2, sync_->pairSize().height() / 2)
                          : sync_->center()) -
            d;
        sync_->setZoom(s, c);
    }
    lastMouse_ = pos;
    const QPointF pp = toPair(pos);
    const QSizeF ps = sync_->pairSize();
    sync_->setCursor(pp, pp.x() >= 0 && pp.y() >= 0 && pp.x() < ps.width() && pp.y() < ps.height());
    update();
}

void ImageView::mouseReleaseEvent(QMouseEvent*) {
    panning_ = draggingDivider_ = false;
    unsetCursor();
}

void ImageView::mouseDoubleClickEvent(QMouseEvent* e) {
    if (sync_->fit())
        sync_->setZoom(1.0, toPair(e->position()));
    else
        sync_->setFit();
}

void ImageView::leaveEvent(QEvent*) {
    mouseInside_ = false;
    sync_->setCursor(sync_->cursor(), false);
    update();
}

} // namespace vf::ui
