#pragma once
// vf::ui comparison rendering: the viewer's CURRENT layout (grid, wipe or difference panes,
// pane labels, zoom/pan, the frame text, an optional strip of per-frame metric plots with a
// playhead and optional annotation boxes) drawn with QPainter onto a QImage, for any frame
// and any output size. No widget is involved, so it runs on any thread (QPainter on QImage
// is thread-safe in Qt 6); the comparison-video exporter renders every frame with it.
//
// WYSIWYG: captureLayout() records the panes' geometry in the viewer and everything each
// ImageView paints; renderComparisonFrame() draws each pane with the same functions as
// ImageView::paintEvent (ui/CompareLayout.h; without the mouse-only decorations: crosshair,
// magnifier) so that at the viewer's own size it gives the pixels the screen shows. At another size
// the pane rectangles are scaled, images are drawn at the correspondingly scaled zoom, and labels
// keep their on-screen size.

#include <QColor>
#include <QFont>
#include <QImage>
#include <QRectF>
#include <QSize>
#include <QString>

#include <array>
#include <memory>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "ui/CompareLayout.h"
#include "ui/ImageUtil.h"

namespace vf::annotate {
struct Document;
}

namespace vf::ui {

class Viewer;
class Workspace;
class MetricsPanel;

struct ComparisonLayer {
    int streamId = -1; // -1 = no stream in this slot
    QString name;
    QColor color;
    QRectF placement; // in pair pixels (never empty once captured)
    qint64 first = 0; // pair frame shown by the stream's frame 0
    qint64 frames = 0;
};

struct ComparisonPane {
    using Mode = PaneMode; // Single, Wipe, Difference (as vf::ui::ImageView::Mode)
    Mode mode = Mode::Single;
    QRect rect; // in the viewer, at ComparisonLayout::viewSize
    ComparisonLayer a, b;
    double divider = 0.5; // wipe divider, fraction of the pane width
};

struct PlotSeries {
    QString name;
    QColor color;
    std::vector<double> values; // per pair frame (NaN = none)
};

struct ComparisonLayout {
    QSize viewSize{640, 480}; // the viewer's size when captured
    QSizeF pairSize{640, 480};
    bool fit = true; // zoom/pan shared by the panes (vf::ui::ViewSync)
    double zoom = 1.0;
    QPointF center{320, 240};
    DiffKind diffKind = DiffKind::Absolute;
    double diffRange = 64;
    QFont font;
    QColor background{18, 18, 18};
    std::vector<ComparisonPane> panes;
    qint64 frameCount = 0; // of the pair (frame text)
    double fps = 0;
    bool labels = true;    // pane labels
    bool frameText = true; // "frame i / n   t s" on the first pane

    // Optional strip of per-frame plots under the panes (a fraction of the output height).
    bool plot = false;
    QString plotMetric;
    std::vector<PlotSeries> series;
    double plotFraction = 0.25;

    // Optional annotation overlay (boxes of the document's tracks at each frame).
    bool annotations = false;
    std::shared_ptr<const vf::annotate::Document> document;

    // Streams the layout shows (each once, in pane order).
    std::vector<ComparisonLayer> streams() const;
    // The pair frames every shown stream has, as [first, last] (empty range: last < first).
    std::pair<qint64, qint64> commonRange() const;
};

// The pictures of one frame: for each pane, the frame of layer a and of layer b (empty
// matrices where the stream has no frame there). Frames are the streams' own frames (8-bit
// BGR or grey), as the viewer gets them.
struct ComparisonFrame {
    qint64 pairFrame = 0;
    std::vector<std::array<cv::Mat, 2>> images; // one entry per pane
};

// Records the viewer's current layout (GUI thread). `metrics` (may be null) supplies the
// plotted metric's per-frame series; `document` (may be null) the annotations.
ComparisonLayout captureLayout(const Viewer& viewer, const Workspace& ws,
                               const MetricsPanel* metrics = nullptr,
                               std::shared_ptr<const vf::annotate::Document> document = {});

// The output size at which every pane shows the pair at its source resolution (1:1 with the
// current fit), plus the plot strip when enabled, in whole pixels (at least 2x2).
// comparisonOutputSize() makes it even where the encoder needs that (H.264 4:2:0).
QSize sourceResolutionSize(const ComparisonLayout& layout);

// Renders one frame of the layout at `size` (Format_RGB32). Any thread.
QImage renderComparisonFrame(const ComparisonLayout& layout, const ComparisonFrame& frame,
                             QSize size);

} // namespace vf::ui
