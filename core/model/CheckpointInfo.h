#pragma once
// Light (no LibTorch) view of a checkpoint's contents, for tools that show what is inside.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace vf::model {

struct TensorInfo {
    std::vector<int64_t> shape;
    std::string dtype; // "float32", "float64", "float16", "bfloat16", "int64", ...
    int64_t numel() const {
        int64_t n = 1;
        for (auto s : shape)
            n *= s;
        return n;
    }
};

// Keys of the state_dict held by `path` (wrapper 'params'/'params_ema' and 'module.'
// prefixes removed) with their shapes and dtypes. Throws vf::Error naming the file and the
// problem (missing, truncated, legacy format, not a checkpoint).
std::map<std::string, TensorInfo> inspectCheckpoint(const std::filesystem::path& path);

} // namespace vf::model
