#include "core/annotate/Autosave.h"

#include "core/annotate/Formats.h"
#include "core/common/AtomicFile.h"
#include "core/common/Error.h"

namespace fs = std::filesystem;

namespace vf::annotate {

fs::path autosavePathFor(const fs::path& documentPath) {
    std::string name = ".";
    name += documentPath.filename().string();
    name += ".autosave";
    return documentPath.parent_path() / name;
}

Autosaver::Autosaver(fs::path sidecar, std::chrono::milliseconds interval)
    : path_(std::move(sidecar)), interval_(interval) {
    thread_ = std::thread([this] { run(); });
}

Autosaver::~Autosaver() {
    {
        std::lock_guard<std::mutex> g(m_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    try {
        std::unique_lock<std::mutex> lock(m_);
        writePending(lock);
    } catch (...) {
        // best effort on shutdown
    }
}

void Autosaver::update(const Document& doc) {
    std::lock_guard<std::mutex> g(m_);
    pending_ = doc;
}

void Autosaver::writePending(std::unique_lock<std::mutex>& lock) {
    if (!pending_) return;
    Document d = std::move(*pending_);
    pending_.reset();
    lock.unlock();
    std::string err;
    try {
        vf::writeFileAtomic(path_, toJson(d));
    } catch (const std::exception& e) {
        err = e.what();
    }
    lock.lock();
    if (err.empty()) {
        ++writes_;
        lastError_.clear();
    } else {
        lastError_ = err;
    }
}

void Autosaver::flush() {
    std::unique_lock<std::mutex> lock(m_);
    writePending(lock);
    if (!lastError_.empty())
        throw vf::Error(vf::ErrorCode::WriteFailed, lastError_, path_.string());
}

void Autosaver::clear() {
    std::lock_guard<std::mutex> g(m_);
    pending_.reset();
    std::error_code ec;
    fs::remove(path_, ec);
}

long long Autosaver::writes() const {
    std::lock_guard<std::mutex> g(m_);
    return writes_;
}
std::string Autosaver::lastError() const {
    std::lock_guard<std::mutex> g(m_);
    return lastError_;
}

void Autosaver::run() {
    std::unique_lock<std::mutex> lock(m_);
    while (!stop_) {
        cv_.wait_for(lock, interval_, [this] { return stop_; });
        if (stop_) break;
        writePending(lock);
    }
}

std::optional<RecoveryInfo> findRecovery(const fs::path& documentPath) {
    RecoveryInfo info;
    info.document = documentPath;
    info.sidecar = autosavePathFor(documentPath);
    std::error_code ec;
    if (!fs::is_regular_file(info.sidecar, ec)) return std::nullopt;
    info.autosaveTime = fs::last_write_time(info.sidecar, ec);
    if (ec) return std::nullopt;
    info.documentExists = fs::is_regular_file(documentPath, ec);
    if (info.documentExists) {
        const auto saved = fs::last_write_time(documentPath, ec);
        if (!ec && saved >= info.autosaveTime) return std::nullopt; // saved after the autosave
    }
    return info;
}

Document recover(const RecoveryInfo& info) {
    return loadDocument(info.sidecar);
}

void discardRecovery(const RecoveryInfo& info) {
    std::error_code ec;
    fs::remove(info.sidecar, ec);
}

void saveWithSidecar(const Document& doc, const fs::path& documentPath) {
    saveDocument(doc, documentPath);
    std::error_code ec;
    fs::remove(autosavePathFor(documentPath), ec);
}

} // namespace vf::annotate
