#pragma once
// Annotation document (no Qt, no OpenCV): keyframed box tracks with linear interpolation,
// point and polygon regions, labelled temporal segments, and a label palette.
//
// Coordinates are image pixels of the registered pair (IR is warped onto visible, so a box
// means the same place in both streams). Frames are 0-based indices into the clip.
//
// Interpolation semantics (the same as CVAT's "interpolation" mode):
//  * a track does not exist before its first keyframe;
//  * between keyframe k0 (not outside) and the next keyframe k1 the box is the linear
//    interpolation of k0.box and k1.box: b(f) = b0 + (b1 - b0) * (f - f0) / (f1 - f0),
//    applied to x, y, w and h; the occluded flag is k0's;
//  * from a keyframe with outside=true until the next keyframe the track is hidden (no box);
//  * after the last keyframe (not outside) the box stays constant up to the end of the clip
//    (Document::frameCount - 1, or forever when frameCount is 0).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vf::annotate {

struct Rect {
    double x = 0, y = 0, w = 0, h = 0; // top-left corner and size, pixels
    bool operator==(const Rect&) const = default;
    double area() const { return w > 0 && h > 0 ? w * h : 0.0; }
};
double iou(const Rect& a, const Rect& b);

struct Point {
    double x = 0, y = 0;
    bool operator==(const Point&) const = default;
};

// Which stream an annotation is about: "pair" (the registered pair, the default), "ir",
// "visible", or the name of any other stream (e.g. a fused result "fused:VideoFusion").
inline const char* kStreamPair = "pair";

struct Keyframe {
    int frame = 0;
    Rect box;
    bool outside = false;  // the object left the view at this frame (hidden until next key)
    bool occluded = false; // the object is (partly) hidden behind something
    bool operator==(const Keyframe&) const = default;
};

// A box at one frame, the result of interpolation.
struct TrackBox {
    Rect box;
    bool occluded = false;
    bool keyframe = false; // true when `frame` is one of the track's keyframes
};

struct Track {
    int id = 0;
    std::string label;
    std::string stream = kStreamPair;
    std::vector<Keyframe> keys; // sorted by frame, unique frames
    bool operator==(const Track&) const = default;

    // Interpolated box at `frame` (see the rules at the top); nullopt when hidden. `frameCount`
    // limits the persistence after the last keyframe (0 = unlimited).
    std::optional<TrackBox> boxAt(int frame, int frameCount = 0) const;
    // Inserts or replaces the keyframe at k.frame (keeps keys sorted).
    void setKey(const Keyframe& k);
    // Removes the keyframe at `frame`; returns false when there is none.
    bool removeKey(int frame);
    const Keyframe* keyAt(int frame) const;
    int firstFrame() const { return keys.empty() ? -1 : keys.front().frame; }
    // Last frame with a box (frameCount-1 when the track persists to the end, -1 if none).
    int lastVisibleFrame(int frameCount) const;
};

enum class RegionKind { Points, Polygon };
const char* regionKindName(RegionKind k); // "points" / "polygon"

// A static point set or polygon that applies to frames [firstFrame, lastFrame].
struct Region {
    int id = 0;
    RegionKind kind = RegionKind::Polygon;
    std::string label;
    std::string stream = kStreamPair;
    int firstFrame = 0;
    int lastFrame = 0;
    std::vector<Point> points;
    bool operator==(const Region&) const = default;
};

// A labelled span of frames [firstFrame, lastFrame] with free text.
struct Segment {
    int id = 0;
    std::string label;
    std::string stream = kStreamPair;
    int firstFrame = 0;
    int lastFrame = 0;
    std::string text;
    bool operator==(const Segment&) const = default;
};

enum class LabelKind { Object, Segment };
const char* labelKindName(LabelKind k); // "object" / "segment"

struct Label {
    std::string name;
    std::uint32_t color = 0xff0000; // 0xRRGGBB
    LabelKind kind = LabelKind::Object;
    bool operator==(const Label&) const = default;
};

// The default palette: objects (person, car, bicycle, animal, object) and the failure kinds
// people mark on fused video (flicker, ghosting, lost thermal target, halo, colour shift).
std::vector<Label> defaultPalette();

struct MediaInfo {
    std::string infrared; // paths of the annotated pair (informative)
    std::string visible;
    int width = 0, height = 0; // frame size in pixels (0 = unknown)
    int frameCount = 0;        // clip length (0 = unknown)
    double fps = 0;            // (0 = unknown)
    bool operator==(const MediaInfo&) const = default;
};

struct Document {
    MediaInfo media;
    std::vector<Label> labels = defaultPalette();
    std::vector<Track> tracks;
    std::vector<Region> regions;
    std::vector<Segment> segments;
    bool operator==(const Document&) const = default;

    // Lookup by id (nullptr when absent).
    Track* track(int id);
    const Track* track(int id) const;
    Region* region(int id);
    Segment* segment(int id);
    const Label* label(const std::string& name) const;
    // Adds the label to the palette when missing (colour chosen from a fixed cycle).
    const Label& ensureLabel(const std::string& name, LabelKind kind = LabelKind::Object);
    // A fresh id, unique across tracks, regions and segments.
    int nextId() const;
    // Boxes of all visible tracks at a frame (track id, box).
    std::vector<std::pair<int, TrackBox>> boxesAt(int frame) const;
    // Total number of keyframes over all tracks (a cheap size measure).
    std::size_t keyframeCount() const;
};

// "#rrggbb" <-> 0xRRGGBB. parseColor returns nullopt for anything else.
std::string colorToHex(std::uint32_t c);
std::optional<std::uint32_t> parseColor(const std::string& s);

} // namespace vf::annotate
