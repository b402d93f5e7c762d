#include "core/io/FrameSource.h"

#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"
#include "core/io/FrameSequence.h"
#include "core/io/VideoReader.h"

namespace vf::io {

std::string Rational::toString() const {
    if (den == 1) return std::to_string(num);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%d/%d (%.3f)", num, den, value());
    return buf;
}

std::string pathString(const std::filesystem::path& p) {
    const auto u8 = p.u8string();
    return std::string(u8.begin(), u8.end());
}

cv::Mat FrameSource::read(int64_t index, ColorMode mode) {
    cv::Mat m;
    readInto(index, m, mode);
    return m;
}

cv::Mat FrameSource::next(ColorMode mode) {
    cv::Mat m;
    if (!nextInto(m, mode)) return {};
    return m;
}

std::unique_ptr<FrameSource> openSource(const std::filesystem::path& path) {
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(st))
        throw Error(ErrorCode::NotFound, "'" + pathString(path) + "' does not exist",
                    pathString(path));
    if (std::filesystem::is_directory(st)) return std::make_unique<FrameSequence>(path);
    return std::make_unique<VideoReader>(path);
}

namespace {

class ResizedSource : public FrameSource {
public:
    ResizedSource(std::unique_ptr<FrameSource> inner, cv::Size size)
        : inner_(std::move(inner)), size_(size) {
        info_ = inner_->info();
        info_.width = size.width;
        info_.height = size.height;
    }
    const StreamInfo& info() const override { return info_; }
    void readInto(int64_t index, cv::Mat& out, ColorMode mode) override {
        inner_->readInto(index, tmp_, mode);
        resize(out);
    }
    bool nextInto(cv::Mat& out, ColorMode mode) override {
        if (!inner_->nextInto(tmp_, mode)) return false;
        resize(out);
        return true;
    }
    int64_t position() const override { return inner_->position(); }
    void seek(int64_t index) override { inner_->seek(index); }
    std::unique_ptr<FrameSource> clone() const override {
        return std::make_unique<ResizedSource>(inner_->clone(), size_);
    }

private:
    void resize(cv::Mat& out) {
        const bool shrink = tmp_.cols * tmp_.rows > size_.area();
        cv::resize(tmp_, out, size_, 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    std::unique_ptr<FrameSource> inner_;
    cv::Size size_;
    StreamInfo info_;
    cv::Mat tmp_;
};

} // namespace

std::unique_ptr<FrameSource> makeResized(std::unique_ptr<FrameSource> inner, cv::Size size) {
    if (!inner) throw Error(ErrorCode::InvalidArgument, "makeResized: no source");
    if (size.width <= 0 || size.height <= 0)
        throw Error(ErrorCode::InvalidArgument, "cannot resize '" + inner->info().path + "' to " +
                                                    std::to_string(size.width) + "x" +
                                                    std::to_string(size.height));
    return std::make_unique<ResizedSource>(std::move(inner), size);
}

} // namespace vf::io
