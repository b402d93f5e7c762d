#pragma once
// "Propagate with tracker": follow a track's box from a keyframe over the next frames with an
// OpenCV tracker (CSRT or KCF from opencv-contrib), adding keyframes, stopping on failure.
// Frames come from a FrameProvider (use frameProviderFor() in core/annotate/TrackerIo.h to
// read them from a vf::io::FrameSource: the IR or the visible stream of the pair).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/annotate/Document.h"
#include "core/common/Progress.h"

namespace vf::annotate {

// Frame `index` as 8-bit BGR or grey. Throws vf::Error when it cannot be read.
using FrameProvider = std::function<cv::Mat(int index)>;

enum class TrackerKind { CSRT, KCF };
const char* trackerKindName(TrackerKind k);

struct PropagateOptions {
    TrackerKind kind = TrackerKind::CSRT;
    int frames = 30;      // how many frames after the start frame to follow
    int keyframeStep = 1; // add a keyframe every N frames (and always at the last one)
    // Stop when the box leaves the image by more than this fraction of its area.
    double maxOutsideFraction = 0.5;
};

struct PropagateResult {
    std::vector<Keyframe> keys; // the keyframes to add (frames after the start frame)
    int lastFrame = -1;         // last frame followed successfully (start frame if none)
    bool stoppedOnFailure = false;
    std::string reason; // why it stopped early ("tracker lost the target at frame 57", ...)
};

// Follows the box of `track` at `startFrame` (interpolated if not a keyframe; throws
// InvalidArgument when the track has no box there or the box is empty) over
// min(opt.frames, frameCount - 1 - startFrame) frames. `frameCount` = clip length.
// Progress is reported per frame; `cancel` is checked per frame (Error(Cancelled); the
// keys found so far are lost: callers apply results only on success).
PropagateResult propagate(const Track& track, int startFrame, int frameCount,
                          const FrameProvider& frames, const PropagateOptions& opt = {},
                          const ProgressFn& progress = {}, const CancelToken& cancel = {});

// Adds the result's keys to the track (replacing keyframes at the same frames).
void applyPropagation(Track& track, const PropagateResult& r);

} // namespace vf::annotate
