// Crash recovery: a helper process edits a document with autosave on and is killed with
// SIGKILL; the recovered document must hold every edit made more than 2 s before the kill.
#include <QtTest/QtTest>

#include <QProcess>
#include <ctime>
#include <filesystem>
#include <map>
#include <unistd.h>

#include "core/annotate/Autosave.h"
#include "core/annotate/Formats.h"

namespace fs = std::filesystem;
using namespace vf::annotate;

static long long monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

class TestAnnotateRecovery : public QObject {
    Q_OBJECT
private:
    fs::path dir_;

private Q_SLOTS:
    void init() {
        dir_ = fs::temp_directory_path() / ("vf_test_recovery_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void cleanup() { fs::remove_all(dir_); }

    void sigkillLosesAtMostTwoSeconds() {
        const fs::path doc = dir_ / "clip.vfann.json";
        QProcess p;
        p.setProcessChannelMode(QProcess::SeparateChannels);
        p.start(VF_EDIT_HELPER, {QString::fromStdString(doc.string()), "1000"});
        QVERIFY(p.waitForStarted(5000));
        QByteArray out;
        const long long start = monotonicNs();
        while (monotonicNs() - start < 3'500'000'000LL) {
            p.waitForReadyRead(50);
            out += p.readAllStandardOutput();
        }
        const long long killedAt = monotonicNs();
        p.kill(); // SIGKILL on Unix
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);
        out += p.readAllStandardOutput();

        // Edits reported by the helper: number -> time.
        std::map<int, long long> edits;
        for (const QByteArray& line : out.split('\n')) {
            const auto parts = line.split(' ');
            if (parts.size() == 3 && parts[0] == "edit")
                edits[parts[1].toInt()] = parts[2].toLongLong();
        }
        QVERIFY2(edits.size() > 100, "the helper made too few edits");
        int mustHave = 0; // edits completed at least 2 s before the kill
        for (const auto& [n, t] : edits)
            if (t <= killedAt - 2'000'000'000LL) mustHave = std::max(mustHave, n);
        QVERIFY(mustHave > 0);

        // On "start": an autosave newer than the (never made) save is offered.
        auto info = findRecovery(doc);
        QVERIFY(info.has_value());
        QVERIFY(!info->documentExists);
        const Document rec = recover(*info);
        QCOMPARE(int(rec.tracks.size()), 1);
        const int recovered = int(rec.tracks[0].keys.size());
        qInfo("edits made %d, required %d, recovered %d", edits.rbegin()->first, mustHave,
              recovered);
        QVERIFY2(recovered >= mustHave, "lost more than the last 2 s of edits");
        QVERIFY(recovered <= edits.rbegin()->first + 1); // nothing invented (+1: in flight)
        // The recovered keyframes are exactly the first `recovered` edits.
        for (int k = 0; k < recovered; ++k) {
            QCOMPARE(rec.tracks[0].keys[std::size_t(k)].frame, k);
            QCOMPARE(rec.tracks[0].keys[std::size_t(k)].box.x, double(k % 600));
        }
        // No half-written files next to the document.
        for (const auto& e : fs::directory_iterator(dir_))
            QVERIFY2(e.path().filename().string().find(".part-") == std::string::npos,
                     e.path().c_str());

        // Saving removes the sidecar: nothing to recover afterwards.
        saveWithSidecar(rec, doc);
        QVERIFY(!findRecovery(doc).has_value());
        QVERIFY(loadDocument(doc) == rec);
    }

    void recoveryOnlyWhenNewerThanSave() {
        const fs::path doc = dir_ / "b.json";
        Document d;
        saveDocument(d, doc);
        QVERIFY(!findRecovery(doc).has_value()); // no sidecar
        {
            Autosaver s(autosavePathFor(doc), std::chrono::milliseconds(10000));
            d.segments.push_back({0, "flicker", "pair", 1, 2, "x"});
            s.update(d);
            s.flush();
            QCOMPARE(s.writes(), 1LL);
        }
        // Make the save clearly older than the autosave.
        fs::last_write_time(doc,
                            fs::last_write_time(autosavePathFor(doc)) - std::chrono::seconds(5));
        auto info = findRecovery(doc);
        QVERIFY(info.has_value());
        QVERIFY(info->documentExists);
        QVERIFY(recover(*info) == d);
        // A save made after the autosave: not offered.
        fs::last_write_time(doc,
                            fs::last_write_time(autosavePathFor(doc)) + std::chrono::seconds(5));
        QVERIFY(!findRecovery(doc).has_value());
        discardRecovery(*info);
        QVERIFY(!fs::exists(autosavePathFor(doc)));
    }
};

QTEST_GUILESS_MAIN(TestAnnotateRecovery)
#include "test_annotate_recovery.moc"
