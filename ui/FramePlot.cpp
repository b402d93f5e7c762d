#include "ui/FramePlot.h"

#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <limits>

namespace vf::ui {

FramePlotHandles rebuildFramePlot(QChart* ch, const QString& yTitle,
                                  const std::vector<FramePlotCurve>& curves, qint64 frameCount,
                                  double emptyHi) {
    ch->removeAllSeries();
    for (QAbstractAxis* a : ch->axes()) {
        ch->removeAxis(a);
        delete a;
    }
    FramePlotHandles h;
    h.axisX = new QValueAxis();
    h.axisY = new QValueAxis();
    h.axisX->setTitleText(QObject::tr("frame"));
    h.axisX->setLabelFormat(QStringLiteral("%d"));
    h.axisY->setTitleText(yTitle);
    ch->addAxis(h.axisX, Qt::AlignBottom);
    ch->addAxis(h.axisY, Qt::AlignLeft);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const FramePlotCurve& c : curves) {
        auto* s = new QLineSeries();
        s->setName(c.name);
        s->setColor(c.color);
        if (c.values) {
            for (size_t f = 0; f < c.values->size(); ++f) {
                const double v = (*c.values)[f];
                if (!std::isfinite(v)) continue;
                s->append(double(f), v);
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
        ch->addSeries(s);
        s->attachAxis(h.axisX);
        s->attachAxis(h.axisY);
    }
    if (!std::isfinite(lo)) {
        lo = 0;
        hi = emptyHi;
    }
    if (hi - lo < 1e-9) hi = lo + 1;
    const double pad = (hi - lo) * 0.05;
    h.axisY->setRange(lo - pad, hi + pad);
    h.axisX->setRange(0, std::max<double>(1, double(frameCount - 1)));
    h.playhead = new QLineSeries();
    h.playhead->setName(QObject::tr("playhead"));
    h.playhead->setColor(QColor(255, 90, 60));
    ch->addSeries(h.playhead);
    h.playhead->attachAxis(h.axisX);
    h.playhead->attachAxis(h.axisY);
    for (QLegendMarker* mk : ch->legend()->markers(h.playhead))
        mk->setVisible(false);
    return h;
}

void moveFramePlotPlayhead(const FramePlotHandles& h, qint64 frame) {
    if (!h.playhead || !h.axisY) return;
    const double x = double(frame);
    h.playhead->replace(QList<QPointF>{{x, h.axisY->min()}, {x, h.axisY->max()}});
}

QPoint framePlotPosition(const QChartView* view, double frame, double y) {
    const QPointF scene =
        view->chart()->mapToScene(view->chart()->mapToPosition(QPointF(frame, y)));
    return view->mapFromScene(scene);
}

} // namespace vf::ui
