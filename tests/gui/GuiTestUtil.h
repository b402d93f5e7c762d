#pragma once
// Helpers shared by the GUI tests.
#include <algorithm>
#include <vector>

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QImage>
#include <QSettings>
#include <QStandardPaths>
#include <QString>
#include <QTimer>
#include <QWidget>

#include <opencv2/imgproc.hpp>

// Isolates a GUI test from the user's settings and caches: Qt's test-mode standard paths, the
// "vfstudio-test" organisation with `appName`, cleared settings and, when given, the result
// cache in `cacheDir`.
inline void initGuiTestSettings(const QString& appName, const QString& cacheDir = {}) {
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(QStringLiteral("vfstudio-test"));
    QApplication::setApplicationName(appName);
    QSettings().clear();
    if (!cacheDir.isEmpty()) QSettings().setValue(QStringLiteral("cache/dir"), cacheDir);
}

inline QString vfTestOutputDir() {
    QString dir = qEnvironmentVariable("VF_TEST_OUTPUT");
    if (dir.isEmpty()) dir = QDir::tempPath() + QStringLiteral("/vf-test-output");
    QDir().mkpath(dir);
    return dir;
}

inline QString saveScreenshot(QWidget* w, const QString& name) {
    const QString path = vfTestOutputDir() + QLatin1Char('/') + name + QStringLiteral(".png");
    w->grab().save(path);
    return path;
}

// Largest absolute difference between the widget rendering `shot` (in the rectangle `r`,
// widget pixels = frame pixels at zoom 1 with the frame's (0,0) at the widget's (0,0)) and
// the BGR/grey frame.
inline int maxDiffAgainstFrame(const QImage& shot, const cv::Mat& frame, QRect r) {
    QImage img = shot.convertToFormat(QImage::Format_RGB888);
    cv::Mat bgr;
    if (frame.channels() == 1)
        cv::cvtColor(frame, bgr, cv::COLOR_GRAY2BGR);
    else
        bgr = frame;
    int worst = 0;
    for (int y = r.top(); y <= r.bottom(); ++y) {
        const uchar* s = img.constScanLine(y);
        const cv::Vec3b* f = bgr.ptr<cv::Vec3b>(y);
        for (int x = r.left(); x <= r.right(); ++x) {
            worst = std::max({worst, std::abs(int(s[3 * x]) - f[x][2]),
                              std::abs(int(s[3 * x + 1]) - f[x][1]),
                              std::abs(int(s[3 * x + 2]) - f[x][0])});
        }
    }
    return worst;
}

// Event-loop latency probe: a 5 ms precise timer; each tick records its lateness (gap - 5 ms).
// start() before the work, stop() after it, then read samples() and quantile().
class LatencyProbe {
public:
    LatencyProbe() {
        timer_.setTimerType(Qt::PreciseTimer);
        QObject::connect(&timer_, &QTimer::timeout, [this] {
            const qint64 now = clock_.nsecsElapsed();
            late_.push_back(std::max(0.0, double(now - last_) / 1e6 - 5.0));
            last_ = now;
        });
    }
    void start() {
        clock_.start();
        last_ = clock_.nsecsElapsed();
        timer_.start(5);
    }
    void stop() { timer_.stop(); }
    size_t samples() const { return late_.size(); }
    // Lateness in ms at quantile q (0.5 = median, 0.99 = p99) of the samples so far.
    double quantile(double q) const {
        if (late_.empty()) return 0;
        std::vector<double> v = late_;
        std::sort(v.begin(), v.end());
        return v[size_t(double(v.size() - 1) * q)];
    }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_ = 0;
    std::vector<double> late_;
};
