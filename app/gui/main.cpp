// vfstudio: the GUI entry point (a thin main over vfui).
//   vfstudio                      opens the bundled demo pair
//   vfstudio IR VIS               opens a pair (two files or two frame folders)
//   vfstudio ROOT [--seq NAME]    opens an M3SVD root (frames or videos layout)
#include <QApplication>
#include <QCommandLineParser>

#include "core/common/Runtime.h"
#include "core/common/Version.h"
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
    parser.process(app);

    vf::ui::MainWindow w;
    w.show();
    const QStringList inputs = parser.positionalArguments();
    if (inputs.isEmpty())
        w.openDemo();
    else
        w.openPaths(inputs, parser.value(seq));
    return app.exec();
}
