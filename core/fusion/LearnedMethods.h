#pragma once
// The learned fusion methods (light header: no LibTorch):
//  * "videofusion"       VideoFusion (Tang et al., arXiv 2503.23359) over clips (ClipRunner)
//  * "videofusion-frame" VideoFusion per frame without temporal context (a clip of the frame
//                        repeated twice, T = 2; the first output frame is kept)
//  * "seafusion"         SeAFusion (Tang et al., Inf. Fusion 2022), official test.py colour
//  * "torchscript"       any TorchScript model with a JSON sidecar (TorchScriptMethod.h)
// Models are loaded on first use and cached per (weights, device, precision, threads).

#include <filesystem>
#include <memory>
#include <mutex>

#include "core/fusion/ClipRunner.h"
#include "core/fusion/FusionMethod.h"
#include "core/model/VideoFusion.h"

namespace vf::fusion {

class MethodRegistry;

// Adds the methods above to `reg`.
void registerLearnedMethods(MethodRegistry& reg);

// VideoFusion parameters shared by both VideoFusion methods (and the GUI / CLI):
// weights (path), device (auto/cpu/cuda), precision (fp32/fp16/bf16), threads (0 = auto),
// stretch (minmax/clamp); the clip method adds clip_frames, overlap, window
// (official/centre).
std::vector<ParamSpec> videoFusionParams(bool clipParams);
// The checkpoint a resolved parameter set names (the bundled default when 'weights' is
// empty). Throws vf::Error(NotFound) telling the user to pass --weights when there is none.
std::filesystem::path videoFusionWeights(const ParamValues& resolved);
model::EngineOptions videoFusionEngineOptions(const ParamValues& resolved);
ClipRunnerOptions videoFusionClipOptions(const ParamValues& resolved);

// A loaded engine shared by everybody who asks for the same weights and options. Lock
// `mutex` around engine->run (an engine runs one clip at a time).
struct SharedEngine {
    std::unique_ptr<model::VideoFusionEngine> engine;
    std::mutex mutex;
};
std::shared_ptr<SharedEngine> sharedVideoFusionEngine(const std::filesystem::path& weights,
                                                      const model::EngineOptions& options);

// The bundled SeAFusion weights (resources/models/seafusion/SeAFusion_zip.pth), or an empty
// path when not found.
std::filesystem::path defaultSeAFusionWeights();

} // namespace vf::fusion
