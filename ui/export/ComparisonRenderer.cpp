#include "ui/export/ComparisonRenderer.h"

#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <limits>

#if VF_HAVE_ANNOTATE
#include "core/annotate/Document.h"
#endif
#include "ui/ImageView.h"
#include "ui/MetricsPanel.h"
#include "ui/Viewer.h"
#include "ui/Workspace.h"

namespace vf::ui {

namespace {

ComparisonLayer layerOf(const Workspace& ws, int id, QSizeF pairSize) {
    ComparisonLayer l;
    const StreamItem* s = ws.stream(id);
    if (!s) return l;
    l.streamId = s->id;
    l.name = s->name;
    l.color = s->color;
    l.placement = s->placement.isEmpty() ? QRectF(QPointF(0, 0), pairSize) : s->placement;
    l.first = s->firstFrame;
    l.frames = s->frames;
    return l;
}

// One pane being drawn: ImageView's geometry and painting, on a QPainter whose origin is the
// pane's top-left corner.
struct PaneRenderer {
    const ComparisonLayout& L;
    const ComparisonPane& pane;
    int width, height;
    double zoomFactor; // output pixels per viewer pixel (zoomed views keep what they show)
    QImage imgA, imgB, diff;
    qint64 indexA = -1, indexB = -1;

    double scale() const {
        const QSizeF ps = L.pairSize;
        if (L.fit) return std::min(width / ps.width(), height / ps.height());
        return L.zoom * zoomFactor;
    }
    QPointF toWidget(QPointF pair) const {
        const double s = scale();
        return (pair - L.center) * s + QPointF(width / 2.0, height / 2.0);
    }

    void drawLayer(QPainter& p, const ComparisonLayer& l, const QImage& layerImg,
                   const QRectF& clip, bool isA) const {
        const QImage& img = (pane.mode == ComparisonPane::Mode::Difference && !diff.isNull() && isA)
                                ? diff
                                : layerImg;
        if (img.isNull()) return;
        const QRectF pl = l.placement;
        const QRectF target(toWidget(pl.topLeft()), toWidget(pl.bottomRight()));
        const double pixelScale = target.width() / img.width();
        p.save();
        p.setClipRect(clip);
        p.setRenderHint(QPainter::SmoothPixmapTransform, pixelScale < 2.0 && pixelScale != 1.0);
        p.drawImage(target, img, QRectF(img.rect()));
        if (pixelScale >= 24) { // pixel grid and values, as ImageView draws them
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
            if (pixelScale >= 56 && (x1 - x0) * (y1 - y0) < 2000) {
                QFont f = L.font;
                f.setPointSizeF(7);
                p.setFont(f);
                const bool grey = img.format() == QImage::Format_Grayscale8;
                for (int y = y0; y < y1; ++y)
                    for (int x = x0; x < x1; ++x) {
                        QRgb c = img.pixel(x, y);
                        p.setPen(qGray(c) > 128 ? Qt::black : Qt::white);
                        QRectF cell(target.left() + x * pixelScale, target.top() + y * pixelScale,
                                    pixelScale, pixelScale);
                        QString t = grey ? QString::number(qGray(c))
                                         : QStringLiteral("%1\n%2\n%3")
                                               .arg(qRed(c))
                                               .arg(qGreen(c))
                                               .arg(qBlue(c));
                        p.drawText(cell, Qt::AlignCenter, t);
                    }
                p.setFont(L.font);
            }
        }
        p.restore();
    }

    void drawLabel(QPainter& p, const ComparisonLayer& l, qint64 index, QPointF at,
                   bool right) const {
        if (l.streamId < 0) return;
        QString text = l.name;
        if (pane.mode == ComparisonPane::Mode::Difference)
            text =
                QStringLiteral("%1 − %2 (%3)")
                    .arg(pane.a.name, pane.b.name, QString::fromLatin1(diffKindName(L.diffKind)));
        if (index >= 0) text += QStringLiteral("  #%1").arg(index);
        QFontMetrics fm(L.font);
        const int w = fm.horizontalAdvance(text) + 22, h = fm.height() + 6;
        QRectF box(right ? at.x() - w : at.x(), at.y(), w, h);
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(20, 20, 20, 190));
        p.drawRoundedRect(box, 4, 4);
        p.setBrush(l.color.isValid() ? l.color : QColor(Qt::gray));
        p.drawRect(QRectF(box.left() + 6, box.top() + h / 2.0 - 4, 8, 8));
        p.setPen(QColor(230, 230, 230));
        p.drawText(box.adjusted(18, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, text);
    }

    void drawLegend(QPainter& p) const {
        const QRectF bar(width - 28, 40, 12, std::max(60, height - 80));
        for (int i = 0; i < int(bar.height()); ++i) {
            double t = 1.0 - i / bar.height();
            p.setPen(diffScaleColor(L.diffKind, t));
            p.drawLine(QPointF(bar.left(), bar.top() + i), QPointF(bar.right(), bar.top() + i));
        }
        p.setPen(QColor(200, 200, 200));
        p.setBrush(Qt::NoBrush);
        p.drawRect(bar);
        const QString top = L.diffKind == DiffKind::Signed ? QStringLiteral("+%1").arg(L.diffRange)
                                                           : QString::number(L.diffRange);
        const QString bottom = L.diffKind == DiffKind::Signed
                                   ? QStringLiteral("−%1").arg(L.diffRange)
                                   : QStringLiteral("0");
        QFontMetrics fm(L.font);
        p.drawText(QPointF(bar.right() - fm.horizontalAdvance(top), bar.top() - 4), top);
        p.drawText(QPointF(bar.right() - fm.horizontalAdvance(bottom), bar.bottom() + fm.height()),
                   bottom);
    }

    void drawAnnotations(QPainter& p, qint64 frame) const {
#if VF_HAVE_ANNOTATE
        if (!L.annotations || !L.document) return;
        const auto& doc = *L.document;
        p.save();
        p.setRenderHint(QPainter::Antialiasing, false);
        for (const auto& [id, tb] : doc.boxesAt(int(frame))) {
            const auto* t = doc.track(id);
            if (!t) continue;
            const auto* lab = doc.label(t->label);
            const QColor c =
                lab ? QColor::fromRgb(QRgb(0xff000000u | lab->color)) : QColor(255, 0, 0);
            const QRectF r(toWidget(QPointF(tb.box.x, tb.box.y)),
                           toWidget(QPointF(tb.box.x + tb.box.w, tb.box.y + tb.box.h)));
            QPen pen(c, 2,
                     tb.keyframe ? Qt::SolidLine : (tb.occluded ? Qt::DotLine : Qt::DashLine));
            p.setPen(pen);
            p.setBrush(Qt::NoBrush);
            p.drawRect(r);
            const QString text = QString::fromStdString(t->label);
            QFontMetrics fm(L.font);
            const QRectF tag(r.left(), r.top() - fm.height() - 2, fm.horizontalAdvance(text) + 8,
                             fm.height() + 2);
            p.fillRect(tag, QColor(c.red(), c.green(), c.blue(), 200));
            p.setPen(qGray(c.rgb()) > 128 ? Qt::black : Qt::white);
            p.drawText(tag, Qt::AlignCenter, text);
        }
        for (const auto& rg : doc.regions) {
            if (frame < rg.firstFrame || frame > rg.lastFrame || rg.points.empty()) continue;
            const auto* lab = doc.label(rg.label);
            const QColor c =
                lab ? QColor::fromRgb(QRgb(0xff000000u | lab->color)) : QColor(255, 0, 0);
            p.setPen(QPen(c, 2));
            p.setBrush(Qt::NoBrush);
            QPolygonF poly;
            for (const auto& pt : rg.points)
                poly << toWidget(QPointF(pt.x, pt.y));
            if (rg.kind == vf::annotate::RegionKind::Polygon)
                p.drawPolygon(poly);
            else
                for (const QPointF& q : poly)
                    p.drawEllipse(q, 3, 3);
        }
        p.restore();
#else
        (void)p;
        (void)frame;
#endif
    }

    void paint(QPainter& p, qint64 pairFrame, bool firstPane) const {
        p.fillRect(QRect(0, 0, width, height), QColor(24, 24, 24));
        const QRectF all(0, 0, width, height);
        if (pane.mode == ComparisonPane::Mode::Wipe) {
            const double x = pane.divider * width;
            drawLayer(p, pane.a, imgA, QRectF(0, 0, x, height), true);
            drawLayer(p, pane.b, imgB, QRectF(x, 0, width - x, height), false);
            drawAnnotations(p, pairFrame);
            p.setPen(QPen(QColor(240, 240, 240, 220), 1.5));
            p.drawLine(QPointF(x, 0), QPointF(x, height));
            p.setBrush(QColor(240, 240, 240, 220));
            p.drawEllipse(QPointF(x, height / 2.0), 5, 5);
            if (L.labels) {
                drawLabel(p, pane.a, indexA, {6, 6}, false);
                drawLabel(p, pane.b, indexB, {width - 6.0, 6}, true);
            }
        } else {
            drawLayer(p, pane.a, imgA, all, true);
            drawAnnotations(p, pairFrame);
            if (L.labels) drawLabel(p, pane.a, indexA, {6, 6}, false);
            if (pane.mode == ComparisonPane::Mode::Difference && !diff.isNull()) drawLegend(p);
        }
        if (imgA.isNull() && pane.a.streamId >= 0) {
            p.setPen(QColor(160, 160, 160));
            p.drawText(
                QRect(0, 0, width, height), Qt::AlignCenter,
                QObject::tr("%1: frame %2 is outside its range").arg(pane.a.name).arg(pairFrame));
        }
        if (firstPane && L.frameText) {
            const QString t = QObject::tr("frame %1 / %2   %3 s")
                                  .arg(pairFrame)
                                  .arg(std::max<qint64>(0, L.frameCount - 1))
                                  .arg(L.fps > 0 ? pairFrame / L.fps : 0.0, 0, 'f', 3);
            p.setPen(QColor(200, 200, 200));
            p.drawText(QRectF(8, height - 22, width - 16, 18), Qt::AlignLeft | Qt::AlignVCenter, t);
        }
        p.setPen(QPen(pane.a.color.isValid() ? pane.a.color.darker(130) : QColor(60, 60, 60), 1));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRect(0, 0, width, height).adjusted(0, 0, -1, -1));
    }
};

QImage layerImage(const cv::Mat& m) {
    if (m.empty()) return {};
    return toQImage(std::make_shared<const cv::Mat>(m));
}

void drawPlotStrip(QPainter& p, const ComparisonLayout& L, QRect r, qint64 frame) {
    p.fillRect(r, QColor(32, 32, 32));
    const QFontMetrics fm(L.font);
    const int left = r.left() + 8 + fm.horizontalAdvance(QStringLiteral("-0.000")),
              right = r.right() - 10;
    const int top = r.top() + fm.height() + 6, bottom = r.bottom() - fm.height() - 6;
    if (right - left < 20 || bottom - top < 10) return;
    qint64 n = std::max<qint64>(1, L.frameCount);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& s : L.series)
        for (double v : s.values)
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
    p.setPen(QColor(200, 200, 200));
    p.drawText(QRect(r.left() + 8, r.top() + 2, r.width() - 16, fm.height() + 2),
               Qt::AlignLeft | Qt::AlignVCenter,
               L.plotMetric.isEmpty() ? QObject::tr("metrics") : L.plotMetric);
    auto xOf = [&](double f) {
        return left + (right - left) * f / double(std::max<qint64>(1, n - 1));
    };
    if (std::isfinite(lo)) {
        if (hi - lo < 1e-12) {
            lo -= 0.5;
            hi += 0.5;
        }
        auto yOf = [&](double v) { return bottom - (bottom - top) * (v - lo) / (hi - lo); };
        p.setPen(QColor(90, 90, 90));
        p.drawRect(QRect(left, top, right - left, bottom - top));
        p.setPen(QColor(170, 170, 170));
        p.drawText(QRect(r.left() + 2, top - fm.height() / 2, left - r.left() - 6, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QString::number(hi, 'g', 4));
        p.drawText(QRect(r.left() + 2, bottom - fm.height() / 2, left - r.left() - 6, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QString::number(lo, 'g', 4));
        p.save();
        p.setRenderHint(QPainter::Antialiasing, true);
        int legendX = left + fm.horizontalAdvance(L.plotMetric) + 40;
        for (const auto& s : L.series) {
            QPainterPath path;
            bool open = false;
            for (size_t i = 0; i < s.values.size(); ++i) {
                const double v = s.values[i];
                if (!std::isfinite(v)) {
                    open = false;
                    continue;
                }
                const QPointF pt(xOf(double(i)), yOf(v));
                if (open)
                    path.lineTo(pt);
                else
                    path.moveTo(pt);
                open = true;
            }
            p.setPen(QPen(s.color.isValid() ? s.color : QColor(Qt::white), 1.5));
            p.setBrush(Qt::NoBrush);
            p.drawPath(path);
            p.fillRect(QRectF(legendX, r.top() + 4 + fm.height() / 2.0 - 4, 8, 8), s.color);
            p.setPen(QColor(210, 210, 210));
            p.drawText(QPointF(legendX + 12, r.top() + 2 + fm.ascent()), s.name);
            legendX += 24 + fm.horizontalAdvance(s.name);
        }
        p.restore();
    } else {
        p.setPen(QColor(150, 150, 150));
        p.drawText(QRect(left, top, right - left, bottom - top), Qt::AlignCenter,
                   QObject::tr("no metric values (Tools > Compute metrics)"));
    }
    // Playhead and the frame axis.
    const double x = xOf(double(frame));
    p.setPen(QPen(QColor(255, 220, 60), 2));
    p.drawLine(QPointF(x, top), QPointF(x, bottom));
    p.setPen(QColor(170, 170, 170));
    p.drawText(QRect(left, bottom + 2, right - left, fm.height() + 2), Qt::AlignLeft,
               QStringLiteral("0"));
    p.drawText(QRect(left, bottom + 2, right - left, fm.height() + 2), Qt::AlignRight,
               QString::number(n - 1));
}

} // namespace

std::vector<ComparisonLayer> ComparisonLayout::streams() const {
    std::vector<ComparisonLayer> out;
    auto add = [&](const ComparisonLayer& l) {
        if (l.streamId < 0) return;
        for (const auto& o : out)
            if (o.streamId == l.streamId) return;
        out.push_back(l);
    };
    for (const auto& p : panes) {
        add(p.a);
        if (p.mode != ComparisonPane::Mode::Single) add(p.b);
    }
    return out;
}

std::pair<qint64, qint64> ComparisonLayout::commonRange() const {
    qint64 lo = 0, hi = frameCount - 1;
    for (const auto& s : streams()) {
        lo = std::max(lo, s.first);
        hi = std::min(hi, s.first + s.frames - 1);
    }
    return {lo, hi};
}

ComparisonLayout captureLayout(const Viewer& viewer, const Workspace& ws,
                               const MetricsPanel* metrics,
                               std::shared_ptr<const vf::annotate::Document> document) {
    ComparisonLayout L;
    auto* self = const_cast<Viewer*>(&viewer); // sync() is not const
    const ViewSync* sync = self->sync();
    L.viewSize = viewer.size();
    L.pairSize = sync->pairSize();
    L.fit = sync->fit();
    L.zoom = sync->zoom();
    L.center = sync->center();
    L.diffKind = viewer.diffKind();
    L.diffRange = viewer.diffRange();
    L.background = viewer.palette().color(QPalette::Window);
    L.frameCount = ws.frameCount();
    L.fps = ws.fps();
    L.font = viewer.font();
    for (const ImageView* v : viewer.panes()) {
        ComparisonPane p;
        p.mode = v->mode() == ImageView::Mode::Wipe         ? ComparisonPane::Mode::Wipe
                 : v->mode() == ImageView::Mode::Difference ? ComparisonPane::Mode::Difference
                                                            : ComparisonPane::Mode::Single;
        p.rect = v->geometry();
        p.divider = v->divider();
        p.a = layerOf(ws, v->streamA(), L.pairSize);
        if (p.mode != ComparisonPane::Mode::Single) p.b = layerOf(ws, v->streamB(), L.pairSize);
        L.font = v->font();
        L.panes.push_back(p);
    }
    if (metrics) {
        L.plotMetric = metrics->plotMetric();
        for (const auto& [id, sm] : metrics->results()) {
            auto it = sm.perFrame.find(L.plotMetric);
            if (it == sm.perFrame.end()) continue;
            L.series.push_back({sm.name, sm.color, it->second});
        }
    }
    L.document = std::move(document);
    L.annotations = L.document != nullptr;
    return L;
}

QSize sourceResolutionSize(const ComparisonLayout& L) {
    double f = 1.0;
    if (L.fit) {
        double s = std::numeric_limits<double>::infinity();
        for (const auto& p : L.panes)
            s = std::min(s, std::min(p.rect.width() / L.pairSize.width(),
                                     p.rect.height() / L.pairSize.height()));
        if (std::isfinite(s) && s > 0) f = 1.0 / s;
    }
    double h = L.viewSize.height() * f;
    if (L.plot) h /= (1.0 - L.plotFraction);
    auto even = [](double v) { return std::max(2, int(std::lround(v / 2.0)) * 2); };
    return {even(L.viewSize.width() * f), even(h)};
}

QImage renderComparisonFrame(const ComparisonLayout& L, const ComparisonFrame& frame, QSize size) {
    QImage out(size, QImage::Format_RGB32);
    out.fill(L.background);
    if (size.isEmpty()) return out;
    const int viewH =
        L.plot ? int(std::lround(size.height() * (1.0 - L.plotFraction))) : size.height();
    const double sx = double(size.width()) / std::max(1, L.viewSize.width());
    const double sy = double(viewH) / std::max(1, L.viewSize.height());
    QPainter p(&out);
    p.setFont(L.font);
    for (size_t i = 0; i < L.panes.size(); ++i) {
        const ComparisonPane& pane = L.panes[i];
        const QRect r = (sx == 1.0 && sy == 1.0)
                            ? pane.rect
                            : QRect(QPoint(int(std::lround(pane.rect.left() * sx)),
                                           int(std::lround(pane.rect.top() * sy))),
                                    QPoint(int(std::lround((pane.rect.right() + 1) * sx)) - 1,
                                           int(std::lround((pane.rect.bottom() + 1) * sy)) - 1));
        PaneRenderer pr{L, pane, r.width(), r.height(), std::min(sx, sy), {}, {}, {}, -1, -1};
        if (i < frame.images.size()) {
            const auto& im = frame.images[i];
            pr.imgA = layerImage(im[0]);
            pr.imgB = layerImage(im[1]);
            if (!im[0].empty()) pr.indexA = frame.pairFrame - pane.a.first;
            if (!im[1].empty()) pr.indexB = frame.pairFrame - pane.b.first;
            if (pane.mode == ComparisonPane::Mode::Difference && !im[0].empty() && !im[1].empty())
                pr.diff = toQImageCopy(differenceImage(im[0], im[1], L.diffKind, L.diffRange));
        }
        p.save();
        p.translate(r.topLeft());
        p.setClipRect(QRect(0, 0, r.width(), r.height()));
        pr.paint(p, frame.pairFrame, i == 0);
        p.restore();
    }
    if (L.plot)
        drawPlotStrip(p, L, QRect(0, viewH, size.width(), size.height() - viewH), frame.pairFrame);
    p.end();
    return out;
}

} // namespace vf::ui
