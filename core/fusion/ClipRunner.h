#pragma once
// The clip runner: runs a clip-based video model (VideoFusion) over a whole sequence the way
// the official test code does (../shared/videofusion/SPEC.md §4-5), streaming.
//
// Schedule (planClips)
//  * ClipWindow::Official: clip i covers [i*s, i*s + N) with stride s = N - K (N = clip
//    frames, K = overlap) for every i whose clip fits; if frames remain, one extra clip takes
//    the LAST N frames. A frame covered by several clips takes the output of the LAST one
//    (the official script writes one file per frame, later clips overwrite). A sequence
//    shorter than N is a single clip of all its frames.
//  * ClipWindow::Centre: the same windows, but a frame covered by two consecutive windows
//    takes the output of the window where it lies nearer the centre: of the overlap
//    [b, a + N) between windows starting at a < b, the first floor(overlap/2) frames come
//    from the earlier window, the rest from the later one.
//  * T >= 2 is required by the network. A sequence (or selection) of ONE frame is run as a
//    clip of that frame repeated twice; its output is the first frame's (documented choice).
//
// Per clip: frames -> tensors (BGR 8-bit -> RGB float / 255; grey replicated to 3
// channels), reflect padding of the right and bottom edges up to a multiple of 4, the model,
// crop back. Output conversion (as the official tensor2img):
//  * fused, Stretch::MinMax: per frame, v = (x - min) / (max - min) with min/max over the
//    whole cropped frame including all three channels, then round(v * 255) (round half to
//    even, as numpy), RGB -> BGR. A constant frame (max == min) is converted as Clamp.
//  * fused, Stretch::Clamp: round(clamp(x, 0, 1) * 255).
//  * restored IR / visible: always Clamp.
// Streaming: at most one clip of input frames is held per clip in flight (see
// ClipRunnerOptions::clipsInFlight); each output frame goes to the sink as soon as no later
// clip will replace it, in increasing frame order.

#include <functional>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "core/fusion/FusionMethod.h"
#include "core/model/VideoFusion.h"

namespace vf::fusion {

enum class ClipWindow { Official, Centre };
enum class Stretch { MinMax, Clamp };

struct ClipPlan {
    int start = 0;     // first frame of the clip (relative to the run's first frame)
    int length = 0;    // frames in the clip (N, or fewer for a short sequence)
    int emitBegin = 0; // frames [emitBegin, emitEnd) take their final output from this clip
    int emitEnd = 0;
    bool operator==(const ClipPlan&) const = default;
};

// The clips for `frames` frames. Throws vf::Error(InvalidArgument) for clipFrames < 2,
// overlap < 0 or overlap >= clipFrames, frames < 1. For frames == 1 returns one clip
// {0, 1, 0, 1} (the runner repeats the frame).
std::vector<ClipPlan> planClips(int frames, int clipFrames, int overlap,
                                ClipWindow window = ClipWindow::Official);

// Frame <-> tensor conversions (exposed for tests and other clip models).
// Appends `frame` (8-bit BGR or grey) as RGB float/255 planes to `clip` (which must have
// matching H, W, or be empty with T == 0; T is incremented).
void appendFrame(model::ClipBuffer& clip, const cv::Mat& frame);
// Reflect-pads (right and bottom; reflection without repeating the edge, as
// torch.nn.functional.pad(mode='reflect')) every frame of `clip` to padH x padW.
model::ClipBuffer padClip(const model::ClipBuffer& clip, int padH, int padW);
// Frame t of `clip`, cropped to the top-left h x w, as 8-bit BGR with `stretch`.
cv::Mat clipFrameToMat(const model::ClipBuffer& clip, int t, int h, int w, Stretch stretch);
inline int roundUpTo4(int v) {
    return (v + 3) / 4 * 4;
}

struct ClipRunnerOptions {
    int clipFrames = 7;
    int overlap = 0;
    ClipWindow window = ClipWindow::Official;
    Stretch stretch = Stretch::MinMax;
    bool wantRestored = false; // fill FusedFrame::restoredIr / restoredVi

    // GUI helpers: run on a region of interest (in input pixels; empty = whole frame) and/or
    // at a reduced scale (1, 2 or 4: inputs shrunk by INTER_AREA). Outputs then have the
    // ROI's size divided by the scale.
    cv::Rect roi;
    int previewScale = 1;

    // Clips run at the same time when the runner drives a VideoFusionEngine (its submit()):
    // 0 = auto (the engine's clipWorkers(), bounded so that the clips in flight stay within
    // half of the physical memory by the engine's estimate), n = n clips. Outputs, taps and
    // progress still arrive in clip order. ClipFn runners run one clip at a time.
    int clipsInFlight = 0;

    // Stage taps (VideoFusion's TapRequest), delivered per clip.
    model::TapRequest taps;
    std::function<void(const ClipPlan& clip, int firstFrame, std::vector<model::Tap>&& taps)>
        tapSink;
};

class ClipRunner {
public:
    // Runs one clip: (T,3,H,W) IR and visible in, ClipResult out (fusion and, if restored
    // frames are wanted, ir / vi), H and W multiples of 4.
    using ClipFn = std::function<model::ClipResult(
        const model::ClipBuffer& ir, const model::ClipBuffer& vi, const model::TapRequest& taps,
        const vf::CancelToken* cancel)>;

    // The runner does not own the engine; it must outlive the runner.
    explicit ClipRunner(model::VideoFusionEngine& engine);
    explicit ClipRunner(ClipFn fn);

    // Fuses frames [seq.start, start+count) (SequenceOptions) of `seq`. Progress is reported
    // per clip in frames; cancel is checked before every clip (throws Error(Cancelled)).
    // FusedFrame::index is the index in `seq`.
    SequenceStats run(PairSequence& seq, const ClipRunnerOptions& options, const FrameSink& sink,
                      const SequenceOptions& seqOptions = {});

private:
    ClipFn fn_;
    model::VideoFusionEngine* engine_ = nullptr; // set by the engine constructor
};

} // namespace vf::fusion
