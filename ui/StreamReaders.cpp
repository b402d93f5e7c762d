#include "ui/StreamReaders.h"

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"
#include "core/io/FrameSequence.h"
#include "core/io/Pair.h"

namespace vf::ui {

cv::Mat StreamReader::readOwn(qint64 pairFrame) {
    if (!has(pairFrame))
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        name.toStdString() + ": pair frame " + std::to_string(pairFrame) +
                            " is outside the stream (frames " + std::to_string(first) + ".." +
                            std::to_string(first + frames - 1) + ")");
    return source->read(pairFrame - first);
}

bool StreamReader::pairGeometry() const {
    const auto& in = source->info();
    return placement == QRectF(0, 0, pairSize.width, pairSize.height) &&
           in.width == pairSize.width && in.height == pairSize.height;
}

cv::Mat StreamReader::readPair(qint64 pairFrame) {
    cv::Mat own = readOwn(pairFrame);
    if (own.cols == pairSize.width && own.rows == pairSize.height &&
        placement == QRectF(0, 0, pairSize.width, pairSize.height))
        return own;
    cv::Mat out(pairSize, own.type(), cv::Scalar::all(0));
    const cv::Rect dst =
        cv::Rect(int(std::lround(placement.x())), int(std::lround(placement.y())),
                 int(std::lround(placement.width())), int(std::lround(placement.height()))) &
        cv::Rect(0, 0, pairSize.width, pairSize.height);
    if (dst.empty()) return out;
    cv::Mat scaled;
    cv::resize(own, scaled, dst.size(), 0, 0, cv::INTER_LINEAR);
    scaled.copyTo(out(dst));
    return out;
}

std::shared_ptr<StreamReader> makeStreamReader(const Workspace& ws, const StreamItem& s,
                                               QString* problem) {
    const vf::io::PairInput* pair = ws.pair();
    if (!pair) return nullptr;
    auto r = std::make_shared<StreamReader>();
    r->id = s.id;
    r->name = s.name;
    r->color = s.color;
    r->role = s.role;
    r->first = s.firstFrame;
    r->frames = s.frames;
    r->pairSize = cv::Size(pair->ir->info().width, pair->ir->info().height);
    r->placement =
        s.placement.isEmpty() ? QRectF(0, 0, r->pairSize.width, r->pairSize.height) : s.placement;
    try {
        switch (s.role) {
        case StreamRole::Infrared:
            r->source = pair->ir->clone();
            break;
        case StreamRole::Visible:
            r->source = pair->vis->clone();
            break;
        case StreamRole::RefInfrared:
            if (pair->irRef) r->source = pair->irRef->clone();
            break;
        case StreamRole::RefVisible:
            if (pair->visRef) r->source = pair->visRef->clone();
            break;
        default:
            if (s.computed() && !s.method.isEmpty()) {
                if (!s.complete) {
                    if (problem) *problem = QObject::tr("%1: still being computed").arg(s.name);
                    return nullptr;
                }
                r->source = std::make_unique<vf::io::FrameSequence>(s.path.toStdString());
            } else {
                r->source = vf::io::openSource(s.path.toStdString());
            }
        }
    } catch (const std::exception& e) {
        if (problem) *problem = QString::fromStdString(e.what());
        return nullptr;
    }
    if (!r->source) {
        if (problem) *problem = QObject::tr("%1: no frames").arg(s.name);
        return nullptr;
    }
    r->frames = std::min<qint64>(r->frames > 0 ? r->frames : r->source->frameCount(),
                                 r->source->frameCount());
    return r;
}

std::vector<std::shared_ptr<StreamReader>> makeStreamReaders(const Workspace& ws, bool visibleOnly,
                                                             QStringList* problems) {
    std::vector<std::shared_ptr<StreamReader>> out;
    for (const auto& s : ws.streams()) {
        if (visibleOnly && !s.visible) continue;
        QString why;
        if (auto r = makeStreamReader(ws, s, &why))
            out.push_back(std::move(r));
        else if (problems && !why.isEmpty())
            *problems << why;
    }
    return out;
}

} // namespace vf::ui
