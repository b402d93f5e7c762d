#pragma once
// Locating vfstudio's bundled resources (demo pair, default model weights) both in a build
// tree and in an installed prefix.

#include <filesystem>
#include <optional>

namespace vf {

// The resources folder, searched in this order:
//  1. $VFSTUDIO_RESOURCES, when set and existing;
//  2. <prefix>/share/vfstudio next to the running executable (<prefix>/bin/..);
//  3. the source tree's resources/ folder (compile-time path, for builds that are not
//     installed).
// Throws Error(NotFound) listing the places looked at when none exists.
std::filesystem::path resourceDir();

// A file below resourceDir(), or nullopt if it does not exist.
std::optional<std::filesystem::path> findResource(const std::filesystem::path& relative);

// The bundled demo pair (infrared.mp4, visible.mp4).
std::filesystem::path demoInfrared();
std::filesystem::path demoVisible();

// The default VideoFusion weights: the checkpoint named by models/videofusion/default (a text
// file holding a file name relative to that folder). nullopt when none is shipped.
std::optional<std::filesystem::path> defaultVideoFusionWeights();

} // namespace vf
