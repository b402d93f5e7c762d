#pragma once
// vf::report — results of a comparison written without a display: metric tables (CSV, JSON,
// Markdown), per-frame metric plots (SVG written by hand, PNG drawn with OpenCV), a one-page
// self-contained HTML report, and clip export (Export.h). No Qt, no LibTorch.
//
// Every write goes through vf::writeFileAtomic: a missing or unwritable destination folder
// throws vf::Error(WriteFailed) naming the folder, and nothing is left behind.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "core/metrics/Metrics.h"

namespace vf::report {

// ------------------------------------------------------------------------------ tables
// One row per stream (EvalResult::streams, then the "inputs vs refs" row when present);
// for each metric the mean and the standard deviation over the evaluated frames (frame
// pairs for temporal metrics), as computed by vf::metrics::computeStats. The conventions
// (name + every switch) and the flow method are recorded in every format.
//
// CSV: header "stream,path,frames,<M>_mean,<M>_std,...,convention,flow"; numbers with 10
//      significant digits, empty cells for missing / non-finite values.
// JSON: {"conventions":{...},"flow":"...","start":N,"count":N,"metrics":[names],
//        "streams":[{"name","path","summary":{"EN":{"mean","std","median","min","max","n"}},
//        "clips":[{"EN":{"mean","std",...}}, ...]}], "warnings":[...]}
// Markdown: a pipe table "| Stream | EN ↑ | ... |" with "mean ± std" cells (4 decimals),
//      followed by a line naming the conventions and the frame range.
std::string tableCsv(const metrics::EvalResult& r);
std::string tableJson(const metrics::EvalResult& r); // pretty-printed
std::string tableMarkdown(const metrics::EvalResult& r);
void writeTableCsv(const metrics::EvalResult& r, const std::filesystem::path& path);
void writeTableJson(const metrics::EvalResult& r, const std::filesystem::path& path);
void writeTableMarkdown(const metrics::EvalResult& r, const std::filesystem::path& path);

// A one-line description of a convention set ("toolbox: MATLAB rgb2gray, MI/EN in bits, ...").
std::string describeConventions(const metrics::Conventions& c);

// ------------------------------------------------------------------------------ plots
struct Series {
    std::string name;
    std::vector<double> values; // values[i] is frame firstFrame + i; NaN / inf = no value
};

struct PlotOptions {
    std::string title;
    std::string xLabel = "frame";
    std::string yLabel;
    int width = 720, height = 360; // pixels (SVG user units and PNG size)
    int firstFrame = 0;
};

// The per-frame curves of `metric` for every stream of `r` (in stream order).
std::vector<Series> seriesFor(const metrics::EvalResult& r, metrics::Metric metric);

// "Nice" axis ticks (1, 2, 5 x 10^k steps) covering [lo, hi], about `target` of them.
std::vector<double> niceTicks(double lo, double hi, int target = 6);

// SVG document: white background, axes with ticks and tick labels, axis labels, title, a
// legend, and exactly ONE <polyline> per series (points with a non-finite value are
// skipped; a series without any finite value gets an empty polyline so the count stays one
// per series). Colours from a fixed palette (seriesColor).
std::string plotSvg(const std::vector<Series>& series, const PlotOptions& opt);
// The same plot drawn with OpenCV (CV_8UC3, opt.width x opt.height).
cv::Mat plotImage(const std::vector<Series>& series, const PlotOptions& opt);
// Palette colour of series i as "#rrggbb" and as BGR.
std::string seriesColorHex(size_t i);
cv::Scalar seriesColorBgr(size_t i);

void writePlotSvg(const std::vector<Series>& series, const PlotOptions& opt,
                  const std::filesystem::path& path);
void writePlotPng(const std::vector<Series>& series, const PlotOptions& opt,
                  const std::filesystem::path& path);
// One SVG and one PNG per metric of `r` into `dir` (created if its parent exists):
// <dir>/<metric>.svg and <dir>/<metric>.png. Returns the files written.
std::vector<std::filesystem::path> writeMetricPlots(const metrics::EvalResult& r,
                                                    const std::filesystem::path& dir);

// ------------------------------------------------------------------------------ HTML
struct MethodEntry {
    std::string name;                                        // stream name (table row)
    std::string source;                                      // fused file / method id
    std::vector<std::pair<std::string, std::string>> params; // key, value
};

struct ReportContent {
    std::string title = "vfstudio comparison";
    std::vector<MethodEntry> methods;                        // one per stream
    std::vector<std::pair<std::string, cv::Mat>> thumbnails; // label, frame (8-bit BGR/grey)
    int thumbnailFrame = 0;                                  // the frame the thumbnails show
    metrics::EvalResult result;
};

std::string base64Encode(const std::string& bytes);
// "data:image/png;base64,..." of `img` shrunk to at most maxWidth pixels wide.
std::string pngDataUri(const cv::Mat& img, int maxWidth = 320);
// Escapes & < > " ' for HTML / XML text and attributes.
std::string htmlEscape(const std::string& s);

// One self-contained page (no external files): inputs, methods and parameters, conventions,
// the metric table (mean ± std), one inline SVG plot per metric, thumbnails as base64 PNG.
std::string renderHtml(const ReportContent& c);
void writeHtml(const ReportContent& c, const std::filesystem::path& path);

} // namespace vf::report
