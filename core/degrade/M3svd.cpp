#include "core/degrade/M3svd.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"
#include "core/common/FileNames.h"

namespace fs = std::filesystem;

namespace vf::degrade {

namespace {

cv::Mat toBgr(const cv::Mat& m) {
    if (m.channels() == 3) return m;
    cv::Mat out;
    if (m.channels() == 1)
        cv::cvtColor(m, out, cv::COLOR_GRAY2BGR);
    else
        cv::cvtColor(m, out, cv::COLOR_BGRA2BGR);
    return out;
}

void writePng(const fs::path& p, const cv::Mat& img) {
    std::vector<uchar> buf;
    if (!cv::imencode(".png", img, buf))
        throw Error(ErrorCode::WriteFailed, "could not encode PNG for " + p.string(), p.string());
    writeFileAtomic(p, std::string(buf.begin(), buf.end()));
}

} // namespace

std::vector<fs::path> listFrameFiles(const fs::path& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw Error(ErrorCode::NotFound, "frame folder not found: " + folder.string(),
                    folder.string());
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(folder, ec))
        if (e.is_regular_file() && vf::isImageFile(e.path())) files.push_back(e.path());
    if (files.empty())
        throw Error(ErrorCode::NotFound, "no image files (png/jpg/bmp/tif) in " + folder.string(),
                    folder.string());
    std::sort(files.begin(), files.end(), [](const fs::path& x, const fs::path& y) {
        return vf::naturalLess(x.filename().string(), y.filename().string());
    });
    return files;
}

struct FrameReader::Impl {
    std::vector<fs::path> files;
    size_t pos = 0;
    cv::VideoCapture cap;
    bool video = false;
    int64_t count = -1;
};

FrameReader::FrameReader(const fs::path& path) : d_(std::make_unique<Impl>()), path_(path) {
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw Error(ErrorCode::NotFound, "input not found: " + path.string(), path.string());
    if (fs::is_directory(path, ec)) {
        d_->files = listFrameFiles(path);
        d_->count = int64_t(d_->files.size());
    } else {
        d_->video = true;
        if (!d_->cap.open(path.string(), cv::CAP_FFMPEG) || !d_->cap.isOpened())
            throw Error(ErrorCode::Unreadable,
                        "cannot open video " + path.string() + " (unknown format or damaged)",
                        path.string());
        const double n = d_->cap.get(cv::CAP_PROP_FRAME_COUNT);
        d_->count = n > 0 ? int64_t(n) : -1;
    }
}

FrameReader::~FrameReader() = default;

bool FrameReader::next(cv::Mat& bgr) {
    if (d_->video) {
        cv::Mat f;
        if (!d_->cap.read(f) || f.empty()) return false;
        bgr = toBgr(f);
        return true;
    }
    if (d_->pos >= d_->files.size()) return false;
    const auto& p = d_->files[d_->pos++];
    cv::Mat f = cv::imread(p.string(), cv::IMREAD_UNCHANGED);
    if (f.empty())
        throw Error(ErrorCode::Unreadable, "cannot decode image " + p.string(), p.string());
    if (f.depth() != CV_8U) {
        cv::Mat g;
        f.convertTo(g, CV_8U, f.depth() == CV_16U ? 1.0 / 257.0 : 1.0);
        f = g;
    }
    bgr = toBgr(f);
    return true;
}

int64_t FrameReader::countHint() const {
    return d_->count;
}

std::string FrameReader::name() const {
    if (d_->video) return path_.stem().string();
    auto p = path_;
    if (p.filename().empty()) p = p.parent_path();
    return p.filename().string();
}

std::vector<cv::Mat> readFrames(const fs::path& path, int first, int maxFrames) {
    FrameReader r(path);
    std::vector<cv::Mat> out;
    cv::Mat f;
    int i = 0;
    while (r.next(f)) {
        if (i++ < first) continue;
        out.push_back(f.clone());
        if (maxFrames > 0 && int(out.size()) >= maxFrames) break;
    }
    if (out.empty())
        throw Error(ErrorCode::Unreadable,
                    "no frames read from " + path.string() +
                        (first > 0 ? " at or after frame " + std::to_string(first) : ""),
                    path.string());
    return out;
}

WriteReport writeM3svdSequence(const fs::path& irInput, const fs::path& viInput,
                               const fs::path& outRoot, const WriteOptions& o,
                               const ProgressFn& progress, const CancelToken* cancel) {
    FrameReader ir(irInput), vi(viInput);
    const std::string seq = o.sequence.empty() ? ir.name() : o.sequence;
    if (seq.empty() || seq.find('/') != std::string::npos || seq == "." || seq == "..")
        throw Error(ErrorCode::InvalidArgument, "invalid sequence name '" + seq + "'");
    if (o.split.empty() || o.split.find('/') != std::string::npos)
        throw Error(ErrorCode::InvalidArgument, "invalid split name '" + o.split + "'");

    WriteReport rep;
    rep.splitDir = outRoot / o.split;
    const char* folders[4] = {"infrared_Enhance", "infrared_noise", "visible_Enhance",
                              "visible_Blur"};
    fs::path dirs[4];
    for (int k = 0; k < 4; ++k) {
        dirs[k] = rep.splitDir / folders[k] / seq;
        std::error_code ec;
        fs::create_directories(dirs[k], ec);
        if (ec)
            throw Error(ErrorCode::WriteFailed,
                        "cannot create folder " + dirs[k].string() + ": " + ec.message(),
                        dirs[k].string());
    }

    int64_t total = -1;
    if (ir.countHint() > 0 && vi.countHint() > 0) total = std::min(ir.countHint(), vi.countHint());
    if (o.maxFrames > 0) total = total > 0 ? std::min<int64_t>(total, o.maxFrames) : o.maxFrames;

    std::unique_ptr<SequenceDegrader> deg;
    cv::Mat a, b;
    int n = 0;
    bool irMore = false, viMore = false;
    while (o.maxFrames <= 0 || n < o.maxFrames) {
        if (cancel) cancel->check();
        const bool ga = ir.next(a), gb = vi.next(b);
        if (!ga || !gb) {
            irMore = ga;
            viMore = gb;
            break;
        }
        if (a.size() != b.size())
            throw Error(ErrorCode::Mismatch,
                        "infrared " + irInput.string() + " is " + std::to_string(a.cols) + "x" +
                            std::to_string(a.rows) + " but visible " + viInput.string() + " is " +
                            std::to_string(b.cols) + "x" + std::to_string(b.rows) + " (frame " +
                            std::to_string(n) + "); register/resize them first",
                        irInput.string());
        if (!deg) deg = std::make_unique<SequenceDegrader>(o.recipe, o.seed, a.cols, a.rows);
        char name[32];
        std::snprintf(name, sizeof name, "%04d.png", n);
        writePng(dirs[0] / name, a);
        writePng(dirs[1] / name, deg->infrared(a, n));
        writePng(dirs[2] / name, b);
        writePng(dirs[3] / name, deg->visible(b, n));
        ++n;
        if (progress) progress(n, total, "degrading " + seq);
    }
    if (n == 0)
        throw Error(ErrorCode::Unreadable,
                    "no frame pairs could be read from " + irInput.string() + " and " +
                        viInput.string(),
                    irInput.string());
    if (irMore || viMore) {
        // Count the rest of the longer stream for an informative message.
        int64_t extra = 1;
        cv::Mat f;
        auto& longer = irMore ? ir : vi;
        while (longer.next(f))
            ++extra;
        const int64_t ni = irMore ? n + extra : n, nv = viMore ? n + extra : n;
        rep.warnings.push_back("IR and visible differ in frame count: " + std::to_string(ni) +
                               " vs " + std::to_string(nv) + "; degraded the first " +
                               std::to_string(n));
    }
    rep.frames = n;
    rep.params = deg->params();
    writeFileAtomic(rep.splitDir / ("degrade_" + seq + ".json"), rep.params.toJson() + "\n");
    return rep;
}

} // namespace vf::degrade
