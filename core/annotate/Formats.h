#pragma once
// Reading and writing annotation documents.
//
// Every reader validates its input and throws vf::Error(Corrupt) whose message names the
// source, the line (and column where known) and the field: "a.xml:12:7: track id: expected
// an integer". Every file writer is atomic (vf::AtomicFile / writeFileAtomic). The
// text-level functions (toX / fromX) do no file I/O; `sourceName` is used in messages.
//
// ## vfstudio JSON, version 1 (the native format; lossless)
// {
//   "format": "vfstudio-annotations", "version": 1,
//   "media": {"infrared": "...", "visible": "...", "width": 640, "height": 480,
//             "frameCount": 151, "fps": 30},
//   "labels": [{"name": "person", "color": "#e6194b", "kind": "object"|"segment"}],
//   "tracks": [{"id": 0, "label": "person", "stream": "pair",
//               "keyframes": [{"frame": 0, "x": 10, "y": 20, "w": 30, "h": 40,
//                              "outside": false, "occluded": false}]}],
//   "regions": [{"id": 1, "kind": "polygon"|"points", "label": "...", "stream": "pair",
//                "firstFrame": 0, "lastFrame": 9, "points": [[x, y], ...]}],
//   "segments": [{"id": 2, "label": "flicker", "stream": "pair", "firstFrame": 3,
//                 "lastFrame": 8, "text": "free text"}]
// }
// Rules checked on reading: ids unique across tracks/regions/segments, keyframe frames
// strictly increasing within a track, w and h >= 0, firstFrame <= lastFrame, frames in
// [0, 1e7], every label used is in "labels", polygons have >= 3 points, points >= 1.
// A newer "version" than this reader knows is refused with a message saying so.
//
// ## MOTChallenge (text, one line per box per frame, interpolated frames written out)
// "frame,id,x,y,w,h,conf,-1,-1,-1" with frame and id 1-based (id = track id + 1) and
// conf 1. Lines of 6 to 10 comma-separated fields are read; only the first six are used.
// MOT carries no labels: read tracks get the label passed in. Consecutive boxes become
// keyframes (boxes that are exactly the linear interpolation of their neighbours are
// dropped), a gap becomes an "outside" keyframe.
//
// ## CVAT for video 1.1 (XML)
// <annotations><version>1.1</version><meta><task>size, mode, labels, original_size
// </task></meta><track id label source><box frame outside occluded keyframe xtl ytl xbr
// ybr z_order/>...</track>...</annotations>. Every frame of a track is written (keyframe
// "1" for keyframes, "0" for interpolated ones) and an outside box closes a track that ends
// before the clip does. Regions are tracks of <polygon>/<points> shapes; segments are
// <tag> elements (one per frame, with <attribute name="segment_id"> and "text"). Each
// track/tag carries an <attribute name="stream">. On reading, keyframe="1" shapes are the
// keyframes (a track without any keyframe flags takes every shape as a keyframe).
//
// ## COCO JSON (boxes and polygons; every frame written out)
// images: one per frame (id = frame + 1, file_name "frame_%06d.png", "frame_id": frame);
// categories: the palette (id = index + 1); annotations: a bbox per visible track box
// ([x, y, w, h], attributes {track_id, occluded, keyframe}) and a polygon per region frame
// (segmentation, attributes {region_id}). Point regions and segments are not represented.
// On reading, annotations with the same track_id form a track, those with the same
// region_id a region; others become single-frame tracks/regions.
//
// ## YOLO (one text file per frame, normalised)
// classes.txt: one label per line (class index = line number, 0-based); frame_%06d.txt:
// "class cx cy w h" per visible box, all divided by the frame width/height. Needs
// media.width/height. Reading needs them too; each box becomes its own one-frame track.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/annotate/Document.h"

namespace vf::annotate {

inline constexpr int kJsonFormatVersion = 1;

// --- vfstudio JSON
std::string toJson(const Document& doc);
Document fromJson(const std::string& text, const std::string& sourceName);
void saveDocument(const Document& doc, const std::filesystem::path& path); // atomic
Document loadDocument(const std::filesystem::path& path);

// --- MOTChallenge
std::string toMot(const Document& doc);
Document fromMot(const std::string& text, const std::string& sourceName,
                 const std::string& label = "object");
void exportMot(const Document& doc, const std::filesystem::path& path);
Document importMot(const std::filesystem::path& path, const std::string& label = "object");

// --- CVAT for video 1.1
std::string toCvatXml(const Document& doc);
Document fromCvatXml(const std::string& text, const std::string& sourceName);
void exportCvat(const Document& doc, const std::filesystem::path& path);
Document importCvat(const std::filesystem::path& path);

// --- COCO
std::string toCoco(const Document& doc);
Document fromCoco(const std::string& text, const std::string& sourceName);
void exportCoco(const Document& doc, const std::filesystem::path& path);
Document importCoco(const std::filesystem::path& path);

// --- YOLO
// File name -> content: "classes.txt" and one "frame_%06d.txt" per frame of the clip
// (empty files for frames without boxes). Throws InvalidArgument without width/height/
// frameCount.
std::map<std::string, std::string> toYolo(const Document& doc);
// Reads one frame's file into `into` (appends tracks). `classes` maps class index -> label.
void readYoloFrame(const std::string& text, const std::string& sourceName, int frame, int width,
                   int height, const std::vector<std::string>& classes, Document& into);
// Parses classes.txt (one non-empty name per line).
std::vector<std::string> readYoloClasses(const std::string& text, const std::string& sourceName);
// Writes the files of toYolo() into `folder` (created when missing), each atomically.
void exportYolo(const Document& doc, const std::filesystem::path& folder);
// Reads classes.txt and every frame_NNNNNN.txt of `folder`.
Document importYolo(const std::filesystem::path& folder, int width, int height);

// Format by extension / name for the CLI and GUI: "json" (vfstudio), "mot", "cvat", "coco",
// "yolo". Throws InvalidArgument for an unknown name.
void exportAs(const Document& doc, const std::string& format, const std::filesystem::path& path);
// Reads any of the formats. MOT gets `label` for its tracks; YOLO needs width/height.
Document importAs(const std::string& format, const std::filesystem::path& path, int width = 0,
                  int height = 0, const std::string& label = "object");

} // namespace vf::annotate
