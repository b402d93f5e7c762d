// Tests of core/annotate: interpolation, import/export round trips, located errors for
// malformed input, blind sessions and Bradley–Terry ranking.
#include <QtTest/QtTest>

#include <cmath>
#include <filesystem>
#include <set>
#include <unistd.h>

#include "core/annotate/Blind.h"
#include "core/annotate/Document.h"
#include "core/annotate/Formats.h"
#include "core/annotate/MiniXml.h"
#include "core/common/AtomicFile.h"
#include "core/common/Error.h"

namespace fs = std::filesystem;
using namespace vf::annotate;

namespace {

// A document exercising every feature. Coordinates are dyadic (exact in binary), so CVAT's
// corner representation (xbr = x + w) converts back without rounding.
Document sampleDoc() {
    Document d;
    d.media.infrared = "ir.mp4";
    d.media.visible = "vis.mp4";
    d.media.width = 640;
    d.media.height = 480;
    d.media.frameCount = 30;
    d.media.fps = 30;
    d.ensureLabel("cyclist & dog \"quoted\"", LabelKind::Object);
    Track a;
    a.id = 0;
    a.label = "person";
    a.keys = {{2, {100, 50, 40, 80}, false, false},
              {10, {164.5, 90.25, 48, 72}, false, true},
              {14, {164.5, 90.25, 48, 72}, true, false},
              {20, {300, 200, 32, 64}, false, false}};
    Track b;
    b.id = 1;
    b.label = "cyclist & dog \"quoted\"";
    b.stream = "ir";
    b.keys = {{0, {10, 10, 20, 20}, false, false},
              {5, {20, 30, 20, 20}, false, false},
              {8, {20, 30, 20, 20}, true, false}};
    d.tracks = {a, b};
    Region poly;
    poly.id = 2;
    poly.kind = RegionKind::Polygon;
    poly.label = "car";
    poly.firstFrame = 3;
    poly.lastFrame = 6;
    poly.points = {{10, 10}, {60.5, 12}, {40, 50.25}};
    Region pts;
    pts.id = 3;
    pts.kind = RegionKind::Points;
    pts.label = "object";
    pts.stream = "visible";
    pts.firstFrame = 7;
    pts.lastFrame = 7;
    pts.points = {{5, 6}, {7.5, 8}};
    d.regions = {poly, pts};
    Segment s;
    s.id = 4;
    s.label = "flicker";
    s.firstFrame = 11;
    s.lastFrame = 15;
    s.text = "brightness pumps <every> other frame & more";
    Segment s2;
    s2.id = 5;
    s2.label = "lost thermal target";
    s2.stream = "fused:VideoFusion";
    s2.firstFrame = 20;
    s2.lastFrame = 20;
    s2.text = "";
    d.segments = {s, s2};
    return d;
}

// Expects `fn` to throw vf::Error whose message contains every fragment.
template <class F> void expectError(F fn, std::initializer_list<const char*> fragments) {
    try {
        fn();
    } catch (const vf::Error& e) {
        const std::string m = e.what();
        for (const char* f : fragments)
            QVERIFY2(m.find(f) != std::string::npos,
                     qPrintable(QString("message \"%1\" lacks \"%2\"").arg(m.c_str(), f)));
        return;
    }
    QFAIL("no vf::Error thrown");
}

bool sameBox(const Rect& a, const Rect& b, double tol) {
    return std::fabs(a.x - b.x) <= tol && std::fabs(a.y - b.y) <= tol &&
           std::fabs(a.w - b.w) <= tol && std::fabs(a.h - b.h) <= tol;
}

// Per-frame box sets (ignoring ids) of two documents are equal.
void compareFrameBoxes(const Document& a, const Document& b, int frames, double tol) {
    for (int f = 0; f < frames; ++f) {
        auto ba = a.boxesAt(f), bb = b.boxesAt(f);
        QVERIFY2(
            ba.size() == bb.size(),
            qPrintable(QString("frame %1: %2 vs %3 boxes").arg(f).arg(ba.size()).arg(bb.size())));
        std::vector<bool> used(bb.size(), false);
        for (const auto& [id, x] : ba) {
            bool found = false;
            for (std::size_t k = 0; k < bb.size() && !found; ++k)
                if (!used[k] && sameBox(x.box, bb[k].second.box, tol)) used[k] = found = true;
            QVERIFY2(found,
                     qPrintable(QString("frame %1: box of track %2 missing").arg(f).arg(id)));
        }
    }
}

} // namespace

class TestAnnotateCore : public QObject {
    Q_OBJECT
private:
    fs::path dir_;

private Q_SLOTS:
    void init() {
        dir_ = fs::temp_directory_path() / ("vf_test_annot_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void cleanup() { fs::remove_all(dir_); }

    // ---------------------------------------------------------------- interpolation
    void interpolationHandComputed() {
        Track t;
        t.keys = {{10, {100, 50, 40, 80}, false, false},
                  {20, {200, 100, 60, 40}, false, true},
                  {22, {200, 100, 60, 40}, true, false},
                  {25, {0, 0, 10, 10}, false, false}};
        const int n = 30;
        QVERIFY(!t.boxAt(9, n)); // before the first keyframe
        // frame 10: the keyframe itself
        QVERIFY(t.boxAt(10, n)->keyframe);
        QCOMPARE(t.boxAt(10, n)->box, (Rect{100, 50, 40, 80}));
        // frame 12: t = 2/10 = 0.2 -> x = 100 + 0.2*100 = 120, y = 50 + 0.2*50 = 60,
        // w = 40 + 0.2*20 = 44, h = 80 - 0.2*40 = 72
        auto b12 = t.boxAt(12, n);
        QVERIFY(b12 && !b12->keyframe && !b12->occluded);
        QVERIFY(sameBox(b12->box, {120, 60, 44, 72}, 1e-12));
        // frame 15: t = 0.5 -> (150, 75, 50, 60)
        QVERIFY(sameBox(t.boxAt(15, n)->box, {150, 75, 50, 60}, 1e-12));
        // frame 17: t = 0.7 -> (170, 85, 54, 52)
        QVERIFY(sameBox(t.boxAt(17, n)->box, {170, 85, 54, 52}, 1e-12));
        // frame 21: after an occluded keyframe, towards the outside key with the same box
        auto b21 = t.boxAt(21, n);
        QVERIFY(b21 && b21->occluded);
        QVERIFY(sameBox(b21->box, {200, 100, 60, 40}, 1e-12));
        // frames 22..24 hidden (outside), 25.. visible again and constant to the end
        QVERIFY(!t.boxAt(22, n));
        QVERIFY(!t.boxAt(24, n));
        QCOMPARE(t.boxAt(29, n)->box, (Rect{0, 0, 10, 10}));
        QVERIFY(!t.boxAt(30, n)); // past the clip
        QCOMPARE(t.lastVisibleFrame(n), 29);
    }

    void keyEditing() {
        Track t;
        t.setKey({5, {1, 1, 1, 1}, false, false});
        t.setKey({1, {0, 0, 1, 1}, false, false});
        t.setKey({3, {2, 2, 1, 1}, false, false});
        t.setKey({3, {4, 4, 1, 1}, false, false}); // replaces
        QCOMPARE(int(t.keys.size()), 3);
        QCOMPARE(t.keys[0].frame, 1);
        QCOMPARE(t.keys[1].frame, 3);
        QCOMPARE(t.keys[1].box.x, 4.0);
        QVERIFY(t.removeKey(3));
        QVERIFY(!t.removeKey(3));
        QCOMPARE(iou({0, 0, 10, 10}, {5, 0, 10, 10}), 50.0 / 150.0);
    }

    // ---------------------------------------------------------------- round trips
    void jsonRoundTrip() {
        const Document d = sampleDoc();
        const fs::path p = dir_ / "a.vfann.json";
        saveDocument(d, p);
        const Document back = loadDocument(p);
        QVERIFY(back == d);
        // and the text is stable (a second export is byte-identical)
        QCOMPARE(QString::fromStdString(toJson(back)), QString::fromStdString(toJson(d)));
    }

    void cvatRoundTrip() {
        Document d = sampleDoc();
        // CVAT XML carries neither the infrared path nor fps.
        d.media.infrared.clear();
        d.media.fps = 0;
        const fs::path p = dir_ / "a.xml";
        exportCvat(d, p);
        const Document back = importCvat(p);
        QCOMPARE(int(back.tracks.size()), 2);
        QVERIFY(back.labels == d.labels);
        QVERIFY(back.tracks == d.tracks);
        QVERIFY(back.regions == d.regions);
        QVERIFY(back.segments == d.segments);
        QVERIFY(back.media == d.media);
        QVERIFY(back == d);
        // The export materialises interpolated frames: frame 6 of track 0 is
        // interpolated between keys 2 and 10: t = 0.5 -> xtl = 132.25, xbr = 132.25+44.
        const std::string xmlText = toCvatXml(d);
        QVERIFY(xmlText.find("<box frame=\"6\" outside=\"0\" occluded=\"0\" keyframe=\"0\" "
                             "xtl=\"132.25\" ytl=\"70.125\" xbr=\"176.25\" ybr=\"146.125\"") !=
                std::string::npos);
    }

    void cvatWithoutKeyframeFlags() {
        // A foreign CVAT file with every frame listed and no keyframe attribute.
        const std::string x = R"(<?xml version="1.0"?>
<annotations><version>1.1</version>
<meta><task><size>6</size><mode>interpolation</mode><labels><label><name>car</name></label></labels></task></meta>
<track id="7" label="car">
 <box frame="1" outside="0" occluded="0" xtl="0" ytl="0" xbr="10" ybr="10"/>
 <box frame="2" outside="0" occluded="0" xtl="2" ytl="0" xbr="12" ybr="10"/>
 <box frame="3" outside="0" occluded="0" xtl="4" ytl="0" xbr="14" ybr="10"/>
 <box frame="4" outside="1" occluded="0" xtl="4" ytl="0" xbr="14" ybr="10"/>
</track></annotations>)";
        Document d = fromCvatXml(x, "foreign.xml");
        QCOMPARE(int(d.tracks.size()), 1);
        const Track& t = d.tracks[0];
        // linear motion: the middle frame is dropped, keys 1, 3 and the outside at 4
        QCOMPARE(int(t.keys.size()), 3);
        QVERIFY(sameBox(t.boxAt(2, 6)->box, {2, 0, 10, 10}, 1e-12));
        QVERIFY(!t.boxAt(4, 6));

        // Flags present but every box keyframe="0" (found by fuzz_cvat): the boxes are kept,
        // read as if unflagged, instead of a track without keys that vanishes on re-export.
        std::string zeros;
        for (const char* c = x.c_str(); *c; ++c) {
            zeros += *c;
            if (std::string_view(c).substr(0, 5) == "<box ") {
                zeros += "box keyframe=\"0\" ";
                c += 4;
            }
        }
        const Document z = fromCvatXml(zeros, "zeros.xml");
        QCOMPARE(int(z.tracks.size()), 1);
        QCOMPARE(int(z.tracks[0].keys.size()), 3);
        QVERIFY(sameBox(z.tracks[0].boxAt(2, 6)->box, {2, 0, 10, 10}, 1e-12));
        QVERIFY(fromCvatXml(toCvatXml(z), "again.xml") == z);
    }

    void motRoundTrip() {
        const Document d = sampleDoc();
        const fs::path p = dir_ / "gt.txt";
        exportMot(d, p);
        const std::string text = vf::readFile(p);
        // One line per visible box per frame; first box: frame 1 (0-based 0), track 2 (id 1).
        QVERIFY(text.rfind("1,2,10,10,20,20,1,-1,-1,-1\n", 0) == 0);
        int lines = 0;
        for (char c : text)
            lines += c == '\n';
        int boxes = 0;
        for (int f = 0; f < d.media.frameCount; ++f)
            boxes += int(d.boxesAt(f).size());
        QCOMPARE(lines, boxes);
        const Document back = importMot(p, "person");
        compareFrameBoxes(d, back, d.media.frameCount, 1e-9);
        // ids survive (MOT id - 1)
        QVERIFY(back.track(0) && back.track(1));
    }

    void motLongTrackIsCompactAndFast() {
        // 20000 frames of uniform motion (x = 0.5 f): keyframes only every <= 300 frames.
        std::string text;
        for (int f = 1; f <= 20000; ++f)
            text += std::to_string(f) + ",1," + std::to_string(0.5 * f) + ",7,30,60,1,-1,-1,-1\n";
        QElapsedTimer timer;
        timer.start();
        const Document d = fromMot(text, "long.txt");
        QVERIFY2(timer.elapsed() < 5000, "MOT import is not linear");
        QCOMPARE(int(d.tracks.size()), 1);
        QVERIFY(d.tracks[0].keys.size() <= 100);
        for (int f : {0, 1, 150, 299, 300, 12345, 19999}) {
            auto b = d.tracks[0].boxAt(f, d.media.frameCount);
            QVERIFY(b && sameBox(b->box, {0.5 * (f + 1), 7, 30, 60}, 1e-7));
        }
    }

    void yoloRoundTrip() {
        const Document d = sampleDoc();
        const fs::path folder = dir_ / "yolo";
        exportYolo(d, folder);
        QVERIFY(fs::exists(folder / "classes.txt"));
        QVERIFY(fs::exists(folder / "frame_000029.txt"));
        // frame 0: only track 1 ("cyclist..." is palette entry 10): box (10,10,20,20) ->
        // cx = 20/640 = 0.03125, cy = 20/480, w = 20/640, h = 20/480
        const std::string f0 = vf::readFile(folder / "frame_000000.txt");
        QVERIFY2(f0.rfind("10 0.03125 0.041666666666666664 0.03125 0.041666666666666664\n", 0) == 0,
                 f0.c_str());
        const Document back = importYolo(folder, 640, 480);
        compareFrameBoxes(d, back, d.media.frameCount, 1e-6);
        // class names come back
        for (const auto& t : back.tracks)
            QVERIFY(d.label(t.label));
    }

    void cocoRoundTrip() {
        const Document d = sampleDoc();
        const fs::path p = dir_ / "coco.json";
        exportCoco(d, p);
        const Document back = importCoco(p);
        compareFrameBoxes(d, back, d.media.frameCount, 1e-9);
        QCOMPARE(int(back.regions.size()), 1); // polygons only (points are not in COCO)
        QCOMPARE(back.regions[0].points, d.regions[0].points);
        QCOMPARE(back.regions[0].firstFrame, 3);
        QCOMPARE(back.regions[0].lastFrame, 6);
        // keyframes of the file are kept
        QVERIFY(back.track(0)->keyAt(10) && back.track(0)->keyAt(2));
        QCOMPARE(back.media.width, 640);
        QCOMPARE(back.media.frameCount, 30);
    }

    // ---------------------------------------------------------------- malformed input
    void malformedJson() {
        // syntax error on line 3, column 10
        expectError(
            [] {
                fromJson("{\n \"format\": \"vfstudio-annotations\",\n \"version\" 1}", "a.json");
            },
            {"a.json:3:", "syntax"});
        // a number no double can hold is an error with the file's name, not a crash
        // (found by fuzz_vfjson: nlohmann throws out_of_range, not parse_error)
        expectError([] { fromJson("{\n\t\"format\": 1e11111{", "big.json"); },
                    {"big.json", "out of range"});
        expectError([] { fromJson("{\"format\": 1e400}", "big2.json"); },
                    {"big2.json", "out of range"});
        const std::string good = toJson(sampleDoc());
        // a wrong type deep inside: keyframe x as a string
        std::string bad = good;
        const auto pos = bad.find("\"x\": 100.0");
        QVERIFY(pos != std::string::npos);
        bad.replace(pos, 10, "\"x\": \"100\"");
        int line = 1;
        for (std::size_t i = 0; i < pos; ++i)
            line += bad[i] == '\n';
        expectError([&] { fromJson(bad, "doc.json"); },
                    {("doc.json:" + std::to_string(line) + ":").c_str(), "tracks[0].keyframes[0].x",
                     "expected a number"});
        // a missing field names it
        std::string missing = good;
        const auto op = missing.find("\"occluded\": false");
        missing.replace(op, 17, "\"occluded2\": false");
        expectError([&] { fromJson(missing, "m.json"); },
                    {"m.json:", "tracks[0].keyframes[0].occluded", "missing"});
        // unknown label
        std::string lab = good;
        lab.replace(lab.find("\"label\": \"person\""), 17, "\"label\": \"nobody\"");
        expectError([&] { fromJson(lab, "l.json"); }, {"l.json:", "tracks[0].label", "nobody"});
        // frames not increasing
        Document d = sampleDoc();
        std::string dec = toJson(d);
        dec.replace(dec.find("\"frame\": 10"), 11, "\"frame\": 1");
        expectError([&] { fromJson(dec, "f.json"); },
                    {"f.json:", "tracks[0].keyframes[1].frame", "increasing"});
        // newer version
        std::string ver = good;
        ver.replace(ver.find("\"version\": 1"), 12, "\"version\": 7");
        expectError([&] { fromJson(ver, "v.json"); }, {"v.json:3:", "version", "newer"});
        // negative width
        std::string neg = good;
        neg.replace(neg.find("\"w\": 40.0"), 9, "\"w\": -4");
        expectError([&] { fromJson(neg, "n.json"); }, {"n.json:", "keyframes[0].w", "negative"});
        // a file that does not exist
        expectError([&] { loadDocument(dir_ / "none.json"); }, {"none.json"});
        expectError([&] { importAs("xls", dir_ / "a.xls"); }, {"unknown annotation format", "xls"});
    }

    void malformedMot() {
        expectError(
            [] { fromMot("1,1,10,10,5,5,1,-1,-1,-1\n2,1,10,abc,5,5,1,-1,-1,-1\n", "gt.txt"); },
            {"gt.txt:2:8", "bb_top", "abc"});
        expectError([] { fromMot("1,1,10,10\n", "gt.txt"); }, {"gt.txt:1", "6 to 10"});
        expectError([] { fromMot("\n\n0,1,1,1,1,1\n", "gt.txt"); }, {"gt.txt:3:1", "frame"});
        expectError([] { fromMot("1,1.5,1,1,1,1\n", "gt.txt"); }, {"gt.txt:1:3", "id"});
        expectError([] { fromMot("1,1,1,1,-3,1\n", "gt.txt"); }, {"gt.txt:1", "negative"});
        expectError([] { fromMot("1,1,1,1,3,1\n1,1,1,1,3,1\n", "gt.txt"); },
                    {"gt.txt:2", "two boxes"});
    }

    void malformedYolo() {
        const std::vector<std::string> classes{"person", "car"};
        Document d;
        expectError(
            [&] {
                readYoloFrame("0 0.5 0.5 0.1 0.1\n2 0.5 0.5 0.1 0.1\n", "f.txt", 0, 640, 480,
                              classes, d);
            },
            {"f.txt:2:1", "class", "[0, 1]"});
        expectError([&] { readYoloFrame("1 0.5 1.5 0.1 0.1\n", "f.txt", 0, 640, 480, classes, d); },
                    {"f.txt:1:7", "y_center"});
        expectError([&] { readYoloFrame("1 0.5 0.5 0.1\n", "f.txt", 0, 640, 480, classes, d); },
                    {"f.txt:1", "fields"});
        expectError([&] { readYoloClasses("a\n\nb\n", "classes.txt"); },
                    {"classes.txt:2", "empty line"});
    }

    void malformedCvat() {
        const std::string head = "<annotations>\n<version>1.1</version>\n";
        expectError(
            [&] {
                fromCvatXml(head + "<track id=\"0\" label=\"car\">\n<box frame=\"x\" xtl=\"0\" "
                                   "ytl=\"0\" xbr=\"1\" ybr=\"1\"/>\n</track></annotations>",
                            "c.xml");
            },
            {"c.xml:4:6", "<box> frame", "\"x\""});
        expectError(
            [&] {
                fromCvatXml(head + "<track id=\"0\" label=\"car\">\n<box frame=\"1\" xtl=\"0\" "
                                   "ytl=\"0\" xbr=\"1\"/>\n</track></annotations>",
                            "c.xml");
            },
            {"c.xml:4:1", "ybr", "missing"});
        expectError(
            [&] {
                fromCvatXml(head + "<track id=\"0\" label=\"car\">\n</trak></annotations>",
                            "c.xml");
            },
            {"c.xml:4:3", "does not match"});
        expectError(
            [&] {
                fromCvatXml(head + "<track id=\"0\" label=\"a&b;\"></track></annotations>",
                            "c.xml");
            },
            {"c.xml:3:", "entity"});
        expectError(
            [&] { fromCvatXml(head + "<track label=\"car\"></track></annotations>", "c.xml"); },
            {"c.xml:3:1", "<track> id", "missing"});
        expectError([&] { fromCvatXml(head + "<image id=\"0\"/></annotations>", "c.xml"); },
                    {"c.xml:3:1", "CVAT for images"});
        expectError([&] { fromCvatXml("<annotations><version>1.1</version>", "c.xml"); },
                    {"c.xml:1:1", "not closed"});
        expectError(
            [&] {
                fromCvatXml(head + "<track id=\"0\" label=\"car\"><polygon frame=\"0\" "
                                   "points=\"1,2;3\"/></track></annotations>",
                            "c.xml");
            },
            {"c.xml:3:", "points", "bad pair"});
    }

    void malformedCoco() {
        expectError([] { fromCoco("{\"images\": [], \"categories\": []}", "c.json"); },
                    {"c.json:1:1", "annotations", "missing"});
        const std::string t = "{\"images\":[{\"id\":1,\"file_name\":\"frame_000000.png\"}],\n"
                              "\"categories\":[{\"id\":1,\"name\":\"car\"}],\n"
                              "\"annotations\":[{\"id\":1,\"image_id\":1,\"category_id\":1,\n"
                              "  \"bbox\":[1,2,3]}]}";
        expectError([&] { fromCoco(t, "c.json"); },
                    {"c.json:4:10", "annotations[0].bbox", "[x, y, width, height]"});
        const std::string u =
            "{\"images\":[{\"id\":1,\"file_name\":\"frame_000000.png\"}],\n"
            "\"categories\":[{\"id\":1,\"name\":\"car\"}],\n"
            "\"annotations\":[{\"id\":1,\"image_id\":9,\"category_id\":1,\"bbox\":[1,2,3,4]}]}";
        expectError([&] { fromCoco(u, "c.json"); },
                    {"c.json:3:", "annotations[0].image_id", "no image with id 9"});
    }

    // ---------------------------------------------------------------- blind comparison
    void blindSessionHidesNames() {
        const std::vector<std::string> names{"VideoFusion", "DenseFuse-avg", "SeAFusion"};
        BlindSession s(names, {{0, 0}, {10, 19}, {40, 40}}, 1234);
        QCOMPARE(s.trialCount(), 9); // 3 items x 3 pairs
        std::set<std::tuple<int, int, int>> seen;
        int leftIsLower = 0;
        for (int i = 0; i < s.trialCount(); ++i) {
            const PresentedTrial p = s.present(i);
            // Everything presented, as text: numbers only, no stream name.
            const std::string shown = std::to_string(p.number) + "/" + std::to_string(p.total) +
                                      " " + std::to_string(p.item.firstFrame) + "-" +
                                      std::to_string(p.item.lastFrame);
            for (const auto& n : names)
                QVERIFY(shown.find(n) == std::string::npos);
            static_assert(sizeof(PresentedTrial) == 4 * sizeof(int),
                          "presented data is numbers only");
            const int l = s.streamFor(i, true), r = s.streamFor(i, false);
            QVERIFY(l != r);
            seen.insert({s.trials()[std::size_t(i)].item, std::min(l, r), std::max(l, r)});
            leftIsLower += l < r;
        }
        QCOMPARE(int(seen.size()), 9);               // every (item, pair) exactly once
        QVERIFY(leftIsLower > 0 && leftIsLower < 9); // sides are shuffled
        // Seeded: same seed, same session; another seed, another order.
        QVERIFY(BlindSession(names, {{0, 0}, {10, 19}, {40, 40}}, 1234) == s);
        QVERIFY(!(BlindSession(names, {{0, 0}, {10, 19}, {40, 40}}, 99) == s));
    }

    void blindSessionFilesAndCsv() {
        BlindSession s({"A", "B,comma"}, {{5, 5}}, 7, 2);
        QCOMPARE(s.trialCount(), 2);
        s.vote(0, Vote::Left, 1.5);
        QCOMPARE(s.nextUnvoted(), 1);
        s.vote(1, Vote::Tie);
        QVERIFY(s.complete());
        const fs::path p = dir_ / "session.json";
        s.save(p);
        QVERIFY(BlindSession::load(p) == s);
        const std::string csv = s.votesCsv();
        const std::string l0 = s.streams()[std::size_t(s.streamFor(0, true))];
        auto q = [](const std::string& n) {
            return n.find(',') != std::string::npos ? "\"" + n + "\"" : n;
        };
        const std::string r0 = s.streams()[std::size_t(s.streamFor(0, false))];
        QVERIFY2(csv.find("1,5,5," + q(l0) + "," + q(r0) + ",left," + q(l0) + ",1.5\n") !=
                     std::string::npos,
                 csv.c_str());
        QVERIFY(csv.find(",tie,,0\n") != std::string::npos);
        expectError(
            [] {
                BlindSession::fromJson(
                    "{\"format\":\"vfstudio-blind\",\"version\":1,\"seed\":1,\n\"streams\":[\"a\","
                    "\"b\"],\"items\":[[0,0]],\n\"trials\":[{\"item\":0,\"left\":0,\"right\":5,"
                    "\"vote\":null,\"seconds\":0}]}",
                    "s.json");
            },
            {"s.json:3:", "trials[0].right", "out of range"});
    }

    void bradleyTerryTwoPlayers() {
        // A beats B 6 times, B beats A 2 times, 2 ties. Ties are half a win each, so
        // W_A = 7, W_B = 3 over n = 10 comparisons. The MLE solves
        // W_A = n p_A / (p_A + p_B)  =>  p_A / p_B = W_A / W_B = 7/3;
        // with geometric mean 1: p_A = sqrt(7/3) = 1.527525..., p_B = sqrt(3/7).
        std::vector<std::vector<double>> wins{{0, 6}, {2, 0}}, ties{{0, 2}, {2, 0}};
        Ranking r = bradleyTerry({"A", "B"}, wins, ties);
        QVERIFY(!r.regularised);
        QVERIFY(std::fabs(r.strength[0] / r.strength[1] - 7.0 / 3.0) < 1e-9);
        QVERIFY(std::fabs(r.strength[0] - std::sqrt(7.0 / 3.0)) < 1e-9);
        QCOMPARE(r.order[0], 0);
        // Fisher information for theta: v = n q (1-q) with q = 0.7 -> v = 10 * 0.21 = 2.1.
        // Var(theta_A - theta_B) = 1/v and theta_A = -theta_B, so se(theta_A) = sqrt(1/(4v)).
        QVERIFY(std::fabs(r.stdErrLog[0] - std::sqrt(1.0 / 8.4)) < 1e-9);
        QVERIFY(std::fabs(r.ciLow[0] -
                          std::exp(std::log(r.strength[0]) - 1.96 * std::sqrt(1.0 / 8.4))) < 1e-9);
        QVERIFY(r.ciLow[0] < r.strength[0] && r.strength[0] < r.ciHigh[0]);
        QCOMPARE(int(r.pairs.size()), 1);
        QCOMPARE(r.pairs[0].winRateI, 0.7); // (6 + 2/2) / 10
    }

    void bradleyTerryThreePlayersHandIterated() {
        // Votes: A-B: A 3, B 1. B-C: B 3, C 1. A-C: A 1, C 1, 2 ties.
        // W_A = 3 + 1 + 1 = 5, W_B = 1 + 3 = 4, W_C = 1 + 1 + 1 = 3; n_ij = 4 for every pair.
        // MM from p = (1,1,1): p_A = 5 / (4/2 + 4/2) = 1.25, p_B = 4/4 = 1, p_C = 3/4 = 0.75;
        // geometric mean (1.25 * 0.75)^(1/3) = 0.9785, so p = (1.277182, 1.021746, 0.766309).
        // Iteration 2: (1.364802, 1.015071, 0.721828); 3: (1.393472, 1.006765, 0.712810).
        // The table is symmetric under A <-> C with wins reversed, so the fixed point has
        // p_B = 1, p_C = 1/p_A = 1/r, where r solves W_A = 5 = 4r/(r+1) + 4r^2/(r^2+1):
        // r = 1.409177788 (bisection by hand on f(r) = 4r/(r+1) + 4r^2/(r^2+1) - 5:
        // f(1.4) = -0.0180, f(1.41) = +0.0016, f(1.409) = -0.0003).
        std::vector<std::vector<double>> wins{{0, 3, 1}, {1, 0, 3}, {1, 1, 0}};
        std::vector<std::vector<double>> ties{{0, 0, 2}, {0, 0, 0}, {2, 0, 0}};
        Ranking R = bradleyTerry({"A", "B", "C"}, wins, ties);
        QVERIFY(!R.regularised);
        QVERIFY(std::fabs(R.strength[1] - 1.0) < 1e-9);
        QVERIFY(std::fabs(R.strength[0] - 1.409177788) < 1e-8);
        QVERIFY(std::fabs(R.strength[2] * R.strength[0] - 1.0) < 1e-9);
        const double r = R.strength[0];
        QVERIFY(std::fabs(4 * r / (r + 1) + 4 * r * r / (r * r + 1) - 5) < 1e-9);
        QCOMPARE(R.order, (std::vector<int>{0, 1, 2}));
        // Same ranking through a session with those votes.
        BlindSession s({"A", "B", "C"}, {{0, 0}}, 5, 4); // 4 repeats: 12 trials, 4 per pair
        int ab = 0, bc = 0, ac = 0;
        for (int i = 0; i < s.trialCount(); ++i) {
            const int l = s.streamFor(i, true), rr = s.streamFor(i, false);
            const int lo = std::min(l, rr), hi = std::max(l, rr);
            int winner = -1; // -1 = tie
            if (lo == 0 && hi == 1)
                winner = ab++ < 3 ? 0 : 1;
            else if (lo == 1 && hi == 2)
                winner = bc++ < 3 ? 1 : 2;
            else {
                winner = (ac == 0) ? 0 : (ac == 1) ? 2 : -1;
                ++ac;
            }
            s.vote(i, winner < 0 ? Vote::Tie : (winner == l ? Vote::Left : Vote::Right));
        }
        Ranking R2 = rankSession(s);
        QVERIFY(std::fabs(R2.strength[0] - R.strength[0]) < 1e-9);
        QVERIFY(std::fabs(R2.strength[2] - R.strength[2]) < 1e-9);
    }

    void bradleyTerryUndefinedMleIsRegularised() {
        // A always wins: no finite MLE. One virtual tie per compared pair:
        // W_A = 3 + 0.5, W_B = 0.5 over n = 4 -> p_A/p_B = 7.
        Ranking r = bradleyTerry({"A", "B"}, {{0, 3}, {0, 0}}, {{0, 0}, {0, 0}});
        QVERIFY(r.regularised);
        QVERIFY(std::fabs(r.strength[0] / r.strength[1] - 7.0) < 1e-9);
        QVERIFY(std::isfinite(r.ciHigh[0]));
    }
};

QTEST_GUILESS_MAIN(TestAnnotateCore)
#include "test_annotate_core.moc"
