#include "core/annotate/RegionMetrics.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"

namespace vf::annotate {

namespace m = vf::metrics;

cv::Mat boxMask(const Rect& box, cv::Size size) {
    const int x0 = int(std::floor(box.x)), y0 = int(std::floor(box.y));
    const int x1 = int(std::ceil(box.x + box.w)), y1 = int(std::ceil(box.y + box.h));
    return m::rectMask(size, cv::Rect(x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)));
}

cv::Mat regionMask(const Region& region, cv::Size size, int pointRadius) {
    if (region.kind == RegionKind::Polygon) {
        std::vector<cv::Point> poly;
        for (const Point& p : region.points)
            poly.emplace_back(int(std::lround(p.x)), int(std::lround(p.y)));
        return m::polygonMask(size, poly);
    }
    cv::Mat mask(size, CV_8UC1, cv::Scalar(0));
    for (const Point& p : region.points)
        cv::circle(mask, cv::Point(int(std::lround(p.x)), int(std::lround(p.y))), pointRadius,
                   cv::Scalar(255), cv::FILLED);
    return mask;
}

cv::Mat annotationMask(const Document& doc, int id, int frame, cv::Size size) {
    cv::Mat mask;
    if (const Track* t = doc.track(id)) {
        if (auto b = t->boxAt(frame, doc.media.frameCount)) mask = boxMask(b->box, size);
    } else {
        const Region* r = nullptr;
        for (const auto& g : doc.regions)
            if (g.id == id) r = &g;
        if (!r)
            throw vf::Error(vf::ErrorCode::InvalidArgument, "no track or region with id " +
                                                                std::to_string(id) +
                                                                " in the annotations");
        if (frame >= r->firstFrame && frame <= r->lastFrame) mask = regionMask(*r, size);
    }
    if (!mask.empty() && cv::countNonZero(mask) == 0) return {};
    return mask;
}

std::vector<RegionStreamResult>
regionMetrics(const Document& doc, int id, int first, int last, const FrameProvider& ir,
              const FrameProvider& visible,
              const std::vector<std::pair<std::string, FrameProvider>>& streams,
              const std::vector<m::Metric>& which, const m::Conventions& conv,
              const ProgressFn& progress, const CancelToken& cancel) {
    if (!ir || !visible)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "region metrics need the IR and visible frames");
    if (last < first)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "bad frame range " + std::to_string(first) + ".." + std::to_string(last));
    std::vector<RegionStreamResult> out(streams.size());
    for (std::size_t s = 0; s < streams.size(); ++s)
        out[s].stream = streams[s].first;
    for (int f = first; f <= last; ++f) {
        cancel.check();
        const cv::Mat a = ir(f), b = visible(f);
        const cv::Mat mask = annotationMask(doc, id, f, b.size());
        if (!mask.empty()) {
            for (std::size_t s = 0; s < streams.size(); ++s) {
                const cv::Mat fused = streams[s].second(f);
                const m::Values v = m::imageMetrics(a, b, fused, which, conv, mask);
                out[s].frames.push_back(f);
                for (const auto& [metric, value] : v)
                    out[s].perFrame[metric].push_back(value);
            }
        }
        if (progress)
            progress(f - first + 1, last - first + 1, "region metrics, frame " + std::to_string(f));
    }
    for (auto& r : out)
        for (const auto& [metric, values] : r.perFrame)
            r.summary[metric] = m::computeStats(values);
    return out;
}

} // namespace vf::annotate
