#include "core/annotate/Document.h"

#include <algorithm>
#include <cstdio>

namespace vf::annotate {

double iou(const Rect& a, const Rect& b) {
    const double x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
    const double x1 = std::min(a.x + a.w, b.x + b.w), y1 = std::min(a.y + a.h, b.y + b.h);
    const double inter = (x1 > x0 && y1 > y0) ? (x1 - x0) * (y1 - y0) : 0.0;
    const double uni = a.area() + b.area() - inter;
    return uni > 0 ? inter / uni : 0.0;
}

std::optional<TrackBox> Track::boxAt(int frame, int frameCount) const {
    if (keys.empty() || frame < keys.front().frame) return std::nullopt;
    if (frameCount > 0 && frame >= frameCount) return std::nullopt;
    // Last keyframe at or before `frame`.
    auto it = std::upper_bound(keys.begin(), keys.end(), frame,
                               [](int f, const Keyframe& k) { return f < k.frame; });
    const Keyframe& k0 = *(it - 1);
    if (k0.outside) return std::nullopt;
    TrackBox tb;
    tb.occluded = k0.occluded;
    tb.keyframe = (k0.frame == frame);
    if (tb.keyframe || it == keys.end()) {
        tb.box = k0.box;
        return tb;
    }
    const Keyframe& k1 = *it;
    const double t = double(frame - k0.frame) / double(k1.frame - k0.frame);
    tb.box.x = k0.box.x + (k1.box.x - k0.box.x) * t;
    tb.box.y = k0.box.y + (k1.box.y - k0.box.y) * t;
    tb.box.w = k0.box.w + (k1.box.w - k0.box.w) * t;
    tb.box.h = k0.box.h + (k1.box.h - k0.box.h) * t;
    return tb;
}

void Track::setKey(const Keyframe& k) {
    auto it = std::lower_bound(keys.begin(), keys.end(), k.frame,
                               [](const Keyframe& a, int f) { return a.frame < f; });
    if (it != keys.end() && it->frame == k.frame)
        *it = k;
    else
        keys.insert(it, k);
}

bool Track::removeKey(int frame) {
    auto it =
        std::find_if(keys.begin(), keys.end(), [&](const Keyframe& k) { return k.frame == frame; });
    if (it == keys.end()) return false;
    keys.erase(it);
    return true;
}

const Keyframe* Track::keyAt(int frame) const {
    for (const auto& k : keys)
        if (k.frame == frame) return &k;
    return nullptr;
}

int Track::lastVisibleFrame(int frameCount) const {
    if (keys.empty()) return -1;
    const Keyframe& last = keys.back();
    if (!last.outside) return frameCount > 0 ? std::max(frameCount - 1, last.frame) : last.frame;
    // Hidden from the last key: the last visible frame is just before it, if any box before.
    for (std::size_t i = keys.size() - 1; i-- > 0;)
        if (!keys[i].outside) return keys[i + 1].frame - 1;
    return -1;
}

const char* regionKindName(RegionKind k) {
    return k == RegionKind::Points ? "points" : "polygon";
}
const char* labelKindName(LabelKind k) {
    return k == LabelKind::Object ? "object" : "segment";
}

std::vector<Label> defaultPalette() {
    return {
        {"person", 0xe6194b, LabelKind::Object},
        {"car", 0x3cb44b, LabelKind::Object},
        {"bicycle", 0x4363d8, LabelKind::Object},
        {"animal", 0xf58231, LabelKind::Object},
        {"object", 0x911eb4, LabelKind::Object},
        {"flicker", 0xffe119, LabelKind::Segment},
        {"ghosting", 0x46f0f0, LabelKind::Segment},
        {"lost thermal target", 0xf032e6, LabelKind::Segment},
        {"halo", 0xbcf60c, LabelKind::Segment},
        {"colour shift", 0xfabebe, LabelKind::Segment},
    };
}

Track* Document::track(int id) {
    for (auto& t : tracks)
        if (t.id == id) return &t;
    return nullptr;
}
const Track* Document::track(int id) const {
    for (const auto& t : tracks)
        if (t.id == id) return &t;
    return nullptr;
}
Region* Document::region(int id) {
    for (auto& r : regions)
        if (r.id == id) return &r;
    return nullptr;
}
Segment* Document::segment(int id) {
    for (auto& s : segments)
        if (s.id == id) return &s;
    return nullptr;
}
const Label* Document::label(const std::string& name) const {
    for (const auto& l : labels)
        if (l.name == name) return &l;
    return nullptr;
}

const Label& Document::ensureLabel(const std::string& name, LabelKind kind) {
    if (const Label* l = label(name)) return *l;
    static const std::uint32_t cycle[] = {0x008080, 0xe6beff, 0x9a6324, 0x800000,
                                          0xaaffc3, 0x808000, 0x000075, 0x808080};
    labels.push_back({name, cycle[labels.size() % 8], kind});
    return labels.back();
}

int Document::nextId() const {
    int m = 0;
    for (const auto& t : tracks)
        m = std::max(m, t.id + 1);
    for (const auto& r : regions)
        m = std::max(m, r.id + 1);
    for (const auto& s : segments)
        m = std::max(m, s.id + 1);
    return m;
}

std::vector<std::pair<int, TrackBox>> Document::boxesAt(int frame) const {
    std::vector<std::pair<int, TrackBox>> out;
    for (const auto& t : tracks)
        if (auto b = t.boxAt(frame, media.frameCount)) out.emplace_back(t.id, *b);
    return out;
}

std::size_t Document::keyframeCount() const {
    std::size_t n = 0;
    for (const auto& t : tracks)
        n += t.keys.size();
    return n;
}

std::string colorToHex(std::uint32_t c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%06x", unsigned(c & 0xffffff));
    return buf;
}

std::optional<std::uint32_t> parseColor(const std::string& s) {
    if (s.size() != 7 || s[0] != '#') return std::nullopt;
    std::uint32_t v = 0;
    for (std::size_t i = 1; i < 7; ++i) {
        const char c = s[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return std::nullopt;
        v = v * 16 + std::uint32_t(d);
    }
    return v;
}

} // namespace vf::annotate
