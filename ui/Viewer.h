#pragma once
// vf::ui::Viewer: the central area. Layouts: a grid of N panes (one per visible stream),
// split/wipe between two streams with a draggable divider, and the difference of two streams
// (absolute, signed, luma) with a colour scale. All panes share zoom/pan (ViewSync) and show
// the same frame: the viewer asks the FrameServer for every shown stream when the playhead
// moves and updates each pane as its frame arrives (the latest completed frame is shown; a
// pane whose frame is still decoding is marked "…").

#include <QWidget>

#include <vector>

#include "ui/ImageView.h"
#include "ui/Workspace.h"

class QGridLayout;

namespace vf::ui {

class Viewer : public QWidget {
    Q_OBJECT
public:
    enum class Layout { Grid, Wipe, Difference };

    explicit Viewer(Workspace* ws, QWidget* parent = nullptr);

    Layout layoutMode() const { return layout_; }
    void setLayoutMode(Layout l);
    static QString layoutName(Layout l);
    static Layout layoutFromName(const QString& n);
    // The two streams compared by Wipe / Difference (stream ids).
    void setCompared(int a, int b);
    int comparedA() const { return compareA_; }
    int comparedB() const { return compareB_; }

    ViewSync* sync() { return &sync_; }
    const std::vector<ImageView*>& panes() const { return panes_; }
    ImageView* paneForStream(int streamId) const;
    // true when every pane shows the playhead's frame for all its streams (or a message).
    bool allCurrent() const;
    // "R G B" per stream at the cursor (pixel inspector), visible or not (cached frames only).
    QList<QPair<QString, QString>> valuesAt(QPointF pairPos) const;
    void setDiffKind(DiffKind k);
    void setDiffRange(double r);
    DiffKind diffKind() const { return diffKind_; }
    double diffRange() const { return diffRange_; }
    void refresh(); // re-request the current frame for every pane

Q_SIGNALS:
    void panesRebuilt();
    void frameShown(); // some pane received a frame

private:
    void rebuild();
    void requestFor(ImageView* pane, int streamId, bool isB);
    void onFrameReady(int key, qint64 index, FramePtr frame);
    void onFrameFailed(int key, qint64 index, const QString& message);
    qint64 streamIndex(const StreamItem& s, qint64 pairFrame) const;
    void defaultCompared();

    Workspace* ws_;
    ViewSync sync_;
    QGridLayout* grid_;
    std::vector<ImageView*> panes_;
    Layout layout_ = Layout::Grid;
    int compareA_ = -1, compareB_ = -1;
    DiffKind diffKind_ = DiffKind::Absolute;
    double diffRange_ = 64;
    double divider_ = 0.5;
};

} // namespace vf::ui
