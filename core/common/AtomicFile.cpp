#include "core/common/AtomicFile.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

#include "core/common/Error.h"

namespace fs = std::filesystem;

namespace vf {

const char* errorCodeName(ErrorCode c) {
    switch (c) {
    case ErrorCode::InvalidArgument:
        return "invalid argument";
    case ErrorCode::NotFound:
        return "not found";
    case ErrorCode::Unreadable:
        return "unreadable";
    case ErrorCode::Unsupported:
        return "unsupported";
    case ErrorCode::Corrupt:
        return "corrupt";
    case ErrorCode::Mismatch:
        return "mismatch";
    case ErrorCode::WriteFailed:
        return "write failed";
    case ErrorCode::Cancelled:
        return "cancelled";
    case ErrorCode::Model:
        return "model";
    case ErrorCode::Internal:
        return "internal";
    }
    return "unknown";
}

std::string uniqueSuffix() {
    static std::atomic<unsigned> counter{0};
    std::random_device rd;
    std::ostringstream s;
    s << ::getpid() << '-' << counter++ << '-' << (rd() & 0xffff);
    return s.str();
}

AtomicFile::AtomicFile(fs::path destination) : dest_(std::move(destination)) {
    fs::path dir = dest_.parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw Error(ErrorCode::WriteFailed,
                    "cannot write " + dest_.string() + ": folder " + dir.string() +
                        " does not exist",
                    dest_.string());
    if (::access(dir.c_str(), W_OK) != 0)
        throw Error(ErrorCode::WriteFailed,
                    "cannot write " + dest_.string() + ": folder " + dir.string() +
                        " is not writable (" + std::strerror(errno) + ")",
                    dest_.string());
    // Keep the extension so that format-guessing writers (FFmpeg muxers, imwrite) still work.
    std::string name = ".";
    name += dest_.stem().string();
    name += ".part-";
    name += uniqueSuffix();
    name += dest_.extension().string();
    temp_ = dir / name;
}

AtomicFile::~AtomicFile() {
    if (!done_) discard();
}

void AtomicFile::commit() {
    std::error_code ec;
    fs::rename(temp_, dest_, ec);
    if (ec) {
        discard();
        throw Error(ErrorCode::WriteFailed, "cannot write " + dest_.string() + ": " + ec.message(),
                    dest_.string());
    }
    done_ = true;
}

void AtomicFile::discard() noexcept {
    std::error_code ec;
    fs::remove(temp_, ec);
    done_ = true;
}

void writeFileAtomic(const fs::path& path, const std::string& data) {
    AtomicFile f(path);
    {
        std::ofstream out(f.tempPath(), std::ios::binary | std::ios::trunc);
        if (!out)
            throw Error(ErrorCode::WriteFailed,
                        "cannot write " + path.string() + ": " + std::strerror(errno),
                        path.string());
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        out.flush();
        if (!out)
            throw Error(ErrorCode::WriteFailed,
                        "cannot write " + path.string() + ": write error (disk full?)",
                        path.string());
    }
    f.commit();
}

std::string readFile(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw Error(ErrorCode::NotFound, path.string() + ": no such file", path.string());
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(ErrorCode::Unreadable,
                    path.string() + ": cannot open (" + std::strerror(errno) + ")", path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace vf
