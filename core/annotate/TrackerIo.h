#pragma once
// Adapter from core/io's FrameSource to the tracker's FrameProvider (header-only, so that
// code that does not use it does not depend on vfcore_io).

#include "core/annotate/Tracker.h"
#include "core/io/FrameSource.h"

namespace vf::annotate {

// Reads frames from `source` (which must outlive the provider; FrameSource is not
// thread-safe: give the tracker its own clone()).
inline FrameProvider frameProviderFor(vf::io::FrameSource& source,
                                      vf::io::ColorMode mode = vf::io::ColorMode::BGR) {
    return [&source, mode](int index) { return source.read(index, mode); };
}

} // namespace vf::annotate
