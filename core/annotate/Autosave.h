#pragma once
// Autosave to a sidecar file and crash recovery.
//
// The editor hands every changed document to Autosaver::update() (cheap: a copy under a
// mutex). A background thread writes the newest copy, atomically, to the sidecar file at
// most every `interval` (so after a crash at most the last `interval` of edits plus one
// write are lost). A normal save (saveWithSidecar) writes the document and removes the
// sidecar. On start, findRecovery() says whether a sidecar newer than the last save exists;
// recover() reads it, discardRecovery() deletes it.
//
// Sidecar name: "<folder>/.<file name>.autosave" next to the document (for a document
// that was never saved, pick any path, e.g. in the user's data folder).

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "core/annotate/Document.h"

namespace vf::annotate {

std::filesystem::path autosavePathFor(const std::filesystem::path& documentPath);

class Autosaver {
public:
    // Starts the background writer. `sidecar` is where autosaves go.
    Autosaver(std::filesystem::path sidecar, std::chrono::milliseconds interval);
    ~Autosaver(); // stops the thread; writes a pending change first (best effort)
    Autosaver(const Autosaver&) = delete;
    Autosaver& operator=(const Autosaver&) = delete;

    // A new state of the document (call after each edit).
    void update(const Document& doc);
    // Writes the pending change now (on the caller's thread). Throws vf::Error on failure.
    void flush();
    // Forgets pending changes and deletes the sidecar (after a normal save).
    void clear();
    const std::filesystem::path& sidecar() const { return path_; }
    // Number of autosave files written so far, and the last write error (empty if none).
    long long writes() const;
    std::string lastError() const;

private:
    void run();
    void writePending(std::unique_lock<std::mutex>& lock);

    std::filesystem::path path_;
    std::chrono::milliseconds interval_;
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::optional<Document> pending_;
    bool stop_ = false;
    long long writes_ = 0;
    std::string lastError_;
    std::thread thread_;
};

struct RecoveryInfo {
    std::filesystem::path document; // the saved document (may not exist)
    std::filesystem::path sidecar;  // the autosave found
    std::filesystem::file_time_type autosaveTime;
    bool documentExists = false;
};

// An autosave newer than the saved document (or with no saved document) -> offer recovery.
std::optional<RecoveryInfo> findRecovery(const std::filesystem::path& documentPath);
// Reads the autosave (a vfstudio JSON document).
Document recover(const RecoveryInfo& info);
// Deletes the sidecar (the user declined or recovered and saved).
void discardRecovery(const RecoveryInfo& info);
// Saves the document atomically and removes its sidecar.
void saveWithSidecar(const Document& doc, const std::filesystem::path& documentPath);

} // namespace vf::annotate
