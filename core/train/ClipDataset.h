#pragma once
// Training clips for VideoFusion (light header: OpenCV types only, no torch).
//
// Sources are loaded into memory once:
//  * M3SVD folders: <root>/{infrared_noise, visible_Blur} are the inputs,
//    <root>/{infrared_Enhance, visible_Enhance} the clean targets; names must match across
//    the four folders of a sequence (as in the official VideoFusionDataset).
//  * clean videos (or frame folders): degraded on the fly with core/degrade. Each sample
//    draws its own degradation sequence (seeded from the sample seed), so the stripes are
//    fixed over the clip, as over an M3SVD sequence. The crop is degraded with a margin of
//    8 pixels (clipped to the frame) so that the blur sees real pixels at the crop border.
// A sample picks a source (by weight), a start frame and one crop window shared by all
// frames and all four streams (the official random crop), optionally a horizontal flip.
// Everything random comes from std::mt19937_64(sample seed): sample(s) is reproducible.

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/common/Progress.h"
#include "core/train/TrainConfig.h"

namespace vf::train {

// Four (T, 3, H, W) RGB float streams in [0, 1], row-major, batch 1.
struct ClipSample {
    int T = 0, H = 0, W = 0;
    std::vector<float> lqIr, lqVi, gtIr, gtVi;
    std::string where; // "<source>:<start>+<T> @x,y" for logs
};

class ClipDataset {
public:
    // Loads every source of `cfg` (videos: frames [first, first+maxFrames)). Throws
    // vf::Error naming the file when a source is missing, unreadable, too short for
    // cfg.frames or smaller than cfg.crop.
    explicit ClipDataset(const TrainConfig& cfg, const ProgressFn& progress = {});

    // A random clip of cfg.frames frames and cfg.crop x cfg.crop pixels.
    ClipSample sample(uint64_t seed) const;
    // A fixed clip: source `index` (in load order: m3svd sequences first, then videos),
    // frames [start, start+T), crop at (x, y) of size w x h, degraded with `seed` when the
    // source is a clean video.
    ClipSample clip(size_t index, int start, int T, int x, int y, int w, int h,
                    uint64_t seed) const;

    size_t sourceCount() const { return seqs_.size(); }
    std::string sourceName(size_t i) const { return seqs_.at(i).name; }
    int sourceFrames(size_t i) const { return int(seqs_.at(i).gtIr.size()); }
    cv::Size frameSize(size_t i) const { return seqs_.at(i).gtIr.at(0).size(); }
    int64_t totalFrames() const;
    std::string summary() const; // one line per source

private:
    struct Seq {
        std::string name;
        bool synthetic = false; // clean video: degrade on the fly
        double weight = 1;
        std::vector<cv::Mat> gtIr, gtVi, lqIr, lqVi; // IR stored grey (CV_8UC1), VI BGR
    };
    std::vector<Seq> seqs_;
    std::vector<double> cumWeight_;
    TrainConfig cfg_;
};

} // namespace vf::train
