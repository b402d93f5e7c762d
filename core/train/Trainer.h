#pragma once
// The VideoFusion trainer (light header: no torch includes; the GUI/CLI use this).
//
// What one iteration does (as the official VideoFusionModel.optimize_parameters):
//   lr from learningRate(cfg, iter) (linear warm-up, then BasicSR cosine annealing);
//   batch of cfg.batch clips from ClipDataset (seeds mixSeed(cfg.seed, iter, b + 1), so a
//   resumed run sees the same data as an uninterrupted one);
//   forward of the reference (autograd) path; loss = videoFusionLoss (Losses.h);
//   backward; clip_grad_norm_(max_norm = cfg.clipNorm); AdamW step (lr, weight decay,
//   betas from cfg). Parameters without a gradient (the dead Cross_Attention LayerNorms)
//   are skipped, so they keep their initial values, as with the official code.
// Initialisation: torch::manual_seed(cfg.seed), PyTorch's default layer init, and
// kaiming-normal x 0.1 with zero bias for the ResidualBlockNoBN convolutions (BasicSR's
// default_init_weights), or the weights of cfg.init.
//
// Files in cfg.output:
//   net_g_<iter>.pth, net_g_latest.pth, net_g_best.pth (validation) - the official
//       {'params': OrderedDict} format, loadable by vf::model and by the official code;
//   net_g_<iter>.state - side file for resuming (optimizer state, iteration, config);
//   train_log.csv (iteration, loss terms, lr, seconds per iteration, validation loss);
//   config.json (the effective configuration).
// All files are written atomically.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/common/Progress.h"
#include "core/model/VideoFusion.h"
#include "core/train/TrainConfig.h"

namespace vf::train {

class ClipDataset;

struct TrainStatus {
    int64_t iteration = 0, total = 0;
    double loss = 0, fusion = 0, fidelityIr = 0, fidelityVi = 0, temporal = 0;
    double lr = 0;
    double secondsPerIteration = 0; // running average
    double etaSeconds = 0;
    double validationLoss = -1;  // < 0: not computed at this iteration
    std::string savedCheckpoint; // non-empty when a checkpoint was written at this iteration
};
using StatusFn = std::function<void(const TrainStatus&)>;

class Trainer {
public:
    // Loads the data, builds the network (cfg.model) and the optimizer, resumes when
    // cfg.resume is set. Throws vf::Error naming the file / key at fault.
    explicit Trainer(const TrainConfig& cfg, const ProgressFn& loadProgress = {});
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Trains up to cfg.iterations, calling `status` every cfg.logEvery iterations and at
    // every checkpoint/validation; saves every cfg.saveEvery iterations and at the end (also
    // when cancelled: the cancel is honoured between iterations, after saving). Returns the
    // last checkpoint written.
    std::filesystem::path run(const StatusFn& status = {}, const CancelToken* cancel = nullptr);

    // One iteration; returns its status (loss before the update).
    TrainStatus step();
    int64_t iteration() const;

    // Writes `pth` (official format) and its .state side file (optimizer, iteration).
    void saveCheckpoint(const std::filesystem::path& pth) const;
    // Loads weights (strict) and the .state side file beside `pth`.
    void resume(const std::filesystem::path& pth);

    // Mean loss over fixed validation clips (one centred clip per source, no gradient).
    double validationLoss();

    // The current network on one clip (no gradient, reference path). H and W are
    // reflect-padded to multiples of 4 and cropped back.
    vf::model::ClipResult infer(const vf::model::ClipBuffer& ir, const vf::model::ClipBuffer& vi);

    const ClipDataset& dataset() const;
    const TrainConfig& config() const;
    std::string deviceName() const;
    int64_t parameterCount() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace vf::train
