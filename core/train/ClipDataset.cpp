#include "core/train/ClipDataset.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"
#include "core/degrade/Degrade.h"
#include "core/degrade/M3svd.h"

namespace fs = std::filesystem;

namespace vf::train {

namespace {

cv::Mat toGrey(const cv::Mat& bgr) {
    cv::Mat g;
    if (bgr.channels() == 1) return bgr;
    cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
    return g;
}

// Appends (T,3,h,w) RGB floats of `frames` cropped at `roi` (optionally mirrored).
void appendClip(std::vector<float>& dst, const std::vector<cv::Mat>& frames, cv::Rect roi,
                bool flip) {
    for (const auto& f : frames) {
        cv::Mat c = f(roi);
        if (flip) cv::flip(c, c, 1);
        const int h = c.rows, w = c.cols;
        const size_t base = dst.size();
        dst.resize(base + size_t(3) * h * w);
        float* R = dst.data() + base;
        float* G = R + size_t(h) * w;
        float* B = G + size_t(h) * w;
        for (int y = 0; y < h; ++y) {
            const uint8_t* p = c.ptr<uint8_t>(y);
            for (int x = 0; x < w; ++x) {
                const size_t i = size_t(y) * w + x;
                if (c.channels() == 1) {
                    R[i] = G[i] = B[i] = p[x] / 255.0f;
                } else {
                    B[i] = p[3 * x] / 255.0f;
                    G[i] = p[3 * x + 1] / 255.0f;
                    R[i] = p[3 * x + 2] / 255.0f;
                }
            }
        }
    }
}

} // namespace

ClipDataset::ClipDataset(const TrainConfig& cfg, const ProgressFn& progress) : cfg_(cfg) {
    long long loaded = 0;
    auto report = [&](const std::string& what) {
        if (progress) progress(++loaded, -1, what);
    };
    for (const auto& src : cfg.m3svd) {
        const fs::path root(src.root);
        const fs::path lqIrRoot = root / "infrared_noise";
        std::error_code ec;
        if (!fs::is_directory(lqIrRoot, ec))
            throw Error(ErrorCode::NotFound,
                        "M3SVD source " + root.string() +
                            " has no infrared_noise folder (expected <root>/{infrared_noise, "
                            "visible_Blur, infrared_Enhance, visible_Enhance}/<seq>/)",
                        root.string());
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(lqIrRoot, ec))
            if (e.is_directory()) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end(), degrade::naturalLess);
        for (const auto& want : src.sequences)
            if (std::find(names.begin(), names.end(), want) == names.end())
                throw Error(ErrorCode::NotFound,
                            "sequence " + want + " not found in " + lqIrRoot.string(),
                            lqIrRoot.string());
        for (const auto& n : names) {
            if (!src.sequences.empty() &&
                std::find(src.sequences.begin(), src.sequences.end(), n) == src.sequences.end())
                continue;
            if (std::find(src.exclude.begin(), src.exclude.end(), n) != src.exclude.end()) continue;
            Seq s;
            s.name = root.filename().string() + "/" + n;
            s.weight = src.weight;
            // File names come from the IR input listing and must exist in all 4 folders.
            const auto files = degrade::listFrameFiles(lqIrRoot / n);
            const char* folders[4] = {"infrared_noise", "visible_Blur", "infrared_Enhance",
                                      "visible_Enhance"};
            std::vector<cv::Mat>* dst[4] = {&s.lqIr, &s.lqVi, &s.gtIr, &s.gtVi};
            for (int k = 0; k < 4; ++k) {
                for (const auto& f : files) {
                    const auto p = root / folders[k] / n / f.filename();
                    if (!fs::exists(p, ec))
                        throw Error(ErrorCode::NotFound,
                                    "sequence " + n + ": " + p.string() +
                                        " is missing (frame names must match across the four "
                                        "M3SVD folders)",
                                    p.string());
                    cv::Mat m = cv::imread(p.string(), cv::IMREAD_COLOR);
                    if (m.empty())
                        throw Error(ErrorCode::Unreadable, "cannot decode image " + p.string(),
                                    p.string());
                    dst[k]->push_back(k % 2 == 0 ? toGrey(m).clone() : m);
                }
            }
            for (int k = 1; k < 4; ++k)
                if ((*dst[k])[0].size() != s.lqIr[0].size())
                    throw Error(ErrorCode::Mismatch,
                                "sequence " + n + ": " + folders[k] + " frames differ in size",
                                (root / folders[k] / n).string());
            seqs_.push_back(std::move(s));
            report("loaded " + seqs_.back().name);
        }
    }
    for (const auto& v : cfg.videos) {
        Seq s;
        s.name = fs::path(v.ir).stem().string();
        s.synthetic = true;
        s.weight = v.weight;
        auto ir = degrade::readFrames(v.ir, v.first, v.maxFrames);
        auto vi = degrade::readFrames(v.vi, v.first, v.maxFrames);
        const size_t n = std::min(ir.size(), vi.size());
        if (ir.front().size() != vi.front().size())
            throw Error(ErrorCode::Mismatch,
                        "infrared " + v.ir + " and visible " + v.vi + " differ in frame size",
                        v.ir);
        for (size_t i = 0; i < n; ++i) {
            s.gtIr.push_back(toGrey(ir[i]).clone());
            s.gtVi.push_back(vi[i]);
        }
        seqs_.push_back(std::move(s));
        report("loaded " + seqs_.back().name);
    }
    if (seqs_.empty())
        throw Error(ErrorCode::InvalidArgument,
                    "no training data: give data.videos and/or data.m3svd sources");
    double acc = 0;
    for (const auto& s : seqs_) {
        if (int(s.gtIr.size()) < cfg.frames)
            throw Error(ErrorCode::InvalidArgument,
                        "source " + s.name + " has " + std::to_string(s.gtIr.size()) +
                            " frames, fewer than data.frames = " + std::to_string(cfg.frames));
        const auto sz = s.gtIr[0].size();
        if (sz.width < cfg.crop || sz.height < cfg.crop)
            throw Error(ErrorCode::InvalidArgument,
                        "source " + s.name + " frames are " + std::to_string(sz.width) + "x" +
                            std::to_string(sz.height) +
                            ", smaller than data.crop = " + std::to_string(cfg.crop));
        if (!(s.weight > 0))
            throw Error(ErrorCode::InvalidArgument, "source " + s.name + " has weight <= 0");
        acc += s.weight;
        cumWeight_.push_back(acc);
    }
}

int64_t ClipDataset::totalFrames() const {
    int64_t n = 0;
    for (const auto& s : seqs_)
        n += int64_t(s.gtIr.size());
    return n;
}

std::string ClipDataset::summary() const {
    std::ostringstream o;
    for (const auto& s : seqs_)
        o << "  " << s.name << ": " << s.gtIr.size() << " frames " << s.gtIr[0].cols << "x"
          << s.gtIr[0].rows << (s.synthetic ? " (clean, degraded on the fly)" : " (M3SVD pairs)")
          << ", weight " << s.weight << "\n";
    return o.str();
}

ClipSample ClipDataset::sample(uint64_t seed) const {
    std::mt19937_64 rng(seed);
    const double u = std::uniform_real_distribution<double>(0, cumWeight_.back())(rng);
    size_t idx =
        size_t(std::upper_bound(cumWeight_.begin(), cumWeight_.end(), u) - cumWeight_.begin());
    idx = std::min(idx, seqs_.size() - 1);
    const auto& s = seqs_[idx];
    const int n = int(s.gtIr.size()), T = cfg_.frames, c = cfg_.crop;
    const int start = std::uniform_int_distribution<int>(0, n - T)(rng);
    const int x = std::uniform_int_distribution<int>(0, s.gtIr[0].cols - c)(rng);
    const int y = std::uniform_int_distribution<int>(0, s.gtIr[0].rows - c)(rng);
    const bool flip = cfg_.hflip && std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    const uint64_t degSeed = rng();
    auto out = clip(idx, start, T, x, y, c, c, degSeed);
    if (flip) {
        // Mirror every plane in place.
        for (auto* v : {&out.lqIr, &out.lqVi, &out.gtIr, &out.gtVi})
            for (size_t p = 0; p < size_t(T) * 3; ++p)
                for (int r = 0; r < c; ++r) {
                    float* row = v->data() + (p * c + size_t(r)) * c;
                    std::reverse(row, row + c);
                }
    }
    return out;
}

ClipSample ClipDataset::clip(size_t index, int start, int T, int x, int y, int w, int h,
                             uint64_t seed) const {
    const auto& s = seqs_.at(index);
    const int n = int(s.gtIr.size());
    const cv::Size fs = s.gtIr[0].size();
    if (start < 0 || T < 1 || start + T > n || x < 0 || y < 0 || w < 1 || h < 1 ||
        x + w > fs.width || y + h > fs.height)
        throw Error(ErrorCode::InvalidArgument,
                    "clip outside source " + s.name + " (" + std::to_string(n) + " frames, " +
                        std::to_string(fs.width) + "x" + std::to_string(fs.height) + ")");
    ClipSample o;
    o.T = T;
    o.H = h;
    o.W = w;
    o.where = s.name + ":" + std::to_string(start) + "+" + std::to_string(T) + " @" +
              std::to_string(x) + "," + std::to_string(y);
    const cv::Rect roi(x, y, w, h);
    std::vector<cv::Mat> gi(s.gtIr.begin() + start, s.gtIr.begin() + start + T);
    std::vector<cv::Mat> gv(s.gtVi.begin() + start, s.gtVi.begin() + start + T);
    std::vector<cv::Mat> li, lv;
    if (!s.synthetic) {
        li.assign(s.lqIr.begin() + start, s.lqIr.begin() + start + T);
        lv.assign(s.lqVi.begin() + start, s.lqVi.begin() + start + T);
        appendClip(o.lqIr, li, roi, false);
        appendClip(o.lqVi, lv, roi, false);
    } else {
        const int m = 8;
        const cv::Rect outer = cv::Rect(x - m, y - m, w + 2 * m, h + 2 * m) & cv::Rect({0, 0}, fs);
        const cv::Rect inner(x - outer.x, y - outer.y, w, h);
        degrade::Recipe r;
        r.preset = degrade::presetFromName(cfg_.preset);
        degrade::SequenceDegrader d(r, seed, outer.width, outer.height);
        for (int t = 0; t < T; ++t) {
            li.push_back(d.infrared(gi[size_t(t)](outer).clone(), t)(inner));
            lv.push_back(d.visible(gv[size_t(t)](outer).clone(), t)(inner));
        }
        const cv::Rect all(0, 0, w, h);
        appendClip(o.lqIr, li, all, false);
        appendClip(o.lqVi, lv, all, false);
    }
    appendClip(o.gtIr, gi, roi, false);
    appendClip(o.gtVi, gv, roi, false);
    return o;
}

} // namespace vf::train
