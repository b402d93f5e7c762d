#pragma once
// Conversions between OpenCV frames and Qt images, and the colour maps of the views.

#include <QColor>
#include <QImage>

#include <opencv2/core/mat.hpp>

#include "ui/FrameServer.h"

namespace vf::ui {

// A QImage over the frame's pixels (no copy; the image keeps the frame alive). 8-bit BGR,
// BGRA and grey frames are supported; other types are converted.
QImage toQImage(const FramePtr& frame);
// A deep-copied QImage (RGB888 / Grayscale8) of any 8-bit frame.
QImage toQImageCopy(const cv::Mat& frame);
// An 8-bit BGR frame from a QImage (deep copy).
cv::Mat fromQImage(const QImage& image);

enum class DiffKind { Absolute, Signed, Luma };
const char* diffKindName(DiffKind k);

// Colourised difference of a and b (b resized to a's size when they differ).
//  Absolute: max over channels of |a-b|, inferno map, 0..range;
//  Signed:   luma(a) - luma(b), blue-white-red map, -range..+range;
//  Luma:     |luma(a) - luma(b)| as grey, 0..range.
// Returns a BGR frame. `range` is the value mapped to the end of the scale.
cv::Mat differenceImage(const cv::Mat& a, const cv::Mat& b, DiffKind kind, double range);
// The colour of value t in [0,1] on the scale of `kind` (for legends).
QColor diffScaleColor(DiffKind kind, double t);

// Heat map of a float map (any size) in [lo, hi] as BGR, with the inferno map.
cv::Mat heatmap(const cv::Mat& map32f, double lo, double hi);
QColor heatColor(double t);

} // namespace vf::ui
