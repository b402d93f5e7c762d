#pragma once
// Helpers shared by the tests/io executables (test code only).

#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QString>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <opencv2/core.hpp>

namespace iotest {

namespace fs = std::filesystem;

inline fs::path shared() {
    return fs::path(VF_SHARED_DIR);
}
inline fs::path source() {
    return fs::path(VF_SOURCE_DIR);
}
inline fs::path m3svd() {
    return shared() / "data" / "M3SVD";
}
inline fs::path demoIr() {
    return source() / "resources" / "demo" / "infrared.mp4";
}
inline fs::path demoVis() {
    return source() / "resources" / "demo" / "visible.mp4";
}
inline bool haveShared() {
    return fs::exists(m3svd() / "Video" / "test" / "infrared");
}

// The six shared M3SVD test videos.
inline std::vector<fs::path> sharedVideos() {
    std::vector<fs::path> v;
    for (const char* m : {"infrared", "visible"})
        for (const char* s : {"0111_1716", "0113_1714", "0117_1605"})
            v.push_back(m3svd() / "Video" / "test" / m / (std::string(s) + ".mp4"));
    return v;
}

// FNV-1a over the pixels (row by row, so non-continuous Mats hash like continuous ones).
inline uint64_t hashMat(const cv::Mat& m) {
    uint64_t h = 1469598103934665603ULL;
    const size_t rowBytes = m.cols * m.elemSize();
    for (int y = 0; y < m.rows; ++y) {
        const uint8_t* p = m.ptr<uint8_t>(y);
        for (size_t i = 0; i < rowBytes; ++i)
            h = (h ^ p[i]) * 1099511628211ULL;
    }
    h ^= uint64_t(m.rows) << 32 ^ uint64_t(m.cols) << 8 ^ uint64_t(m.type());
    return h;
}

inline double psnr(const cv::Mat& a, const cv::Mat& b) {
    const double mse = cv::norm(a, b, cv::NORM_L2SQR) / double(a.total() * a.channels());
    if (mse <= 1e-12) return 1e9;
    return 10.0 * std::log10(255.0 * 255.0 / mse);
}

// A fresh folder below the system temp folder (removed by the caller's cleanup()).
inline fs::path makeTempDir(const std::string& tag) {
    fs::path d =
        fs::temp_directory_path() / ("vf_test_io_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

inline void writeBytes(const fs::path& p, const std::string& bytes) {
    std::ofstream f(p, std::ios::binary);
    f.write(bytes.data(), std::streamsize(bytes.size()));
}

inline std::string readBytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// Runs a program, returns stdout (empty string and ok=false on failure).
inline QByteArray run(const QString& program, const QStringList& args, bool* ok = nullptr,
                      int timeoutMs = 60000) {
    QProcess p;
    p.start(program, args);
    bool good =
        p.waitForFinished(timeoutMs) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (ok) *ok = good;
    return p.readAllStandardOutput();
}

inline bool haveTool(const char* name) {
    return !QStandardPaths::findExecutable(name).isEmpty();
}

inline QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

} // namespace iotest
