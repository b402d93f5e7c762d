#include "core/fusion/SequenceSources.h"

#include <algorithm>

#include "core/common/Error.h"
#include "core/io/FrameSequence.h"

namespace vf::fusion {

SourcePairSequence::SourcePairSequence(std::shared_ptr<io::FrameSource> ir,
                                       std::shared_ptr<io::FrameSource> vi, int64_t count)
    : ir_(std::move(ir)), vi_(std::move(vi)) {
    if (!ir_ || !vi_) throw Error(ErrorCode::InvalidArgument, "missing infrared or visible input");
    int64_t common = std::min(ir_->frameCount(), vi_->frameCount());
    count_ = int(count < 0 ? common : std::min(count, common));
    if (auto* fs = dynamic_cast<io::FrameSequence*>(ir_.get()))
        for (const auto& f : fs->files())
            names_.push_back(f.filename().string());
}

SourcePairSequence::SourcePairSequence(const io::PairInput& pair)
    : SourcePairSequence(pair.ir, pair.vis, pair.frameCount()) {}

void SourcePairSequence::read(int index, cv::Mat& ir, cv::Mat& vi) {
    if (index < 0 || index >= count_)
        throw Error(ErrorCode::InvalidArgument, "frame " + std::to_string(index) +
                                                    " is outside the pair (0.." +
                                                    std::to_string(count_ - 1) + ")");
    ir = ir_->read(index);
    vi = vi_->read(index);
}

std::string SourcePairSequence::frameName(int index) const {
    return index >= 0 && size_t(index) < names_.size() ? names_[size_t(index)] : std::string();
}

} // namespace vf::fusion
