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
#include "ui/CompareLayout.h"
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

// One pane being drawn with the viewer's pane drawing (ui/CompareLayout.h), on a QPainter
// whose origin is the pane's top-left corner.
struct PaneRenderer {
    const ComparisonLayout& L;
    const ComparisonPane& pane;
    int width, height;
    double zoomFactor; // output pixels per viewer pixel (zoomed views keep what they show)
    QImage imgA, imgB, diff;
    qint64 indexA = -1, indexB = -1;

    PaneGeometry geometry() const {
        PaneGeometry g;
        g.size = QSizeF(width, height);
        g.pairSize = L.pairSize;
        g.fit = L.fit;
        g.zoom = L.zoom * zoomFactor;
        g.center = L.center;
        return g;
    }
    QPointF toWidget(QPointF pair) const { return geometry().toPane(pair); }

    static PaneLabelLayer labelLayer(const ComparisonLayer& l, qint64 index) {
        return {l.streamId, l.name, l.color, index, -1}; // a recorded frame is never pending
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
        const PaneGeometry g = geometry();
        p.fillRect(QRect(0, 0, width, height), paneBackground());
        const bool difference = pane.mode == ComparisonPane::Mode::Difference && !diff.isNull();
        if (pane.mode == ComparisonPane::Mode::Wipe) {
            const double x = pane.divider * width;
            drawPaneImage(p, L.font, g, imgA, pane.a.placement, QRectF(0, 0, x, height));
            drawPaneImage(p, L.font, g, imgB, pane.b.placement, QRectF(x, 0, width - x, height));
            drawAnnotations(p, pairFrame);
            drawWipeDivider(p, g, x);
        } else {
            drawPaneImage(p, L.font, g, difference ? diff : imgA, pane.a.placement,
                          QRectF(0, 0, width, height));
            drawAnnotations(p, pairFrame);
        }
        if (L.labels)
            drawPaneLabels(p, L.font, g, pane.mode, labelLayer(pane.a, indexA),
                           labelLayer(pane.b, indexB), L.diffKind);
        if (difference) drawDiffLegend(p, L.font, g, L.diffKind, L.diffRange);
        if (imgA.isNull() && pane.a.streamId >= 0)
            drawPaneMessage(
                p, g,
                QObject::tr("%1: frame %2 is outside its range").arg(pane.a.name).arg(pairFrame));
        if (firstPane && L.frameText)
            drawPaneFrameText(p, g, paneFrameText(pairFrame, L.frameCount, L.fps));
        drawPaneOutline(p, g, pane.a.color);
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
        p.mode = v->mode();
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
    auto whole = [](double v) { return std::max(2, int(std::lround(v))); };
    return {whole(L.viewSize.width() * f), whole(h)};
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
