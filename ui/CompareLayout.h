#pragma once
// vf::ui compare-pane layout and drawing, shared by the viewer's panes (ImageView::paintEvent)
// and the comparison-video renderer (ui/export/ComparisonRenderer), so that an exported
// comparison video shows what the user sees: the pair <-> pane mapping (fit or shared
// zoom/pan), a stream's image at its placement with the pixel grid and values at high zoom,
// the wipe divider, the pane labels (text, colour swatch, pending state), the difference
// legend, the frame text and the pane outline. Pure QPainter code: any thread, any device.

#include <QColor>
#include <QFont>
#include <QImage>
#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include "ui/ImageUtil.h"

class QPainter;

namespace vf::ui {

// What a pane shows: one stream, two streams split by a wipe divider, or their difference.
enum class PaneMode { Single, Wipe, Difference };

// Pane geometry: the pane's size in its own pixels and the view state shared by the panes.
struct PaneGeometry {
    QSizeF size;               // pane size (pixels of the device drawn on)
    QSizeF pairSize{640, 480}; // the pair's pixel grid
    bool fit = true;           // scale chosen to show the whole pair
    double zoom = 1.0;         // pane pixels per pair pixel when !fit
    QPointF center{320, 240};  // pair point at the pane centre when !fit

    double scale() const;
    QPointF toPane(QPointF pair) const;
    QPointF toPair(QPointF pane) const;
};

// One stream of a pane, as its label describes it.
struct PaneLabelLayer {
    int id = -1; // -1 = no stream
    QString name;
    QColor color;
    qint64 index = -1;  // the stream's frame shown (-1 = none)
    qint64 wanted = -1; // the stream's frame the playhead asks for (-1 = unknown)
    bool stale = false; // no frame since the playhead moved (used when `wanted` is unknown)
    bool pending() const { return wanted >= 0 ? index != wanted : stale; }
};

struct PaneLabel {
    bool visible = false;
    QString text;
    QColor swatch;
    bool pending = false; // drawn dimmed with a trailing "…"
};

// The label of layer `which` (0 = A, 1 = B) of a pane. Single: A only. Wipe: each layer its
// own name, frame index and pending state. Difference: one label (on A) naming both streams
// and their frame indices (both when they differ), pending while either is.
PaneLabel paneLabel(PaneMode mode, const PaneLabelLayer& a, const PaneLabelLayer& b, int which,
                    DiffKind diffKind);

// Draws the image (a stream's frame, or the difference image) at `placement` (pair pixels),
// clipped to `clip` (pane pixels): crisp pixels when zoomed in, smooth when zoomed out; an
// optional overlay (stage heat map) over it; the pixel grid from 24 pane pixels per image pixel
// and the values from 56.
void drawPaneImage(QPainter& p, const QFont& font, const PaneGeometry& g, const QImage& img,
                   const QRectF& placement, const QRectF& clip, const QImage& overlay = {},
                   double overlayOpacity = 0.0);
// The wipe divider at pane x, with its handle.
void drawWipeDivider(QPainter& p, const PaneGeometry& g, double x);
// The labels of a pane at their places: A at the top left, B (wipe) at the top right.
void drawPaneLabels(QPainter& p, const QFont& font, const PaneGeometry& g, PaneMode mode,
                    const PaneLabelLayer& a, const PaneLabelLayer& b, DiffKind diffKind);
// One label box with its top-left (or top-right when `right`) corner at `at`.
void drawPaneLabel(QPainter& p, const QFont& font, const PaneLabel& label, QPointF at, bool right);
// The colour scale of the difference at the pane's right edge.
void drawDiffLegend(QPainter& p, const QFont& font, const PaneGeometry& g, DiffKind kind,
                    double range);
// A centred grey message (no frame: "not computed", "outside its range").
void drawPaneMessage(QPainter& p, const PaneGeometry& g, const QString& text);
// The frame text ("frame i / n   t s") at the bottom left.
void drawPaneFrameText(QPainter& p, const PaneGeometry& g, const QString& text);
QString paneFrameText(qint64 pairFrame, qint64 frameCount, double fps);
// The thin outline in the colour of the pane's stream A.
void drawPaneOutline(QPainter& p, const PaneGeometry& g, QColor streamColor);
// The pane background.
inline QColor paneBackground() {
    return {24, 24, 24};
}

} // namespace vf::ui
