#pragma once
// vf::ui::StreamReader: an independent reader of one workspace stream for a worker thread
// (x–t slices, intensity curves, region metrics, blind comparison). Made on the GUI thread
// from the workspace (source streams are FrameSource clones, finished results their frame
// folders, external streams reopened from their files); used on ONE worker thread. Frames
// are addressed by PAIR frame index and can be returned in the pair's geometry (streams with
// a preview scale or a region of interest are resized into their placement rectangle, black
// elsewhere), so every stream lines up with the inputs.

#include <QColor>
#include <QRectF>
#include <QString>

#include <memory>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/io/FrameSource.h"
#include "ui/Workspace.h"

namespace vf::ui {

struct StreamReader {
    int id = -1;
    QString name;
    QColor color;
    StreamRole role = StreamRole::Infrared;
    qint64 first = 0;  // pair frame of the stream's frame 0
    qint64 frames = 0; // stream length
    QRectF placement;  // in pair pixels (whole pair when the stream has none)
    cv::Size pairSize;
    std::unique_ptr<vf::io::FrameSource> source;

    bool has(qint64 pairFrame) const { return pairFrame >= first && pairFrame < first + frames; }
    // The stream's own frame shown at pair frame `pairFrame` (vf::Error when outside).
    cv::Mat readOwn(qint64 pairFrame);
    // The same frame in the pair's geometry (pair size; resized into the placement).
    cv::Mat readPair(qint64 pairFrame);
    bool pairGeometry() const; // frames already have the pair's size and placement
};

// Readers for the streams of the workspace: every stream when `visibleOnly` is false, else
// the visible ones; computed streams only when complete. Streams that cannot be opened are
// skipped and their problem appended to `problems` (if given).
std::vector<std::shared_ptr<StreamReader>> makeStreamReaders(const Workspace& ws, bool visibleOnly,
                                                             QStringList* problems = nullptr);
// One reader (nullptr with `problem` set when the stream cannot be read).
std::shared_ptr<StreamReader> makeStreamReader(const Workspace& ws, const StreamItem& s,
                                               QString* problem = nullptr);

} // namespace vf::ui
