// The Debian package: built by CPack from this build tree, inspected with dpkg-deb, unpacked
// into a temporary root, and the installed vfstudio-cli is run from there.
#include <QtTest/QtTest>

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>

namespace {
struct Run {
    int code = -1;
    QString out, err;
};
Run run(const QString& program, const QStringList& args, const QString& cwd = {},
        const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    if (!cwd.isEmpty()) p.setWorkingDirectory(cwd);
    p.start(program, args);
    if (!p.waitForStarted(10000)) return {};
    p.waitForFinished(600000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}
} // namespace

class TestPackage : public QObject {
    Q_OBJECT
    QTemporaryDir work_;
    QString deb_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(work_.isValid());
        if (QStandardPaths::findExecutable("dpkg-deb").isEmpty())
            QSKIP("dpkg-deb is not installed");
        // Package into a private folder so parallel test runs do not collide.
        Run r = run(VF_CPACK, {"-G", "DEB", "--config", QString(VF_BINARY_DIR) + "/CPackConfig.cmake",
                               "-B", work_.path()},
                    work_.path());
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        const QStringList debs = QDir(work_.path()).entryList({"vfstudio_*.deb"}, QDir::Files);
        QCOMPARE(debs.size(), 1);
        deb_ = work_.filePath(debs.first());
    }

    void controlDeclaresDependencies() {
        Run r = run("dpkg-deb", {"--field", deb_, "Package", "Version", "Depends", "Architecture"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("Package: vfstudio"), qPrintable(r.out));
        QVERIFY2(r.out.contains("Architecture: amd64"), qPrintable(r.out));
        // Every shared library the installed programs load must come from a declared
        // dependency (computed by dpkg-shlibdeps): map each ldd path to its package.
        QStringList programs = {QString(VF_BINARY_DIR) + "/app/vfstudio-cli"};
#ifdef VF_HAVE_GUI
        programs << QString(VF_BINARY_DIR) + "/app/vfstudio";
#endif
        QSet<QString> needed;
        for (const QString& prog : programs) {
            // Only the libraries the programs link directly (NEEDED): the rest come with
            // those packages' own dependencies.
            Run d = run("objdump", {"-p", prog});
            QCOMPARE(d.code, 0);
            QSet<QString> direct;
            static const QRegularExpression neededRe("NEEDED\\s+(\\S+)");
            for (const QString& line : d.out.split('\n'))
                if (auto m = neededRe.match(line); m.hasMatch()) direct.insert(m.captured(1));
            QVERIFY(!direct.isEmpty());
            Run l = run("ldd", {prog});
            QCOMPARE(l.code, 0);
            static const QRegularExpression re("^\\s*(\\S+) => (/\\S+)");
            for (const QString& line : l.out.split('\n')) {
                auto m = re.match(line);
                if (!m.hasMatch() || !direct.contains(m.captured(1))) continue;
                Run s = run("dpkg", {"-S", QFileInfo(m.captured(2)).canonicalFilePath()});
                if (s.code != 0) s = run("dpkg", {"-S", m.captured(2)});
                if (s.code != 0) continue; // not from a package: nothing to declare
                needed.insert(s.out.section(':', 0, 0).trimmed());
            }
        }
        QVERIFY(!needed.isEmpty());
        const QString depends = r.out.section("Depends:", 1).section('\n', 0, 0);
        for (const QString& pkg : needed) {
            if (pkg.contains(',')) continue; // file shared by several packages (diversions)
            QVERIFY2(QRegularExpression("(^|[ ,])" + QRegularExpression::escape(pkg) + "([ ,(]|$)")
                         .match(depends)
                         .hasMatch(),
                     qPrintable("Depends lacks " + pkg + ":\n" + depends));
        }
        QVERIFY2(QRegularExpression("Version: \\d+\\.\\d+\\.\\d+").match(r.out).hasMatch(),
                 qPrintable(r.out));
    }

    void contentsHaveTheInstalledTree() {
        Run r = run("dpkg-deb", {"--contents", deb_});
        QCOMPARE(r.code, 0);
        QStringList expected = {"./usr/bin/vfstudio-cli",
                                "./usr/share/man/man1/vfstudio-cli.1.gz",
                                "./usr/share/applications/vfstudio.desktop",
                                "./usr/share/metainfo/io.github.vfstudio.vfstudio.metainfo.xml",
                                "./usr/share/icons/hicolor/scalable/apps/vfstudio.svg"};
#ifdef VF_HAVE_GUI
        expected << "./usr/bin/vfstudio";
#endif
        if (QFileInfo::exists(QString(VF_SOURCE_DIR) + "/resources/demo/infrared.mp4"))
            expected << "./usr/share/vfstudio/demo/infrared.mp4"
                     << "./usr/share/vfstudio/demo/visible.mp4";
        for (const QString& f : expected)
            QVERIFY2(r.out.contains(f), qPrintable("missing " + f + " in:\n" + r.out));
    }

    void installedCliRuns() {
        QTemporaryDir root;
        QVERIFY(root.isValid());
        Run x = run("dpkg-deb", {"-x", deb_, root.path()});
        QVERIFY2(x.code == 0, qPrintable(x.err));
        const QString cli = root.filePath("usr/bin/vfstudio-cli");
        QVERIFY(QFileInfo(cli).isExecutable());
        Run h = run(cli, {"--help"});
        QVERIFY2(h.code == 0, qPrintable(h.err));
        QVERIFY(h.out.contains("usage: vfstudio-cli"));
        // Every subcommand's help works from the installed tree.
        const auto lines = h.out.split('\n');
        bool inCommands = false;
        int subcommands = 0;
        for (const QString& line : lines) {
            if (line.startsWith("commands:")) {
                inCommands = true;
                continue;
            }
            if (inCommands && line.trimmed().isEmpty()) break;
            if (!inCommands) continue;
            const QString name = line.trimmed().section(' ', 0, 0);
            Run s = run(cli, {name, "--help"});
            QVERIFY2(s.code == 0, qPrintable(name + ": " + s.err));
            ++subcommands;
        }
        qInfo("installed vfstudio-cli has %d subcommands", subcommands);
        // The installed tree finds its own demo pair (share/vfstudio next to bin/).
        if (QFileInfo::exists(root.filePath("usr/share/vfstudio/demo/infrared.mp4"))) {
            auto env = QProcessEnvironment::systemEnvironment();
            env.remove("VFSTUDIO_RESOURCES");
            Run i = run(cli,
                        {"info", root.filePath("usr/share/vfstudio/demo/infrared.mp4"),
                         root.filePath("usr/share/vfstudio/demo/visible.mp4")},
                        {}, env);
            QVERIFY2(i.code == 0, qPrintable(i.err));
        }
    }

    void manPageIsValid() {
        if (QStandardPaths::findExecutable("man").isEmpty()) QSKIP("man is not installed");
        QTemporaryDir root;
        QVERIFY(run("dpkg-deb", {"-x", deb_, root.path()}).code == 0);
        Run m = run("man", {"-l", "-Tutf8", root.filePath("usr/share/man/man1/vfstudio-cli.1.gz")});
        QCOMPARE(m.code, 0);
        QVERIFY(m.out.contains("vfstudio-cli"));
    }
};

QTEST_GUILESS_MAIN(TestPackage)
#include "test_package.moc"
