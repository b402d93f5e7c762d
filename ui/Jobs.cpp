#include "ui/Jobs.h"

#include <QCoreApplication>
#include <QMetaObject>
#include <QThread>

#include <algorithm>

#include "core/common/Error.h"

namespace vf::ui {

Job::Job(QString title, Lane lane) : title_(std::move(title)), lane_(lane) {}
Job::~Job() = default;

QString Job::stateName(State s) {
    switch (s) {
    case State::Queued:
        return tr("queued");
    case State::Running:
        return tr("running");
    case State::Finished:
        return tr("finished");
    case State::Failed:
        return tr("failed");
    case State::Cancelled:
        return tr("cancelled");
    }
    return {};
}

double Job::elapsedSeconds() const {
    return clock_.isValid() ? clock_.elapsed() / 1000.0 : 0.0;
}

double Job::etaSeconds() const {
    if (state_ != State::Running || progress_ <= 0.01) return -1;
    const double el = elapsedSeconds();
    return el * (1.0 - progress_) / progress_;
}

void Job::cancel() {
    cancel_.cancel();
    if (state_ == State::Queued) {
        // Not started: it will see the flag as soon as it starts.
        progressText_ = tr("cancelling…");
        Q_EMIT progressChanged();
    }
}

void Job::setState(State s) {
    state_ = s;
    if (s == State::Running) clock_.start();
    if (s >= State::Finished) finalElapsed_ = clock_.isValid() ? clock_.elapsed() / 1000.0 : 0.0;
    Q_EMIT stateChanged(s);
}

void Job::reportProgress(qint64 done, qint64 total, const QString& text) {
    {
        std::lock_guard lk(pm_);
        pendingProgress_ = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 0.0;
        if (!text.isEmpty()) pendingText_ = text;
    }
    if (!updatePosted_.exchange(true))
        QMetaObject::invokeMethod(
            this, [this] { applyProgress(); }, Qt::QueuedConnection);
}

void Job::applyProgress() {
    updatePosted_ = false;
    {
        std::lock_guard lk(pm_);
        progress_ = pendingProgress_;
        progressText_ = pendingText_;
    }
    Q_EMIT progressChanged();
}

vf::ProgressFn Job::progressFn() {
    return [this](long long done, long long total, const std::string& what) {
        reportProgress(done, total, QString::fromStdString(what));
    };
}

JobManager::JobManager(QObject* parent) : QObject(parent) {
    pool_.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
    inference_.setMaxThreadCount(1);
    inference_.setExpiryTimeout(-1); // the inference thread (and the model it owns) stays
}

JobManager::~JobManager() {
    cancelAll();
    pool_.waitForDone();
    inference_.waitForDone();
    for (Job* j : jobs_)
        delete j;
}

Job* JobManager::submit(Job* job) {
    jobs_.push_back(job);
    Q_EMIT jobAdded(job);
    Q_EMIT jobsChanged();
    QThreadPool& lane = job->lane() == Job::Lane::Inference ? inference_ : pool_;
    lane.start([this, job] {
        Job::State end = Job::State::Finished;
        QString err;
        if (job->cancelToken().cancelled()) {
            end = Job::State::Cancelled;
        } else {
            QMetaObject::invokeMethod(
                job, [job] { job->setState(Job::State::Running); }, Qt::QueuedConnection);
            try {
                job->run();
                if (job->cancelToken().cancelled()) end = Job::State::Cancelled;
            } catch (const vf::Error& e) {
                end = e.code() == vf::ErrorCode::Cancelled ? Job::State::Cancelled
                                                           : Job::State::Failed;
                err = QString::fromStdString(e.what());
            } catch (const std::exception& e) {
                end = Job::State::Failed;
                err = QString::fromStdString(e.what());
            }
        }
        QMetaObject::invokeMethod(
            this,
            [this, job, end, err] {
                job->error_ = err;
                if (job->state_ == Job::State::Queued) job->clock_.start();
                job->applyProgress();
                if (end == Job::State::Finished) job->progress_ = 1.0;
                job->setState(end);
                job->finish();
                Q_EMIT jobFinished(job);
                Q_EMIT jobsChanged();
            },
            Qt::QueuedConnection);
    });
    return job;
}

int JobManager::activeCount() const {
    return int(std::count_if(jobs_.begin(), jobs_.end(), [](Job* j) { return !j->done(); }));
}

void JobManager::cancelAll() {
    for (Job* j : jobs_)
        if (!j->done()) j->cancel();
}

void JobManager::clearFinished() {
    auto it = std::stable_partition(jobs_.begin(), jobs_.end(), [](Job* j) { return !j->done(); });
    for (auto k = it; k != jobs_.end(); ++k)
        (*k)->deleteLater();
    jobs_.erase(it, jobs_.end());
    Q_EMIT jobsChanged();
}

bool JobManager::waitIdle(int ms) {
    QElapsedTimer t;
    t.start();
    while (activeCount() > 0 && t.elapsed() < ms) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(2);
    }
    return activeCount() == 0;
}

} // namespace vf::ui
