#pragma once
// Metrics inside annotations: any image metric of core/metrics restricted to a box, a
// polygon or a track (whose box moves with the interpolation), per frame and per clip, for
// every stream given. Masks come from core/metrics (rectMask / polygonMask); the metric
// definitions under a mask are those of core/metrics/Metrics.h ("Masks").

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "core/annotate/Document.h"
#include "core/annotate/Tracker.h" // FrameProvider
#include "core/common/Progress.h"
#include "core/metrics/Metrics.h"

namespace vf::annotate {

// CV_8UC1 masks (255 inside) of the image size.
cv::Mat boxMask(const Rect& box, cv::Size size);
// Polygon: filled; points: discs of radius `pointRadius` pixels around each point.
cv::Mat regionMask(const Region& region, cv::Size size, int pointRadius = 3);
// Mask of the track or region with this id at `frame`; an empty Mat when it is not present
// at that frame (hidden, outside its frame span, or no pixel of it inside the image).
// Throws InvalidArgument for an unknown id.
cv::Mat annotationMask(const Document& doc, int id, int frame, cv::Size size);

struct RegionStreamResult {
    std::string stream;
    std::vector<int> frames; // frames where the annotation was present (and measured)
    std::map<vf::metrics::Metric, std::vector<double>> perFrame; // aligned with `frames`
    std::map<vf::metrics::Metric, vf::metrics::Stats> summary;   // per clip
};

// Image metrics of every stream in `streams` (name, frames; e.g. the fused results, or the
// IR/visible inputs themselves) against the IR and visible sources, inside annotation `id`,
// over frames [first, last]. Frames where the annotation is absent are skipped.
std::vector<RegionStreamResult>
regionMetrics(const Document& doc, int id, int first, int last, const FrameProvider& ir,
              const FrameProvider& visible,
              const std::vector<std::pair<std::string, FrameProvider>>& streams,
              const std::vector<vf::metrics::Metric>& which,
              const vf::metrics::Conventions& conv = vf::metrics::Conventions::toolbox(),
              const ProgressFn& progress = {}, const CancelToken& cancel = {});

} // namespace vf::annotate
