// Random-access, thread-safe frame access for the metric engine, plus the per-frame curves
// and slice images. Reads through core/io's FrameSource (exact frame access over FFmpeg /
// image folders) when that module is built; otherwise a small private fallback reads image
// folders with cv::imread (videos then need core/io).
#include <algorithm>
#include <deque>
#include <mutex>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/FileNames.h"
#include "core/metrics/Metrics.h"

#ifdef VF_METRICS_HAVE_IO
#include "core/io/FrameSource.h"
#endif

namespace vf::metrics {

namespace {

#ifdef VF_METRICS_HAVE_IO
// A FrameSource is not thread-safe: keep a small pool of clones, one per concurrent reader.
// Video decoders are fast forwards and slow backwards (a backward read decodes again from the
// keyframe before it, which can be hundreds of frames back), and the engine reads every frame
// twice (as t of pair (t-1, t) and as t-1 of the next pair), from several threads. So:
//   * recently read frames are kept (a small cache, by bytes) and served again without decoding;
//   * a read takes the pooled reader whose position is the closest at or before the index
//     (usually the next frame of a reader that just read the previous one), so it decodes
//     forward.
class IoFrames final : public Frames {
public:
    explicit IoFrames(std::unique_ptr<io::FrameSource> src) {
        if (!src) throw Error(ErrorCode::InvalidArgument, "no frame source given");
        info_ = src->info();
        path_ = info_.path;
        proto_ = src->clone(); // only cloned from (under mu_), never read
        pool_.push_back(std::move(src));
        // the engine's readers need the previous frame of each thread's block: two frames a
        // thread, and a few more; at most 64 MB
        const double frameBytes = std::max(1.0, double(info_.width) * info_.height * 3);
        capacity_ =
            std::clamp(std::min(int(kCacheBytes / frameBytes), 2 * cv::getNumThreads() + 4), 2, 32);
    }
    int count() const override { return static_cast<int>(info_.frameCount); }
    cv::Size size() const override { return info_.size(); }
    std::string path() const override { return path_; }
    cv::Mat read(int index) const override {
        std::unique_ptr<io::FrameSource> src;
        {
            std::lock_guard<std::mutex> lock(mu_);
            for (const auto& [i, m] : cache_)
                if (i == index) return m;
            // the reader closest at or before `index` (else any: it seeks)
            size_t best = pool_.size();
            for (size_t k = 0; k < pool_.size(); ++k) {
                const int64_t p = pool_[k]->position();
                if (p <= index && (best == pool_.size() || p > pool_[best]->position())) best = k;
            }
            if (best == pool_.size() && !pool_.empty()) best = pool_.size() - 1;
            if (best < pool_.size()) {
                src = std::move(pool_[best]);
                pool_.erase(pool_.begin() + std::ptrdiff_t(best));
            } else {
                src = proto_->clone(); // another concurrent reader
            }
        }
        cv::Mat out = src->read(index);
        std::lock_guard<std::mutex> lock(mu_);
        pool_.push_back(std::move(src));
        if (int(cache_.size()) >= capacity_) cache_.pop_front();
        cache_.emplace_back(index, out);
        return out;
    }

private:
    static constexpr double kCacheBytes = 64.0 * 1024 * 1024;
    std::string path_;
    io::StreamInfo info_;
    int capacity_ = 4;
    mutable std::mutex mu_;
    std::unique_ptr<io::FrameSource> proto_;
    mutable std::vector<std::unique_ptr<io::FrameSource>> pool_;
    mutable std::deque<std::pair<int, cv::Mat>> cache_; // oldest first
};
#endif

// Fallback: a folder of images read with cv::imread, in natural order.
class FolderFrames final : public Frames {
public:
    explicit FolderFrames(const std::filesystem::path& dir) : dir_(dir) {
        for (const auto& e : std::filesystem::directory_iterator(dir)) {
            if (e.is_regular_file() && vf::isImageFile(e.path())) files_.push_back(e.path());
        }
        std::sort(files_.begin(), files_.end(), [](const auto& x, const auto& y) {
            return vf::naturalLess(x.filename().string(), y.filename().string());
        });
        if (files_.empty())
            throw Error(ErrorCode::NotFound, "no image files in folder " + dir.string(),
                        dir.string());
        const cv::Mat first = read(0);
        size_ = first.size();
    }
    int count() const override { return static_cast<int>(files_.size()); }
    cv::Size size() const override { return size_; }
    std::string path() const override { return dir_.string(); }
    cv::Mat read(int index) const override {
        if (index < 0 || index >= count())
            throw Error(ErrorCode::InvalidArgument,
                        "frame " + std::to_string(index) + " out of range [0, " +
                            std::to_string(count()) + ") in " + dir_.string());
        cv::Mat m = cv::imread(files_[index].string(), cv::IMREAD_UNCHANGED);
        if (m.empty())
            throw Error(ErrorCode::Unreadable, "cannot read image " + files_[index].string(),
                        files_[index].string());
        if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
        if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
        if (m.depth() != CV_8U)
            throw Error(ErrorCode::Unsupported,
                        "unsupported image depth in " + files_[index].string(),
                        files_[index].string());
        return m;
    }

private:
    std::filesystem::path dir_;
    std::vector<std::filesystem::path> files_;
    cv::Size size_;
};

int resolveCount(const Frames& src, int start, int count) {
    if (start < 0 || start >= src.count())
        throw Error(ErrorCode::InvalidArgument, "start frame " + std::to_string(start) +
                                                    " is outside " + src.path() + " (" +
                                                    std::to_string(src.count()) + " frames)");
    const int avail = src.count() - start;
    return count < 0 ? avail : std::min(count, avail);
}

} // namespace

std::shared_ptr<const Frames> openFrames(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw Error(ErrorCode::NotFound, "no such file or folder: " + path.string(), path.string());
#ifdef VF_METRICS_HAVE_IO
    return std::make_shared<IoFrames>(io::openSource(path));
#else
    if (std::filesystem::is_directory(path)) return std::make_shared<FolderFrames>(path);
    throw Error(ErrorCode::Unsupported,
                "reading videos needs core/io, which is not part of this build: " + path.string(),
                path.string());
#endif
}

#ifdef VF_METRICS_HAVE_IO
std::shared_ptr<const Frames> framesFrom(std::unique_ptr<io::FrameSource> source) {
    return std::make_shared<IoFrames>(std::move(source));
}
#endif

std::vector<double> meanIntensityCurve(const Frames& src, int start, int count, const cv::Mat& mask,
                                       const CancelToken* cancel) {
    const int n = resolveCount(src, start, count);
    if (!mask.empty() && (mask.type() != CV_8UC1 || mask.size() != src.size()))
        throw Error(ErrorCode::Mismatch, "intensity-curve mask must be CV_8UC1 of the frame size");
    std::vector<double> out(n);
    for (int i = 0; i < n; ++i) {
        if (cancel) cancel->check();
        const cv::Mat g = toGray8(src.read(start + i));
        out[i] = mask.empty() ? cv::mean(g)[0] : cv::mean(g, mask)[0];
    }
    return out;
}

cv::Mat xtSlice(const Frames& src, int x, int start, int count, const CancelToken* cancel) {
    const int n = resolveCount(src, start, count);
    if (x < 0 || x >= src.size().width)
        throw Error(ErrorCode::InvalidArgument, "column " + std::to_string(x) +
                                                    " is outside the frame width " +
                                                    std::to_string(src.size().width));
    cv::Mat out;
    for (int i = 0; i < n; ++i) {
        if (cancel) cancel->check();
        const cv::Mat f = src.read(start + i);
        if (out.empty()) out.create(f.rows, n, f.type());
        f.col(x).copyTo(out.col(i));
    }
    return out;
}

cv::Mat ytSlice(const Frames& src, int y, int start, int count, const CancelToken* cancel) {
    const int n = resolveCount(src, start, count);
    if (y < 0 || y >= src.size().height)
        throw Error(ErrorCode::InvalidArgument, "row " + std::to_string(y) +
                                                    " is outside the frame height " +
                                                    std::to_string(src.size().height));
    cv::Mat out;
    for (int i = 0; i < n; ++i) {
        if (cancel) cancel->check();
        const cv::Mat f = src.read(start + i);
        if (out.empty()) out.create(n, f.cols, f.type());
        f.row(y).copyTo(out.row(i));
    }
    return out;
}

} // namespace vf::metrics
