// docs/cli.md against the program: every subcommand that `vfstudio-cli --help` lists has a
// "## <command>" section in docs/cli.md, and every option (--name) and argument (<name>) that
// `vfstudio-cli <command> --help` prints appears in that section. Regenerate the page with
// docs/gen-cli.sh when this fails.
#include <QtTest/QtTest>

#include <QFile>
#include <QProcess>
#include <QRegularExpression>

class TestDocsCli : public QObject {
    Q_OBJECT
    QString cli_ = QStringLiteral(VF_BINARY_DIR "/app/vfstudio-cli");

    QString help(const QStringList& args) {
        QProcess p;
        p.start(cli_, args);
        if (!p.waitForFinished(60000)) return {};
        return QString::fromUtf8(p.readAllStandardOutput());
    }
    // Lines under "<title>:" up to the next blank line.
    static QStringList block(const QString& text, const QString& title) {
        QStringList out;
        bool on = false;
        for (const QString& l : text.split(QLatin1Char('\n'))) {
            if (l == title + QLatin1Char(':')) {
                on = true;
                continue;
            }
            if (on && l.trimmed().isEmpty()) break;
            if (on) out << l;
        }
        return out;
    }

private Q_SLOTS:
    void everyCommandAndOptionIsDocumented() {
        if (!QFileInfo::exists(cli_)) QSKIP("vfstudio-cli not built");
        QFile f(QStringLiteral(VF_SOURCE_DIR "/docs/cli.md"));
        QVERIFY2(f.open(QIODevice::ReadOnly), "docs/cli.md is missing");
        const QString doc = QString::fromUtf8(f.readAll());
        const QString top = help({QStringLiteral("--help")});
        QStringList commands;
        for (const QString& l : block(top, QStringLiteral("commands")))
            commands << l.trimmed().section(QLatin1Char(' '), 0, 0);
        QVERIFY2(commands.size() >= 5, qPrintable(top));
        // Sections of the page: "## name" up to the next "## ".
        QMap<QString, QString> sections;
        const QRegularExpression head(QStringLiteral("^## (\\S+)\\s*$"),
                                      QRegularExpression::MultilineOption);
        auto it = head.globalMatch(doc);
        QList<QRegularExpressionMatch> heads;
        while (it.hasNext())
            heads << it.next();
        for (int i = 0; i < heads.size(); ++i) {
            const qsizetype b = heads[i].capturedEnd();
            const qsizetype e = i + 1 < heads.size() ? heads[i + 1].capturedStart() : doc.size();
            sections[heads[i].captured(1)] = doc.mid(b, e - b);
        }
        QStringList missing;
        const QRegularExpression opt(QStringLiteral("^\\s+(?:-\\w, )?(--[\\w-]+)"));
        const QRegularExpression arg(QStringLiteral("^\\s+(<[\\w-]+>)"));
        for (const QString& c : commands) {
            if (!sections.contains(c)) {
                missing << QStringLiteral("section ## %1").arg(c);
                continue;
            }
            const QString text = help({c, QStringLiteral("--help")});
            QVERIFY2(text.contains(QStringLiteral("usage:")),
                     qPrintable(c + QStringLiteral(": ") + text));
            int options = 0;
            for (const QString& l : block(text, QStringLiteral("options"))) {
                const auto m = opt.match(l);
                if (!m.hasMatch()) continue;
                ++options;
                if (!sections[c].contains(m.captured(1)))
                    missing << QStringLiteral("%1 %2").arg(c, m.captured(1));
            }
            QVERIFY2(options > 0, qPrintable(c));
            for (const QString& l : block(text, QStringLiteral("arguments"))) {
                const auto m = arg.match(l);
                if (m.hasMatch() && !sections[c].contains(m.captured(1)))
                    missing << QStringLiteral("%1 %2").arg(c, m.captured(1));
            }
        }
        QVERIFY2(missing.isEmpty(),
                 qPrintable(QStringLiteral("docs/cli.md lacks: %1 (run docs/gen-cli.sh)")
                                .arg(missing.join(QStringLiteral(", ")))));
    }
};

QTEST_GUILESS_MAIN(TestDocsCli)
#include "test_docs_cli.moc"
