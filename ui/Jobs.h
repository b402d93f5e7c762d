#pragma once
// vf::ui::Job / JobManager: background work in the QGIS QgsTask pattern. A job runs on a
// worker thread, reports progress (thread-safe), can be cancelled (vf::CancelToken checked by
// the core between units of work) and delivers its results on the GUI thread (finish()).
//
// Two lanes: Pool (CPU work: baselines, metrics, export; a QThreadPool with one thread per
// core) and Inference (ONE long-lived thread that owns the model and its device; jobs run
// there one after another, so the VideoFusion engine is loaded once and reused).

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <mutex>
#include <vector>

#include "core/common/Progress.h"

namespace vf::ui {

class Job : public QObject {
    Q_OBJECT
public:
    enum class Lane { Pool, Inference };
    enum class State { Queued, Running, Finished, Failed, Cancelled };

    Job(QString title, Lane lane);
    ~Job() override;

    QString title() const { return title_; }
    Lane lane() const { return lane_; }
    State state() const { return state_; }
    static QString stateName(State s);
    bool done() const { return state_ >= State::Finished; }
    // Progress in [0, 1], its text, and the estimated seconds left (-1 = unknown).
    double progress() const { return progress_; }
    QString progressText() const { return progressText_; }
    double etaSeconds() const;
    double elapsedSeconds() const;
    QString error() const { return error_; }
    void cancel();
    const vf::CancelToken& cancelToken() const { return cancel_; }

    // Worker thread: do the work; throw vf::Error (Cancelled when cancelled) on failure.
    virtual void run() = 0;
    // GUI thread, after run() (whatever the state): deliver results.
    virtual void finish() {}

    // Thread-safe progress report (coalesced: at most one GUI update pending at a time).
    void reportProgress(qint64 done, qint64 total, const QString& text = {});
    vf::ProgressFn progressFn();

Q_SIGNALS:
    void progressChanged();
    void stateChanged(vf::ui::Job::State state);

private:
    friend class JobManager;
    void setState(State s);
    void applyProgress();

    QString title_;
    Lane lane_;
    State state_ = State::Queued;
    double progress_ = 0;
    QString progressText_;
    QString error_;
    vf::CancelToken cancel_;
    QElapsedTimer clock_;
    double finalElapsed_ = -1; // frozen when the job ends
    std::mutex pm_;
    double pendingProgress_ = 0;
    QString pendingText_;
    std::atomic<bool> updatePosted_{false};
};

class JobManager : public QObject {
    Q_OBJECT
public:
    explicit JobManager(QObject* parent = nullptr);
    ~JobManager() override; // cancels and waits for every job

    // Takes ownership; the job starts when its lane has a free thread.
    Job* submit(Job* job);
    const std::vector<Job*>& jobs() const { return jobs_; }
    int activeCount() const;
    void cancelAll();
    // Removes finished jobs from the list.
    void clearFinished();
    // Blocks (processing events) until no job is active or `ms` passed; true if idle.
    bool waitIdle(int ms);

Q_SIGNALS:
    void jobAdded(vf::ui::Job* job);
    void jobFinished(vf::ui::Job* job);
    void jobsChanged();

private:
    QThreadPool pool_;
    QThreadPool inference_;
    std::vector<Job*> jobs_;
};

} // namespace vf::ui
