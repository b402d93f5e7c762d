// Tests of ClipWriter: output reopens with the right frame count and rate; H.264 PSNR >= 40 dB
// against the source; FFV1 and PNG bit-exact; cancelled / aborted / failed writes leave no
// file; ffprobe agrees on what was written.
#include <QtTest/QtTest>

#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "IoTestUtil.h"
#include "core/common/Error.h"
#include "core/io/ClipWriter.h"
#include "core/io/FrameSequence.h"
#include "core/io/VideoReader.h"

namespace fs = std::filesystem;
using namespace vf::io;
using namespace iotest;

class TestIoWriter : public QObject {
    Q_OBJECT
private:
    fs::path dir_;
    std::vector<cv::Mat> src_;   // first 24 demo visible frames (BGR)
    std::vector<cv::Mat> srcIr_; // first 24 demo IR frames (grey)

    static int entries(const fs::path& d) {
        int n = 0;
        for ([[maybe_unused]] auto& e : fs::directory_iterator(d))
            ++n;
        return n;
    }

private Q_SLOTS:
    void init() {
        for (auto& e : fs::directory_iterator(dir_))
            fs::remove_all(e.path());
    }
    void initTestCase() {
        dir_ = makeTempDir("writer");
        VideoReader v(demoVis()), ir(demoIr());
        for (int i = 0; i < 24; ++i) {
            src_.push_back(v.next());
            srcIr_.push_back(ir.next(ColorMode::Gray));
        }
    }
    void cleanupTestCase() { fs::remove_all(dir_); }

    void h264Quality() {
        const fs::path out = dir_ / "clip.mp4";
        ClipWriterOptions o;
        o.format = formatForPath(out);
        QCOMPARE(o.format, ClipFormat::H264Mp4);
        o.crf = 12; // high quality; CRF 18 (the default) gives ~39 dB on this noisy footage
        o.preset = "veryfast";
        {
            ClipWriter w(out, src_[0].size(), ColorMode::BGR, o);
            for (const auto& f : src_)
                w.write(f);
            QVERIFY(!fs::exists(out)); // nothing under the final name before finish()
            w.finish();
            QCOMPARE(w.framesWritten(), int64_t(src_.size()));
        }
        QVERIFY(fs::exists(out));
        QCOMPARE(entries(dir_), 1);
        VideoReader r(out);
        QCOMPARE(r.info().frameCount, int64_t(src_.size())); // last frame not lost (pkt duration)
        QCOMPARE(r.info().fps.value(), 30.0);
        QCOMPARE(QString::fromStdString(r.info().codec), QString("h264"));
        double worst = 1e9, sum = 0;
        for (size_t i = 0; i < src_.size(); ++i) {
            const double p = psnr(r.read(int64_t(i)), src_[i]);
            worst = std::min(worst, p);
            sum += p;
        }
        qInfo() << "H.264 CRF 12 PSNR: mean" << sum / double(src_.size()) << "dB, worst" << worst
                << "dB";
        QVERIFY2(worst >= 40.0, qPrintable(QString("worst PSNR %1 dB").arg(worst)));
        if (haveTool("ffprobe")) {
            bool ok = false;
            const QByteArray n =
                run("ffprobe",
                    {"-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                     "stream=nb_read_frames", "-of", "csv=p=0", q(out)},
                    &ok);
            QVERIFY(ok);
            QCOMPARE(n.trimmed().toInt(), int(src_.size()));
        }
        fs::remove(out);
    }

    void ffv1BitExact() {
        const fs::path out = dir_ / "lossless.mkv";
        ClipWriterOptions o;
        o.format = formatForPath(out);
        QCOMPARE(o.format, ClipFormat::Ffv1Mkv);
        o.fps = {25, 1};
        ClipWriter w(out, src_[0].size(), ColorMode::BGR, o);
        for (const auto& f : src_)
            w.write(f);
        w.finish();
        VideoReader r(out);
        QCOMPARE(r.info().frameCount, int64_t(src_.size()));
        QCOMPARE(r.info().fps.value(), 25.0);
        for (size_t i = 0; i < src_.size(); ++i)
            QVERIFY2(cv::norm(r.read(int64_t(i)), src_[i], cv::NORM_INF) == 0.0,
                     qPrintable(QString::number(i)));
        // grey: gray pixel format, bit-exact too
        const fs::path g = dir_ / "grey.mkv";
        ClipWriter wg(g, srcIr_[0].size(), ColorMode::Gray, o);
        for (const auto& f : srcIr_)
            wg.write(f);
        wg.finish();
        VideoReader rg(g);
        QCOMPARE(rg.info().channels, 1);
        QCOMPARE(QString::fromStdString(rg.info().pixelFormat), QString("gray"));
        for (size_t i = 0; i < srcIr_.size(); ++i)
            QCOMPARE(cv::norm(rg.read(int64_t(i), ColorMode::Gray), srcIr_[i], cv::NORM_INF), 0.0);
        fs::remove(out);
        fs::remove(g);
    }

    void pngBitExactAndIntoExistingFolder() {
        const fs::path out = dir_ / "frames";
        QCOMPARE(formatForPath(out), ClipFormat::PngSequence);
        ClipWriterOptions o;
        o.format = ClipFormat::PngSequence;
        {
            ClipWriter w(out, src_[0].size(), ColorMode::BGR, o);
            for (int i = 0; i < 5; ++i)
                w.write(src_[size_t(i)]);
            QVERIFY(!fs::exists(out));
            w.finish();
        }
        QCOMPARE(entries(out), 5);
        QVERIFY(fs::exists(out / "000004.png"));
        FrameSequence s(out);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(cv::norm(s.read(i), src_[size_t(i)], cv::NORM_INF), 0.0);
        // an existing folder receives the files; other files stay
        writeBytes(out / "keep.txt", "mine");
        {
            o.pngPrefix = "b_";
            ClipWriter w(out, src_[0].size(), ColorMode::BGR, o);
            w.write(src_[7]);
            w.finish();
        }
        QCOMPARE(entries(out), 7);
        QCOMPARE(readBytes(out / "keep.txt"), std::string("mine"));
        QCOMPARE(entries(dir_), 1); // no temporary folder left
        fs::remove_all(out);
    }

    void cancelledWriteLeavesNothing() {
        for (const char* name : {"cancel.mp4", "cancel.mkv", "cancel_png"}) {
            const fs::path out = dir_ / name;
            VideoReader r(demoVis());
            vf::CancelToken token;
            ClipWriterOptions o;
            o.format = formatForPath(out);
            o.preset = "ultrafast";
            int calls = 0;
            auto progress = [&](long long done, long long, const std::string&) {
                ++calls;
                if (done == 6) token.cancel();
            };
            try {
                writeClip(r, out, 0, 40, ColorMode::BGR, o, &token, progress);
                QFAIL("cancel ignored");
            } catch (const vf::Error& e) {
                QCOMPARE(e.code(), vf::ErrorCode::Cancelled);
            }
            QCOMPARE(calls, 6);
            QVERIFY(!fs::exists(out));
            QCOMPARE(entries(dir_), 0);
        }
    }

    void abandonedAndFailedWritesLeaveNothing() {
        {
            ClipWriter w(dir_ / "dropped.mp4", src_[0].size(), ColorMode::BGR, {});
            w.write(src_[0]);
            w.write(src_[1]);
        } // destroyed without finish()
        QCOMPARE(entries(dir_), 0);
        {
            ClipWriterOptions o;
            o.format = ClipFormat::Ffv1Mkv;
            ClipWriter w(dir_ / "wrong.mkv", src_[0].size(), ColorMode::BGR, o);
            w.write(src_[0]);
            cv::Mat small;
            cv::resize(src_[1], small, {320, 240});
            try {
                w.write(small);
                QFAIL("wrong size accepted");
            } catch (const vf::Error& e) {
                QCOMPARE(e.code(), vf::ErrorCode::Mismatch);
                QVERIFY(QString(e.what()).contains("320x240"));
                QVERIFY(QString(e.what()).contains("wrong.mkv"));
            }
        }
        QCOMPARE(entries(dir_), 0);
        // odd sizes cannot be 4:2:0 H.264
        try {
            ClipWriter w(dir_ / "odd.mp4", cv::Size(463, 329), ColorMode::BGR, {});
            QFAIL("odd size accepted");
        } catch (const vf::Error& e) {
            QCOMPARE(e.code(), vf::ErrorCode::InvalidArgument);
            QVERIFY(QString(e.what()).contains("463x329"));
        }
        // missing destination folder
        QVERIFY_THROWS_EXCEPTION(vf::Error, ClipWriter(dir_ / "no" / "such" / "x.mp4",
                                                       src_[0].size(), ColorMode::BGR, {}));
        QCOMPARE(entries(dir_), 0);
    }

    void greyIntoColourWriterAndNonAscii() {
        const fs::path d = dir_ / fs::u8path("données_熱");
        fs::create_directories(d);
        const fs::path out = d / fs::u8path("融合.mkv");
        ClipWriterOptions o;
        o.format = ClipFormat::Ffv1Mkv;
        ClipWriter w(out, srcIr_[0].size(), ColorMode::BGR, o);
        w.write(srcIr_[0]); // grey frame into a colour clip: replicated
        w.finish();
        VideoReader r(out);
        const cv::Mat back = r.read(0);
        cv::Mat expect;
        cv::cvtColor(srcIr_[0], expect, cv::COLOR_GRAY2BGR);
        QCOMPARE(cv::norm(back, expect, cv::NORM_INF), 0.0);
        fs::remove_all(d);
    }
};

QTEST_GUILESS_MAIN(TestIoWriter)
#include "test_io_writer.moc"
