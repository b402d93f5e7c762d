#pragma once
// Adapters from vf::io sources to the fusion framework's PairSequence.

#include <memory>

#include "core/fusion/FusionMethod.h"
#include "core/io/Pair.h"

namespace vf::fusion {

// An IR / visible pair of vf::io::FrameSource as a PairSequence of `count` frames (the
// common frames when count < 0). Frame names are the IR folder's file names when the IR
// input is a frame folder. Not thread-safe (owns decoders).
class SourcePairSequence : public PairSequence {
public:
    SourcePairSequence(std::shared_ptr<io::FrameSource> ir, std::shared_ptr<io::FrameSource> vi,
                       int64_t count = -1);
    explicit SourcePairSequence(const io::PairInput& pair);
    int size() const override { return count_; }
    void read(int index, cv::Mat& ir, cv::Mat& vi) override;
    std::string frameName(int index) const override;

private:
    std::shared_ptr<io::FrameSource> ir_, vi_;
    int count_ = 0;
    std::vector<std::string> names_;
};

} // namespace vf::fusion
