#pragma once
// vf::io pair loading and validation: an infrared and a visible stream that are fused frame
// by frame, optionally with clean references (M3SVD *_Enhance frames).
//
// Validation rules (validatePair):
//  - different frame counts  -> usable range = the common frames, warning naming both counts
//  - different sizes         -> vf::Error(Mismatch) naming both sizes, unless
//                               PairOptions::resizeVisibleToInfrared (then the visible
//                               stream is resized to the IR size, with a warning)
//  - different fps           -> warning naming both rates
//  - grey / 3-channel inputs in any combination are fine.
//
// M3SVD layouts:
//  - frames: <root>/<split>/{infrared_Enhance,infrared_noise,visible_Enhance,visible_Blur}/<seq>/
//    degraded folders (infrared_noise, visible_Blur) are the network inputs, *_Enhance the
//    clean references; frame names are equal across the four folders.
//  - videos: <root>/{infrared,visible}/<seq>.mp4 (also below a split: <root>/<split>/...).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/io/FrameSource.h"

namespace vf::io {

struct PairOptions {
    bool resizeVisibleToInfrared = false; // different sizes: resize instead of refusing
    bool useDegraded = true; // M3SVD frames: degraded inputs (+ clean refs) or clean inputs
};

struct PairValidation {
    std::vector<std::string> warnings; // human-readable, one problem each
    int64_t commonFrames = 0;          // frames usable as pairs: min of both counts
    int64_t irFrames = 0, visFrames = 0;
    cv::Size irSize, visSize; // as stored (before any resize)
    cv::Size size;            // the pair's working size (IR size)
    Rational irFps, visFps;
    Rational fps; // the pair's working rate (IR's, or visible's if IR has none)
    bool countMismatch = false;
    bool sizeMismatch = false; // true also when resized
    bool resized = false;      // visible stream wrapped in a resizer
    bool fpsMismatch = false;
};

struct PairInput {
    std::string name;                     // display name: sequence name or "<ir file> + <vis file>"
    std::string sequence;                 // M3SVD sequence name when known ("0111_1716")
    std::string split;                    // M3SVD split when known ("val", "test")
    std::string irPath, visPath;          // UTF-8 paths of the inputs
    std::shared_ptr<FrameSource> ir, vis; // inputs (never null)
    std::shared_ptr<FrameSource> irRef, visRef; // clean references, may be null
    PairValidation validation;

    int64_t frameCount() const { return validation.commonFrames; }
    bool hasReferences() const { return irRef && visRef; }
};

// Checks two sources against the rules above. Throws vf::Error(Mismatch) for different
// sizes when resizing is not asked for, and when either stream is empty.
PairValidation validatePair(const FrameSource& ir, const FrameSource& vis,
                            const PairOptions& options = {});

// Opens an IR and a visible input (files or folders, any combination) and validates them.
// With resizeVisibleToInfrared and different sizes, pair.vis is a resizing wrapper.
PairInput openPair(const std::filesystem::path& ir, const std::filesystem::path& vis,
                   const PairOptions& options = {});

// ---- M3SVD -------------------------------------------------------------------------------

struct M3svdSequence {
    std::string split; // "" when the layout sits directly in the root
    std::string name;  // sequence name, e.g. "0111_1716"
    bool isVideo = false;
    // frames layout: the four folders (those that exist; empty paths otherwise)
    std::filesystem::path irClean, irDegraded, visClean, visDegraded;
    // video layout: the two files
    std::filesystem::path irVideo, visVideo;
};

struct M3svdLayout {
    std::filesystem::path root;
    std::vector<std::string> splits;      // sorted, unique
    std::vector<M3svdSequence> sequences; // sorted by (split, name, isVideo)

    std::vector<std::string> sequenceNames(const std::string& split) const;
    // Throws vf::Error(NotFound) listing what exists.
    const M3svdSequence& find(const std::string& split, const std::string& name) const;
};

// True if `root` holds an M3SVD layout (frames or videos) at most two levels down.
bool isM3svdRoot(const std::filesystem::path& root);
// Discovers the layout. Throws vf::Error(NotFound) when there is none. Sequences whose
// IR and visible parts do not both exist are skipped.
M3svdLayout scanM3svd(const std::filesystem::path& root);

// Opens a sequence. Frames layout: inputs are the degraded folders (with the clean ones as
// references) when options.useDegraded and they exist, else the clean folders (no references).
PairInput openM3svdSequence(const M3svdSequence& seq, const PairOptions& options = {});

} // namespace vf::io
