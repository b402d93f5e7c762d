#include "core/io/Pair.h"

#include <algorithm>
#include <set>

#include "core/common/Error.h"
#include "core/io/FrameSequence.h"

namespace fs = std::filesystem;

namespace vf::io {

namespace {

std::string sizeStr(cv::Size s) {
    return std::to_string(s.width) + "x" + std::to_string(s.height);
}

std::string baseName(const std::string& path) {
    return pathString(fs::path(path).filename());
}

bool isDir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

} // namespace

PairValidation validatePair(const FrameSource& ir, const FrameSource& vis,
                            const PairOptions& options) {
    const StreamInfo& a = ir.info();
    const StreamInfo& b = vis.info();
    PairValidation v;
    v.irFrames = a.frameCount;
    v.visFrames = b.frameCount;
    v.irSize = a.size();
    v.visSize = b.size();
    v.irFps = a.fps;
    v.visFps = b.fps;
    v.size = a.size();
    if (a.frameCount <= 0)
        throw Error(ErrorCode::Mismatch, "infrared input '" + a.path + "' holds no frame", a.path);
    if (b.frameCount <= 0)
        throw Error(ErrorCode::Mismatch, "visible input '" + b.path + "' holds no frame", b.path);

    if (a.size() != b.size()) {
        v.sizeMismatch = true;
        if (!options.resizeVisibleToInfrared)
            throw Error(ErrorCode::Mismatch,
                        "infrared and visible differ in frame size: " + sizeStr(a.size()) + " ('" +
                            a.path + "') vs " + sizeStr(b.size()) + " ('" + b.path +
                            "'); register them to the same size, or ask for the visible frames "
                            "to be resized",
                        b.path);
        v.resized = true;
        v.warnings.push_back("infrared and visible differ in frame size: " + sizeStr(a.size()) +
                             " vs " + sizeStr(b.size()) + "; visible frames are resized to " +
                             sizeStr(a.size()));
    }

    v.commonFrames = std::min(a.frameCount, b.frameCount);
    if (a.frameCount != b.frameCount) {
        v.countMismatch = true;
        v.warnings.push_back(
            "infrared and visible differ in frame count: " + std::to_string(a.frameCount) + " vs " +
            std::to_string(b.frameCount) + "; using the first " + std::to_string(v.commonFrames));
    }

    // Frame rates: only compare rates both inputs actually carry.
    if (a.fpsKnown)
        v.fps = a.fps;
    else if (b.fpsKnown)
        v.fps = b.fps;
    else
        v.fps = a.fps;
    if (a.fpsKnown && b.fpsKnown && !(a.fps == b.fps)) {
        v.fpsMismatch = true;
        v.warnings.push_back("infrared and visible differ in frame rate: " + a.fps.toString() +
                             " vs " + b.fps.toString() + " fps; pairing frame by frame at " +
                             v.fps.toString() + " fps");
    }
    return v;
}

PairInput openPair(const fs::path& ir, const fs::path& vis, const PairOptions& options) {
    PairInput p;
    std::unique_ptr<FrameSource> a = openSource(ir);
    std::unique_ptr<FrameSource> b = openSource(vis);
    p.validation = validatePair(*a, *b, options);
    p.irPath = a->info().path;
    p.visPath = b->info().path;
    if (p.validation.resized) b = makeResized(std::move(b), p.validation.size);
    p.ir = std::move(a);
    p.vis = std::move(b);
    p.name = baseName(p.irPath) + " + " + baseName(p.visPath);
    return p;
}

// ---- M3SVD -------------------------------------------------------------------------------

namespace {

constexpr const char* kIrClean = "infrared_Enhance";
constexpr const char* kIrDegraded = "infrared_noise";
constexpr const char* kVisClean = "visible_Enhance";
constexpr const char* kVisDegraded = "visible_Blur";

bool hasFrameFolders(const fs::path& dir) {
    return (isDir(dir / kIrClean) || isDir(dir / kIrDegraded)) &&
           (isDir(dir / kVisClean) || isDir(dir / kVisDegraded));
}

bool isVideoFile(const fs::path& p) {
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return e == ".mp4" || e == ".mkv" || e == ".avi" || e == ".mov" || e == ".m4v" || e == ".webm";
}

bool hasVideoFolders(const fs::path& dir) {
    if (!isDir(dir / "infrared") || !isDir(dir / "visible")) return false;
    std::error_code ec;
    for (fs::directory_iterator it(dir / "infrared", ec), end; !ec && it != end; it.increment(ec))
        if (isVideoFile(it->path())) return true;
    return false;
}

std::vector<std::string> subdirs(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code ec2;
        if (it->is_directory(ec2)) {
            const std::string n = pathString(it->path().filename());
            if (!n.empty() && n[0] != '.') out.push_back(n);
        }
    }
    std::sort(out.begin(), out.end(), naturalLess);
    return out;
}

void scanFrames(const fs::path& dir, const std::string& split, std::vector<M3svdSequence>& out) {
    std::set<std::string> names;
    for (const char* f : {kIrClean, kIrDegraded, kVisClean, kVisDegraded})
        for (const auto& s : subdirs(dir / f))
            names.insert(s);
    for (const auto& n : names) {
        M3svdSequence s;
        s.split = split;
        s.name = n;
        auto pick = [&](const char* folder) {
            const fs::path p = dir / folder / fs::u8path(n);
            return isDir(p) ? p : fs::path();
        };
        s.irClean = pick(kIrClean);
        s.irDegraded = pick(kIrDegraded);
        s.visClean = pick(kVisClean);
        s.visDegraded = pick(kVisDegraded);
        const bool haveIr = !s.irClean.empty() || !s.irDegraded.empty();
        const bool haveVis = !s.visClean.empty() || !s.visDegraded.empty();
        if (haveIr && haveVis) out.push_back(std::move(s));
    }
}

void scanVideos(const fs::path& dir, const std::string& split, std::vector<M3svdSequence>& out) {
    std::vector<fs::path> irs;
    std::error_code ec;
    for (fs::directory_iterator it(dir / "infrared", ec), end; !ec && it != end; it.increment(ec))
        if (isVideoFile(it->path())) irs.push_back(it->path());
    std::sort(irs.begin(), irs.end(), [](const fs::path& a, const fs::path& b) {
        return naturalLess(pathString(a.filename()), pathString(b.filename()));
    });
    for (const auto& ir : irs) {
        const fs::path vis = dir / "visible" / ir.filename();
        std::error_code ec2;
        if (!fs::is_regular_file(vis, ec2)) continue;
        M3svdSequence s;
        s.split = split;
        s.name = pathString(ir.stem());
        s.isVideo = true;
        s.irVideo = ir;
        s.visVideo = vis;
        out.push_back(std::move(s));
    }
}

// Looks for layouts in `dir` itself (split name `split`) and `depth` levels below.
void scanDir(const fs::path& dir, const std::string& split, int depth,
             std::vector<M3svdSequence>& out) {
    if (hasFrameFolders(dir)) scanFrames(dir, split, out);
    if (hasVideoFolders(dir)) scanVideos(dir, split, out);
    if (depth <= 0) return;
    for (const auto& sub : subdirs(dir)) {
        if (sub == kIrClean || sub == kIrDegraded || sub == kVisClean || sub == kVisDegraded ||
            sub == "infrared" || sub == "visible")
            continue;
        scanDir(dir / fs::u8path(sub), split.empty() ? sub : split + "/" + sub, depth - 1, out);
    }
}

} // namespace

std::vector<std::string> M3svdLayout::sequenceNames(const std::string& split) const {
    std::vector<std::string> out;
    for (const auto& s : sequences)
        if (s.split == split && std::find(out.begin(), out.end(), s.name) == out.end())
            out.push_back(s.name);
    return out;
}

const M3svdSequence& M3svdLayout::find(const std::string& split, const std::string& name) const {
    for (const auto& s : sequences)
        if (s.split == split && s.name == name) return s;
    std::string have;
    for (const auto& s : sequences)
        have += (have.empty() ? "" : ", ") + (s.split.empty() ? "" : s.split + "/") + s.name;
    throw Error(ErrorCode::NotFound,
                "M3SVD root '" + pathString(root) + "' has no sequence '" +
                    (split.empty() ? "" : split + "/") + name + "' (it has: " + have + ")",
                pathString(root));
}

bool isM3svdRoot(const fs::path& root) {
    if (!isDir(root)) return false;
    std::vector<M3svdSequence> seqs;
    scanDir(root, "", 2, seqs);
    return !seqs.empty();
}

M3svdLayout scanM3svd(const fs::path& root) {
    if (!isDir(root))
        throw Error(ErrorCode::NotFound, "M3SVD root '" + pathString(root) + "' is not a folder",
                    pathString(root));
    M3svdLayout l;
    l.root = root;
    scanDir(root, "", 2, l.sequences);
    if (l.sequences.empty())
        throw Error(ErrorCode::NotFound,
                    "'" + pathString(root) +
                        "' holds no M3SVD layout: expected <split>/{infrared_Enhance,"
                        "infrared_noise,visible_Enhance,visible_Blur}/<sequence>/ frame folders "
                        "or {infrared,visible}/<sequence>.mp4 videos",
                    pathString(root));
    std::sort(l.sequences.begin(), l.sequences.end(),
              [](const M3svdSequence& a, const M3svdSequence& b) {
                  if (a.split != b.split) return a.split < b.split;
                  if (a.name != b.name) return naturalLess(a.name, b.name);
                  return a.isVideo < b.isVideo;
              });
    std::set<std::string> splits;
    for (const auto& s : l.sequences)
        splits.insert(s.split);
    l.splits.assign(splits.begin(), splits.end());
    return l;
}

PairInput openM3svdSequence(const M3svdSequence& seq, const PairOptions& options) {
    PairInput p;
    if (seq.isVideo) {
        p = openPair(seq.irVideo, seq.visVideo, options);
    } else {
        const bool degraded =
            options.useDegraded && !seq.irDegraded.empty() && !seq.visDegraded.empty();
        fs::path ir =
            degraded ? seq.irDegraded : (!seq.irClean.empty() ? seq.irClean : seq.irDegraded);
        fs::path vis =
            degraded ? seq.visDegraded : (!seq.visClean.empty() ? seq.visClean : seq.visDegraded);
        p = openPair(ir, vis, options);
        if (degraded && !seq.irClean.empty() && !seq.visClean.empty()) {
            std::unique_ptr<FrameSource> ir2 = openSource(seq.irClean);
            std::unique_ptr<FrameSource> vis2 = openSource(seq.visClean);
            auto check = [&](const FrameSource& ref, const FrameSource& input, const char* what) {
                const auto& r = ref.info();
                const auto& i = input.info();
                if (r.frameCount != i.frameCount)
                    p.validation.warnings.push_back(
                        std::string(what) +
                        " clean references and degraded inputs differ in frame count: " +
                        std::to_string(r.frameCount) + " vs " + std::to_string(i.frameCount));
                if (r.size() != i.size())
                    throw Error(ErrorCode::Mismatch,
                                std::string(what) + " clean references '" + r.path + "' are " +
                                    sizeStr(r.size()) + " but the degraded inputs '" + i.path +
                                    "' are " + sizeStr(i.size()),
                                r.path);
            };
            check(*ir2, *p.ir, "infrared");
            if (!p.validation.resized)
                check(*vis2, *p.vis, "visible");
            else
                vis2 = makeResized(std::move(vis2), p.validation.size);
            p.irRef = std::move(ir2);
            p.visRef = std::move(vis2);
            p.validation.commonFrames = std::min(
                {p.validation.commonFrames, p.irRef->frameCount(), p.visRef->frameCount()});
        }
    }
    p.sequence = seq.name;
    p.split = seq.split;
    p.name = seq.split.empty() ? seq.name : seq.split + "/" + seq.name;
    return p;
}

} // namespace vf::io
