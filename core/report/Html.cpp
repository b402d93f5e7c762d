#include <cmath>
#include <cstdio>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"
#include "core/report/Report.h"

namespace vf::report {

std::string base64Encode(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v =
            (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += t[v & 63];
    }
    if (i < in.size()) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < in.size()) v |= (unsigned char)in[i + 1] << 8;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string pngDataUri(const cv::Mat& img, int maxWidth) {
    if (img.empty() || img.depth() != CV_8U)
        throw Error(ErrorCode::InvalidArgument, "thumbnail: an 8-bit image is required");
    cv::Mat small = img;
    if (maxWidth > 0 && img.cols > maxWidth) {
        const int h = std::max(1, int(std::lround(double(img.rows) * maxWidth / img.cols)));
        cv::resize(img, small, cv::Size(maxWidth, h), 0, 0, cv::INTER_AREA);
    }
    std::vector<uchar> buf;
    if (!cv::imencode(".png", small, buf))
        throw Error(ErrorCode::Internal, "thumbnail: PNG encoding failed");
    return "data:image/png;base64," + base64Encode(std::string(buf.begin(), buf.end()));
}

std::string htmlEscape(const std::string& s) {
    std::string o;
    o.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&':
            o += "&amp;";
            break;
        case '<':
            o += "&lt;";
            break;
        case '>':
            o += "&gt;";
            break;
        case '"':
            o += "&quot;";
            break;
        case '\'':
            o += "&#39;";
            break;
        default:
            o += c;
        }
    }
    return o;
}

std::string renderHtml(const ReportContent& c) {
    const auto& r = c.result;
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
      << htmlEscape(c.title) << "</title>\n<style>\n"
      << "body{font-family:sans-serif;margin:24px;max-width:1100px;color:#222}\n"
      << "table{border-collapse:collapse;margin:8px 0}\n"
      << "th,td{border:1px solid #bbb;padding:3px 8px}td.num{text-align:right}\n"
      << "figure{display:inline-block;margin:6px;text-align:center}\n"
      << "code{background:#f3f3f3;padding:0 3px}\n</style>\n</head>\n<body>\n";
    o << "<h1>" << htmlEscape(c.title) << "</h1>\n";
    o << "<h2>Inputs</h2>\n<ul>\n<li>Infrared (A): <code>" << htmlEscape(r.ir.string())
      << "</code></li>\n<li>Visible (B): <code>" << htmlEscape(r.vi.string()) << "</code></li>\n";
    if (!r.refIr.empty())
        o << "<li>Clean IR reference: <code>" << htmlEscape(r.refIr.string()) << "</code></li>\n";
    if (!r.refVi.empty())
        o << "<li>Clean visible reference: <code>" << htmlEscape(r.refVi.string())
          << "</code></li>\n";
    o << "<li>Frames " << r.start << " to " << (r.start + r.count - 1) << " (" << r.count
      << " frames)</li>\n</ul>\n";
    for (const auto& w : r.warnings)
        o << "<p><strong>Warning:</strong> " << htmlEscape(w) << "</p>\n";

    o << "<h2>Methods</h2>\n<table>\n<tr><th>Stream</th><th>Source</th><th>Parameters</th></tr>\n";
    for (const auto& m : c.methods) {
        o << "<tr><td>" << htmlEscape(m.name) << "</td><td><code>" << htmlEscape(m.source)
          << "</code></td><td>";
        if (m.params.empty()) o << "–";
        for (size_t i = 0; i < m.params.size(); ++i)
            o << (i ? ", " : "") << htmlEscape(m.params[i].first) << " = "
              << htmlEscape(m.params[i].second);
        o << "</td></tr>\n";
    }
    o << "</table>\n";

    o << "<h2>Conventions</h2>\n<p>" << htmlEscape(describeConventions(r.conventions))
      << ". Optical flow for temporal metrics: " << metrics::flowMethodName(r.flow.method)
      << ".</p>\n";

    o << "<h2>Metrics</h2>\n<table>\n<tr><th>Stream</th>";
    for (metrics::Metric m : r.metrics)
        o << "<th>" << metrics::metricName(m) << ' '
          << (m == metrics::Metric::MS2R ? "→1" : (metrics::higherIsBetter(m) ? "↑" : "↓"))
          << "</th>";
    o << "</tr>\n";
    std::vector<const metrics::StreamResult*> rows;
    for (const auto& s : r.streams)
        rows.push_back(&s);
    if (r.inputsAgainstRefs) rows.push_back(&*r.inputsAgainstRefs);
    for (const auto* s : rows) {
        o << "<tr><td>" << htmlEscape(s->name) << "</td>";
        for (metrics::Metric m : r.metrics) {
            auto it = s->summary.find(m);
            if (it == s->summary.end() || !std::isfinite(it->second.mean)) {
                o << "<td class=\"num\">–</td>";
                continue;
            }
            char b[96];
            std::snprintf(b, sizeof b, "%.4f ± %.4f", it->second.mean, it->second.stddev);
            o << "<td class=\"num\">" << b << "</td>";
        }
        o << "</tr>\n";
    }
    o << "</table>\n<p>Mean ± standard deviation over frames (frame pairs for temporal "
         "metrics).</p>\n";

    o << "<h2>Per-frame curves</h2>\n";
    for (metrics::Metric m : r.metrics) {
        PlotOptions po;
        po.title = std::string(metrics::metricName(m)) + " per frame";
        po.yLabel = metrics::metricName(m);
        po.firstFrame = r.start;
        o << "<div class=\"plot\">\n" << plotSvg(seriesFor(r, m), po) << "</div>\n";
    }

    if (!c.thumbnails.empty()) {
        o << "<h2>Frame " << c.thumbnailFrame << "</h2>\n<div>\n";
        for (const auto& [label, img] : c.thumbnails)
            o << "<figure><img alt=\"" << htmlEscape(label) << "\" src=\"" << pngDataUri(img)
              << "\"><figcaption>" << htmlEscape(label) << "</figcaption></figure>\n";
        o << "</div>\n";
    }
    o << "<p><small>Generated by vfstudio.</small></p>\n</body>\n</html>\n";
    return o.str();
}

void writeHtml(const ReportContent& c, const std::filesystem::path& path) {
    writeFileAtomic(path, renderHtml(c));
}

} // namespace vf::report
