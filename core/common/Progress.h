#pragma once
// Cooperative cancellation and progress reporting for long-running core operations.

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/common/Error.h"

namespace vf {

// Shared between a job and whoever may cancel it. Copies refer to the same flag.
class CancelToken {
public:
    CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
    void cancel() const noexcept { flag_->store(true, std::memory_order_relaxed); }
    bool cancelled() const noexcept { return flag_->load(std::memory_order_relaxed); }
    // Throws Error(Cancelled) when cancelled; call between units of work.
    void check() const {
        if (cancelled()) throw Error(ErrorCode::Cancelled, "cancelled by the user");
    }

private:
    std::shared_ptr<std::atomic<bool>> flag_;
};

// done/total units of work plus a short status text. May be called from worker threads.
using ProgressFn = std::function<void(long long done, long long total, const std::string& what)>;

} // namespace vf
