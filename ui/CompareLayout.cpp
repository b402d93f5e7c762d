#include "ui/CompareLayout.h"

#include <QCoreApplication>
#include <QFontMetrics>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace vf::ui {

double PaneGeometry::scale() const {
    if (fit) return std::min(size.width() / pairSize.width(), size.height() / pairSize.height());
    return zoom;
}
QPointF PaneGeometry::toPane(QPointF pair) const {
    return (pair - center) * scale() + QPointF(size.width() / 2.0, size.height() / 2.0);
}
QPointF PaneGeometry::toPair(QPointF pane) const {
    return (pane - QPointF(size.width() / 2.0, size.height() / 2.0)) / scale() + center;
}

PaneLabel paneLabel(PaneMode mode, const PaneLabelLayer& a, const PaneLabelLayer& b, int which,
                    DiffKind diffKind) {
    PaneLabel out;
    if (which == 1 && mode != PaneMode::Wipe) return out; // only a wipe labels B separately
    const PaneLabelLayer& l = which == 1 ? b : a;
    if (l.id < 0) return out;
    out.visible = true;
    out.swatch = l.color.isValid() ? l.color : QColor(Qt::gray);
    if (mode == PaneMode::Difference) {
        out.text = QStringLiteral("%1 − %2 (%3)")
                       .arg(a.name, b.name, QString::fromLatin1(diffKindName(diffKind)));
        if (a.index >= 0 && b.index >= 0 && a.index != b.index)
            out.text += QStringLiteral("  #%1 / #%2").arg(a.index).arg(b.index);
        else if (a.index >= 0)
            out.text += QStringLiteral("  #%1").arg(a.index);
        out.pending = a.pending() || (b.id >= 0 && b.pending());
    } else {
        out.text = l.name;
        if (l.index >= 0) out.text += QStringLiteral("  #%1").arg(l.index);
        out.pending = l.pending();
    }
    if (out.pending) out.text += QStringLiteral("  …");
    return out;
}

void drawPaneImage(QPainter& p, const QFont& font, const PaneGeometry& g, const QImage& img,
                   const QRectF& placement, const QRectF& clip, const QImage& overlay,
                   double overlayOpacity) {
    if (img.isNull()) return;
    const QRectF target(g.toPane(placement.topLeft()), g.toPane(placement.bottomRight()));
    const double pixelScale = target.width() / img.width();
    p.save();
    p.setClipRect(clip);
    // Crisp pixels when zoomed in, smooth when zoomed out.
    p.setRenderHint(QPainter::SmoothPixmapTransform, pixelScale < 2.0 && pixelScale != 1.0);
    p.drawImage(target, img, QRectF(img.rect()));
    if (!overlay.isNull()) {
        p.setOpacity(overlayOpacity);
        p.setRenderHint(QPainter::SmoothPixmapTransform, false);
        p.drawImage(target, overlay, QRectF(overlay.rect()));
        p.setOpacity(1.0);
    }
    // Pixel grid and values at very high zoom.
    if (pixelScale >= 24) {
        const QRectF vis = target.intersected(clip);
        const int x0 = std::max(0, int((vis.left() - target.left()) / pixelScale));
        const int y0 = std::max(0, int((vis.top() - target.top()) / pixelScale));
        const int x1 = std::min(img.width(), int((vis.right() - target.left()) / pixelScale) + 1);
        const int y1 = std::min(img.height(), int((vis.bottom() - target.top()) / pixelScale) + 1);
        p.setPen(QColor(0, 0, 0, 60));
        for (int x = x0; x <= x1; ++x)
            p.drawLine(QPointF(target.left() + x * pixelScale, vis.top()),
                       QPointF(target.left() + x * pixelScale, vis.bottom()));
        for (int y = y0; y <= y1; ++y)
            p.drawLine(QPointF(vis.left(), target.top() + y * pixelScale),
                       QPointF(vis.right(), target.top() + y * pixelScale));
        if (pixelScale >= 56 && (x1 - x0) * (y1 - y0) < 2000) {
            QFont f = font;
            f.setPointSizeF(7);
            p.setFont(f);
            const bool grey = img.format() == QImage::Format_Grayscale8;
            for (int y = y0; y < y1; ++y)
                for (int x = x0; x < x1; ++x) {
                    const QRgb c = img.pixel(x, y);
                    p.setPen(qGray(c) > 128 ? Qt::black : Qt::white);
                    const QRectF cell(target.left() + x * pixelScale, target.top() + y * pixelScale,
                                      pixelScale, pixelScale);
                    const QString t = grey ? QString::number(qGray(c))
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

void drawWipeDivider(QPainter& p, const PaneGeometry& g, double x) {
    p.save();
    p.setPen(QPen(QColor(240, 240, 240, 220), 1.5));
    p.drawLine(QPointF(x, 0), QPointF(x, g.size.height()));
    p.setBrush(QColor(240, 240, 240, 220));
    p.drawEllipse(QPointF(x, g.size.height() / 2.0), 5, 5);
    p.restore();
}

void drawPaneLabel(QPainter& p, const QFont& font, const PaneLabel& label, QPointF at, bool right) {
    if (!label.visible) return;
    p.save();
    p.setFont(font);
    const QFontMetrics fm(font);
    const int w = fm.horizontalAdvance(label.text) + 22, h = fm.height() + 6;
    const QRectF box(right ? at.x() - w : at.x(), at.y(), w, h);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(20, 20, 20, 190));
    p.drawRoundedRect(box, 4, 4);
    p.setBrush(label.swatch);
    p.drawRect(QRectF(box.left() + 6, box.top() + h / 2.0 - 4, 8, 8));
    p.setPen(label.pending ? QColor(150, 150, 150) : QColor(230, 230, 230));
    p.drawText(box.adjusted(18, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, label.text);
    p.restore();
}

void drawPaneLabels(QPainter& p, const QFont& font, const PaneGeometry& g, PaneMode mode,
                    const PaneLabelLayer& a, const PaneLabelLayer& b, DiffKind diffKind) {
    drawPaneLabel(p, font, paneLabel(mode, a, b, 0, diffKind), {6, 6}, false);
    if (mode == PaneMode::Wipe)
        drawPaneLabel(p, font, paneLabel(mode, a, b, 1, diffKind), {g.size.width() - 6.0, 6}, true);
}

void drawDiffLegend(QPainter& p, const QFont& font, const PaneGeometry& g, DiffKind kind,
                    double range) {
    const double width = g.size.width(), height = g.size.height();
    const QRectF bar(width - 28, 40, 12, std::max(60.0, height - 80));
    p.save();
    p.setFont(font);
    for (int i = 0; i < int(bar.height()); ++i) {
        const double t = 1.0 - i / bar.height();
        p.setPen(diffScaleColor(kind, t));
        p.drawLine(QPointF(bar.left(), bar.top() + i), QPointF(bar.right(), bar.top() + i));
    }
    p.setPen(QColor(200, 200, 200));
    p.setBrush(Qt::NoBrush);
    p.drawRect(bar);
    const QString top =
        kind == DiffKind::Signed ? QStringLiteral("+%1").arg(range) : QString::number(range);
    const QString bottom =
        kind == DiffKind::Signed ? QStringLiteral("−%1").arg(range) : QStringLiteral("0");
    const QFontMetrics fm(font);
    p.drawText(QPointF(bar.right() - fm.horizontalAdvance(top), bar.top() - 4), top);
    p.drawText(QPointF(bar.right() - fm.horizontalAdvance(bottom), bar.bottom() + fm.height()),
               bottom);
    p.restore();
}

void drawPaneMessage(QPainter& p, const PaneGeometry& g, const QString& text) {
    if (text.isEmpty()) return;
    p.save();
    p.setPen(QColor(160, 160, 160));
    p.drawText(QRectF(QPointF(0, 0), g.size), Qt::AlignCenter, text);
    p.restore();
}

void drawPaneFrameText(QPainter& p, const PaneGeometry& g, const QString& text) {
    if (text.isEmpty()) return;
    p.save();
    p.setPen(QColor(200, 200, 200));
    p.drawText(QRectF(8, g.size.height() - 22, g.size.width() - 16, 18),
               Qt::AlignLeft | Qt::AlignVCenter, text);
    p.restore();
}

QString paneFrameText(qint64 pairFrame, qint64 frameCount, double fps) {
    // The same text as the viewer's (vf::ui::Viewer::refresh).
    return QCoreApplication::translate("vf::ui::Viewer", "frame %1 / %2   %3 s")
        .arg(pairFrame)
        .arg(std::max<qint64>(0, frameCount - 1))
        .arg(fps > 0 ? pairFrame / fps : 0.0, 0, 'f', 3);
}

void drawPaneOutline(QPainter& p, const PaneGeometry& g, QColor streamColor) {
    p.save();
    p.setPen(QPen(streamColor.isValid() ? streamColor.darker(130) : QColor(60, 60, 60), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(QRect(0, 0, int(g.size.width()), int(g.size.height())).adjusted(0, 0, -1, -1));
    p.restore();
}

} // namespace vf::ui
