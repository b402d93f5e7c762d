#include "ui/FrameServer.h"

#include <QFileInfo>
#include <QMetaObject>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <opencv2/imgcodecs.hpp>

#include "core/common/Error.h"
#include "core/io/FrameSequence.h"

namespace vf::ui {

// One thread per stream; holds at most one pending request (the newest).
struct FrameServer::Worker {
    std::mutex m;
    std::condition_variable cv;
    qint64 pending = -1;
    bool stop = false;
    std::thread thread;

    ~Worker() {
        {
            std::lock_guard lk(m);
            stop = true;
        }
        cv.notify_all();
        if (thread.joinable()) thread.join();
    }
    void post(qint64 index) {
        {
            std::lock_guard lk(m);
            pending = index;
        }
        cv.notify_one();
    }
};

static QString folderFrame(const QString& folder, qint64 index) {
    return folder + QStringLiteral("/%1.png").arg(index, 6, 10, QLatin1Char('0'));
}

FrameServer::FrameServer(size_t budgetBytes, QObject* parent)
    : QObject(parent), cache_(std::make_unique<vf::io::FrameCache>(budgetBytes)) {
    qRegisterMetaType<vf::ui::FramePtr>("vf::ui::FramePtr");
}

FrameServer::~FrameServer() {
    clear();
}

void FrameServer::startWorker(int key, Stream* s) {
    s->worker = std::make_unique<Worker>();
    Worker* w = s->worker.get();
    w->thread = std::thread([this, w, s, key] {
        for (;;) {
            qint64 index;
            {
                std::unique_lock lk(w->m);
                w->cv.wait(lk, [w] { return w->stop || w->pending >= 0; });
                if (w->stop) return;
                index = w->pending;
                w->pending = -1;
            }
            FramePtr f;
            QString err;
            try {
                f = fetch(*s, index);
                if (f) ++decoded_;
            } catch (const std::exception& e) {
                err = QString::fromStdString(e.what());
            }
            {
                std::lock_guard lk(w->m);
                if (w->stop) return;
                // Deliver while holding the lock: the destructor cannot finish in between.
                QMetaObject::invokeMethod(
                    this, [this, key, index, f, err] { deliver(key, index, f, err); },
                    Qt::QueuedConnection);
            }
        }
    });
}

int FrameServer::addSource(std::unique_ptr<vf::io::FrameSource> source) {
    auto s = std::make_unique<Stream>();
    s->frames = source->frameCount();
    s->cacheId = cache_->addStream(std::move(source));
    const int key = nextKey_++;
    Stream* raw = s.get();
    streams_[key] = std::move(s);
    startWorker(key, raw);
    return key;
}

int FrameServer::addFolder(const QString& folder, qint64 frames) {
    auto s = std::make_unique<Stream>();
    s->folder = folder;
    s->frames = frames;
    const int key = nextKey_++;
    Stream* raw = s.get();
    streams_[key] = std::move(s);
    startWorker(key, raw);
    return key;
}

void FrameServer::promoteFolder(int key) {
    auto it = streams_.find(key);
    if (it == streams_.end() || it->second->cacheId >= 0) return;
    Stream& s = *it->second;
    s.worker.reset(); // joins: no fetch runs while the stream changes
    s.cacheId = cache_->addStream(std::make_unique<vf::io::FrameSequence>(s.folder.toStdString()));
    startWorker(key, &s);
}

void FrameServer::remove(int key) {
    auto it = streams_.find(key);
    if (it == streams_.end()) return;
    it->second->worker.reset();
    if (it->second->cacheId >= 0) cache_->removeStream(it->second->cacheId);
    streams_.erase(it);
}

void FrameServer::clear() {
    while (!streams_.empty())
        remove(streams_.begin()->first);
}

FramePtr FrameServer::fetch(Stream& s, qint64 index) {
    if (index < 0 || index >= s.frames)
        throw vf::Error(vf::ErrorCode::InvalidArgument, "frame " + std::to_string(index) +
                                                            " is outside the stream (" +
                                                            std::to_string(s.frames) + " frames)");
    if (s.cacheId >= 0) return cache_->get(s.cacheId, index);
    const QString file = folderFrame(s.folder, index);
    if (!QFileInfo::exists(file)) return nullptr; // not produced yet
    cv::Mat m = cv::imread(file.toStdString(), cv::IMREAD_UNCHANGED);
    if (m.empty())
        throw vf::Error(vf::ErrorCode::Unreadable, "cannot read " + file.toStdString(),
                        file.toStdString());
    return std::make_shared<const cv::Mat>(std::move(m));
}

void FrameServer::deliver(int key, qint64 index, FramePtr frame, QString error) {
    if (!streams_.count(key)) return;
    if (frame)
        Q_EMIT frameReady(key, index, frame);
    else
        Q_EMIT frameFailed(key, index, error);
}

FramePtr FrameServer::request(int key, qint64 index, int direction) {
    auto it = streams_.find(key);
    if (it == streams_.end()) return nullptr;
    Stream& s = *it->second;
    if (s.cacheId >= 0) {
        if (index >= 0 && index < s.frames) cache_->setPlayhead(s.cacheId, index, direction);
        if (FramePtr f = cache_->peek(s.cacheId, index)) return f;
    }
    s.worker->post(index);
    return nullptr;
}

FramePtr FrameServer::peek(int key, qint64 index) const {
    auto it = streams_.find(key);
    if (it == streams_.end() || it->second->cacheId < 0) return nullptr;
    return cache_->peek(it->second->cacheId, index);
}

qint64 FrameServer::decodedByWorkers() const {
    return decoded_.load();
}

} // namespace vf::ui
