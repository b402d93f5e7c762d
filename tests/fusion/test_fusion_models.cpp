// Learned methods and the fuse CLI against independent references:
//  * SeAFusion against the official implementation's outputs (reference_outputs/),
//  * the TorchScript adapter with modules built here through LibTorch's C++ API,
//  * `vfstudio-cli fuse` with VideoFusion (fixture weights) against the engine run directly
//    on clips the test builds itself by the official rules.
#include <QtTest/QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <QProcess>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <torch/script.h>

#include "core/fusion/ClipRunner.h"
#include "core/fusion/FusionMethod.h"
#include "core/fusion/TorchScriptMethod.h"
#include "core/model/SeAFusion.h"
#include "core/model/VideoFusion.h"

namespace fs = std::filesystem;
using namespace vf::fusion;

namespace {

const fs::path kShared = VF_SHARED_DIR;
const fs::path kSea = kShared / "models/seafusion";
const fs::path kCli = fs::path(VF_BINARY_DIR) / "app/vfstudio-cli";

fs::path outDir(const std::string& name) {
    const char* env = std::getenv("VF_TEST_OUTPUT");
    fs::path d = fs::path(env ? env : fs::temp_directory_path().string()) / ("fusion_" + name);
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

// Minimal .npy reader: little-endian float32, C order, 2-D.
cv::Mat readNpyF32(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    char magic[6];
    in.read(magic, 6);
    if (std::string(magic, 6) != "\x93NUMPY") return {};
    unsigned char ver[2];
    in.read(reinterpret_cast<char*>(ver), 2);
    uint32_t hlen = 0;
    if (ver[0] == 1) {
        unsigned char b[2];
        in.read(reinterpret_cast<char*>(b), 2);
        hlen = b[0] | (b[1] << 8);
    } else {
        unsigned char b[4];
        in.read(reinterpret_cast<char*>(b), 4);
        hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
    }
    std::string header(hlen, '\0');
    in.read(header.data(), hlen);
    if (header.find("'<f4'") == std::string::npos ||
        header.find("'fortran_order': False") == std::string::npos)
        return {};
    auto s = header.find("'shape': (");
    int h = 0, w = 0;
    if (s == std::string::npos || std::sscanf(header.c_str() + s + 10, "%d, %d", &h, &w) != 2)
        return {};
    cv::Mat m(h, w, CV_32F);
    in.read(reinterpret_cast<char*>(m.data), std::streamsize(size_t(h) * size_t(w) * 4));
    return in ? m : cv::Mat();
}

int maxAbsDiff(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    double mx = 0;
    cv::minMaxLoc(d.reshape(1), nullptr, &mx);
    return int(mx);
}

double fractionEqual(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    return 1.0 - double(cv::countNonZero(d.reshape(1))) / double(d.total() * d.channels());
}

struct Run {
    int code = -1;
    QString out, err;
};
Run runCli(const QStringList& args) {
    QProcess p;
    p.start(QString::fromStdString(kCli.string()), args);
    Run r;
    if (!p.waitForFinished(240000)) return r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

// test.py's luminance: Y = 0.299R + 0.587G + 0.114B on RGB/255, float32, clamped.
cv::Mat testPyY(const cv::Mat& bgr) {
    cv::Mat y(bgr.rows, bgr.cols, CV_32F);
    for (int r = 0; r < bgr.rows; ++r)
        for (int c = 0; c < bgr.cols; ++c) {
            cv::Vec3b p = bgr.at<cv::Vec3b>(r, c);
            float R = p[2] / 255.0f, G = p[1] / 255.0f, B = p[0] / 255.0f;
            y.at<float>(r, c) = std::clamp(0.299f * R + 0.587f * G + 0.114f * B, 0.0f, 1.0f);
        }
    return y;
}

void writeText(const fs::path& p, const std::string& s) {
    std::ofstream(p) << s;
}

bool throwsCode(const std::function<void()>& f, vf::ErrorCode code, const char* mustContain) {
    try {
        f();
    } catch (const vf::Error& e) {
        if (e.code() != code) {
            qWarning() << "code" << int(e.code()) << e.what();
            return false;
        }
        if (std::string(e.what()).find(mustContain) == std::string::npos) {
            qWarning() << e.what();
            return false;
        }
        return true;
    }
    return false;
}

// Builds a (T,3,H,W) RGB clip from frame files; pads right/bottom by reflection (OpenCV's
// BORDER_REFLECT_101 = torch's 'reflect') to padH x padW.
vf::model::ClipBuffer buildClip(const std::vector<fs::path>& files, int padH, int padW) {
    vf::model::ClipBuffer c;
    c.T = int(files.size()), c.H = padH, c.W = padW;
    for (const auto& f : files) {
        cv::Mat bgr = cv::imread(f.string(), cv::IMREAD_COLOR), padded;
        cv::copyMakeBorder(bgr, padded, 0, padH - bgr.rows, 0, padW - bgr.cols,
                           cv::BORDER_REFLECT_101);
        for (int ch : {2, 1, 0})
            for (int y = 0; y < padH; ++y)
                for (int x = 0; x < padW; ++x)
                    c.data.push_back(padded.at<cv::Vec3b>(y, x)[ch] / 255.0f);
    }
    return c;
}

// Frame t of a clip result, cropped to h x w, min-max stretched over the frame (all
// channels) in double, rounded: what tensor2img(min_max=(min, max)) saves. BGR.
cv::Mat stretchFrame(const vf::model::ClipBuffer& r, int t, int h, int w) {
    auto at = [&](int ch, int y, int x) {
        return double(r.data[((size_t(t) * 3 + ch) * r.H + y) * r.W + x]);
    };
    double mn = 1e9, mx = -1e9;
    for (int ch = 0; ch < 3; ++ch)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                mn = std::min(mn, at(ch, y, x)), mx = std::max(mx, at(ch, y, x));
    cv::Mat out(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int ch = 0; ch < 3; ++ch)
                out.at<cv::Vec3b>(y, x)[2 - ch] =
                    uchar(std::lround((at(ch, y, x) - mn) / (mx - mn) * 255.0));
    return out;
}

} // namespace

class TestFusionModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        if (!fs::exists(kShared)) QSKIP("../shared is absent");
    }

    void clipsInFlightMatchOneAtATime() {
        // A VideoFusion engine (random weights, small) with 2 workers of 1 thread: clips in
        // flight must give exactly the frames, order, taps and progress of one clip at a
        // time (the same single-threaded kernels run either way).
        vf::model::VideoFusionConfig cfg;
        cfg.numFeatures = 16;
        vf::model::EngineOptions eo;
        eo.device = vf::model::Device::CPU;
        eo.threads = 1;
        eo.clipWorkers = 2;
        auto engine = vf::model::VideoFusionEngine::random(cfg, eo, 3);
        QCOMPARE(engine->clipWorkers(), 2);
        // 11 frames of 18x14 (not multiples of 4), N = 4, overlap 1: clips at 0, 3, 6 and
        // the last 4 frames (7..10).
        cv::RNG rng(5);
        std::vector<cv::Mat> ir, vi;
        for (int i = 0; i < 11; ++i) {
            ir.emplace_back(14, 18, CV_8UC1);
            vi.emplace_back(14, 18, CV_8UC3);
            rng.fill(ir.back(), cv::RNG::UNIFORM, 0, 256);
            rng.fill(vi.back(), cv::RNG::UNIFORM, 0, 256);
        }
        MemoryPairSequence seq(ir, vi);
        ClipRunner runner(*engine);
        struct Run {
            std::vector<int> index;
            std::vector<cv::Mat> fused;
            std::vector<int> tapClips, progress;
        };
        auto runWith = [&](int inFlight) {
            Run r;
            ClipRunnerOptions o;
            o.clipFrames = 4;
            o.overlap = 1;
            o.clipsInFlight = inFlight;
            o.taps.enabled = true;
            o.taps.names = {"energy/fusion_1"};
            o.tapSink = [&](const ClipPlan& p, int, std::vector<vf::model::Tap>&& taps) {
                QCOMPARE(int(taps.size()), 1);
                r.tapClips.push_back(p.start);
            };
            SequenceOptions so;
            so.progress = [&](int done, int, const std::string&) { r.progress.push_back(done); };
            runner.run(
                seq, o,
                [&](const FusedFrame& f) {
                    r.index.push_back(f.index);
                    r.fused.push_back(f.fused.clone());
                },
                so);
            return r;
        };
        const Run one = runWith(1), two = runWith(2), three = runWith(3);
        QCOMPARE(one.index, std::vector<int>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
        QCOMPARE(one.tapClips, std::vector<int>({0, 3, 6, 7}));
        for (const Run* r : {&two, &three}) {
            QCOMPARE(r->index, one.index);
            QCOMPARE(r->tapClips, one.tapClips);
            QCOMPARE(r->progress, one.progress);
            for (size_t i = 0; i < one.fused.size(); ++i)
                QCOMPARE(cv::norm(r->fused[i], one.fused[i], cv::NORM_INF), 0.0);
        }

        // Cancelling from the sink while clips are in flight: Cancelled, nothing left
        // running, and the engine still works afterwards.
        vf::CancelToken cancel;
        SequenceOptions so;
        so.cancel = &cancel;
        ClipRunnerOptions o;
        o.clipFrames = 4;
        o.clipsInFlight = 2;
        int seen = 0;
        QVERIFY(throwsCode(
            [&] {
                runner.run(
                    seq, o,
                    [&](const FusedFrame&) {
                        if (++seen == 1) cancel.cancel();
                    },
                    so);
            },
            vf::ErrorCode::Cancelled, "cancel"));
        QVERIFY(seen < 11);
        // A model error in a worker reaches the caller through the future.
        vf::model::ClipBuffer a, b;
        a.T = 3;
        a.H = b.H = a.W = b.W = 8;
        b.T = 2;
        a.data.assign(a.size(), 0.5f);
        b.data.assign(b.size(), 0.5f);
        auto bad = engine->submit(a, b);
        QVERIFY(throwsCode([&] { bad.get(); }, vf::ErrorCode::Mismatch, "differ"));
        QCOMPARE(int(runWith(2).index.size()), 11);
    }

    void seafusionRawY() {
        auto model = vf::model::SeAFusionModel::load(
            fs::path(VF_SOURCE_DIR) / "resources/models/seafusion/SeAFusion_zip.pth");
        QVERIFY(model->parameterCount() > 160000);
        const fs::path pairs = kShared / "data/pairs/seafusion_test12";
        cv::Mat vi = cv::imread((pairs / "vi/00537D.png").string(), cv::IMREAD_COLOR);
        cv::Mat ir = cv::imread((pairs / "ir/00537D.png").string(), cv::IMREAD_GRAYSCALE);
        QVERIFY(!vi.empty() && !ir.empty());
        cv::Mat y = testPyY(vi), irF;
        ir.convertTo(irF, CV_32F, 1.0 / 255.0);
        std::vector<float> f = model->fuse(y.ptr<float>(), irF.ptr<float>(), y.rows, y.cols);
        cv::Mat fused(y.rows, y.cols, CV_32F, f.data());
        cv::Mat ref = readNpyF32(kSea / "reference_outputs/msrs_00537D_fusedY_f32.npy");
        QCOMPARE(ref.size(), fused.size());
        double mx = 0;
        cv::Mat d;
        cv::absdiff(fused, ref, d);
        cv::minMaxLoc(d, nullptr, &mx);
        qInfo() << "SeAFusion raw Y max |diff| vs official:" << mx;
        QVERIFY2(mx <= 1e-4, "raw fused Y within 1e-4 of the official float32 output");
        // round(Y*255) vs the official u8 PNG.
        cv::Mat u8,
            refU8 = cv::imread((kSea / "reference_outputs/msrs_00537D_fusedY_u8.png").string(),
                               cv::IMREAD_GRAYSCALE);
        fused.convertTo(u8, CV_8U, 255.0);
        QVERIFY(maxAbsDiff(u8, refU8) <= 1);

        // The legacy (non-zip) file is refused with a vf::Error, not a crash.
        bool threw = false;
        try {
            vf::model::SeAFusionModel::load(kSea / "SeAFusion.pth");
        } catch (const vf::Error&) {
            threw = true;
        }
        QVERIFY(threw);
    }

    void seafusionColourPipeline_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("ref");
        QTest::newRow("msrs") << "00537D"
                              << "msrs_00537D";
        QTest::newRow("tno") << "21"
                             << "tno_21";
    }
    void seafusionColourPipeline() {
        QFETCH(QString, name);
        QFETCH(QString, ref);
        const fs::path pairs = kShared / "data/pairs/seafusion_test12";
        cv::Mat vi =
            cv::imread((pairs / "vi" / (name.toStdString() + ".png")).string(), cv::IMREAD_COLOR);
        cv::Mat ir = cv::imread((pairs / "ir" / (name.toStdString() + ".png")).string(),
                                cv::IMREAD_GRAYSCALE);
        auto m = MethodRegistry::builtin().get("seafusion");
        cv::Mat out = fuseFrame(*m, ir, vi); // Native: test.py colour + min-max + truncation
        cv::Mat refRgb = cv::imread(
            (kSea / "reference_outputs" / (ref.toStdString() + "_fused_rgb_testpy.png")).string(),
            cv::IMREAD_COLOR);
        QCOMPARE(out.size(), refRgb.size());
        QCOMPARE(out.type(), CV_8UC3);
        const int diff = maxAbsDiff(out, refRgb);
        const double eq = fractionEqual(out, refRgb);
        qInfo() << ref << "colour: max diff" << diff << "equal" << eq;
        QVERIFY(diff <= 1);
        QVERIFY(eq > 0.99);
        // Luma through the generic LumaY policy: fused Y PNG within a grey level or two
        // (OpenCV's Y equals test.py's up to float rounding).
        cv::Mat yRef = cv::imread(
            (kSea / "reference_outputs" / (ref.toStdString() + "_fusedY_u8.png")).string(),
            cv::IMREAD_GRAYSCALE);
        cv::Mat viY;
        cv::cvtColor(vi, viY, cv::COLOR_BGR2GRAY);
        cv::Mat yOut = fuseFrame(*m, ir, viY, {{"output", std::string("round")}});
        QCOMPARE(yOut.type(), CV_8UC1);
        QVERIFY(maxAbsDiff(yOut, yRef) <= 2);
    }

    void torchscriptAdapter() {
        const fs::path d = outDir("torchscript");
        // Y + IR -> Y: 0.25*y + 0.75*ir.
        {
            torch::jit::Module m("Mix");
            m.define("def forward(self, y, ir):\n    return 0.25 * y + 0.75 * ir\n");
            m.save((d / "mix.pt").string());
        }
        writeText(d / "mix.pt.json",
                  R"({"name": "mix", "input": "y+ir", "input_range": [0, 1], "output": "Y",
                      "output_range": [0, 1]})");
        cv::Mat vi(16, 20, CV_8UC3), ir(16, 20, CV_8UC1);
        for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 20; ++x) {
                vi.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(80 + 3 * x), uchar(120 + 2 * y), 140);
                ir.at<uchar>(y, x) = uchar(100 + 5 * x); // fused Y stays high: no RGB clipping
            }
        auto mix = makeTorchScriptMethod(d / "mix.pt");
        QCOMPARE(QString::fromStdString(mix->name()), QString("mix"));
        cv::Mat out = fuseFrame(*mix, ir, vi);
        cv::Mat ycc, yccVi;
        cv::cvtColor(out, ycc, cv::COLOR_BGR2YCrCb);
        cv::cvtColor(vi, yccVi, cv::COLOR_BGR2YCrCb);
        for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 20; ++x) {
                cv::Vec3b p = vi.at<cv::Vec3b>(y, x);
                double yv = 0.299 * p[2] + 0.587 * p[1] + 0.114 * p[0];
                double e = 0.25 * yv + 0.75 * ir.at<uchar>(y, x);
                QVERIFY2(std::abs(ycc.at<cv::Vec3b>(y, x)[0] - e) <= 1.5,
                         qPrintable(QString("%1 %2 at %3,%4")
                                        .arg(int(ycc.at<cv::Vec3b>(y, x)[0]))
                                        .arg(e)
                                        .arg(x)
                                        .arg(y)));
                QVERIFY(std::abs(int(ycc.at<cv::Vec3b>(y, x)[1]) -
                                 int(yccVi.at<cv::Vec3b>(y, x)[1])) <= 2);
            }

        // Argument order "ir+y": forward(a, b) = 0.25*a + 0.75*b now gives 0.25*IR + 0.75*Y.
        fs::copy_file(d / "mix.pt", d / "swap.pt");
        writeText(d / "swap.pt.json", R"({"input": "ir+y"})");
        auto swap = makeTorchScriptMethod(d / "swap.pt");
        QCOMPARE(QString::fromStdString(swap->name()), QString("swap")); // file stem
        cv::Mat viG(16, 20, CV_8UC1, cv::Scalar(200));
        out = fuseFrame(*swap, ir, viG);
        QCOMPARE(out.type(), CV_8UC1);
        for (int x = 0; x < 20; ++x)
            QVERIFY(std::abs(out.at<uchar>(5, x) - (0.25 * (100 + 5 * x) + 0.75 * 200)) <=
                    0.5 + 1e-6);

        // RGB + IR in [0, 255] -> RGB in [0, 255]: R = IR, G and B from the visible.
        {
            torch::jit::Module m("Rgb");
            m.define("def forward(self, rgb, ir):\n"
                     "    return torch.cat([ir, rgb[:, 1:2], rgb[:, 2:3]], 1)\n");
            m.save((d / "rgb.pt").string());
        }
        writeText(d / "rgb.pt.json", R"({"input": "rgb+ir", "input_range": [0, 255],
                                         "output": "RGB", "output_range": [0, 255]})");
        out = fuseFrame(*makeTorchScriptMethod(d / "rgb.pt"), ir, vi);
        for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 20; ++x) {
                cv::Vec3b o = out.at<cv::Vec3b>(y, x), v = vi.at<cv::Vec3b>(y, x);
                QCOMPARE(int(o[2]), int(ir.at<uchar>(y, x))); // R = IR
                QCOMPARE(int(o[1]), int(v[1]));               // G = visible G
                QCOMPARE(int(o[0]), int(v[0]));               // B = visible B
            }

        // The generic "torchscript" method takes the model as a parameter.
        auto generic = MethodRegistry::builtin().get("torchscript");
        cv::Mat out2 = fuseFrame(*generic, ir, vi, {{"model", (d / "rgb.pt").string()}});
        QCOMPARE(maxAbsDiff(out, out2), 0);

        // The sidecar says RGB but the model returns one channel: a Model error naming it.
        fs::copy_file(d / "mix.pt", d / "liar.pt");
        writeText(d / "liar.pt.json", R"({"output": "RGB"})");
        QVERIFY(throwsCode([&] { fuseFrame(*makeTorchScriptMethod(d / "liar.pt"), ir, vi); },
                           vf::ErrorCode::Model, "liar.pt: the model returned 1x16x20"));
        // Not TorchScript at all.
        writeText(d / "junk.pt", "not a model");
        QVERIFY(throwsCode([&] { fuseFrame(*makeTorchScriptMethod(d / "junk.pt"), ir, vi); },
                           vf::ErrorCode::Model, "junk.pt is not a TorchScript module"));

        // Sidecar validation names the file, the field and the value.
        const std::string src = "x.pt.json";
        QVERIFY(throwsCode([&] { parseTorchScriptSidecar(R"({"input": "yuv"})", src); },
                           vf::ErrorCode::InvalidArgument, "x.pt.json: field 'input' = \"yuv\""));
        QVERIFY(throwsCode([&] { parseTorchScriptSidecar(R"({"input_range": [0, 2]})", src); },
                           vf::ErrorCode::InvalidArgument, "'input_range'"));
        QVERIFY(throwsCode([&] { parseTorchScriptSidecar(R"({"output_range": [1, 1]})", src); },
                           vf::ErrorCode::InvalidArgument, "lo < hi"));
        QVERIFY(throwsCode([&] { parseTorchScriptSidecar(R"({"colour": "Y"})", src); },
                           vf::ErrorCode::InvalidArgument, "unknown field 'colour'"));
        QVERIFY(throwsCode([&] { parseTorchScriptSidecar("{oops", src); }, vf::ErrorCode::Corrupt,
                           "not valid JSON"));
        TorchScriptSidecar s = parseTorchScriptSidecar(
            R"({"output_range": [-1, 1], "output": "rgb", "output_stretch": "minmax"})", src);
        QCOMPARE(s.outputLo, -1.0);
        QVERIFY(s.output == TorchScriptSidecar::Output::RGB);
        QVERIFY(s.outputMinMax);
    }

    void cliFuseFollowsTheOfficialRules() {
        if (!fs::exists(kCli)) QSKIP("vfstudio-cli not built");
        const fs::path weights = kShared / "videofusion/fixtures/vf16_weights.pth";
        const fs::path src = kShared / "data/M3SVD/val";
        const fs::path d = outDir("cli");
        // 9 frames of 38x30 (neither a multiple of 4) cropped from M3SVD degraded inputs.
        const cv::Rect crop(300, 200, 38, 30);
        std::vector<fs::path> irFiles, viFiles;
        fs::create_directories(d / "ir");
        fs::create_directories(d / "vi");
        for (int i = 0; i < 9; ++i) {
            char n[16];
            std::snprintf(n, sizeof n, "%04d.png", i);
            cv::Mat a = cv::imread((src / "infrared_noise/0111_1716" / n).string());
            cv::Mat b = cv::imread((src / "visible_Blur/0111_1716" / n).string());
            QVERIFY(!a.empty() && !b.empty());
            cv::imwrite((d / "ir" / n).string(), a(crop));
            cv::imwrite((d / "vi" / n).string(), b(crop));
            irFiles.push_back(d / "ir" / n);
            viFiles.push_back(d / "vi" / n);
        }
        Run r =
            runCli({"fuse", "--ir", QString::fromStdString((d / "ir").string()), "--vi",
                    QString::fromStdString((d / "vi").string()), "--weights",
                    QString::fromStdString(weights.string()), "-o",
                    QString::fromStdString((d / "out").string()), "--device", "cpu", "--quiet"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.err.contains("frames/s"));

        // Independent computation: clips [0,7) and [2,9) (the last clip = the last 7
        // frames), padded to 40x32 by reflection, the engine, crop, per-frame min-max, round.
        vf::model::EngineOptions eo;
        eo.device = vf::model::Device::CPU;
        auto engine = vf::model::VideoFusionEngine::load(weights, eo);
        auto runClip = [&](int first) {
            std::vector<fs::path> a(irFiles.begin() + first, irFiles.begin() + first + 7);
            std::vector<fs::path> b(viFiles.begin() + first, viFiles.begin() + first + 7);
            return engine->run(buildClip(a, 32, 40), buildClip(b, 32, 40)).fusion;
        };
        vf::model::ClipBuffer A = runClip(0), B = runClip(2);
        bool overwriteVisible = false;
        for (int i = 0; i < 9; ++i) {
            char n[16];
            std::snprintf(n, sizeof n, "%04d.png", i);
            cv::Mat got = cv::imread((d / "out" / n).string(), cv::IMREAD_COLOR);
            QVERIFY2(!got.empty(), n); // input file names are kept
            QCOMPARE(got.size(), cv::Size(38, 30));
            cv::Mat expect = i < 2 ? stretchFrame(A, i, 30, 38) : stretchFrame(B, i - 2, 30, 38);
            const int diff = maxAbsDiff(got, expect);
            QVERIFY2(diff <= 1, qPrintable(QString("frame %1: max diff %2").arg(i).arg(diff)));
            QVERIFY(fractionEqual(got, expect) > 0.98);
            if (i >= 2 && i < 7 && maxAbsDiff(got, stretchFrame(A, i, 30, 38)) > 1)
                overwriteVisible = true; // the first clip's version really differs
        }
        QVERIFY2(overwriteVisible, "the test must be able to tell which clip a frame came from");

        // Errors: missing weights (exit 1, names the file), unknown method, no output (2).
        r = runCli({"fuse", "--ir", QString::fromStdString((d / "ir").string()), "--vi",
                    QString::fromStdString((d / "vi").string()), "--weights", "/nonexistent.pth",
                    "-o", QString::fromStdString((d / "bad").string())});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("/nonexistent.pth"));
        r = runCli({"fuse", "--ir", "a", "--vi", "b", "--method", "nosuch", "-o", "x"});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("unknown fusion method 'nosuch'"));
        r = runCli({"fuse", "--ir", "a", "--vi", "b"});
        QCOMPARE(r.code, 2);
    }

    void cliSeafusionAndMethods() {
        if (!fs::exists(kCli)) QSKIP("vfstudio-cli not built");
        const fs::path pairs = kShared / "data/pairs/seafusion_test12";
        const fs::path d = outDir("cli_sea");
        Run r = runCli({"fuse", "--method", "SeAFusion", "--ir",
                        QString::fromStdString((pairs / "ir/21.png").string()), "--vi",
                        QString::fromStdString((pairs / "vi/21.png").string()), "-o",
                        QString::fromStdString((d / "21.png").string()), "--quiet"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        cv::Mat got = cv::imread((d / "21.png").string(), cv::IMREAD_COLOR);
        cv::Mat ref = cv::imread((kSea / "reference_outputs/tno_21_fused_rgb_testpy.png").string(),
                                 cv::IMREAD_COLOR);
        QVERIFY(!got.empty());
        QVERIFY(maxAbsDiff(got, ref) <= 1);

        r = runCli({"methods"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("videofusion"));
        QVERIFY(r.out.contains("--param clip_frames=<int>  default 7  range [2, 128]"));
        r = runCli({"methods", "--json", "seafusion"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("\"choices\""));
    }
};

QTEST_GUILESS_MAIN(TestFusionModels)
#include "test_fusion_models.moc"
