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
    diffImage_ = {};
    update();
}
void ImageView::setWantedIndex(qint64 index) {
    wanted_ = index;
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

double ImageView::scale() const {
    const QSizeF ps = sync_->pairSize();
    if (sync_->fit()) return std::min(width() / ps.width(), height() / ps.height());
    return sync_->zoom();
}
QPointF ImageView::toWidget(QPointF pair) const {
    const double s = scale();
    return (pair - sync_->center()) * s + QPointF(width() / 2.0, height() / 2.0);
}
QPointF ImageView::toPair(QPointF w) const {
    const double s = scale();
    return (w - QPointF(width() / 2.0, height() / 2.0)) / s + sync_->center();
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
    const QImage& img =
        (mode_ == Mode::Difference && !diffImage_.isNull() && &l == &a_) ? diffImage_ : l.image;
    if (img.isNull()) return;
    const QRectF pl = placementOf(l);
    const QRectF target(toWidget(pl.topLeft()), toWidget(pl.bottomRight()));
    const double pixelScale = target.width() / img.width();
    p.save();
    p.setClipRect(clip);
    // Crisp pixels when zoomed in, smooth when zoomed out.
    p.setRenderHint(QPainter::SmoothPixmapTransform, pixelScale < 2.0 && pixelScale != 1.0);
    p.drawImage(target, img, QRectF(img.rect()));
    if (!overlay_.isNull() && &l == &a_ && mode_ == Mode::Single) {
        p.setOpacity(overlayOpacity_);
        p.setRenderHint(QPainter::SmoothPixmapTransform, false);
        p.drawImage(target, overlay_, QRectF(overlay_.rect()));
        p.setOpacity(1.0);
    }
    // Pixel grid and values at very high zoom.
    if (pixelScale >= 24) {
        QRectF vis = target.intersected(clip);
        int x0 = std::max(0, int((vis.left() - target.left()) / pixelScale));
        int y0 = std::max(0, int((vis.top() - target.top()) / pixelScale));
        int x1 = std::min(img.width(), int((vis.right() - target.left()) / pixelScale) + 1);
        int y1 = std::min(img.height(), int((vis.bottom() - target.top()) / pixelScale) + 1);
        p.setPen(QColor(0, 0, 0, 60));
        for (int x = x0; x <= x1; ++x)
            p.drawLine(QPointF(target.left() + x * pixelScale, vis.top()),
                       QPointF(target.left() + x * pixelScale, vis.bottom()));
        for (int y = y0; y <= y1; ++y)
            p.drawLine(QPointF(vis.left(), target.top() + y * pixelScale),
                       QPointF(vis.right(), target.top() + y * pixelScale));
        if (pixelScale >= 56 && l.frame && (x1 - x0) * (y1 - y0) < 2000) {
            QFont f = font();
            f.setPointSizeF(7);
            p.setFont(f);
            for (int y = y0; y < y1; ++y)
                for (int x = x0; x < x1; ++x) {
                    QRgb c = img.pixel(x, y);
                    p.setPen(qGray(c) > 128 ? Qt::black : Qt::white);
                    QRectF cell(target.left() + x * pixelScale, target.top() + y * pixelScale,
                                pixelScale, pixelScale);
                    QString t = l.frame->channels() == 1 ? QString::number(qGray(c))
                                                         : QStringLiteral("%1\n%2\n%3")
                                                               .arg(qRed(c))
                                                               .arg(qGreen(c))
                                                               .arg(qBlue(c));
                    p.drawText(cell, Qt::AlignCenter, t);
                }
        }
    }
    p.restore();
}

void ImageView::drawLabel(QPainter& p, const Layer& l, QPointF at, bool right) {
    if (l.id < 0) return;
    QString text = l.name;
    if (mode_ == Mode::Difference)
        text = QStringLiteral("%1 − %2 (%3)")
                   .arg(a_.name, b_.name, QString::fromLatin1(diffKindName(diffKind_)));
    if (l.index >= 0) text += QStringLiteral("  #%1").arg(l.index);
    const bool pending = wanted_ >= 0 && l.index != wanted_;
    if (pending) text += QStringLiteral("  …");
    QFontMetrics fm(font());
    const int w = fm.horizontalAdvance(text) + 22, h = fm.height() + 6;
    QRectF box(right ? at.x() - w : at.x(), at.y(), w, h);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(20, 20, 20, 190));
    p.drawRoundedRect(box, 4, 4);
    p.setBrush(l.color.isValid() ? l.color : QColor(Qt::gray));
    p.drawRect(QRectF(box.left() + 6, box.top() + h / 2.0 - 4, 8, 8));
    p.setPen(pending ? QColor(150, 150, 150) : QColor(230, 230, 230));
    p.drawText(box.adjusted(18, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, text);
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

void ImageView::drawLegend(QPainter& p) {
    const QRectF bar(width() - 28, 40, 12, std::max(60, height() - 80));
    for (int i = 0; i < int(bar.height()); ++i) {
        double t = 1.0 - i / bar.height();
        p.setPen(diffScaleColor(diffKind_, t));
        p.drawLine(QPointF(bar.left(), bar.top() + i), QPointF(bar.right(), bar.top() + i));
    }
    p.setPen(QColor(200, 200, 200));
    p.setBrush(Qt::NoBrush);
    p.drawRect(bar);
    const QString top = diffKind_ == DiffKind::Signed ? QStringLiteral("+%1").arg(diffRange_)
                                                      : QString::number(diffRange_);
    const QString bottom =
        diffKind_ == DiffKind::Signed ? QStringLiteral("−%1").arg(diffRange_) : QStringLiteral("0");
    QFontMetrics fm(font());
    p.drawText(QPointF(bar.right() - fm.horizontalAdvance(top), bar.top() - 4), top);
    p.drawText(QPointF(bar.right() - fm.horizontalAdvance(bottom), bar.bottom() + fm.height()),
               bottom);
}

void ImageView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(24, 24, 24));
    const QRectF all = rect();
    if (mode_ == Mode::Wipe) {
        const double x = divider_ * width();
        drawLayer(p, a_, QRectF(0, 0, x, height()));
        drawLayer(p, b_, QRectF(x, 0, width() - x, height()));
        p.setPen(QPen(QColor(240, 240, 240, 220), 1.5));
        p.drawLine(QPointF(x, 0), QPointF(x, height()));
        p.setBrush(QColor(240, 240, 240, 220));
        p.drawEllipse(QPointF(x, height() / 2.0), 5, 5);
        drawLabel(p, a_, {6, 6}, false);
        drawLabel(p, b_, {width() - 6.0, 6}, true);
    } else {
        drawLayer(p, a_, all);
        drawLabel(p, a_, {6, 6}, false);
        if (mode_ == Mode::Difference && !diffImage_.isNull()) drawLegend(p);
    }
    if (a_.image.isNull() && !message_.isEmpty()) {
        p.setPen(QColor(160, 160, 160));
        p.drawText(rect(), Qt::AlignCenter, message_);
    }
    if (!timeText_.isEmpty()) {
        p.setPen(QColor(200, 200, 200));
        p.drawText(QRectF(8, height() - 22, width() - 16, 18), Qt::AlignLeft | Qt::AlignVCenter,
                   timeText_);
    }
    // Crosshair of the cursor in another pane.
    if (!mouseInside_ && sync_->cursorInside()) {
        const QPointF c = toWidget(sync_->cursor());
        p.setPen(QPen(QColor(0, 255, 200, 200), 1));
        p.drawLine(QPointF(c.x() - 8, c.y()), QPointF(c.x() + 8, c.y()));
        p.drawLine(QPointF(c.x(), c.y() - 8), QPointF(c.x(), c.y() + 8));
    }
    if (mouseInside_ && sync_->magnifier()) drawMagnifier(p);
    // Thin outline in the stream's colour.
    p.setPen(QPen(a_.color.isValid() ? a_.color.darker(130) : QColor(60, 60, 60), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(rect().adjusted(0, 0, -1, -1));
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
