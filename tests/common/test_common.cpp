// Tests of core/common: atomic files and cancellation.
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"
#include "core/common/Progress.h"

namespace fs = std::filesystem;

class TestCommon : public QObject {
    Q_OBJECT
private:
    fs::path dir_;
    static int countFiles(const fs::path& d) {
        int n = 0;
        for ([[maybe_unused]] auto& e : fs::directory_iterator(d)) ++n;
        return n;
    }
private Q_SLOTS:
    void init() {
        dir_ = fs::temp_directory_path() / ("vf_test_common_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void cleanup() { fs::remove_all(dir_); }

    void atomicWriteReplacesContent() {
        auto p = dir_ / "a.txt";
        vf::writeFileAtomic(p, "first");
        vf::writeFileAtomic(p, "second");
        QCOMPARE(QString::fromStdString(vf::readFile(p)), QString("second"));
        QCOMPARE(countFiles(dir_), 1); // no temporary left behind
    }
    void abandonedWriteLeavesNothing() {
        auto p = dir_ / "b.bin";
        {
            vf::AtomicFile f(p);
            std::ofstream(f.tempPath()) << "partial";
            QVERIFY(fs::exists(f.tempPath()));
        } // destroyed without commit
        QVERIFY(!fs::exists(p));
        QCOMPARE(countFiles(dir_), 0);
    }
    void abandonedWriteKeepsOldFile() {
        auto p = dir_ / "c.txt";
        vf::writeFileAtomic(p, "old");
        {
            vf::AtomicFile f(p);
            std::ofstream(f.tempPath()) << "new but cancelled";
        }
        QCOMPARE(QString::fromStdString(vf::readFile(p)), QString("old"));
    }
    void missingFolderIsNamed() {
        auto p = dir_ / "nope" / "x.txt";
        try {
            vf::writeFileAtomic(p, "x");
            QFAIL("expected an error");
        } catch (const vf::Error& e) {
            QCOMPARE(e.code(), vf::ErrorCode::WriteFailed);
            QVERIFY(std::string(e.what()).find("nope") != std::string::npos);
        }
    }
    void readMissingFileIsNamed() {
        try {
            vf::readFile(dir_ / "absent.txt");
            QFAIL("expected an error");
        } catch (const vf::Error& e) {
            QCOMPARE(e.code(), vf::ErrorCode::NotFound);
            QVERIFY(std::string(e.what()).find("absent.txt") != std::string::npos);
        }
    }
    void cancelTokenSharedBetweenCopies() {
        vf::CancelToken a;
        vf::CancelToken b = a;
        QVERIFY(!b.cancelled());
        a.cancel();
        QVERIFY(b.cancelled());
        QVERIFY_THROWS_EXCEPTION(vf::Error, b.check());
    }
};

QTEST_GUILESS_MAIN(TestCommon)
#include "test_common.moc"
