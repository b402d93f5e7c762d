#include "core/common/Resources.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

#include "core/common/Error.h"

namespace fs = std::filesystem;

namespace vf {

namespace {
fs::path executableDir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path{} : exe.parent_path();
}
} // namespace

fs::path resourceDir() {
    std::string tried;
    if (const char* env = std::getenv("VFSTUDIO_RESOURCES"); env && *env) {
        if (fs::is_directory(env)) return env;
        tried += std::string("\n  $VFSTUDIO_RESOURCES=") + env;
    }
    if (fs::path dir = executableDir(); !dir.empty()) {
        fs::path installed = dir.parent_path() / "share" / "vfstudio";
        if (fs::is_directory(installed)) return installed;
        tried += "\n  " + installed.string();
    }
#ifdef VF_SOURCE_RESOURCES
    if (fs::is_directory(VF_SOURCE_RESOURCES)) return VF_SOURCE_RESOURCES;
    tried += "\n  " + std::string(VF_SOURCE_RESOURCES);
#endif
    throw Error(ErrorCode::NotFound, "vfstudio resources not found; looked in:" + tried);
}

std::optional<fs::path> findResource(const fs::path& relative) {
    fs::path p = resourceDir() / relative;
    if (fs::exists(p)) return p;
    return std::nullopt;
}

fs::path demoInfrared() { return resourceDir() / "demo" / "infrared.mp4"; }
fs::path demoVisible() { return resourceDir() / "demo" / "visible.mp4"; }

std::optional<fs::path> defaultVideoFusionWeights() {
    auto pointer = findResource("models/videofusion/default");
    if (!pointer) return std::nullopt;
    if (fs::is_regular_file(*pointer)) {
        std::ifstream in(*pointer);
        std::string name;
        std::getline(in, name);
        while (!name.empty() && (name.back() == '\r' || name.back() == ' ')) name.pop_back();
        // A checkpoint stored directly under the name "default" is taken as is.
        if (name.empty() || name.find('\0') != std::string::npos) return pointer;
        fs::path target = pointer->parent_path() / name;
        if (fs::exists(target)) return target;
        return std::nullopt;
    }
    return std::nullopt;
}

} // namespace vf
