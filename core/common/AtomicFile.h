#pragma once
// Atomic file output: write to a temporary file in the destination folder, then rename over
// the destination on commit(). If the object is destroyed without commit() (error, cancel),
// the temporary file is removed, so no half-written file is ever left under the final name.

#include <filesystem>
#include <string>

namespace vf {

class AtomicFile {
public:
    // Throws Error(WriteFailed) naming the folder when it is missing or not writable.
    explicit AtomicFile(std::filesystem::path destination);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Where to write the content (same folder as the destination, hidden name).
    const std::filesystem::path& tempPath() const { return temp_; }
    const std::filesystem::path& destination() const { return dest_; }
    // Renames the temporary file over the destination. Throws Error(WriteFailed).
    void commit();
    // Removes the temporary file now.
    void discard() noexcept;

private:
    std::filesystem::path dest_;
    std::filesystem::path temp_;
    bool done_ = false;
};

// A suffix unique to this process and call ("<pid>-<counter>-<random>") for the hidden
// temporary names of atomic outputs (files here, frame folders in core/io's ClipWriter).
std::string uniqueSuffix();

// Writes `data` to `path` atomically. Throws Error(WriteFailed) naming the file.
void writeFileAtomic(const std::filesystem::path& path, const std::string& data);
// Reads a whole file. Throws Error(NotFound/Unreadable) naming the file.
std::string readFile(const std::filesystem::path& path);

} // namespace vf
