#include "core/annotate/Formats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/annotate/MiniXml.h"
#include "core/annotate/ParseUtil.h"
#include "core/common/AtomicFile.h"
#include "core/common/Error.h"

namespace fs = std::filesystem;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace vf::annotate {

using detail::fmt;

namespace {

bool nearlyEqual(double a, double b) {
    return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(a));
}
bool nearlyEqual(const Rect& a, const Rect& b) {
    return nearlyEqual(a.x, b.x) && nearlyEqual(a.y, b.y) && nearlyEqual(a.w, b.w) &&
           nearlyEqual(a.h, b.h);
}

// Builds keyframes from per-frame boxes (frame -> box, occluded) of one track: every frame a
// keyframe, a gap or the end before `frameCount` an outside keyframe; then drops keyframes
// that interpolation reproduces exactly.
std::vector<Keyframe> keysFromFrames(const std::map<int, std::pair<Rect, bool>>& frames,
                                     int frameCount) {
    std::vector<Keyframe> keys;
    int prev = -2;
    Rect prevBox;
    for (const auto& [f, bo] : frames) {
        if (prev >= 0 && f > prev + 1) keys.push_back({prev + 1, prevBox, true, false});
        keys.push_back({f, bo.first, false, bo.second});
        prev = f;
        prevBox = bo.first;
    }
    if (prev >= 0 && (frameCount <= 0 || prev + 1 < frameCount))
        keys.push_back({prev + 1, prevBox, true, false});
    // Drop redundant keyframes (never the first, the last, or those next to outside keys):
    // one forward pass; a key goes when linear interpolation between the last kept key and
    // the next key reproduces every original frame in between (spans up to 300 frames, so
    // the cost stays linear in the number of boxes).
    if (keys.size() < 3) return keys;
    std::vector<Keyframe> out{keys.front()};
    for (std::size_t j = 1; j + 1 < keys.size(); ++j) {
        const Keyframe& a = out.back();
        const Keyframe& k = keys[j];
        const Keyframe& b = keys[j + 1];
        bool removable = !a.outside && !k.outside && !b.outside && b.frame - a.frame <= 300;
        for (int f = a.frame + 1; f < b.frame && removable; ++f) {
            auto orig = frames.find(f);
            if (orig == frames.end() || orig->second.second != a.occluded) {
                removable = false;
                break;
            }
            const double t = double(f - a.frame) / double(b.frame - a.frame);
            const Rect r{a.box.x + (b.box.x - a.box.x) * t, a.box.y + (b.box.y - a.box.y) * t,
                         a.box.w + (b.box.w - a.box.w) * t, a.box.h + (b.box.h - a.box.h) * t};
            removable = nearlyEqual(orig->second.first, r);
        }
        if (!removable) out.push_back(k);
    }
    out.push_back(keys.back());
    return out;
}

void checkBox(const Rect& r, const std::string& src, int line, int col, const std::string& field) {
    if (!(r.w >= 0) || !(r.h >= 0))
        detail::fail(src, line, col, field, "box width and height must not be negative");
    for (double v : {r.x, r.y, r.w, r.h})
        if (!std::isfinite(v) || std::fabs(v) > detail::kMaxCoord)
            detail::fail(src, line, col, field, "coordinate out of range (|value| <= 1e7)");
}

// Splits text into lines (without the end-of-line characters), keeping 1-based numbers.
std::vector<std::string_view> splitLines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t b = 0;
    while (b <= text.size()) {
        std::size_t e = text.find('\n', b);
        if (e == std::string_view::npos) e = text.size();
        std::string_view l = text.substr(b, e - b);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        lines.push_back(l);
        if (e == text.size()) break;
        b = e + 1;
    }
    return lines;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

struct Field {
    std::string_view text;
    int col; // 1-based
};
std::vector<Field> splitFields(std::string_view line, char sep) {
    std::vector<Field> out;
    if (sep == ' ') {
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
                ++i;
            if (i >= line.size()) break;
            std::size_t b = i;
            while (i < line.size() && line[i] != ' ' && line[i] != '\t')
                ++i;
            out.push_back({line.substr(b, i - b), int(b) + 1});
        }
        return out;
    }
    std::size_t b = 0;
    for (;;) {
        std::size_t e = line.find(sep, b);
        if (e == std::string_view::npos) e = line.size();
        std::string_view f = line.substr(b, e - b);
        std::size_t lead = 0;
        while (lead < f.size() && (f[lead] == ' ' || f[lead] == '\t'))
            ++lead;
        out.push_back({trim(f), int(b + lead) + 1});
        if (e == line.size()) break;
        b = e + 1;
    }
    return out;
}

std::string readText(const fs::path& p) {
    return vf::readFile(p);
}

} // namespace

// ===================================================================== vfstudio JSON

std::string toJson(const Document& doc) {
    ojson j;
    j["format"] = "vfstudio-annotations";
    j["version"] = kJsonFormatVersion;
    ojson m;
    m["infrared"] = doc.media.infrared;
    m["visible"] = doc.media.visible;
    m["width"] = doc.media.width;
    m["height"] = doc.media.height;
    m["frameCount"] = doc.media.frameCount;
    m["fps"] = doc.media.fps;
    j["media"] = m;
    ojson labels = ojson::array();
    for (const auto& l : doc.labels)
        labels.push_back(ojson{
            {"name", l.name}, {"color", colorToHex(l.color)}, {"kind", labelKindName(l.kind)}});
    j["labels"] = labels;
    ojson tracks = ojson::array();
    for (const auto& t : doc.tracks) {
        ojson keys = ojson::array();
        for (const auto& k : t.keys)
            keys.push_back(ojson{{"frame", k.frame},
                                 {"x", k.box.x},
                                 {"y", k.box.y},
                                 {"w", k.box.w},
                                 {"h", k.box.h},
                                 {"outside", k.outside},
                                 {"occluded", k.occluded}});
        tracks.push_back(
            ojson{{"id", t.id}, {"label", t.label}, {"stream", t.stream}, {"keyframes", keys}});
    }
    j["tracks"] = tracks;
    ojson regions = ojson::array();
    for (const auto& r : doc.regions) {
        ojson pts = ojson::array();
        for (const auto& p : r.points)
            pts.push_back(ojson::array({p.x, p.y}));
        regions.push_back(ojson{{"id", r.id},
                                {"kind", regionKindName(r.kind)},
                                {"label", r.label},
                                {"stream", r.stream},
                                {"firstFrame", r.firstFrame},
                                {"lastFrame", r.lastFrame},
                                {"points", pts}});
    }
    j["regions"] = regions;
    ojson segs = ojson::array();
    for (const auto& s : doc.segments)
        segs.push_back(ojson{{"id", s.id},
                             {"label", s.label},
                             {"stream", s.stream},
                             {"firstFrame", s.firstFrame},
                             {"lastFrame", s.lastFrame},
                             {"text", s.text}});
    j["segments"] = segs;
    return j.dump(1, '\t') + "\n";
}

Document fromJson(const std::string& text, const std::string& src) {
    detail::JsonReader r(src, text);
    const json j = r.parse(text);
    r.expectObject(j, "");
    const std::string format = r.string(j, "", "format");
    if (format != "vfstudio-annotations")
        r.fail("/format", "expected \"vfstudio-annotations\", got \"" + format + "\"");
    const long long version = r.integer(j, "", "version", 1, 1'000'000);
    if (version > kJsonFormatVersion)
        r.fail("/version", "file version " + std::to_string(version) +
                               " is newer than this vfstudio reads (" +
                               std::to_string(kJsonFormatVersion) + "); update vfstudio");
    Document d;
    const long long maxF = detail::kMaxFrame;
    const json& m = r.object(j, "", "media");
    d.media.infrared = r.string(m, "/media", "infrared");
    d.media.visible = r.string(m, "/media", "visible");
    d.media.width = int(r.integer(m, "/media", "width", 0, 100000));
    d.media.height = int(r.integer(m, "/media", "height", 0, 100000));
    d.media.frameCount = int(r.integer(m, "/media", "frameCount", 0, maxF));
    d.media.fps = r.number(m, "/media", "fps");
    if (d.media.fps < 0) r.fail("/media/fps", "must not be negative");

    d.labels.clear();
    const json& labels = r.array(j, "", "labels");
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const std::string p = "/labels/" + std::to_string(i);
        r.expectObject(labels[i], p);
        Label l;
        l.name = r.string(labels[i], p, "name");
        if (l.name.empty()) r.fail(p + "/name", "label name is empty");
        if (d.label(l.name)) r.fail(p + "/name", "label \"" + l.name + "\" appears twice");
        const std::string c = r.string(labels[i], p, "color");
        auto col = parseColor(c);
        if (!col) r.fail(p + "/color", "expected a colour like \"#ff8800\", got \"" + c + "\"");
        l.color = *col;
        const std::string k = r.string(labels[i], p, "kind");
        if (k == "object")
            l.kind = LabelKind::Object;
        else if (k == "segment")
            l.kind = LabelKind::Segment;
        else
            r.fail(p + "/kind", "expected \"object\" or \"segment\", got \"" + k + "\"");
        d.labels.push_back(l);
    }
    std::set<int> ids;
    auto takeId = [&](const json& o, const std::string& p) {
        const int id = int(r.integer(o, p, "id", 0, 1'000'000'000));
        if (!ids.insert(id).second)
            r.fail(p + "/id", "id " + std::to_string(id) + " is used twice");
        return id;
    };
    auto takeLabel = [&](const json& o, const std::string& p) {
        std::string l = r.string(o, p, "label");
        if (!d.label(l)) r.fail(p + "/label", "label \"" + l + "\" is not in \"labels\"");
        return l;
    };
    const json& tracks = r.array(j, "", "tracks");
    for (std::size_t i = 0; i < tracks.size(); ++i) {
        const std::string p = "/tracks/" + std::to_string(i);
        r.expectObject(tracks[i], p);
        Track t;
        t.id = takeId(tracks[i], p);
        t.label = takeLabel(tracks[i], p);
        t.stream = r.string(tracks[i], p, "stream");
        const json& keys = r.array(tracks[i], p, "keyframes");
        for (std::size_t k = 0; k < keys.size(); ++k) {
            const std::string kp = p + "/keyframes/" + std::to_string(k);
            r.expectObject(keys[k], kp);
            Keyframe kf;
            kf.frame = int(r.integer(keys[k], kp, "frame", 0, maxF));
            kf.box.x = r.number(keys[k], kp, "x");
            kf.box.y = r.number(keys[k], kp, "y");
            kf.box.w = r.number(keys[k], kp, "w");
            kf.box.h = r.number(keys[k], kp, "h");
            if (kf.box.w < 0) r.fail(kp + "/w", "width must not be negative");
            if (kf.box.h < 0) r.fail(kp + "/h", "height must not be negative");
            kf.outside = r.boolean(keys[k], kp, "outside");
            kf.occluded = r.boolean(keys[k], kp, "occluded");
            if (!t.keys.empty() && kf.frame <= t.keys.back().frame)
                r.fail(kp + "/frame", "keyframes must have increasing frames (" +
                                          std::to_string(kf.frame) + " after " +
                                          std::to_string(t.keys.back().frame) + ")");
            t.keys.push_back(kf);
        }
        d.tracks.push_back(std::move(t));
    }
    const json& regions = r.array(j, "", "regions");
    for (std::size_t i = 0; i < regions.size(); ++i) {
        const std::string p = "/regions/" + std::to_string(i);
        r.expectObject(regions[i], p);
        Region g;
        g.id = takeId(regions[i], p);
        const std::string kind = r.string(regions[i], p, "kind");
        if (kind == "polygon")
            g.kind = RegionKind::Polygon;
        else if (kind == "points")
            g.kind = RegionKind::Points;
        else
            r.fail(p + "/kind", "expected \"polygon\" or \"points\", got \"" + kind + "\"");
        g.label = takeLabel(regions[i], p);
        g.stream = r.string(regions[i], p, "stream");
        g.firstFrame = int(r.integer(regions[i], p, "firstFrame", 0, maxF));
        g.lastFrame = int(r.integer(regions[i], p, "lastFrame", 0, maxF));
        if (g.lastFrame < g.firstFrame) r.fail(p + "/lastFrame", "lastFrame is before firstFrame");
        const json& pts = r.array(regions[i], p, "points");
        for (std::size_t k = 0; k < pts.size(); ++k) {
            const std::string pp = p + "/points/" + std::to_string(k);
            r.expectArray(pts[k], pp);
            if (pts[k].size() != 2) r.fail(pp, "expected [x, y]");
            g.points.push_back(
                {r.numberValue(pts[k][0], pp + "/0"), r.numberValue(pts[k][1], pp + "/1")});
        }
        const std::size_t need = g.kind == RegionKind::Polygon ? 3 : 1;
        if (g.points.size() < need)
            r.fail(p + "/points",
                   "a " + kind + " needs at least " + std::to_string(need) + " points");
        d.regions.push_back(std::move(g));
    }
    const json& segs = r.array(j, "", "segments");
    for (std::size_t i = 0; i < segs.size(); ++i) {
        const std::string p = "/segments/" + std::to_string(i);
        r.expectObject(segs[i], p);
        Segment s;
        s.id = takeId(segs[i], p);
        s.label = takeLabel(segs[i], p);
        s.stream = r.string(segs[i], p, "stream");
        s.firstFrame = int(r.integer(segs[i], p, "firstFrame", 0, maxF));
        s.lastFrame = int(r.integer(segs[i], p, "lastFrame", 0, maxF));
        if (s.lastFrame < s.firstFrame) r.fail(p + "/lastFrame", "lastFrame is before firstFrame");
        s.text = r.string(segs[i], p, "text");
        d.segments.push_back(std::move(s));
    }
    return d;
}

void saveDocument(const Document& doc, const fs::path& path) {
    vf::writeFileAtomic(path, toJson(doc));
}
Document loadDocument(const fs::path& path) {
    return fromJson(readText(path), path.string());
}

// ===================================================================== MOTChallenge

std::string toMot(const Document& doc) {
    // All boxes, ordered by frame then track id.
    int last = doc.media.frameCount - 1;
    if (doc.media.frameCount <= 0)
        for (const auto& t : doc.tracks)
            last = std::max(last, t.lastVisibleFrame(0));
    std::string out;
    std::vector<const Track*> order;
    for (const auto& t : doc.tracks)
        order.push_back(&t);
    std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->id < b->id; });
    for (int f = 0; f <= last; ++f) {
        for (const Track* t : order) {
            auto b = t->boxAt(f, doc.media.frameCount);
            if (!b) continue;
            out += std::to_string(f + 1) + "," + std::to_string(t->id + 1) + "," + fmt(b->box.x) +
                   "," + fmt(b->box.y) + "," + fmt(b->box.w) + "," + fmt(b->box.h) +
                   ",1,-1,-1,-1\n";
        }
    }
    return out;
}

Document fromMot(const std::string& text, const std::string& src, const std::string& label) {
    static const char* names[] = {"frame", "id", "bb_left", "bb_top", "bb_width", "bb_height"};
    std::map<int, std::map<int, std::pair<Rect, bool>>> perTrack; // id -> frame -> box
    int maxFrame = 0;
    const auto lines = splitLines(text);
    for (std::size_t li = 0; li < lines.size(); ++li) {
        const int ln = int(li) + 1;
        std::string_view line = trim(lines[li]);
        if (line.empty() || line.front() == '#') continue;
        auto fields = splitFields(lines[li], ',');
        if (fields.size() < 6 || fields.size() > 10)
            detail::fail(src, ln, 1, "",
                         "expected 6 to 10 comma-separated fields, got " +
                             std::to_string(fields.size()));
        double v[6];
        for (int k = 0; k < 6; ++k) {
            auto d = detail::parseDouble(fields[k].text);
            if (!d)
                detail::fail(src, ln, fields[k].col, names[k],
                             "expected a number, got \"" + std::string(fields[k].text) + "\"");
            v[k] = *d;
        }
        for (std::size_t k = 6; k < fields.size(); ++k)
            if (!detail::parseDouble(fields[k].text))
                detail::fail(src, ln, fields[k].col, "column " + std::to_string(k + 1),
                             "expected a number, got \"" + std::string(fields[k].text) + "\"");
        if (v[0] != std::floor(v[0]) || v[0] < 1 || v[0] > double(detail::kMaxFrame))
            detail::fail(src, ln, fields[0].col, "frame", "expected an integer frame number >= 1");
        if (v[1] != std::floor(v[1]) || v[1] < 1 || v[1] > 1e9)
            detail::fail(src, ln, fields[1].col, "id", "expected an integer id >= 1");
        Rect r{v[2], v[3], v[4], v[5]};
        checkBox(r, src, ln, fields[2].col, "box");
        const int frame = int(v[0]) - 1, id = int(v[1]) - 1;
        auto& tr = perTrack[id];
        if (tr.count(frame))
            detail::fail(src, ln, fields[0].col, "frame",
                         "track " + std::to_string(id + 1) + " has two boxes at frame " +
                             std::to_string(frame + 1));
        tr[frame] = {r, false};
        maxFrame = std::max(maxFrame, frame + 1);
    }
    Document d;
    d.media.frameCount = maxFrame;
    d.ensureLabel(label);
    for (const auto& [id, frames] : perTrack) {
        Track t;
        t.id = id;
        t.label = label;
        t.keys = keysFromFrames(frames, maxFrame);
        d.tracks.push_back(std::move(t));
    }
    return d;
}

void exportMot(const Document& doc, const fs::path& path) {
    vf::writeFileAtomic(path, toMot(doc));
}
Document importMot(const fs::path& path, const std::string& label) {
    return fromMot(readText(path), path.string(), label);
}

// ===================================================================== CVAT for video 1.1

namespace {
std::string xattr(const char* name, const std::string& v) {
    return std::string(" ") + name + "=\"" + xml::escape(v) + "\"";
}
std::string cvatAttr(const char* name, const std::string& v) {
    return "      <attribute name=\"" + std::string(name) + "\">" + xml::escape(v) +
           "</attribute>\n";
}
std::string pointsText(const std::vector<Point>& pts) {
    std::string s;
    for (std::size_t i = 0; i < pts.size(); ++i) {
        if (i) s += ';';
        s += fmt(pts[i].x) + "," + fmt(pts[i].y);
    }
    return s;
}
} // namespace

std::string toCvatXml(const Document& doc) {
    std::ostringstream o;
    const int n = doc.media.frameCount;
    o << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n";
    o << "  <meta>\n    <task>\n      <id>0</id>\n      <name>vfstudio</name>\n";
    o << "      <size>" << n << "</size>\n      <mode>interpolation</mode>\n";
    o << "      <overlap>0</overlap>\n      <start_frame>0</start_frame>\n";
    o << "      <stop_frame>" << std::max(0, n - 1) << "</stop_frame>\n      <labels>\n";
    for (const auto& l : doc.labels)
        o << "        <label>\n          <name>" << xml::escape(l.name)
          << "</name>\n          <color>" << colorToHex(l.color) << "</color>\n          <type>"
          << (l.kind == LabelKind::Segment ? "tag" : "any")
          << "</type>\n          <attributes></attributes>\n        </label>\n";
    o << "      </labels>\n      <original_size>\n        <width>" << doc.media.width
      << "</width>\n        <height>" << doc.media.height << "</height>\n      </original_size>\n";
    o << "      <source>" << xml::escape(doc.media.visible) << "</source>\n";
    o << "    </task>\n  </meta>\n";
    for (const auto& t : doc.tracks) {
        o << "  <track" << xattr("id", std::to_string(t.id)) << xattr("label", t.label)
          << xattr("source", "manual") << ">\n";
        if (!t.keys.empty()) {
            const int end = std::max(n - 1, t.keys.back().frame); // keys past the clip too
            for (int f = t.keys.front().frame; f <= end; ++f) {
                const Keyframe* k = t.keyAt(f);
                Rect r;
                bool outside = false, occluded = false;
                if (k) {
                    r = k->box;
                    outside = k->outside;
                    occluded = k->occluded;
                } else if (auto b = t.boxAt(f, n)) {
                    r = b->box;
                    occluded = b->occluded;
                } else {
                    continue;
                }
                o << "    <box frame=\"" << f << "\" outside=\"" << outside << "\" occluded=\""
                  << occluded << "\" keyframe=\"" << (k ? 1 : 0) << "\" xtl=\"" << fmt(r.x)
                  << "\" ytl=\"" << fmt(r.y) << "\" xbr=\"" << fmt(r.x + r.w) << "\" ybr=\""
                  << fmt(r.y + r.h) << "\" z_order=\"0\">\n"
                  << cvatAttr("stream", t.stream) << "    </box>\n";
            }
        }
        o << "  </track>\n";
    }
    for (const auto& g : doc.regions) {
        const char* shape = g.kind == RegionKind::Polygon ? "polygon" : "points";
        o << "  <track" << xattr("id", std::to_string(g.id)) << xattr("label", g.label)
          << xattr("source", "manual") << ">\n";
        const std::string pts = pointsText(g.points);
        auto emit = [&](int f, bool outside, bool key) {
            o << "    <" << shape << " frame=\"" << f << "\" outside=\"" << outside
              << "\" occluded=\"0\" keyframe=\"" << key << "\" points=\"" << pts
              << "\" z_order=\"0\">\n"
              << cvatAttr("stream", g.stream) << "    </" << shape << ">\n";
        };
        for (int f = g.firstFrame; f <= g.lastFrame; ++f)
            emit(f, false, f == g.firstFrame);
        if (n <= 0 || g.lastFrame + 1 < n) emit(g.lastFrame + 1, true, true);
        o << "  </track>\n";
    }
    for (const auto& s : doc.segments)
        for (int f = s.firstFrame; f <= s.lastFrame; ++f)
            o << "  <tag frame=\"" << f << "\"" << xattr("label", s.label)
              << xattr("source", "manual") << ">\n"
              << cvatAttr("segment_id", std::to_string(s.id)) << cvatAttr("text", s.text)
              << cvatAttr("stream", s.stream) << "  </tag>\n";
    o << "</annotations>\n";
    return o.str();
}

namespace {
struct CvatReader {
    const std::string& src;
    [[noreturn]] void failEl(const xml::Element& e, const std::string& field,
                             const std::string& what) const {
        detail::fail(src, e.line, e.col, field, what);
    }
    const xml::Attribute& need(const xml::Element& e, const char* name) const {
        const xml::Attribute* a = e.attribute(name);
        if (!a) failEl(e, std::string("<") + e.name + "> " + name, "missing required attribute");
        return *a;
    }
    double num(const xml::Element& e, const char* name) const {
        const auto& a = need(e, name);
        auto v = detail::parseDouble(a.value);
        if (!v || std::fabs(*v) > detail::kMaxCoord)
            detail::fail(src, a.line, a.col, std::string("<") + e.name + "> " + name,
                         "expected a number, got \"" + a.value + "\"");
        return *v;
    }
    long long integer(const xml::Element& e, const char* name, long long lo, long long hi) const {
        const auto& a = need(e, name);
        auto v = detail::parseInt(a.value);
        if (!v || *v < lo || *v > hi)
            detail::fail(src, a.line, a.col, std::string("<") + e.name + "> " + name,
                         "expected an integer in [" + std::to_string(lo) + ", " +
                             std::to_string(hi) + "], got \"" + a.value + "\"");
        return *v;
    }
    bool flag(const xml::Element& e, const char* name, bool def) const {
        const xml::Attribute* a = e.attribute(name);
        if (!a) return def;
        if (a->value == "0" || a->value == "false") return false;
        if (a->value == "1" || a->value == "true") return true;
        detail::fail(src, a->line, a->col, std::string("<") + e.name + "> " + name,
                     "expected 0 or 1, got \"" + a->value + "\"");
    }
    long long textInt(const xml::Element& e, long long lo, long long hi) const {
        auto v = detail::parseInt(trim(e.text));
        if (!v || *v < lo || *v > hi)
            failEl(e, "<" + e.name + ">", "expected an integer, got \"" + e.text + "\"");
        return *v;
    }
    // <attribute name="key">value</attribute> children.
    std::map<std::string, std::string> attributes(const xml::Element& e) const {
        std::map<std::string, std::string> m;
        for (const auto* a : e.childrenNamed("attribute"))
            m[need(*a, "name").value] = a->text;
        return m;
    }
    std::vector<Point> points(const xml::Element& e) const {
        const auto& a = need(e, "points");
        std::vector<Point> pts;
        std::string_view s = a.value;
        std::size_t b = 0;
        while (b <= s.size()) {
            std::size_t end = s.find(';', b);
            if (end == std::string_view::npos) end = s.size();
            std::string_view pair = trim(s.substr(b, end - b));
            std::size_t comma = pair.find(',');
            std::optional<double> x, y;
            if (comma != std::string_view::npos) {
                x = detail::parseDouble(trim(pair.substr(0, comma)));
                y = detail::parseDouble(trim(pair.substr(comma + 1)));
            }
            if (!x || !y || std::fabs(*x) > detail::kMaxCoord || std::fabs(*y) > detail::kMaxCoord)
                detail::fail(src, a.line, a.col, std::string("<") + e.name + "> points",
                             "expected \"x,y;x,y;...\", bad pair \"" + std::string(pair) + "\"");
            pts.push_back({*x, *y});
            if (end == s.size()) break;
            b = end + 1;
        }
        return pts;
    }
};
} // namespace

Document fromCvatXml(const std::string& text, const std::string& src) {
    auto root = xml::parse(text, src);
    CvatReader R{src};
    if (root->name != "annotations")
        R.failEl(*root, "root element", "expected <annotations>, got <" + root->name + ">");
    Document d;
    d.labels.clear();
    const long long maxF = detail::kMaxFrame;
    if (const auto* v = root->child("version")) {
        if (trim(v->text) != "1.1")
            R.failEl(*v, "<version>", "only CVAT XML 1.1 is supported, got \"" + v->text + "\"");
    }
    if (const auto* meta = root->child("meta")) {
        const xml::Element* task = meta->child("task");
        if (!task) task = meta->child("job");
        if (task) {
            if (const auto* m = task->child("mode"))
                if (trim(m->text) != "interpolation")
                    R.failEl(*m, "<mode>",
                             "expected CVAT for video (mode interpolation), got \"" + m->text +
                                 "\"");
            if (const auto* s = task->child("size"))
                d.media.frameCount = int(R.textInt(*s, 0, maxF));
            if (const auto* os = task->child("original_size")) {
                if (const auto* w = os->child("width"))
                    d.media.width = int(R.textInt(*w, 0, 100000));
                if (const auto* h = os->child("height"))
                    d.media.height = int(R.textInt(*h, 0, 100000));
            }
            if (const auto* s = task->child("source")) d.media.visible = s->text;
            if (const auto* labels = task->child("labels")) {
                for (const auto* l : labels->childrenNamed("label")) {
                    const auto* name = l->child("name");
                    if (!name || name->text.empty())
                        R.failEl(*l, "<label> name", "missing label name");
                    Label lab;
                    lab.name = name->text;
                    if (d.label(lab.name))
                        R.failEl(*name, "<label> name", "label \"" + lab.name + "\" appears twice");
                    if (const auto* c = l->child("color")) {
                        auto col = parseColor(std::string(trim(c->text)));
                        if (!col)
                            R.failEl(*c, "<label> color",
                                     "expected #rrggbb, got \"" + c->text + "\"");
                        lab.color = *col;
                    }
                    if (const auto* ty = l->child("type"))
                        lab.kind = trim(ty->text) == "tag" ? LabelKind::Segment : LabelKind::Object;
                    d.labels.push_back(lab);
                }
            }
        }
    }
    std::set<int> ids;
    auto checkLabel = [&](const xml::Element& e, LabelKind kind) {
        const std::string l = R.need(e, "label").value;
        if (l.empty()) R.failEl(e, "<" + e.name + "> label", "empty label");
        d.ensureLabel(l, kind);
        return l;
    };
    std::map<int, std::vector<const xml::Element*>> tagsById; // segments
    std::vector<int> tagOrder;
    for (const auto& cp : root->children) {
        const xml::Element& el = *cp;
        if (el.name == "track") {
            const int id = int(R.integer(el, "id", 0, 1'000'000'000));
            if (!ids.insert(id).second)
                R.failEl(el, "<track> id", "id " + std::to_string(id) + " is used twice");
            const std::string label = checkLabel(el, LabelKind::Object);
            const auto boxes = el.childrenNamed("box");
            const auto polys = el.childrenNamed("polygon");
            const auto pts = el.childrenNamed("points");
            const int kinds = !boxes.empty() + !polys.empty() + !pts.empty();
            if (kinds > 1) R.failEl(el, "<track>", "mixes box, polygon and points shapes");
            for (const auto& c : el.children)
                if (c->name != "box" && c->name != "polygon" && c->name != "points")
                    R.failEl(*c, "<track> child", "unsupported shape <" + c->name + ">");
            if (!boxes.empty()) {
                Track t;
                t.id = id;
                t.label = label;
                // Keyframe flags count only when at least one box is a keyframe: a track whose
                // boxes all say keyframe="0" would otherwise import as a track without keys,
                // losing its boxes (found by fuzz_cvat). Such a track is read as unflagged.
                bool anyFlag = false;
                for (const auto* b : boxes)
                    anyFlag |= b->attribute("keyframe") != nullptr && R.flag(*b, "keyframe", true);
                std::map<int, std::pair<Rect, bool>> all;
                std::set<int> outsideFrames;
                for (const auto* b : boxes) {
                    const int f = int(R.integer(*b, "frame", 0, maxF));
                    Rect r;
                    r.x = R.num(*b, "xtl");
                    r.y = R.num(*b, "ytl");
                    r.w = R.num(*b, "xbr") - r.x;
                    r.h = R.num(*b, "ybr") - r.y;
                    checkBox(r, src, b->line, b->col, "<box> xtl/ytl/xbr/ybr");
                    const bool outside = R.flag(*b, "outside", false);
                    const bool occluded = R.flag(*b, "occluded", false);
                    const bool key = R.flag(*b, "keyframe", true);
                    auto attrs = R.attributes(*b);
                    if (attrs.count("stream")) t.stream = attrs["stream"];
                    if (t.keyAt(f) || all.count(f) || outsideFrames.count(f))
                        R.failEl(*b, "<box> frame",
                                 "two boxes at frame " + std::to_string(f) + " in track " +
                                     std::to_string(id));
                    if (anyFlag) {
                        if (key)
                            t.setKey({f, r, outside, occluded});
                        else
                            all[f] = {r, occluded};
                    } else if (outside) {
                        outsideFrames.insert(f);
                        t.setKey({f, r, true, occluded});
                    } else {
                        all[f] = {r, occluded};
                    }
                }
                if (!anyFlag) {
                    // No keyframe flags: every shape is a keyframe, then simplified.
                    std::map<int, std::pair<Rect, bool>> frames = all;
                    auto keys = keysFromFrames(frames, d.media.frameCount);
                    for (const auto& k : keys)
                        if (!k.outside || !t.keyAt(k.frame)) t.setKey(k);
                }
                d.tracks.push_back(std::move(t));
            } else if (!polys.empty() || !pts.empty()) {
                const auto& shapes = !polys.empty() ? polys : pts;
                Region g;
                g.id = id;
                g.kind = !polys.empty() ? RegionKind::Polygon : RegionKind::Points;
                g.label = label;
                int first = -1, last = -1, outsideAt = -1;
                for (const auto* s : shapes) {
                    const int f = int(R.integer(*s, "frame", 0, maxF));
                    const bool outside = R.flag(*s, "outside", false);
                    if (outside) {
                        if (outsideAt < 0 || f < outsideAt) outsideAt = f;
                        continue;
                    }
                    if (first < 0 || f < first) {
                        first = f;
                        g.points = R.points(*s);
                        auto attrs = R.attributes(*s);
                        if (attrs.count("stream")) g.stream = attrs["stream"];
                    }
                    last = std::max(last, f);
                }
                if (first < 0) R.failEl(el, "<track>", "region track has no visible shape");
                if (outsideAt > first && outsideAt <= last) last = outsideAt - 1;
                g.firstFrame = first;
                g.lastFrame = last;
                const std::size_t need = g.kind == RegionKind::Polygon ? 3 : 1;
                if (g.points.size() < need)
                    R.failEl(el, "<track> points",
                             "a region needs at least " + std::to_string(need) + " points");
                d.regions.push_back(std::move(g));
            }
        } else if (el.name == "tag") {
            R.integer(el, "frame", 0, maxF);
            checkLabel(el, LabelKind::Segment);
            auto attrs = R.attributes(el);
            int sid = -1;
            if (attrs.count("segment_id")) {
                auto v = detail::parseInt(trim(attrs["segment_id"]));
                if (!v || *v < 0 || *v > 1'000'000'000)
                    R.failEl(el, "<tag> segment_id",
                             "expected an integer id, got \"" + attrs["segment_id"] + "\"");
                sid = int(*v);
            }
            if (sid < 0) sid = -1 - int(tagOrder.size()); // untagged: own segment
            if (!tagsById.count(sid)) tagOrder.push_back(sid);
            tagsById[sid].push_back(&el);
        } else if (el.name == "version" || el.name == "meta") {
            continue;
        } else if (el.name == "image") {
            R.failEl(el, "<image>", "this is CVAT for images; export as CVAT for video 1.1");
        } else {
            R.failEl(el, "<annotations> child", "unexpected element <" + el.name + ">");
        }
    }
    int fresh = d.nextId();
    for (int sid : tagOrder) {
        const auto& tags = tagsById[sid];
        Segment s;
        if (sid >= 0) {
            if (!ids.insert(sid).second)
                R.failEl(*tags.front(), "<tag> segment_id",
                         "id " + std::to_string(sid) + " is used twice");
            s.id = sid;
        } else {
            while (ids.count(fresh))
                ++fresh;
            s.id = fresh;
            ids.insert(fresh);
        }
        s.label = R.need(*tags.front(), "label").value;
        s.firstFrame = s.lastFrame = int(*detail::parseInt(R.need(*tags.front(), "frame").value));
        for (const auto* t : tags) {
            const int f = int(*detail::parseInt(R.need(*t, "frame").value));
            if (R.need(*t, "label").value != s.label)
                R.failEl(*t, "<tag> label", "segment " + std::to_string(s.id) + " changes label");
            s.firstFrame = std::min(s.firstFrame, f);
            s.lastFrame = std::max(s.lastFrame, f);
            auto attrs = R.attributes(*t);
            if (attrs.count("text")) s.text = attrs["text"];
            if (attrs.count("stream")) s.stream = attrs["stream"];
        }
        d.segments.push_back(std::move(s));
    }
    return d;
}

void exportCvat(const Document& doc, const fs::path& path) {
    vf::writeFileAtomic(path, toCvatXml(doc));
}
Document importCvat(const fs::path& path) {
    return fromCvatXml(readText(path), path.string());
}

// ===================================================================== COCO

std::string toCoco(const Document& doc) {
    ojson j;
    j["info"] = ojson{{"description", "vfstudio annotations"}, {"version", "1.0"}};
    j["licenses"] = ojson::array();
    int last = doc.media.frameCount - 1;
    if (doc.media.frameCount <= 0) {
        for (const auto& t : doc.tracks)
            last = std::max(last, t.lastVisibleFrame(0));
        for (const auto& g : doc.regions)
            last = std::max(last, g.lastFrame);
    }
    ojson images = ojson::array();
    char name[32];
    for (int f = 0; f <= last; ++f) {
        std::snprintf(name, sizeof name, "frame_%06d.png", f);
        images.push_back(ojson{{"id", f + 1},
                               {"file_name", name},
                               {"width", doc.media.width},
                               {"height", doc.media.height},
                               {"frame_id", f}});
    }
    j["images"] = images;
    ojson cats = ojson::array();
    std::map<std::string, int> catId;
    for (std::size_t i = 0; i < doc.labels.size(); ++i) {
        catId[doc.labels[i].name] = int(i) + 1;
        cats.push_back(
            ojson{{"id", int(i) + 1}, {"name", doc.labels[i].name}, {"supercategory", ""}});
    }
    j["categories"] = cats;
    ojson anns = ojson::array();
    int annId = 1;
    for (int f = 0; f <= last; ++f) {
        for (const auto& t : doc.tracks) {
            auto b = t.boxAt(f, doc.media.frameCount);
            if (!b) continue;
            const Rect& r = b->box;
            anns.push_back(ojson{
                {"id", annId++},
                {"image_id", f + 1},
                {"category_id", catId[t.label]},
                {"bbox", ojson::array({r.x, r.y, r.w, r.h})},
                {"area", r.area()},
                {"iscrowd", 0},
                {"segmentation", ojson::array()},
                {"attributes",
                 ojson{{"track_id", t.id}, {"occluded", b->occluded}, {"keyframe", b->keyframe}}}});
        }
        for (const auto& g : doc.regions) {
            if (g.kind != RegionKind::Polygon || f < g.firstFrame || f > g.lastFrame) continue;
            ojson poly = ojson::array();
            double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300, area = 0;
            for (std::size_t i = 0; i < g.points.size(); ++i) {
                const Point& p = g.points[i];
                const Point& q = g.points[(i + 1) % g.points.size()];
                poly.push_back(p.x);
                poly.push_back(p.y);
                x0 = std::min(x0, p.x), y0 = std::min(y0, p.y);
                x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
                area += p.x * q.y - q.x * p.y;
            }
            anns.push_back(ojson{{"id", annId++},
                                 {"image_id", f + 1},
                                 {"category_id", catId[g.label]},
                                 {"bbox", ojson::array({x0, y0, x1 - x0, y1 - y0})},
                                 {"area", std::fabs(area) / 2},
                                 {"iscrowd", 0},
                                 {"segmentation", ojson::array({poly})},
                                 {"attributes", ojson{{"region_id", g.id}}}});
        }
    }
    j["annotations"] = anns;
    return j.dump(1, ' ') + "\n";
}

Document fromCoco(const std::string& text, const std::string& src) {
    detail::JsonReader r(src, text);
    const json j = r.parse(text);
    r.expectObject(j, "");
    Document d;
    d.labels.clear();
    const long long maxF = detail::kMaxFrame;
    // images: id -> frame
    std::map<long long, int> frameOf;
    const json& images = r.array(j, "", "images");
    for (std::size_t i = 0; i < images.size(); ++i) {
        const std::string p = "/images/" + std::to_string(i);
        r.expectObject(images[i], p);
        const long long id = r.integer(images[i], p, "id", 0, 1'000'000'000'000LL);
        int frame;
        if (r.has(images[i], "frame_id")) {
            frame = int(r.integer(images[i], p, "frame_id", 0, maxF));
        } else {
            // Frame number from the digits of file_name ("frame_000012.png" -> 12).
            const std::string fn = r.string(images[i], p, "file_name");
            std::string digits;
            for (char c : fn)
                if (c >= '0' && c <= '9')
                    digits += c;
                else if (!digits.empty() && c == '.')
                    break;
                else if (c != '.')
                    digits.clear();
            auto v = detail::parseInt(digits);
            if (!v || *v > maxF)
                r.fail(p + "/file_name", "no frame number in \"" + fn + "\" (and no frame_id)");
            frame = int(*v);
        }
        if (frameOf.count(id))
            r.fail(p + "/id", "image id " + std::to_string(id) + " is used twice");
        frameOf[id] = frame;
        if (r.has(images[i], "width"))
            d.media.width = int(r.integer(images[i], p, "width", 0, 100000));
        if (r.has(images[i], "height"))
            d.media.height = int(r.integer(images[i], p, "height", 0, 100000));
        d.media.frameCount = std::max(d.media.frameCount, frame + 1);
    }
    std::map<long long, std::string> catName;
    const json& cats = r.array(j, "", "categories");
    for (std::size_t i = 0; i < cats.size(); ++i) {
        const std::string p = "/categories/" + std::to_string(i);
        r.expectObject(cats[i], p);
        const long long id = r.integer(cats[i], p, "id", 0, 1'000'000'000);
        const std::string name = r.string(cats[i], p, "name");
        if (name.empty()) r.fail(p + "/name", "empty category name");
        if (catName.count(id))
            r.fail(p + "/id", "category id " + std::to_string(id) + " is used twice");
        catName[id] = name;
        d.ensureLabel(name);
    }
    struct TrackAcc {
        std::string label;
        std::map<int, std::pair<Rect, bool>> frames;
        std::set<int> keyFrames;
        bool keyInfo = false;
    };
    std::map<long long, TrackAcc> tracks;
    std::map<long long, Region> regions;
    std::vector<Track> loose;
    std::vector<Region> looseRegions;
    const json& anns = r.array(j, "", "annotations");
    for (std::size_t i = 0; i < anns.size(); ++i) {
        const std::string p = "/annotations/" + std::to_string(i);
        const json& a = anns[i];
        r.expectObject(a, p);
        const long long img = r.integer(a, p, "image_id", 0, 1'000'000'000'000LL);
        auto fi = frameOf.find(img);
        if (fi == frameOf.end()) r.fail(p + "/image_id", "no image with id " + std::to_string(img));
        const int frame = fi->second;
        const long long cat = r.integer(a, p, "category_id", 0, 1'000'000'000);
        auto ci = catName.find(cat);
        if (ci == catName.end())
            r.fail(p + "/category_id", "no category with id " + std::to_string(cat));
        const json& bb = r.array(a, p, "bbox");
        if (bb.size() != 4) r.fail(p + "/bbox", "expected [x, y, width, height]");
        Rect box{r.numberValue(bb[0], p + "/bbox/0"), r.numberValue(bb[1], p + "/bbox/1"),
                 r.numberValue(bb[2], p + "/bbox/2"), r.numberValue(bb[3], p + "/bbox/3")};
        if (box.w < 0 || box.h < 0) r.fail(p + "/bbox", "width and height must not be negative");
        const json* attrs = r.has(a, "attributes") ? &r.object(a, p, "attributes") : nullptr;
        const std::string ap = p + "/attributes";
        std::vector<Point> poly;
        if (r.has(a, "segmentation") && a["segmentation"].is_array() &&
            !a["segmentation"].empty()) {
            const json& seg = a["segmentation"];
            const json& first = seg[0];
            r.expectArray(first, p + "/segmentation/0");
            if (first.size() % 2 != 0 || first.size() < 6)
                r.fail(p + "/segmentation/0",
                       "a polygon needs an even number (>= 6) of coordinates");
            for (std::size_t k = 0; k + 1 < first.size(); k += 2)
                poly.push_back(
                    {r.numberValue(first[k], p + "/segmentation/0/" + std::to_string(k)),
                     r.numberValue(first[k + 1], p + "/segmentation/0/" + std::to_string(k + 1))});
        } else if (r.has(a, "segmentation") && !a["segmentation"].is_array() &&
                   !a["segmentation"].is_object()) {
            r.fail(p + "/segmentation", "expected an array of polygons");
        }
        if (!poly.empty()) {
            Region g;
            g.kind = RegionKind::Polygon;
            g.label = ci->second;
            g.points = poly;
            g.firstFrame = g.lastFrame = frame;
            if (attrs && r.has(*attrs, "region_id")) {
                const long long rid = r.integer(*attrs, ap, "region_id", 0, 1'000'000'000);
                auto it = regions.find(rid);
                if (it == regions.end()) {
                    g.id = int(rid);
                    regions[rid] = g;
                } else {
                    it->second.firstFrame = std::min(it->second.firstFrame, frame);
                    it->second.lastFrame = std::max(it->second.lastFrame, frame);
                }
            } else {
                looseRegions.push_back(g);
            }
            continue;
        }
        bool occluded = false;
        if (attrs && r.has(*attrs, "occluded")) occluded = r.boolean(*attrs, ap, "occluded");
        if (attrs && r.has(*attrs, "track_id")) {
            const long long tid = r.integer(*attrs, ap, "track_id", 0, 1'000'000'000);
            auto& acc = tracks[tid];
            if (acc.label.empty())
                acc.label = ci->second;
            else if (acc.label != ci->second)
                r.fail(p + "/category_id", "track " + std::to_string(tid) + " changes category");
            if (acc.frames.count(frame))
                r.fail(p + "/image_id",
                       "track " + std::to_string(tid) + " has two boxes in one image");
            acc.frames[frame] = {box, occluded};
            if (r.has(*attrs, "keyframe")) {
                acc.keyInfo = true;
                if (r.boolean(*attrs, ap, "keyframe")) acc.keyFrames.insert(frame);
            }
        } else {
            Track t;
            t.label = ci->second;
            t.keys.push_back({frame, box, false, occluded});
            if (frame + 1 < d.media.frameCount || d.media.frameCount == 0)
                t.keys.push_back({frame + 1, box, true, false});
            loose.push_back(std::move(t));
        }
    }
    std::set<int> used;
    for (auto& [tid, acc] : tracks) {
        Track t;
        t.id = int(tid);
        t.label = acc.label;
        used.insert(t.id);
        auto keys = keysFromFrames(acc.frames, d.media.frameCount);
        if (acc.keyInfo) {
            // Keep the file's keyframes; gaps still become outside keys.
            for (const auto& k : keys)
                if (k.outside || acc.keyFrames.count(k.frame)) t.keys.push_back(k);
            for (int kf : acc.keyFrames)
                if (!t.keyAt(kf))
                    t.setKey({kf, acc.frames[kf].first, false, acc.frames[kf].second});
            // A keyframe directly before an outside key whose value interpolation needs.
            for (const auto& [f, bo] : acc.frames) {
                auto tb = t.boxAt(f, d.media.frameCount);
                if (!tb || !nearlyEqual(tb->box, bo.first))
                    t.setKey({f, bo.first, false, bo.second});
            }
        } else {
            t.keys = keys;
        }
        d.tracks.push_back(std::move(t));
    }
    for (auto& [rid, g] : regions) {
        if (used.count(g.id))
            r.fail("/annotations", "region_id " + std::to_string(rid) + " is also a track_id");
        used.insert(g.id);
        d.regions.push_back(g);
    }
    int fresh = 0;
    auto freshId = [&] {
        while (used.count(fresh))
            ++fresh;
        used.insert(fresh);
        return fresh;
    };
    for (auto& t : loose) {
        t.id = freshId();
        d.tracks.push_back(std::move(t));
    }
    for (auto& g : looseRegions) {
        g.id = freshId();
        d.regions.push_back(std::move(g));
    }
    return d;
}

void exportCoco(const Document& doc, const fs::path& path) {
    vf::writeFileAtomic(path, toCoco(doc));
}
Document importCoco(const fs::path& path) {
    return fromCoco(readText(path), path.string());
}

// ===================================================================== YOLO

std::map<std::string, std::string> toYolo(const Document& doc) {
    if (doc.media.width <= 0 || doc.media.height <= 0 || doc.media.frameCount <= 0)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "YOLO export needs the frame size and frame count of the clip "
                        "(document media: width " +
                            std::to_string(doc.media.width) + ", height " +
                            std::to_string(doc.media.height) + ", frames " +
                            std::to_string(doc.media.frameCount) + ")");
    std::map<std::string, std::string> files;
    std::string classes;
    std::map<std::string, int> cls;
    for (std::size_t i = 0; i < doc.labels.size(); ++i) {
        classes += doc.labels[i].name + "\n";
        cls[doc.labels[i].name] = int(i);
    }
    files["classes.txt"] = classes;
    const double W = doc.media.width, H = doc.media.height;
    char name[32];
    for (int f = 0; f < doc.media.frameCount; ++f) {
        std::string s;
        for (const auto& t : doc.tracks) {
            auto b = t.boxAt(f, doc.media.frameCount);
            if (!b) continue;
            const Rect& r = b->box;
            s += std::to_string(cls[t.label]) + " " + fmt((r.x + r.w / 2) / W) + " " +
                 fmt((r.y + r.h / 2) / H) + " " + fmt(r.w / W) + " " + fmt(r.h / H) + "\n";
        }
        std::snprintf(name, sizeof name, "frame_%06d.txt", f);
        files[name] = s;
    }
    return files;
}

std::vector<std::string> readYoloClasses(const std::string& text, const std::string& src) {
    std::vector<std::string> out;
    const auto lines = splitLines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view l = trim(lines[i]);
        if (l.empty()) {
            // Only trailing empty lines are allowed (class indices are line numbers).
            for (std::size_t k = i + 1; k < lines.size(); ++k)
                if (!trim(lines[k]).empty())
                    detail::fail(src, int(i) + 1, 1, "class name",
                                 "empty line inside the class list");
            break;
        }
        out.emplace_back(l);
    }
    if (out.empty()) detail::fail(src, 1, 1, "class name", "no classes");
    return out;
}

void readYoloFrame(const std::string& text, const std::string& src, int frame, int width,
                   int height, const std::vector<std::string>& classes, Document& into) {
    if (width <= 0 || height <= 0)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        src + ": reading YOLO needs the frame size (width and height)", src);
    static const char* names[] = {"class", "x_center", "y_center", "width", "height"};
    const auto lines = splitLines(text);
    for (std::size_t li = 0; li < lines.size(); ++li) {
        const int ln = int(li) + 1;
        if (trim(lines[li]).empty()) continue;
        auto fields = splitFields(lines[li], ' ');
        if (fields.size() != 5 && fields.size() != 6)
            detail::fail(src, ln, 1, "",
                         "expected \"class x_center y_center width height\", got " +
                             std::to_string(fields.size()) + " fields");
        auto c = detail::parseInt(fields[0].text);
        if (!c || *c < 0 || *c >= long(classes.size()))
            detail::fail(src, ln, fields[0].col, names[0],
                         "expected a class index in [0, " + std::to_string(classes.size() - 1) +
                             "], got \"" + std::string(fields[0].text) + "\"");
        double v[4];
        for (int k = 0; k < 4; ++k) {
            auto d = detail::parseDouble(fields[k + 1].text);
            if (!d || *d < -1e-9 || *d > 1 + 1e-9)
                detail::fail(src, ln, fields[k + 1].col, names[k + 1],
                             "expected a normalised number in [0, 1], got \"" +
                                 std::string(fields[k + 1].text) + "\"");
            v[k] = *d;
        }
        if (fields.size() == 6 && !detail::parseDouble(fields[5].text))
            detail::fail(src, ln, fields[5].col, "confidence", "expected a number");
        const std::string& label = classes[std::size_t(*c)];
        into.ensureLabel(label);
        Track t;
        t.id = into.nextId();
        t.label = label;
        Rect r{(v[0] - v[2] / 2) * width, (v[1] - v[3] / 2) * height, v[2] * width, v[3] * height};
        t.keys.push_back({frame, r, false, false});
        if (into.media.frameCount <= 0 || frame + 1 < into.media.frameCount)
            t.keys.push_back({frame + 1, r, true, false});
        into.tracks.push_back(std::move(t));
    }
}

void exportYolo(const Document& doc, const fs::path& folder) {
    auto files = toYolo(doc);
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec)
        throw vf::Error(vf::ErrorCode::WriteFailed,
                        "cannot create folder " + folder.string() + ": " + ec.message(),
                        folder.string());
    for (const auto& [name, content] : files)
        vf::writeFileAtomic(folder / name, content);
}

Document importYolo(const fs::path& folder, int width, int height) {
    const fs::path cls = folder / "classes.txt";
    const auto classes = readYoloClasses(readText(cls), cls.string());
    std::map<int, fs::path> frames;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        const std::string n = e.path().filename().string();
        if (n.rfind("frame_", 0) != 0 || e.path().extension() != ".txt") continue;
        auto v = detail::parseInt(n.substr(6, n.size() - 10));
        if (!v || *v < 0 || *v > detail::kMaxFrame)
            throw vf::Error(vf::ErrorCode::Corrupt,
                            e.path().string() + ": file name has no frame number",
                            e.path().string());
        frames[int(*v)] = e.path();
    }
    if (ec)
        throw vf::Error(vf::ErrorCode::Unreadable,
                        "cannot list " + folder.string() + ": " + ec.message(), folder.string());
    Document d;
    d.labels.clear();
    for (const auto& c : classes)
        d.ensureLabel(c);
    d.media.width = width;
    d.media.height = height;
    d.media.frameCount = frames.empty() ? 0 : frames.rbegin()->first + 1;
    for (const auto& [f, p] : frames)
        readYoloFrame(readText(p), p.string(), f, width, height, classes, d);
    return d;
}

void exportAs(const Document& doc, const std::string& format, const fs::path& path) {
    if (format == "json")
        saveDocument(doc, path);
    else if (format == "mot")
        exportMot(doc, path);
    else if (format == "cvat")
        exportCvat(doc, path);
    else if (format == "coco")
        exportCoco(doc, path);
    else if (format == "yolo")
        exportYolo(doc, path);
    else
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "unknown annotation format \"" + format +
                            "\" (use json, mot, cvat, coco or yolo)");
}

Document importAs(const std::string& format, const fs::path& path, int width, int height,
                  const std::string& label) {
    if (format == "json") return loadDocument(path);
    if (format == "mot") return importMot(path, label);
    if (format == "cvat") return importCvat(path);
    if (format == "coco") return importCoco(path);
    if (format == "yolo") return importYolo(path, width, height);
    throw vf::Error(vf::ErrorCode::InvalidArgument, "unknown annotation format \"" + format +
                                                        "\" (use json, mot, cvat, coco or yolo)");
}

} // namespace vf::annotate
