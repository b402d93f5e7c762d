#pragma once
// Shared bits of the annotation fuzz targets: vf::Error is the expected way to reject bad
// input; anything else (crash, sanitizer report, other exception, broken invariant) is a bug.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/annotate/Document.h"
#include "core/common/Error.h"

namespace vf::fuzz {

inline void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

// Documents small enough to export with every frame written out.
inline bool smallDocument(const vf::annotate::Document& d) {
    if (d.media.frameCount > 2000) return false;
    std::size_t keys = 0;
    for (const auto& t : d.tracks) {
        keys += t.keys.size();
        for (const auto& k : t.keys)
            if (k.frame > 2000) return false;
    }
    for (const auto& r : d.regions)
        if (r.lastFrame > 2000 || r.points.size() > 1000) return false;
    for (const auto& s : d.segments)
        if (s.lastFrame > 2000) return false;
    return keys < 2000 && d.tracks.size() < 200 && d.regions.size() < 200 &&
           d.segments.size() < 200;
}

} // namespace vf::fuzz
