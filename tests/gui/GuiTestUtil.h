#pragma once
// Helpers shared by the GUI tests.
#include <QApplication>
#include <QDir>
#include <QImage>
#include <QSettings>
#include <QStandardPaths>
#include <QString>
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
