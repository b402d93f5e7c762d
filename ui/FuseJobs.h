#pragma once
// Fusion jobs: VideoFusion (on the inference lane, one engine owned by that thread) and
// image-level baselines (on the pool). Results appear frame by frame as computed streams and
// are cached on disk per (input, method, parameters, range, scale, ROI):
//   <cache dir>/<sha1 key>/{fused,restored_ir,restored_vi}/<000000>.png + meta.json
// so reopening the same result is instant (the stream is added from the cache, no job).

#include <QJsonObject>
#include <QObject>
#include <QRect>
#include <QSet>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

#include "ui/Jobs.h"
#include "ui/Workspace.h"

#if VF_HAVE_FUSION
#include "core/fusion/FusionMethod.h"
#include "core/model/VideoFusion.h"
#endif

namespace vf::ui {

struct FuseRequest {
    QString method;            // registry name: "videofusion", "gff", "average", ...
    QJsonObject params;        // key -> number / string (unspecified keys take defaults)
    qint64 start = 0;          // first pair frame
    qint64 count = -1;         // frames (-1 = to the end)
    int previewScale = 1;      // 1, 2 or 4: inputs shrunk by this factor
    QRect roi;                 // region of interest in pair pixels (empty = whole frame)
    bool wantRestored = false; // VideoFusion: also the restored IR / visible streams
    QString displayName;       // stream name (default: the method's display name)
};
QJsonObject toJson(const FuseRequest& r);
FuseRequest fuseRequestFromJson(const QJsonObject& o);

// Stage taps of the VideoFusion clip that holds a frame.
struct TapResult {
    qint64 clipStart = 0; // pair frame of the clip's first frame
    int clipLength = 0;
    int previewScale = 1;
    QRect roi;
#if VF_HAVE_FUSION
    std::vector<vf::model::Tap> taps;
#endif
};

class JobController : public QObject {
    Q_OBJECT
public:
    JobController(Workspace* ws, JobManager* jobs, QObject* parent = nullptr);

    QString cacheDir() const;
    void setCacheDir(const QString& dir);
    // The cache key and folder of a request on the open pair.
    QString cacheKey(const FuseRequest& r) const;
    QString resultFolder(const FuseRequest& r) const;
    // Seconds the request is expected to take (from the last runs of the method, or a
    // rough default), -1 when unknown.
    double estimateSeconds(const FuseRequest& r) const;

    // Adds the result streams and starts the job; when the result is cached, adds the
    // complete streams and returns nullptr. Throws vf::Error for a bad request (unknown
    // method, invalid parameter) naming the problem.
    Job* startFuse(const FuseRequest& r);
    // Computes the stage taps of the clip holding `frame` (VideoFusion request `base`:
    // weights, clip length, scale, ROI). `prefixes` select taps (empty = all).
    Job* startTaps(qint64 frame, const FuseRequest& base, const QStringList& prefixes,
                   std::function<void(std::shared_ptr<TapResult>)> done);

    // Methods that the GUI offers as baselines (image-level, registry order).
    static QStringList baselineMethods();
    static bool fusionAvailable();

    JobManager* jobs() const { return jobs_; }

Q_SIGNALS:
    void resultStreamAdded(int streamId, bool fromCache);
    void deviceReported(QString device); // the device a VideoFusion job ran on

private:
    Workspace* ws_;
    JobManager* jobs_;
    QString cacheDir_;
    QSet<QString> running_; // cache keys with a job in flight
};

} // namespace vf::ui
