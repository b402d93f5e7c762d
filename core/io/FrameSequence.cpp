#include "core/io/FrameSequence.h"

#include <algorithm>
#include <cctype>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"
#include "core/common/FileNames.h"

namespace fs = std::filesystem;

namespace vf::io {

bool FrameSequence::isImageFile(const fs::path& p) {
    return vf::isImageFile(p);
}

std::vector<fs::path> FrameSequence::listFrames(const fs::path& folder) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code ec2;
        if (!it->is_regular_file(ec2)) continue;
        const auto name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') continue; // hidden / temporary files
        if (isImageFile(it->path())) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end(), [](const fs::path& x, const fs::path& y) {
        return naturalLess(x.filename().string(), y.filename().string());
    });
    return files;
}

namespace {

// Loads an image as 8-bit 1- or 3-channel. Throws naming the file.
cv::Mat loadImage(const fs::path& p) {
    cv::Mat m = cv::imread(p.string(), cv::IMREAD_UNCHANGED);
    if (m.empty()) {
        std::error_code ec;
        const auto sz = fs::file_size(p, ec);
        if (!ec && sz == 0)
            throw Error(ErrorCode::Corrupt, "'" + pathString(p) + "' is empty (0 bytes)",
                        pathString(p));
        throw Error(ErrorCode::Unreadable,
                    "cannot read image '" + pathString(p) +
                        "': not a readable PNG/JPEG/BMP/TIFF file (corrupt or truncated?)",
                    pathString(p));
    }
    if (m.depth() == CV_16U)
        m.convertTo(m, CV_8U, 1.0 / 257.0);
    else if (m.depth() != CV_8U)
        throw Error(ErrorCode::Unsupported,
                    "image '" + pathString(p) +
                        "' has an unsupported sample type (only 8- and "
                        "16-bit integer images are read)",
                    pathString(p));
    if (m.channels() == 4)
        cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
    else if (m.channels() == 2)
        cv::extractChannel(m, m, 0); // grey + alpha
    return m;
}

void convertTo(const cv::Mat& src, cv::Mat& out, ColorMode mode) {
    if (mode == ColorMode::BGR) {
        if (src.channels() == 3)
            src.copyTo(out);
        else
            cv::cvtColor(src, out, cv::COLOR_GRAY2BGR);
    } else {
        if (src.channels() == 1)
            src.copyTo(out);
        else
            cv::cvtColor(src, out, cv::COLOR_BGR2GRAY);
    }
}

} // namespace

FrameSequence::FrameSequence(const fs::path& folder, Rational fps) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw Error(ErrorCode::NotFound, "folder '" + pathString(folder) + "' does not exist",
                    pathString(folder));
    files_ = listFrames(folder);
    if (files_.empty())
        throw Error(ErrorCode::NotFound,
                    "folder '" + pathString(folder) +
                        "' holds no image (PNG, JPEG, BMP or TIFF) to read as frames",
                    pathString(folder));
    if (!fps.valid())
        throw Error(ErrorCode::InvalidArgument, "invalid frame rate " + std::to_string(fps.num) +
                                                    "/" + std::to_string(fps.den) + " for '" +
                                                    pathString(folder) + "'");
    const cv::Mat first = loadImage(files_.front());
    info_.path = pathString(folder);
    std::string ext = files_.front().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    info_.codec = ext.size() > 1 ? ext.substr(1) : ext;
    if (info_.codec == "jpeg") info_.codec = "jpg";
    if (info_.codec == "tif") info_.codec = "tiff";
    info_.channels = first.channels() == 1 ? 1 : 3;
    info_.pixelFormat = info_.channels == 1 ? "gray" : "bgr24";
    info_.width = first.cols;
    info_.height = first.rows;
    info_.frameCount = int64_t(files_.size());
    info_.fps = fps;
    info_.fpsKnown = false;
    info_.durationSec = double(info_.frameCount) / fps.value();
    info_.isImageSequence = true;
}

void FrameSequence::readInto(int64_t index, cv::Mat& out, ColorMode mode) {
    if (index < 0 || index >= info_.frameCount)
        throw Error(ErrorCode::InvalidArgument,
                    "frame " + std::to_string(index) + " is out of range for '" + info_.path +
                        "' (" + std::to_string(info_.frameCount) + " frames)",
                    info_.path);
    const fs::path& p = files_[size_t(index)];
    const cv::Mat m = loadImage(p);
    if (m.cols != info_.width || m.rows != info_.height)
        throw Error(ErrorCode::Mismatch,
                    "image '" + pathString(p) + "' is " + std::to_string(m.cols) + "x" +
                        std::to_string(m.rows) + " but the first frame of '" + info_.path +
                        "' is " + std::to_string(info_.width) + "x" + std::to_string(info_.height),
                    pathString(p));
    convertTo(m, out, mode);
    pos_ = index + 1;
}

bool FrameSequence::nextInto(cv::Mat& out, ColorMode mode) {
    if (pos_ >= info_.frameCount) return false;
    readInto(pos_, out, mode);
    return true;
}

void FrameSequence::seek(int64_t index) {
    if (index < 0 || index > info_.frameCount)
        throw Error(ErrorCode::InvalidArgument,
                    "cannot seek to frame " + std::to_string(index) + " of '" + info_.path + "' (" +
                        std::to_string(info_.frameCount) + " frames)",
                    info_.path);
    pos_ = index;
}

std::unique_ptr<FrameSource> FrameSequence::clone() const {
    std::unique_ptr<FrameSequence> c(new FrameSequence());
    c->info_ = info_;
    c->files_ = files_;
    return c;
}

} // namespace vf::io
