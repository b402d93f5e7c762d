#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"
#include "core/report/Report.h"

namespace fs = std::filesystem;

namespace vf::report {

namespace {

const unsigned kPalette[] = {0x1f77b4, 0xd62728, 0x2ca02c, 0xff7f0e, 0x9467bd,
                             0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

// Plot geometry shared by SVG and PNG.
struct Frame {
    double left = 64, right = 0, top = 36, bottom = 0; // plot area in pixels
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;             // data ranges
    std::vector<double> xt, yt;
    double px(double x) const { return left + (x - x0) / (x1 - x0) * (right - left); }
    double py(double y) const { return bottom - (y - y0) / (y1 - y0) * (bottom - top); }
};

Frame layout(const std::vector<Series>& series, const PlotOptions& opt) {
    if (opt.width < 160 || opt.height < 120)
        throw Error(ErrorCode::InvalidArgument, "plot size " + std::to_string(opt.width) + "x" +
                                                    std::to_string(opt.height) +
                                                    " is too small (at least 160x120)");
    Frame f;
    f.right = opt.width - 150.0; // legend column
    f.bottom = opt.height - 48.0;
    size_t n = 0;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& s : series) {
        n = std::max(n, s.values.size());
        for (double v : s.values)
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
    }
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
        const double pad = std::max(std::abs(hi) * 0.05, 0.5);
        lo -= pad;
        hi += pad;
    }
    f.yt = niceTicks(lo, hi);
    f.y0 = std::min(lo, f.yt.front());
    f.y1 = std::max(hi, f.yt.back());
    f.x0 = opt.firstFrame;
    f.x1 = opt.firstFrame + std::max<double>(1, double(n) - 1);
    f.xt = niceTicks(f.x0, f.x1);
    f.xt.erase(std::remove_if(f.xt.begin(), f.xt.end(),
                              [&](double t) {
                                  return t < f.x0 - 1e-9 || t > f.x1 + 1e-9 ||
                                         std::abs(t - std::round(t)) > 1e-9;
                              }),
               f.xt.end());
    return f;
}

std::string tickLabel(double v, const std::vector<double>& ticks) {
    double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
    int dec = std::clamp(int(std::ceil(-std::log10(step) - 1e-9)), 0, 8);
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", dec, std::abs(v) < step * 1e-9 ? 0.0 : v);
    return b;
}

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}

} // namespace

std::string seriesColorHex(size_t i) {
    char b[8];
    std::snprintf(b, sizeof b, "#%06x", kPalette[i % kPaletteSize]);
    return b;
}

cv::Scalar seriesColorBgr(size_t i) {
    const unsigned c = kPalette[i % kPaletteSize];
    return cv::Scalar(c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff);
}

std::vector<double> niceTicks(double lo, double hi, int target) {
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
    target = std::max(2, target);
    const double raw = (hi - lo) / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    std::vector<double> t;
    const double first = std::floor(lo / step) * step;
    for (double v = first; v < hi + step * 0.999; v += step)
        t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    return t;
}

std::vector<Series> seriesFor(const metrics::EvalResult& r, metrics::Metric metric) {
    std::vector<Series> out;
    for (const auto& s : r.streams) {
        Series se{s.name, {}};
        auto it = s.perFrame.find(metric);
        if (it != s.perFrame.end()) se.values = it->second;
        out.push_back(std::move(se));
    }
    return out;
}

std::string plotSvg(const std::vector<Series>& series, const PlotOptions& opt) {
    const Frame f = layout(series, opt);
    std::ostringstream o;
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << opt.width << "\" height=\""
      << opt.height << "\" viewBox=\"0 0 " << opt.width << ' ' << opt.height
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
    o << "<rect x=\"0\" y=\"0\" width=\"" << opt.width << "\" height=\"" << opt.height
      << "\" fill=\"#ffffff\"/>\n";
    if (!opt.title.empty())
        o << "<text x=\"" << fmt((f.left + f.right) / 2) << "\" y=\"20\" text-anchor=\"middle\" "
          << "font-size=\"14\">" << htmlEscape(opt.title) << "</text>\n";
    // grid + ticks
    o << "<g stroke=\"#dddddd\" stroke-width=\"1\">\n";
    for (double t : f.yt)
        o << "<line x1=\"" << fmt(f.left) << "\" y1=\"" << fmt(f.py(t)) << "\" x2=\""
          << fmt(f.right) << "\" y2=\"" << fmt(f.py(t)) << "\"/>\n";
    for (double t : f.xt)
        o << "<line x1=\"" << fmt(f.px(t)) << "\" y1=\"" << fmt(f.top) << "\" x2=\"" << fmt(f.px(t))
          << "\" y2=\"" << fmt(f.bottom) << "\"/>\n";
    o << "</g>\n";
    // axes
    o << "<g stroke=\"#000000\" stroke-width=\"1\">\n"
      << "<line x1=\"" << fmt(f.left) << "\" y1=\"" << fmt(f.bottom) << "\" x2=\"" << fmt(f.right)
      << "\" y2=\"" << fmt(f.bottom) << "\"/>\n"
      << "<line x1=\"" << fmt(f.left) << "\" y1=\"" << fmt(f.top) << "\" x2=\"" << fmt(f.left)
      << "\" y2=\"" << fmt(f.bottom) << "\"/>\n";
    for (double t : f.yt)
        o << "<line x1=\"" << fmt(f.left - 5) << "\" y1=\"" << fmt(f.py(t)) << "\" x2=\""
          << fmt(f.left) << "\" y2=\"" << fmt(f.py(t)) << "\"/>\n";
    for (double t : f.xt)
        o << "<line x1=\"" << fmt(f.px(t)) << "\" y1=\"" << fmt(f.bottom) << "\" x2=\""
          << fmt(f.px(t)) << "\" y2=\"" << fmt(f.bottom + 5) << "\"/>\n";
    o << "</g>\n<g fill=\"#000000\">\n";
    for (double t : f.yt)
        o << "<text x=\"" << fmt(f.left - 8) << "\" y=\"" << fmt(f.py(t) + 4)
          << "\" text-anchor=\"end\">" << tickLabel(t, f.yt) << "</text>\n";
    for (double t : f.xt)
        o << "<text x=\"" << fmt(f.px(t)) << "\" y=\"" << fmt(f.bottom + 18)
          << "\" text-anchor=\"middle\">" << tickLabel(t, f.xt) << "</text>\n";
    o << "<text x=\"" << fmt((f.left + f.right) / 2) << "\" y=\"" << opt.height - 8
      << "\" text-anchor=\"middle\">" << htmlEscape(opt.xLabel) << "</text>\n";
    if (!opt.yLabel.empty())
        o << "<text x=\"14\" y=\"" << fmt((f.top + f.bottom) / 2)
          << "\" text-anchor=\"middle\" transform=\"rotate(-90 14 " << fmt((f.top + f.bottom) / 2)
          << ")\">" << htmlEscape(opt.yLabel) << "</text>\n";
    o << "</g>\n";
    // curves
    for (size_t i = 0; i < series.size(); ++i) {
        o << "<polyline fill=\"none\" stroke=\"" << seriesColorHex(i)
          << "\" stroke-width=\"1.5\" points=\"";
        bool firstPt = true;
        for (size_t k = 0; k < series[i].values.size(); ++k) {
            const double v = series[i].values[k];
            if (!std::isfinite(v)) continue;
            if (!firstPt) o << ' ';
            firstPt = false;
            o << fmt(f.px(opt.firstFrame + double(k))) << ',' << fmt(f.py(v));
        }
        o << "\"/>\n";
    }
    // legend
    o << "<g class=\"legend\">\n";
    for (size_t i = 0; i < series.size(); ++i) {
        const double y = f.top + 8 + 18.0 * double(i);
        o << "<rect x=\"" << fmt(f.right + 14) << "\" y=\"" << fmt(y - 5)
          << "\" width=\"18\" height=\"4\" fill=\"" << seriesColorHex(i) << "\"/>"
          << "<text x=\"" << fmt(f.right + 38) << "\" y=\"" << fmt(y) << "\">"
          << htmlEscape(series[i].name) << "</text>\n";
    }
    o << "</g>\n</svg>\n";
    return o.str();
}

cv::Mat plotImage(const std::vector<Series>& series, const PlotOptions& opt) {
    const Frame f = layout(series, opt);
    cv::Mat img(opt.height, opt.width, CV_8UC3, cv::Scalar(255, 255, 255));
    const auto P = [](double x, double y) {
        return cv::Point(int(std::lround(x)), int(std::lround(y)));
    };
    const int font = cv::FONT_HERSHEY_SIMPLEX;
    const double fs = 0.4;
    auto text = [&](const std::string& s, double x, double y, int align, double scale) {
        int base = 0;
        cv::Size sz = cv::getTextSize(s, font, scale, 1, &base);
        double xx = align == 0 ? x : (align == 1 ? x - sz.width / 2.0 : x - sz.width);
        cv::putText(img, s, P(xx, y), font, scale, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    };
    for (double t : f.yt)
        cv::line(img, P(f.left, f.py(t)), P(f.right, f.py(t)), cv::Scalar(221, 221, 221));
    for (double t : f.xt)
        cv::line(img, P(f.px(t), f.top), P(f.px(t), f.bottom), cv::Scalar(221, 221, 221));
    cv::line(img, P(f.left, f.bottom), P(f.right, f.bottom), cv::Scalar(0, 0, 0));
    cv::line(img, P(f.left, f.top), P(f.left, f.bottom), cv::Scalar(0, 0, 0));
    for (double t : f.yt) {
        cv::line(img, P(f.left - 5, f.py(t)), P(f.left, f.py(t)), cv::Scalar(0, 0, 0));
        text(tickLabel(t, f.yt), f.left - 8, f.py(t) + 4, 2, fs);
    }
    for (double t : f.xt) {
        cv::line(img, P(f.px(t), f.bottom), P(f.px(t), f.bottom + 5), cv::Scalar(0, 0, 0));
        text(tickLabel(t, f.xt), f.px(t), f.bottom + 18, 1, fs);
    }
    if (!opt.title.empty()) text(opt.title, (f.left + f.right) / 2, 22, 1, 0.55);
    text(opt.xLabel, (f.left + f.right) / 2, opt.height - 8, 1, fs);
    if (!opt.yLabel.empty()) text(opt.yLabel, 4, f.top - 8, 0, fs);
    for (size_t i = 0; i < series.size(); ++i) {
        std::vector<cv::Point> pts;
        for (size_t k = 0; k < series[i].values.size(); ++k)
            if (std::isfinite(series[i].values[k]))
                pts.push_back(P(f.px(opt.firstFrame + double(k)), f.py(series[i].values[k])));
        if (pts.size() == 1) cv::circle(img, pts[0], 2, seriesColorBgr(i), cv::FILLED);
        if (pts.size() > 1) cv::polylines(img, pts, false, seriesColorBgr(i), 2, cv::LINE_AA);
        const double y = f.top + 8 + 18.0 * double(i);
        cv::rectangle(img, P(f.right + 14, y - 5), P(f.right + 32, y - 1), seriesColorBgr(i),
                      cv::FILLED);
        text(series[i].name, f.right + 38, y, 0, fs);
    }
    return img;
}

void writePlotSvg(const std::vector<Series>& series, const PlotOptions& opt, const fs::path& path) {
    writeFileAtomic(path, plotSvg(series, opt));
}

void writePlotPng(const std::vector<Series>& series, const PlotOptions& opt, const fs::path& path) {
    std::vector<uchar> buf;
    if (!cv::imencode(".png", plotImage(series, opt), buf))
        throw Error(ErrorCode::WriteFailed, "cannot encode the plot " + path.string(),
                    path.string());
    writeFileAtomic(path, std::string(buf.begin(), buf.end()));
}

std::vector<fs::path> writeMetricPlots(const metrics::EvalResult& r, const fs::path& dirIn) {
    const fs::path dir = dirIn.filename().empty() ? dirIn.parent_path() : dirIn; // "plots/"
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        const fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
        if (!fs::is_directory(parent, ec))
            throw Error(ErrorCode::WriteFailed,
                        "cannot write plots into " + dir.string() + ": folder " + parent.string() +
                            " does not exist",
                        dir.string());
        fs::create_directory(dir, ec);
        if (ec)
            throw Error(ErrorCode::WriteFailed,
                        "cannot create the plot folder " + dir.string() + ": " + ec.message(),
                        dir.string());
    }
    std::vector<fs::path> out;
    for (metrics::Metric m : r.metrics) {
        PlotOptions o;
        o.title = std::string(metrics::metricName(m)) + " per frame";
        o.yLabel = metrics::metricName(m);
        o.firstFrame = r.start;
        const auto s = seriesFor(r, m);
        const fs::path svg = dir / (std::string(metrics::metricName(m)) + ".svg");
        const fs::path png = dir / (std::string(metrics::metricName(m)) + ".png");
        writePlotSvg(s, o, svg);
        writePlotPng(s, o, png);
        out.push_back(svg);
        out.push_back(png);
    }
    return out;
}

} // namespace vf::report
