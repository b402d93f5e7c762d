#include "ui/ImageUtil.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace vf::ui {

namespace {
void releaseFrame(void* p) {
    delete static_cast<FramePtr*>(p);
}

// Inferno control points (matplotlib), t = 0, 0.25, 0.5, 0.75, 1.
const float kInferno[5][3] = {{0.001f, 0.000f, 0.014f},
                              {0.341f, 0.062f, 0.429f},
                              {0.735f, 0.216f, 0.330f},
                              {0.978f, 0.557f, 0.035f},
                              {0.988f, 0.998f, 0.645f}};

cv::Vec3b lutColor(const float pts[][3], int n, double t) {
    t = std::clamp(t, 0.0, 1.0) * (n - 1);
    int i = std::min(int(t), n - 2);
    double f = t - i;
    float rgb[3];
    for (int c = 0; c < 3; ++c)
        rgb[c] = float(pts[i][c] * (1 - f) + pts[i + 1][c] * f);
    return {cv::saturate_cast<uchar>(rgb[2] * 255), cv::saturate_cast<uchar>(rgb[1] * 255),
            cv::saturate_cast<uchar>(rgb[0] * 255)};
}

const float kDiverging[3][3] = {
    {0.23f, 0.30f, 0.75f}, {0.87f, 0.87f, 0.87f}, {0.71f, 0.02f, 0.15f}};

cv::Mat lumaFloat(const cv::Mat& m) {
    cv::Mat g;
    if (m.channels() == 3)
        cv::cvtColor(m, g, cv::COLOR_BGR2GRAY);
    else if (m.channels() == 4)
        cv::cvtColor(m, g, cv::COLOR_BGRA2GRAY);
    else
        g = m;
    cv::Mat f;
    g.convertTo(f, CV_32F);
    return f;
}

cv::Mat toBgr(const cv::Mat& m) {
    if (m.channels() == 3) return m;
    cv::Mat o;
    cv::cvtColor(m, o, m.channels() == 1 ? cv::COLOR_GRAY2BGR : cv::COLOR_BGRA2BGR);
    return o;
}

cv::Mat applyLut(const cv::Mat& u8, const cv::Vec3b* lut) {
    cv::Mat out(u8.size(), CV_8UC3);
    for (int y = 0; y < u8.rows; ++y) {
        const uchar* s = u8.ptr<uchar>(y);
        auto* d = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < u8.cols; ++x)
            d[x] = lut[s[x]];
    }
    return out;
}
} // namespace

QImage toQImage(const FramePtr& frame) {
    if (!frame || frame->empty()) return {};
    const cv::Mat& m = *frame;
    if (m.depth() != CV_8U) return toQImageCopy(m);
    QImage::Format fmt;
    switch (m.channels()) {
    case 1:
        fmt = QImage::Format_Grayscale8;
        break;
    case 3:
        fmt = QImage::Format_BGR888;
        break;
    case 4:
        fmt = QImage::Format_ARGB32;
        break; // BGRA in memory on little-endian
    default:
        return toQImageCopy(m);
    }
    return QImage(m.data, m.cols, m.rows, int(m.step), fmt, releaseFrame, new FramePtr(frame));
}

QImage toQImageCopy(const cv::Mat& frame) {
    if (frame.empty()) return {};
    cv::Mat m = frame;
    if (m.depth() != CV_8U) {
        double lo, hi;
        cv::minMaxLoc(m.reshape(1), &lo, &hi);
        m.convertTo(m, CV_8U, hi > lo ? 255.0 / (hi - lo) : 1.0,
                    hi > lo ? -lo * 255.0 / (hi - lo) : 0);
    }
    if (m.channels() == 1)
        return QImage(m.data, m.cols, m.rows, int(m.step), QImage::Format_Grayscale8).copy();
    cv::Mat rgb;
    cv::cvtColor(m, rgb, m.channels() == 4 ? cv::COLOR_BGRA2RGB : cv::COLOR_BGR2RGB);
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
}

cv::Mat fromQImage(const QImage& image) {
    QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    cv::Mat view(rgb.height(), rgb.width(), CV_8UC3, const_cast<uchar*>(rgb.constBits()),
                 size_t(rgb.bytesPerLine()));
    cv::Mat bgr;
    cv::cvtColor(view, bgr, cv::COLOR_RGB2BGR);
    return bgr;
}

const char* diffKindName(DiffKind k) {
    switch (k) {
    case DiffKind::Absolute:
        return "absolute";
    case DiffKind::Signed:
        return "signed";
    case DiffKind::Luma:
        return "luma";
    }
    return "absolute";
}

QColor diffScaleColor(DiffKind kind, double t) {
    cv::Vec3b c;
    switch (kind) {
    case DiffKind::Absolute:
        c = lutColor(kInferno, 5, t);
        break;
    case DiffKind::Signed:
        c = lutColor(kDiverging, 3, t);
        break;
    case DiffKind::Luma: {
        int v = int(std::lround(std::clamp(t, 0.0, 1.0) * 255));
        return QColor(v, v, v);
    }
    }
    return QColor(c[2], c[1], c[0]);
}

QColor heatColor(double t) {
    return diffScaleColor(DiffKind::Absolute, t);
}

cv::Mat differenceImage(const cv::Mat& a0, const cv::Mat& b0, DiffKind kind, double range) {
    if (a0.empty() || b0.empty()) return {};
    range = std::max(range, 1e-6);
    cv::Mat b = b0;
    if (b.size() != a0.size()) cv::resize(b0, b, a0.size(), 0, 0, cv::INTER_LINEAR);
    cv::Vec3b lut[256];
    cv::Mat u8;
    if (kind == DiffKind::Signed) {
        cv::Mat d = lumaFloat(a0) - lumaFloat(b);
        // -range..+range -> 0..255
        d.convertTo(u8, CV_8U, 127.5 / range, 127.5);
        for (int i = 0; i < 256; ++i)
            lut[i] = lutColor(kDiverging, 3, i / 255.0);
        return applyLut(u8, lut);
    }
    if (kind == DiffKind::Luma) {
        cv::Mat d = cv::abs(lumaFloat(a0) - lumaFloat(b));
        d.convertTo(u8, CV_8U, 255.0 / range);
        cv::Mat out;
        cv::cvtColor(u8, out, cv::COLOR_GRAY2BGR);
        return out;
    }
    cv::Mat d;
    cv::absdiff(toBgr(a0), toBgr(b), d);
    std::vector<cv::Mat> ch;
    cv::split(d, ch);
    cv::Mat mx = cv::max(cv::max(ch[0], ch[1]), ch[2]);
    mx.convertTo(u8, CV_8U, 255.0 / range);
    for (int i = 0; i < 256; ++i)
        lut[i] = lutColor(kInferno, 5, i / 255.0);
    return applyLut(u8, lut);
}

cv::Mat heatmap(const cv::Mat& map32f, double lo, double hi) {
    cv::Mat u8;
    const double span = hi > lo ? hi - lo : 1.0;
    map32f.convertTo(u8, CV_8U, 255.0 / span, -lo * 255.0 / span);
    cv::Vec3b lut[256];
    for (int i = 0; i < 256; ++i)
        lut[i] = lutColor(kInferno, 5, i / 255.0);
    return applyLut(u8, lut);
}

} // namespace vf::ui
