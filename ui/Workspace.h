#pragma once
// vf::ui::Workspace: the open pair, its streams and the playhead — the GUI's document.
//
// Streams are first-class items (YUView's playlist items): the inputs (IR, visible), the
// clean references (M3SVD *_Enhance), and computed streams (VideoFusion fused output,
// restored IR / visible, baselines) that jobs fill frame by frame. Each has a name, a
// colour tag and a visibility flag, and a placement in the pair's pixel grid.

#include <QColor>
#include <QJsonObject>
#include <QObject>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

#include "core/io/Pair.h"
#include "ui/FrameServer.h"

namespace vf::ui {

enum class StreamRole {
    Infrared,
    Visible,
    RefInfrared,
    RefVisible,
    Fused,
    RestoredIr,
    RestoredVi,
    Baseline
};
QString roleName(StreamRole r);               // "infrared", "visible", ... (session files)
StreamRole roleFromName(const QString& name); // unknown -> Baseline

struct StreamItem {
    int id = -1;
    QString name;
    StreamRole role = StreamRole::Infrared;
    QColor color;
    bool visible = true;
    int serverKey = -1;    // FrameServer key
    qint64 frames = 0;     // length (computed streams: planned length)
    qint64 firstFrame = 0; // pair frame shown by the stream's frame 0 (frame ranges)
    QRectF placement;      // where its frames lie in pair pixels (empty = whole pair)
    QString path;          // input path, or the result folder of a computed stream
    // computed streams
    QString method;     // registry name ("videofusion", "gff", ...)
    QJsonObject params; // parameters as given
    QString cacheKey;
    bool complete = true;
    qint64 produced = 0;
    bool computed() const { return role >= StreamRole::Fused; }
};

class Workspace : public QObject {
    Q_OBJECT
public:
    explicit Workspace(QObject* parent = nullptr, size_t cacheBudgetBytes = size_t(768) << 20);
    ~Workspace() override;

    // Opening (vf::Error on failure, naming the file). `paths`: two files / two folders
    // (IR first), or one M3SVD root (first sequence, or `sequence`), or one folder that holds
    // exactly two videos / two frame folders named infrared*/visible*.
    void openPaths(const QStringList& paths, const QString& sequence = {});
    void openPair(const QString& ir, const QString& vis);
    void openM3svd(const QString& root, const QString& sequence = {}, bool degraded = true);
    void openPairInput(vf::io::PairInput pair);
    void closePair();
    bool hasPair() const { return pair_ != nullptr; }
    const vf::io::PairInput* pair() const { return pair_.get(); }
    QStringList warnings() const;
    QString pairName() const;
    QStringList inputPaths() const { return inputs_; } // as opened (for sessions, recent)
    QString m3svdSequence() const { return m3svdSeq_; }

    // Streams
    const std::vector<StreamItem>& streams() const { return streams_; }
    const StreamItem* stream(int id) const;
    const StreamItem* streamByRole(StreamRole r) const;
    const StreamItem* streamByCacheKey(const QString& key) const;
    // A computed stream whose frames appear as PNG files in `folder`.
    int addComputedStream(StreamItem item);
    void markProduced(int id, qint64 count);
    // Another input stream (e.g. a fused video made elsewhere) shown beside the pair.
    int addExternalStream(const QString& path, const QString& name = {});
    void markComplete(int id);
    void removeStream(int id);
    void setStreamVisible(int id, bool v);
    void setStreamColor(int id, QColor c);
    void renameStream(int id, const QString& name);
    void moveStream(int id, int delta);

    // Playhead
    qint64 frame() const { return frame_; }
    qint64 frameCount() const;
    double fps() const;
    void setFrame(qint64 f);
    void step(qint64 delta);
    int direction() const { return direction_; }

    FrameServer* server() const { return server_; }

Q_SIGNALS:
    void pairOpened();
    void pairClosed();
    void streamsChanged();
    void streamProduced(int id, qint64 count);
    void frameChanged(qint64 frame);

private:
    int addSourceStream(const QString& name, StreamRole role, QColor color,
                        std::shared_ptr<vf::io::FrameSource> src, const QString& path);

    FrameServer* server_;
    std::unique_ptr<vf::io::PairInput> pair_;
    std::vector<StreamItem> streams_;
    QStringList inputs_;
    QString m3svdSeq_;
    int nextId_ = 1;
    qint64 frame_ = 0;
    int direction_ = +1;
};

// Default colour tags per role.
QColor defaultColor(StreamRole r, int serial = 0);

} // namespace vf::ui
