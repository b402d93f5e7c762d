#pragma once
// Registration of the learned fusion methods (VideoFusion per clip and per frame, SeAFusion,
// user TorchScript models). Light header: no LibTorch.

namespace vf::fusion {

class MethodRegistry;

// Adds "videofusion", "videofusion-frame", "seafusion" and "torchscript" to `reg`.
void registerLearnedMethods(MethodRegistry& reg);

} // namespace vf::fusion
