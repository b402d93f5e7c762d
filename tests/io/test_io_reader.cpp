// Tests of the readers: VideoReader (FFmpeg) and FrameSequence, on real files.
// Expectations come from outside the code under test: ffprobe's counts and rates, ffmpeg's
// own BGR conversion, sequential decoding as the reference for exact seeks, the dataset's
// documented frame counts, and hand-made bad files.
#include <QtTest/QtTest>

#include <filesystem>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "IoTestUtil.h"
#include "core/common/Error.h"
#include "core/io/FrameSequence.h"
#include "core/io/VideoReader.h"

namespace fs = std::filesystem;
using namespace vf::io;
using namespace iotest;

namespace {

// Runs `f`, expects a vf::Error whose message names `mustContain`; returns the message.
template <class F>
QString expectError(F&& f, const std::string& mustContain, vf::ErrorCode* codeOut = nullptr) {
    try {
        f();
    } catch (const vf::Error& e) {
        const QString msg = QString::fromStdString(e.what());
        if (codeOut) *codeOut = e.code();
        if (!msg.contains(QString::fromStdString(mustContain)))
            qWarning() << "message lacks" << mustContain.c_str() << ":" << msg;
        return msg.contains(QString::fromStdString(mustContain)) ? msg : QString();
    } catch (const std::exception& e) {
        qWarning() << "wrong exception type:" << e.what();
        return {};
    }
    qWarning() << "no error thrown";
    return {};
}

} // namespace

class TestIoReader : public QObject {
    Q_OBJECT
private:
    fs::path dir_;

private Q_SLOTS:
    void initTestCase() { dir_ = makeTempDir("reader"); }
    void cleanupTestCase() { fs::remove_all(dir_); }

    // Frame count and fps agree with ffprobe (packets counted by ffprobe itself).
    void countsAndRatesMatchFfprobe_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("demo_ir") << q(demoIr());
        QTest::newRow("demo_vis") << q(demoVis());
        if (haveShared())
            for (const auto& f : sharedVideos())
                QTest::newRow(
                    (f.parent_path().filename().string() + "/" + f.filename().string()).c_str())
                    << q(f);
    }
    void countsAndRatesMatchFfprobe() {
        QFETCH(QString, file);
        if (!haveTool("ffprobe")) QSKIP("ffprobe not installed");
        bool ok = false;
        const QByteArray out =
            run("ffprobe",
                {"-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
                 "stream=nb_read_packets,avg_frame_rate,width,height,codec_name,pix_fmt", "-of",
                 "default=noprint_wrappers=1", file},
                &ok);
        QVERIFY(ok);
        QMap<QString, QString> kv;
        for (const QByteArray& line : out.split('\n')) {
            const int eq = line.indexOf('=');
            if (eq > 0) kv[QString(line.left(eq))] = QString(line.mid(eq + 1)).trimmed();
        }
        VideoReader r(file.toStdString());
        const StreamInfo& in = r.info();
        QCOMPARE(qint64(in.frameCount), kv["nb_read_packets"].toLongLong());
        const QStringList fr = kv["avg_frame_rate"].split('/');
        QCOMPARE(fr.size(), 2);
        QCOMPARE(int64_t(in.fps.num) * fr[1].toLongLong(), fr[0].toLongLong() * in.fps.den);
        QCOMPARE(in.width, kv["width"].toInt());
        QCOMPARE(in.height, kv["height"].toInt());
        QCOMPARE(QString::fromStdString(in.codec), kv["codec_name"]);
        QCOMPARE(QString::fromStdString(in.pixelFormat), kv["pix_fmt"]);
        QCOMPARE(in.channels, 3);
        QVERIFY(!in.isImageSequence);
        QVERIFY(std::abs(in.durationSec - double(in.frameCount) / in.fps.value()) < 1e-9);
    }

    // The dataset README's numbers: 151 / 560 / 407 frames, 30 fps, 640x480, MPEG-4 Part 2.
    void sharedVideosHaveDocumentedCounts() {
        if (!haveShared()) QSKIP("../shared/data is absent");
        const std::map<std::string, int64_t> expected{
            {"0111_1716", 151}, {"0113_1714", 560}, {"0117_1605", 407}};
        for (const auto& f : sharedVideos()) {
            VideoReader r(f);
            QCOMPARE(r.info().frameCount, expected.at(f.stem().string()));
            QCOMPARE(r.info().fps.value(), 30.0);
            QCOMPARE(r.info().size(), cv::Size(640, 480));
            QCOMPARE(QString::fromStdString(r.info().codec), QString("mpeg4"));
        }
    }

    // Exact seeks return the pixels of sequential decoding: 20+ random frames of every
    // shared M3SVD video and of the demo pair (H.264 with B-frames).
    void exactSeekEqualsSequential_data() { countsAndRatesMatchFfprobe_data(); }
    void exactSeekEqualsSequential() {
        QFETCH(QString, file);
        std::vector<uint64_t> seq;
        {
            VideoReader r(file.toStdString());
            cv::Mat m;
            while (r.nextInto(m))
                seq.push_back(hashMat(m));
            QCOMPARE(int64_t(seq.size()), r.info().frameCount);
            QVERIFY(!r.nextInto(m)); // stays at the end
        }
        VideoReader r(file.toStdString());
        std::mt19937 rng(12345);
        std::vector<int64_t> picks;
        for (int i = 0; i < 22; ++i)
            picks.push_back(int64_t(rng() % seq.size()));
        // include the edges and backward / forward neighbours
        picks.insert(picks.end(), {int64_t(seq.size()) - 1, 0, 1, int64_t(seq.size()) - 2, 0});
        cv::Mat m;
        for (int64_t i : picks) {
            r.readInto(i, m);
            QVERIFY2(hashMat(m) == seq[size_t(i)],
                     qPrintable(QString("frame %1 differs from sequential decoding").arg(i)));
        }
        // a clone reads independently and gives the same pixels
        auto c = r.clone();
        for (int k = 0; k < 3; ++k) {
            const int64_t i = int64_t(rng() % seq.size());
            QCOMPARE(hashMat(c->read(i)), seq[size_t(i)]);
        }
        // seeking beyond the range is an error naming the file
        QVERIFY(!expectError([&] { r.read(int64_t(seq.size())); },
                             fs::path(file.toStdString()).filename().string())
                     .isEmpty());
        QVERIFY(!expectError([&] { r.read(-1); }, "out of range").isEmpty());
    }

    // Our BGR conversion agrees with ffmpeg's own (-pix_fmt bgr24) within rounding, in the
    // right channel order; grey output matches ffmpeg's gray conversion.
    void bgrMatchesFfmpegConversion() {
        if (!haveTool("ffmpeg")) QSKIP("ffmpeg not installed");
        const fs::path f = demoVis();
        VideoReader r(f);
        const int w = r.info().width, h = r.info().height;
        for (const auto& [fmt, mode, type] : {std::tuple{"bgr24", ColorMode::BGR, CV_8UC3},
                                              std::tuple{"gray", ColorMode::Gray, CV_8UC1}}) {
            bool ok = false;
            const QByteArray raw = run("ffmpeg",
                                       {"-v", "error", "-i", q(f), "-vf", "select=eq(n\\,17)",
                                        "-frames:v", "1", "-pix_fmt", fmt, "-f", "rawvideo", "-"},
                                       &ok);
            QVERIFY(ok);
            QCOMPARE(raw.size(), qsizetype(w) * h * CV_MAT_CN(type));
            const cv::Mat ref(h, w, type, const_cast<char*>(raw.data()));
            const cv::Mat mine = r.read(17, mode);
            QCOMPARE(mine.type(), type);
            cv::Mat diff;
            cv::absdiff(mine, ref, diff);
            double maxDiff = 0;
            cv::minMaxLoc(diff.reshape(1), nullptr, &maxDiff);
            const double meanDiff = cv::mean(diff.reshape(1))[0];
            // chroma upsampling differs slightly at sharp colour edges (bilinear vs ffmpeg's
            // default filter): allow a few outliers, but the bulk must agree within rounding
            const double outliers = double(cv::countNonZero(diff.reshape(1) > 6)) /
                                    double(diff.total() * diff.channels());
            QVERIFY2(meanDiff < 1.0 && outliers < 0.005,
                     qPrintable(QString("%1: max %2 mean %3 outliers %4")
                                    .arg(fmt)
                                    .arg(maxDiff)
                                    .arg(meanDiff)
                                    .arg(outliers)));
        }
    }

    // The M3SVD val PNGs are frames 0..19 of 0111_1716.mp4 (up to MPEG-4 loss): the reader's
    // frame i is closest to PNG i (checks indexing, colour order, orientation).
    void videoFramesMatchDatasetPngs() {
        if (!haveShared()) QSKIP("../shared/data is absent");
        VideoReader r(m3svd() / "Video" / "test" / "visible" / "0111_1716.mp4");
        FrameSequence s(m3svd() / "val" / "visible_Enhance" / "0111_1716");
        QCOMPARE(s.frameCount(), int64_t(20));
        for (int64_t i : {0, 7, 19}) {
            const cv::Mat v = r.read(i);
            const double same = psnr(v, s.read(i));
            QVERIFY2(same > 30, qPrintable(QString("frame %1: %2 dB").arg(i).arg(same)));
        }
    }

    void frameSequenceNaturalOrderAndGrey() {
        const fs::path d = dir_ / "seq";
        fs::create_directories(d);
        // grey frames whose value encodes their number; names that sort wrongly as text
        for (int i : {0, 1, 2, 9, 10, 11}) {
            cv::Mat m(6, 8, CV_8UC1, cv::Scalar(i * 20));
            std::string name = "f";
            name += std::to_string(i);
            name += ".png";
            QVERIFY(cv::imwrite((d / name).string(), m));
        }
        writeBytes(d / "notes.txt", "not a frame");
        FrameSequence s(d);
        QCOMPARE(s.frameCount(), int64_t(6));
        QCOMPARE(s.info().channels, 1);
        QVERIFY(!s.info().fpsKnown);
        QVERIFY(s.info().isImageSequence);
        const int order[] = {0, 1, 2, 9, 10, 11};
        for (int k = 0; k < 6; ++k) {
            const cv::Mat g = s.read(k, ColorMode::Gray);
            QCOMPARE(g.type(), CV_8UC1);
            QCOMPARE(int(g.at<uint8_t>(0, 0)), order[k] * 20);
            const cv::Mat b = s.read(k, ColorMode::BGR);
            QCOMPARE(b.type(), CV_8UC3);
            QCOMPARE(b.at<cv::Vec3b>(3, 3), cv::Vec3b(order[k] * 20, order[k] * 20, order[k] * 20));
        }
        QVERIFY(naturalLess("2.png", "10.png"));
        QVERIFY(!naturalLess("10.png", "2.png"));
        QVERIFY(naturalLess("frame_9", "frame_10"));
    }

    // TNO sequences are 8-bit grey; M3SVD IR PNGs are RGB with R=G=B.
    void greyAndEqualChannelInputs() {
        if (!haveShared()) QSKIP("../shared/data is absent");
        FrameSequence tno(shared() / "data" / "TNO" / "Duine" / "vi");
        QCOMPARE(tno.frameCount(), int64_t(23));
        QCOMPARE(tno.info().channels, 1);
        QCOMPARE(tno.info().size(), cv::Size(360, 270));
        FrameSequence ir(m3svd() / "val" / "infrared_Enhance" / "0111_1716");
        QCOMPARE(ir.info().channels, 3);
        const cv::Mat bgr = ir.read(5);
        std::vector<cv::Mat> ch;
        cv::split(bgr, ch);
        QCOMPARE(cv::norm(ch[0], ch[1], cv::NORM_INF), 0.0);
        QCOMPARE(cv::norm(ch[1], ch[2], cv::NORM_INF), 0.0);
        // grey from equal channels is that channel exactly
        QCOMPARE(cv::norm(ir.read(5, ColorMode::Gray), ch[0], cv::NORM_INF), 0.0);
    }

    // A grey video stream (gray pixel format) reports one channel and reads both ways.
    void greyVideoStream() {
        if (!haveTool("ffmpeg")) QSKIP("ffmpeg not installed");
        const fs::path g = dir_ / "grey.mkv";
        bool ok = false;
        run("ffmpeg",
            {"-v", "error", "-y", "-i", q(demoIr()), "-frames:v", "5", "-c:v", "ffv1", "-pix_fmt",
             "gray", q(g)},
            &ok);
        QVERIFY(ok);
        VideoReader r(g);
        QCOMPARE(r.info().channels, 1);
        QCOMPARE(r.info().frameCount, int64_t(5));
        const cv::Mat grey = r.read(2, ColorMode::Gray);
        const cv::Mat bgr = r.read(2, ColorMode::BGR);
        std::vector<cv::Mat> ch;
        cv::split(bgr, ch);
        QCOMPARE(cv::norm(ch[0], grey, cv::NORM_INF), 0.0);
        QCOMPARE(cv::norm(ch[2], grey, cv::NORM_INF), 0.0);
    }

    // Bad inputs: a vf::Error naming the file and the problem, never a crash.
    void badInputs() {
        using vf::ErrorCode;
        ErrorCode code{};
        // missing
        QVERIFY(!expectError([&] { openSource(dir_ / "missing.mp4"); }, "missing.mp4", &code)
                     .isEmpty());
        QCOMPARE(code, ErrorCode::NotFound);
        // zero bytes
        writeBytes(dir_ / "empty.mp4", "");
        QVERIFY(expectError([&] { openSource(dir_ / "empty.mp4"); }, "empty.mp4", &code)
                    .contains("0 bytes"));
        QCOMPARE(code, ErrorCode::Corrupt);
        // garbage content
        std::string junk(200000, '\0');
        std::mt19937 rng(7);
        for (auto& c : junk)
            c = char(rng());
        writeBytes(dir_ / "garbage.mp4", junk);
        QString msg = expectError([&] { openSource(dir_ / "garbage.mp4"); }, "garbage.mp4", &code);
        QVERIFY(!msg.isEmpty());
        // unsupported: a text file
        writeBytes(dir_ / "readme.txt", "hello, this is not a video\n");
        QVERIFY(!expectError([&] { openSource(dir_ / "readme.txt"); }, "readme.txt").isEmpty());
        // truncated, moov atom at the end (the M3SVD files): FFmpeg's reason is quoted
        if (haveShared()) {
            const std::string all =
                readBytes(m3svd() / "Video" / "test" / "visible" / "0111_1716.mp4");
            writeBytes(dir_ / "half_moov_end.mp4", all.substr(0, all.size() / 2));
            msg = expectError([&] { openSource(dir_ / "half_moov_end.mp4"); }, "half_moov_end.mp4");
            QVERIFY(!msg.isEmpty());
            QVERIFY2(msg.contains("moov atom not found"), qPrintable(msg));
        }
        // truncated, moov atom first (the demo files): detected as truncated on open
        {
            const std::string all = readBytes(demoVis());
            writeBytes(dir_ / "half_faststart.mp4", all.substr(0, all.size() / 2));
            msg = expectError([&] { openSource(dir_ / "half_faststart.mp4"); },
                              "half_faststart.mp4", &code);
            QVERIFY(!msg.isEmpty());
            QCOMPARE(code, ErrorCode::Corrupt);
            QVERIFY2(msg.contains("truncated"), qPrintable(msg));
        }
        // folders: empty, and one with a damaged and a differently sized image
        fs::create_directories(dir_ / "nothing");
        QVERIFY(!expectError([&] { openSource(dir_ / "nothing"); }, "nothing", &code).isEmpty());
        QCOMPARE(code, ErrorCode::NotFound);
        const fs::path d = dir_ / "mixed";
        fs::create_directories(d);
        cv::Mat a(10, 12, CV_8UC3, cv::Scalar(1, 2, 3));
        QVERIFY(cv::imwrite((d / "0000.png").string(), a));
        writeBytes(d / "0001.png", "\x89PNG\r\n\x1a\nbroken");
        QVERIFY(cv::imwrite((d / "0002.png").string(), cv::Mat(11, 12, CV_8UC3, cv::Scalar(0))));
        FrameSequence s(d);
        QCOMPARE(s.frameCount(), int64_t(3));
        QVERIFY(!expectError([&] { s.read(1); }, "0001.png").isEmpty());
        QVERIFY(!expectError([&] { s.read(2); }, "0002.png", &code).isEmpty());
        QCOMPARE(code, ErrorCode::Mismatch);
        QCOMPARE(hashMat(s.read(0)), hashMat(a)); // the good frame still reads
    }

    // Paths with non-ASCII characters work for videos and image folders.
    void nonAsciiPaths() {
        const fs::path d = dir_ / fs::u8path("données_熱");
        fs::create_directories(d / fs::u8path("帧"));
        fs::copy_file(demoIr(), d / fs::u8path("红外_é.mp4"));
        auto src = openSource(d / fs::u8path("红外_é.mp4"));
        QCOMPARE(src->frameCount(), int64_t(60));
        QCOMPARE(hashMat(src->read(33)), hashMat(VideoReader(demoIr()).read(33)));
        QVERIFY(QString::fromStdString(src->info().path).contains(QString::fromUtf8("données_熱")));
        cv::Mat m(8, 8, CV_8UC3, cv::Scalar(5, 6, 7));
        QVERIFY(cv::imwrite((d / fs::u8path("帧") / "0.png").string(), m));
        auto seq = openSource(d / fs::u8path("帧"));
        QCOMPARE(hashMat(seq->read(0)), hashMat(m));
    }
};

QTEST_GUILESS_MAIN(TestIoReader)
#include "test_io_reader.moc"
