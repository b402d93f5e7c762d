#pragma once
// Training configuration for VideoFusion (light header: no torch, no OpenCV).
//
// JSON form (every key optional; defaults are the official recipe except where a CPU run
// needs smaller numbers):
// {
//   "model": {"num_features": 16, "num_blocks": [2,2,4], "num_decoder_blocks": 2,
//             "num_heads": [2,4,8], "ffn_expansion_factor": 1.0},
//   "data": {
//     "videos":  [{"ir": "a_ir.mp4", "vi": "a_vi.mp4", "first": 0, "max_frames": 300,
//                  "weight": 1.0}],                 // clean videos, degraded on the fly
//     "m3svd":   [{"root": ".../M3SVD/val", "sequences": ["0114_1609"],
//                  "exclude": ["0111_1716"], "weight": 0.3}], // degraded + clean folders
//     "preset": "m3svd",          // on-the-fly degradation (core/degrade)
//     "frames": 6, "crop": 128, "batch": 3, "hflip": false
//   },
//   "optim": {"lr": 1e-4, "weight_decay": 1e-5, "betas": [0.9, 0.999], "clip_norm": 0.01,
//             "warmup": 5000, "periods": [500000], "restart_weights": [1], "eta_min": 1e-6},
//   "iterations": 220000, "seed": 3047,
//   "output": "experiments/run", "save_every": 5000, "keep_last": 3, "log_every": 10,
//   "val_every": 0, "resume": "", "init": "", "threads": 0, "device": "auto"
// }
// Relative paths are resolved against the JSON file's folder.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/model/VideoFusion.h"

namespace vf::train {

struct VideoSource {
    std::string ir, vi; // clean video files or frame folders
    int first = 0;      // first frame used
    int maxFrames = 0;  // 0 = all
    double weight = 1;  // sampling weight relative to the other sources
};

struct M3svdSource {
    std::string root;                   // folder holding infrared_noise, ... (a split)
    std::vector<std::string> sequences; // empty = all sequences found
    std::vector<std::string> exclude;   // never used (held-out clips)
    double weight = 1;
};

struct TrainConfig {
    vf::model::VideoFusionConfig model{16};
    std::vector<VideoSource> videos;
    std::vector<M3svdSource> m3svd;
    std::string preset = "m3svd";
    int frames = 6, crop = 128, batch = 3;
    bool hflip = false; // the official code has its flips commented out
    // Optimiser and schedule (BasicSR: linear warm-up, then CosineAnnealingRestartLR).
    double lr = 1e-4, weightDecay = 1e-5, beta1 = 0.9, beta2 = 0.999, clipNorm = 0.01;
    int64_t warmup = 5000;
    std::vector<int64_t> periods{500000};
    std::vector<double> restartWeights{1.0};
    double etaMin = 1e-6;
    int64_t iterations = 1000;
    uint64_t seed = 3047;
    // Output and bookkeeping.
    std::string output = "experiments/videofusion";
    int64_t saveEvery = 500;
    int keepLast = 3; // numbered checkpoints kept (latest/best always kept)
    int64_t logEvery = 10;
    int64_t valEvery = 0;        // 0 = no validation; else loss on fixed crops of the first source
    std::string resume;          // a net_g_<iter>.pth whose .state side file exists, or "auto"
    std::string init;            // initial weights (official format), "" = random init
    int threads = 0;             // 0 = min(2, hardware threads)
    std::string device = "auto"; // auto, cpu, cuda
};

// Parses the JSON above. Throws vf::Error(InvalidArgument) naming `source` and the key.
TrainConfig trainConfigFromJson(const std::string& text, const std::filesystem::path& source = {});
TrainConfig loadTrainConfig(const std::filesystem::path& file);
std::string trainConfigToJson(const TrainConfig& c);

// Learning rate at 1-based iteration `iter` (BasicSR: warm-up lr = base * iter / warmup
// while iter < warmup; otherwise CosineAnnealingRestartLR over the iteration count:
// eta_min + w_k / 2 (base - eta_min)(1 + cos(pi (iter - restart_k) / period_k))).
double learningRate(const TrainConfig& c, int64_t iter);

} // namespace vf::train
