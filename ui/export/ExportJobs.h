#pragma once
// vf::ui export jobs (issue #9): clips of workspace streams and WYSIWYG comparison videos,
// run as pool jobs of the JobManager (progress, ETA and cancel in the jobs panel). Frames are
// read, rendered and encoded on the worker thread through vf::io::ClipWriter, which writes to
// temporary names and renames on success: a cancelled or failed export leaves nothing.
//
// The start functions validate the request on the GUI thread first and throw vf::Error with a
// message naming the file and the problem (destination folder missing or read-only, an
// existing destination without `overwrite`, a stream still being computed, an empty range).

#include <QSize>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

#include "core/io/ClipWriter.h"
#include "ui/Jobs.h"
#include "ui/Workspace.h"
#include "ui/export/ComparisonRenderer.h"

namespace vf::ui {

enum class ExportFormat { H264Mp4, Ffv1Mkv, PngFrames };
QString exportFormatName(ExportFormat f);   // "H.264 MP4", "FFV1 MKV (lossless)", "PNG frames"
QString exportFormatSuffix(ExportFormat f); // ".mp4", ".mkv", "" (a folder)
// H.264 chroma: "Full colour (4:4:4)" / "Compatible (4:2:0)".
QString exportChromaName(vf::io::ChromaSampling c);

struct ClipExportRequest {
    std::vector<int> streams; // stream ids, written side by side in one pass
    ExportFormat format = ExportFormat::H264Mp4;
    int crf = 18; // H.264 quality: 0 (lossless) .. 51
    QString preset = QStringLiteral("medium");
    // H.264 chroma: 4:2:0 by default (clips of camera-like streams; plays everywhere).
    vf::io::ChromaSampling chroma = vf::io::ChromaSampling::Yuv420;
    qint64 start = 0;  // first PAIR frame
    qint64 count = -1; // frames; -1 = to the end
    // One stream: the file (.mp4 / .mkv) or the PNG folder. Several streams: a folder that
    // receives "<stream name>.mp4" / ".mkv" / "<stream name>/" per stream.
    QString destination;
    bool overwrite = false; // replace existing destinations
};

// The files / folders a clip export writes (absolute paths, in the order of req.streams).
QStringList clipExportTargets(const Workspace& ws, const ClipExportRequest& req);
// Those of `targets` that exist already (files, or non-empty PNG folders).
QStringList existingTargets(const QStringList& targets);

// Starts a clip export; returns the submitted job. Throws vf::Error (see above).
Job* startClipExport(JobManager& jobs, const Workspace& ws, const ClipExportRequest& req);

struct ComparisonExportRequest {
    ComparisonLayout layout;
    qint64 start = 0;  // first PAIR frame
    qint64 count = -1; // -1 = to the end of the range every shown stream has
    QSize size;        // output size; empty = sourceResolutionSize(layout)
    ExportFormat format = ExportFormat::H264Mp4;
    int crf = 18;
    QString preset = QStringLiteral("medium");
    // H.264 chroma: full colour by default, since 4:2:0 averages the colour of 2x2 pixels and
    // so smears pane outlines, label swatches, coloured annotation boxes and false-colour
    // (difference, heat map) panes; 4:2:0 remains for players/browsers without 4:4:4.
    vf::io::ChromaSampling chroma = vf::io::ChromaSampling::Yuv444;
    // x264 tuning: "psnr" (no psycho-visual optimisations, which add noise around the sharp
    // edges of labels, outlines and false colour: +10 dB RGB PSNR on saturated graphics at
    // CRF 12, +2 dB on the demo wipe); "" = x264's default.
    QString tune = QStringLiteral("psnr");
    QString destination; // .mp4 / .mkv file (or a folder for PNG frames)
    bool overwrite = false;
};

// The writer options of a comparison video (format, CRF, preset, chroma, tuning; fps: the
// caller's).
vf::io::ClipWriterOptions comparisonClipOptions(const ComparisonExportRequest& req);
// The size the comparison video is written at: req.size, or the source resolution when it is
// empty; rounded down to even numbers for H.264 4:2:0 only.
QSize comparisonOutputSize(const ComparisonExportRequest& req);
// Starts a comparison-video export; returns the submitted job. Throws vf::Error.
Job* startComparisonExport(JobManager& jobs, const Workspace& ws,
                           const ComparisonExportRequest& req);

// Reads the frames a layout shows (made on the GUI thread, used on ONE worker thread):
// every pane's stream frames at a pair frame, as the viewer would receive them.
class LayoutFrameReader {
public:
    LayoutFrameReader(const Workspace& ws, const ComparisonLayout& layout); // vf::Error
    ~LayoutFrameReader();
    ComparisonFrame read(qint64 pairFrame);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace vf::ui
