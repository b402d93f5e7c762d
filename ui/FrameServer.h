#pragma once
// vf::ui::FrameServer: frames for the views, decoded off the GUI thread.
//
// Source streams (IR, visible, clean references, finished results) live in the shared
// vf::io::FrameCache (memory budget, LRU, read-ahead/behind around the playhead). Every
// stream has a decode worker thread: the GUI asks for (stream, frame) with request(); a
// cached frame is delivered at once, otherwise the stream's worker decodes it (the newest
// request wins, older pending ones are dropped) and frameReady() arrives on the GUI thread.
// Computed streams whose frames are still being produced by a job read the job's PNG files
// (<folder>/<index, 6 digits>.png) until they are complete.

#include <QObject>
#include <QString>

#include <map>
#include <memory>

#include "core/io/FrameCache.h"

namespace vf::ui {

using FramePtr = vf::io::FramePtr;

class FrameServer : public QObject {
    Q_OBJECT
public:
    explicit FrameServer(size_t budgetBytes, QObject* parent = nullptr);
    ~FrameServer() override;

    // A stream decoded from `source` (owned; cloned for the cache's threads). Returns a key.
    int addSource(std::unique_ptr<vf::io::FrameSource> source);
    // A stream whose frames are PNG files in `folder` ("000000.png", ...), `frames` long;
    // frames that do not exist yet are reported as missing (frameFailed with empty text).
    int addFolder(const QString& folder, qint64 frames);
    // Replaces a folder stream by a cached source (call when its job has completed).
    void promoteFolder(int key);
    void remove(int key);
    void clear();

    // Asks for frame `index` of stream `key`. Returns the frame at once when it is cached
    // (no signal then); otherwise nullptr, and frameReady / frameFailed follow.
    FramePtr request(int key, qint64 index, int direction = +1);
    // Cached frame or nullptr (never decodes).
    FramePtr peek(int key, qint64 index) const;

    vf::io::FrameCache& cache() { return *cache_; }
    vf::io::FrameCacheStats stats() const { return cache_->stats(); }
    // Frames decoded by the workers since start (for tests).
    qint64 decodedByWorkers() const;

Q_SIGNALS:
    void frameReady(int key, qint64 index, vf::ui::FramePtr frame);
    void frameFailed(int key, qint64 index, QString message);

private:
    struct Worker;
    struct Stream {
        int cacheId = -1;
        QString folder;
        qint64 frames = 0;
        std::unique_ptr<Worker> worker;
    };
    FramePtr fetch(Stream& s, qint64 index); // any thread
    void startWorker(int key, Stream* s);
    void deliver(int key, qint64 index, FramePtr frame, QString error);

    std::unique_ptr<vf::io::FrameCache> cache_;
    std::map<int, std::unique_ptr<Stream>> streams_;
    int nextKey_ = 1;
    std::atomic<qint64> decoded_{0};
};

} // namespace vf::ui

Q_DECLARE_METATYPE(vf::ui::FramePtr)
