#pragma once
// Torch-level checkpoint reading and writing (include only from LibTorch code: core/model,
// core/train). Light callers use core/model/CheckpointInfo.h.
//
// Reading: PyTorch zip archives (torch.save since 1.6) through
// caffe2::serialize::PyTorchStreamReader and a minimal unpickler (protocols 2-4; dict and
// OrderedDict; torch._utils._rebuild_tensor_v2 / _rebuild_parameter; storages mapped to
// the CPU whatever device they were saved from; unknown objects tolerated but only tensors
// and plain containers accepted as values). Exported TorchScript modules are read with
// torch::jit::load (their named parameters and buffers). The legacy non-zip format
// (PyTorch < 1.6) cannot be read: the error says to re-save it.
//
// Writing: the official BasicSR format {'params': OrderedDict(state_dict)} as a PyTorch
// zip archive that Python's torch.load reads (and that loadStateDict reads back).

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/model/CheckpointInfo.h"

namespace vf::model {

enum class CheckpointKind { PickleZip, TorchScript };

struct LoadedStateDict {
    std::map<std::string, at::Tensor> tensors; // CPU tensors, keys without wrappers/prefixes
    std::vector<std::string> order;            // keys in file order
    CheckpointKind kind = CheckpointKind::PickleZip;
    std::string wrapper; // "params", "params_ema", "state_dict", ... or "" (plain)
};

// Reads a checkpoint and returns its state_dict. If the top level is a dict holding
// 'params_ema' or 'params' (BasicSR) or 'state_dict'/'model' whose value is a dict of
// tensors, that inner dict is used ('params_ema' preferred when `preferEma`). A 'module.'
// prefix shared by all keys is removed. Throws vf::Error naming the file and the problem.
LoadedStateDict loadCheckpoint(const std::filesystem::path& path, bool preferEma = true);

// Convenience: just the tensors.
std::map<std::string, at::Tensor> loadStateDict(const std::filesystem::path& path);

// Reads any torch.save'd zip file whose content is a (possibly nested) dict of tensors
// (e.g. the fixtures' *_io.pt / *_taps.pt): flat map of key -> tensor, nested keys joined
// with '.'. Non-tensor leaves are skipped.
std::map<std::string, at::Tensor> loadTensorDict(const std::filesystem::path& path);

// Writes {'params': OrderedDict(key -> tensor)} (or {wrapper: ...}; wrapper "" writes the
// plain OrderedDict) in PyTorch's zip format, atomically (temporary file + rename).
// `order` gives the key order (keys of `tensors` not in `order` follow alphabetically).
// Tensors are saved as contiguous CPU copies.
void saveCheckpoint(const std::filesystem::path& path,
                    const std::map<std::string, at::Tensor>& tensors,
                    const std::vector<std::string>& order = {},
                    const std::string& wrapper = "params");

} // namespace vf::model
