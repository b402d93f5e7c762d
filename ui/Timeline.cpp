#include "ui/Timeline.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace vf::ui {

Timeline::Timeline(QWidget* parent) : QWidget(parent) {
    setMinimumHeight(30);
    setFocusPolicy(Qt::NoFocus);
    setCursor(Qt::PointingHandCursor);
}

void Timeline::setFrameCount(qint64 n) {
    count_ = n;
    update();
}
void Timeline::setFrame(qint64 f) {
    frame_ = f;
    update();
}
void Timeline::setLoop(qint64 in, qint64 out, bool enabled) {
    in_ = in;
    out_ = out;
    loop_ = enabled;
    update();
}
void Timeline::setMarks(const QSet<qint64>& m) {
    marks_ = m;
    update();
}
void Timeline::setProduced(const QList<QPair<QColor, qint64>>& bars) {
    produced_ = bars;
    update();
}

double Timeline::xOfFrame(qint64 f) const {
    const double l = 8, r = width() - 8;
    if (count_ <= 1) return l;
    return l + (r - l) * double(f) / double(count_ - 1);
}
qint64 Timeline::frameAtX(double x) const {
    const double l = 8, r = width() - 8;
    if (count_ <= 1) return 0;
    return std::clamp<qint64>(std::llround((x - l) / (r - l) * double(count_ - 1)), 0, count_ - 1);
}

void Timeline::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(30, 30, 30));
    if (count_ <= 0) return;
    const int h = height();
    // loop range
    if (loop_)
        p.fillRect(QRectF(xOfFrame(in_), 2, xOfFrame(out_) - xOfFrame(in_), h - 4),
                   QColor(60, 80, 110));
    // produced bars (one thin line per computed stream)
    int row = 0;
    for (const auto& [color, n] : produced_) {
        p.fillRect(QRectF(xOfFrame(0), h - 4 - 3 * row,
                          xOfFrame(std::max<qint64>(0, n - 1)) - xOfFrame(0), 2),
                   color);
        ++row;
    }
    // ticks
    p.setPen(QColor(90, 90, 90));
    const double pxPerFrame = (width() - 16.0) / std::max<qint64>(1, count_ - 1);
    qint64 stepTick = 1;
    for (qint64 s : {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000})
        if (s * pxPerFrame >= 6) {
            stepTick = s;
            break;
        }
    for (qint64 f = 0; f < count_; f += stepTick) {
        const double x = xOfFrame(f);
        const bool major = (f / stepTick) % 10 == 0;
        p.drawLine(QPointF(x, major ? 4 : 10), QPointF(x, 14));
        if (major) {
            p.setPen(QColor(140, 140, 140));
            p.drawText(QPointF(x + 2, h - 8), QString::number(f));
            p.setPen(QColor(90, 90, 90));
        }
    }
    // marks
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(250, 200, 60));
    for (qint64 m : marks_) {
        const double x = xOfFrame(m);
        QPolygonF tri;
        tri << QPointF(x - 4, 2) << QPointF(x + 4, 2) << QPointF(x, 9);
        p.drawPolygon(tri);
    }
    // playhead
    const double x = xOfFrame(frame_);
    p.setPen(QPen(QColor(255, 90, 60), 2));
    p.drawLine(QPointF(x, 0), QPointF(x, h));
}

void Timeline::mousePressEvent(QMouseEvent* e) {
    Q_EMIT seekRequested(frameAtX(e->position().x()));
}
void Timeline::mouseMoveEvent(QMouseEvent* e) {
    if (e->buttons() & Qt::LeftButton) Q_EMIT seekRequested(frameAtX(e->position().x()));
}

} // namespace vf::ui
