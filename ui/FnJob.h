#pragma once
// vf::ui::FnJob: a Job made of two functions — `work` on the worker thread (throws vf::Error
// on failure, checks job.cancelToken()) and `done` on the GUI thread afterwards (whatever the
// state; look at job.state()). For small jobs of the panels (slices, curves, region metrics,
// degradation) that do not deserve a class of their own.

#include <functional>
#include <utility>

#include "ui/Jobs.h"

namespace vf::ui {

class FnJob : public Job {
public:
    using Fn = std::function<void(FnJob&)>;
    FnJob(QString title, Fn work, Fn done, Lane lane = Lane::Pool)
        : Job(std::move(title), lane), work_(std::move(work)), done_(std::move(done)) {}
    void run() override {
        if (work_) work_(*this);
    }
    void finish() override {
        if (done_) done_(*this);
    }

private:
    Fn work_, done_;
};

} // namespace vf::ui
