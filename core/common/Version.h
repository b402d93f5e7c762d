#pragma once

namespace vf {
// "<project version>+git.<describe>" for builds from a git checkout.
const char* versionString();
} // namespace vf
