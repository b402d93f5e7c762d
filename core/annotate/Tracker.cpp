#include "core/annotate/Tracker.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/tracking.hpp>
#include <opencv2/video/tracking.hpp>

#include "core/common/Error.h"

namespace vf::annotate {

const char* trackerKindName(TrackerKind k) {
    return k == TrackerKind::CSRT ? "CSRT" : "KCF";
}

namespace {
cv::Ptr<cv::Tracker> makeTracker(TrackerKind k) {
    if (k == TrackerKind::KCF) return cv::TrackerKCF::create();
    cv::TrackerCSRT::Params p;
    return cv::TrackerCSRT::create(p);
}
cv::Mat asBgr(const cv::Mat& m, int frame) {
    if (m.empty())
        throw vf::Error(vf::ErrorCode::Unreadable, "frame " + std::to_string(frame) + " is empty");
    if (m.type() == CV_8UC3) return m;
    if (m.type() == CV_8UC1) {
        cv::Mat c;
        cv::merge(std::vector<cv::Mat>{m, m, m}, c);
        return c;
    }
    throw vf::Error(vf::ErrorCode::Unsupported,
                    "frame " + std::to_string(frame) + " is not 8-bit grey or BGR");
}
} // namespace

PropagateResult propagate(const Track& track, int startFrame, int frameCount,
                          const FrameProvider& frames, const PropagateOptions& opt,
                          const ProgressFn& progress, const CancelToken& cancel) {
    if (!frames) throw vf::Error(vf::ErrorCode::InvalidArgument, "tracker: no frame source");
    if (opt.keyframeStep < 1)
        throw vf::Error(vf::ErrorCode::InvalidArgument, "tracker: keyframe step must be >= 1");
    auto tb = track.boxAt(startFrame, frameCount);
    if (!tb)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "track " + std::to_string(track.id) + " has no box at frame " +
                            std::to_string(startFrame) + " to start the tracker from");
    const Rect b0 = tb->box;
    if (b0.w < 2 || b0.h < 2)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "track " + std::to_string(track.id) + ": the box at frame " +
                            std::to_string(startFrame) + " is too small to track");
    const int last = std::min(startFrame + std::max(0, opt.frames),
                              frameCount > 0 ? frameCount - 1 : startFrame + opt.frames);
    PropagateResult res;
    res.lastFrame = startFrame;
    cv::Mat first = asBgr(frames(startFrame), startFrame);
    const cv::Rect imgRect(0, 0, first.cols, first.rows);
    cv::Rect r0(int(std::lround(b0.x)), int(std::lround(b0.y)), int(std::lround(b0.w)),
                int(std::lround(b0.h)));
    r0 &= imgRect;
    if (r0.width < 2 || r0.height < 2)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "track " + std::to_string(track.id) + ": the box at frame " +
                            std::to_string(startFrame) + " lies outside the image");
    auto tracker = makeTracker(opt.kind);
    tracker->init(first, r0);
    const long long total = last - startFrame;
    cv::Rect lastGood = r0;
    for (int f = startFrame + 1; f <= last; ++f) {
        cancel.check();
        cv::Mat img = asBgr(frames(f), f);
        if (img.size() != first.size())
            throw vf::Error(vf::ErrorCode::Mismatch, "frame " + std::to_string(f) +
                                                         " has another size than frame " +
                                                         std::to_string(startFrame));
        cv::Rect r;
        const bool ok = tracker->update(img, r);
        if (!ok) {
            res.stoppedOnFailure = true;
            res.reason = std::string(trackerKindName(opt.kind)) +
                         " tracker lost the target at frame " + std::to_string(f);
            break;
        }
        const double area = double(r.area());
        const double inside = double((r & imgRect).area());
        if (area <= 0 || inside < (1.0 - opt.maxOutsideFraction) * area) {
            res.stoppedOnFailure = true;
            res.reason = "the target left the image at frame " + std::to_string(f);
            break;
        }
        res.lastFrame = f;
        lastGood = r;
        const bool key = ((f - startFrame) % opt.keyframeStep == 0) || f == last;
        if (key)
            res.keys.push_back({f,
                                Rect{double(r.x), double(r.y), double(r.width), double(r.height)},
                                false, false});
        if (progress) progress(f - startFrame, total, "tracking frame " + std::to_string(f));
    }
    // Always keep the last successfully tracked frame as a keyframe.
    if (res.lastFrame > startFrame && (res.keys.empty() || res.keys.back().frame != res.lastFrame))
        res.keys.push_back({res.lastFrame,
                            Rect{double(lastGood.x), double(lastGood.y), double(lastGood.width),
                                 double(lastGood.height)},
                            false, false});
    return res;
}

void applyPropagation(Track& track, const PropagateResult& r) {
    for (const auto& k : r.keys)
        track.setKey(k);
}

} // namespace vf::annotate
