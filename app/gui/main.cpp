// vfstudio: the GUI entry point (a thin main over vfui).
//   vfstudio                      opens the bundled demo pair and fuses it with the bundled
//                                 VideoFusion weights (a background job; --no-fuse skips it)
//   vfstudio IR VIS               opens a pair (two files or two frame folders)
//   vfstudio ROOT [--seq NAME]    opens an M3SVD root (frames or videos layout)
#include <QApplication>
#include <QCommandLineParser>
#include <QStatusBar>

#include "core/common/Runtime.h"
#include "core/common/Version.h"
#include "ui/FuseJobs.h"
#include "ui/MainWindow.h"
#include "ui/Theme.h"

int main(int argc, char** argv) {
    vf::initRuntime();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("vfstudio"));
    QApplication::setApplicationName(QStringLiteral("vfstudio"));
    QApplication::setApplicationVersion(QString::fromUtf8(vf::versionString()));
    vf::ui::applyDarkTheme(app);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Infrared-visible video fusion workbench"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("inputs"),
                                 QStringLiteral("IR and visible video/folder, or an M3SVD root"),
                                 QStringLiteral("[ir vis | root]"));
    QCommandLineOption seq(QStringLiteral("seq"), QStringLiteral("M3SVD sequence to open"),
                           QStringLiteral("name"));
    parser.addOption(seq);
    QCommandLineOption noFuse(QStringLiteral("no-fuse"),
                              QStringLiteral("do not start VideoFusion on the demo pair"));
    parser.addOption(noFuse);
    parser.process(app);

    vf::ui::MainWindow w;
    w.show();
    const QStringList inputs = parser.positionalArguments();
    if (inputs.isEmpty()) {
        // The demo shows the product: the bundled weights fuse the demo pair in a worker
        // job while the user looks around (results appear frame by frame, and are cached,
        // so the next start shows them at once).
        if (w.openDemo() && !parser.isSet(noFuse) && vf::ui::JobController::fusionAvailable()) {
            vf::ui::FuseRequest r;
            r.method = QStringLiteral("videofusion");
            r.wantRestored = true;
            try {
                w.jobController()->startFuse(r);
            } catch (const std::exception& e) {
                w.statusBar()->showMessage(
                    QStringLiteral("VideoFusion on the demo pair: %1").arg(e.what()), 10000);
            }
        }
    } else
        w.openPaths(inputs, parser.value(seq));
    return app.exec();
}
