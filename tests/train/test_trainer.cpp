// The trainer: schedule, configuration, data clips, a few steps lowering the loss,
// checkpoints reloading strictly through core/model, and exact resume.
#include "tests/train/test_train.h"

#include <cmath>
#include <filesystem>
#include <numbers>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "core/common/Error.h"
#include "core/degrade/Degrade.h"
#include "core/model/Checkpoint.h"
#include "core/model/VideoFusion.h"
#include "core/model/VideoFusionNet.h"
#include "core/train/ClipDataset.h"
#include "core/train/TrainConfig.h"
#include "core/train/Trainer.h"

namespace fs = std::filesystem;
using namespace vf::train;

namespace {

fs::path tempDir(const char* tag) {
    auto d = fs::temp_directory_path() /
             (std::string("vf_test_train_") + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

// A small synthetic M3SVD split: one sequence "s0" of n frames w x h. Clean IR: a warm
// moving blob on a gradient; clean visible: coloured stripes and a box; the degraded inputs
// come from core/degrade (seed 11).
fs::path makeM3svd(const fs::path& root, int n, int w, int h) {
    vf::degrade::SequenceDegrader d(vf::degrade::Recipe{}, 11, w, h);
    for (const char* f : {"infrared_Enhance", "infrared_noise", "visible_Enhance", "visible_Blur"})
        fs::create_directories(root / f / "s0");
    for (int t = 0; t < n; ++t) {
        cv::Mat ir(h, w, CV_8UC3), vi(h, w, CV_8UC3);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const double dx = x - (w / 3.0 + 2 * t), dy = y - h / 2.0;
                const int v = int(40 + 2 * y + 170 * std::exp(-(dx * dx + dy * dy) / 30.0));
                ir.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(v), uchar(v), uchar(v));
                vi.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(60 + 120 * ((x / 4) % 2)),
                                                   uchar(90 + 3 * y), uchar(150 - 2 * x));
            }
        cv::rectangle(vi, cv::Rect(w / 2 + t, h / 4, w / 4, h / 3), cv::Scalar(20, 200, 240), -1);
        char name[16];
        std::snprintf(name, sizeof name, "%04d.png", t);
        cv::imwrite((root / "infrared_Enhance/s0" / name).string(), ir);
        cv::imwrite((root / "infrared_noise/s0" / name).string(), d.infrared(ir, t));
        cv::imwrite((root / "visible_Enhance/s0" / name).string(), vi);
        cv::imwrite((root / "visible_Blur/s0" / name).string(), d.visible(vi, t));
    }
    return root;
}

TrainConfig tinyConfig(const fs::path& data, const fs::path& out) {
    TrainConfig c;
    c.model.numFeatures = 16;
    M3svdSource s;
    s.root = data.string();
    c.m3svd.push_back(s);
    c.frames = 3;
    c.crop = 32;
    c.batch = 1;
    c.lr = 1e-3;
    c.warmup = 0;
    c.periods = {1000};
    c.clipNorm = 0.5;
    c.iterations = 6;
    c.saveEvery = 100;
    c.logEvery = 1;
    c.seed = 7;
    c.threads = 1;
    c.device = "cpu";
    c.output = out.string();
    return c;
}

vf::model::ClipBuffer toBuffer(const std::vector<float>& v, int T, int H, int W) {
    vf::model::ClipBuffer b;
    b.T = T;
    b.H = H;
    b.W = W;
    b.data = v;
    return b;
}

double maxDiff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i)
        m = std::max(m, double(std::abs(a[i] - b[i])));
    return a.size() == b.size() ? m : 1e30;
}

} // namespace

void TestTrain::learningRateSchedule() {
    TrainConfig c;
    c.lr = 1e-4;
    c.etaMin = 1e-6;
    c.warmup = 10;
    c.periods = {100};
    c.restartWeights = {1.0};
    // Warm-up: base * iter / warmup.
    QVERIFY(std::abs(learningRate(c, 5) - 5e-5) < 1e-15);
    // iter 10: 1e-6 + .5 * 99e-6 * (1 + cos(pi/10)) = 1e-6 + 49.5e-6 * 1.9510565 = 97.577e-6
    QVERIFY(std::abs(learningRate(c, 10) -
                     (1e-6 + 49.5e-6 * (1 + std::cos(std::numbers::pi / 10)))) < 1e-15);
    QVERIFY(std::abs(learningRate(c, 10) - 97.577e-6) < 1e-9);
    QVERIFY(std::abs(learningRate(c, 50) - (1e-6 + 49.5e-6)) < 1e-15); // cos(pi/2) = 0
    QVERIFY(std::abs(learningRate(c, 100) - 1e-6) < 1e-15);            // cos(pi) = -1
    // Two periods with restart weights [1, .5]: iter 150 is half-way through the second:
    // 1e-6 + .5 * .5 * 99e-6 = 25.75e-6.
    c.periods = {100, 100};
    c.restartWeights = {1.0, 0.5};
    QVERIFY(std::abs(learningRate(c, 150) - 25.75e-6) < 1e-15);
}

void TestTrain::configParsing() {
    const auto c = trainConfigFromJson(
        R"({"model": {"num_features": 24}, "data": {"frames": 4, "crop": 64,
            "m3svd": [{"root": "m", "exclude": ["0111_1716"]}]},
            "optim": {"lr": 2e-4, "betas": [0.8, 0.99]}, "iterations": 50})",
        "/x/cfg.json");
    QCOMPARE(c.model.numFeatures, 24);
    QCOMPARE(c.frames, 4);
    QCOMPARE(c.crop, 64);
    QCOMPARE(QString::fromStdString(c.m3svd.at(0).root), QString("/x/m")); // relative to file
    QCOMPARE(c.m3svd.at(0).exclude.at(0), std::string("0111_1716"));
    QCOMPARE(c.beta1, 0.8);
    QCOMPARE(c.iterations, int64_t(50));
    QCOMPARE(c.weightDecay, 1e-5); // official default kept
    QCOMPARE(c.clipNorm, 0.01);
    // Round trip.
    const auto c2 = trainConfigFromJson(trainConfigToJson(c));
    QCOMPARE(c2.model.numFeatures, 24);
    QCOMPARE(c2.m3svd.at(0).root, c.m3svd.at(0).root);
    // Errors name the file and the key.
    try {
        trainConfigFromJson(R"({"model": {"num_features": 8}})", "/x/bad.json");
        QFAIL("expected an error");
    } catch (const vf::Error& e) {
        QVERIFY(QString(e.what()).contains("/x/bad.json"));
        QVERIFY(QString(e.what()).contains("num_features"));
    }
    QVERIFY_THROWS_EXCEPTION(vf::Error, trainConfigFromJson("{nope", "a.json"));
    QVERIFY_THROWS_EXCEPTION(vf::Error, trainConfigFromJson(R"({"data": {"frames": 1}})"));
}

void TestTrain::clipsShareOneCrop() {
    const auto dir = tempDir("clips");
    makeM3svd(dir / "m", 6, 48, 40);
    TrainConfig c = tinyConfig(dir / "m", dir / "out");
    c.crop = 16;
    c.frames = 2;
    // The same folder as a clean "video" source (degraded on the fly).
    VideoSource v;
    v.ir = (dir / "m/infrared_Enhance/s0").string();
    v.vi = (dir / "m/visible_Enhance/s0").string();
    c.videos.push_back(v);
    ClipDataset ds(c);
    QCOMPARE(int(ds.sourceCount()), 2);
    QCOMPARE(ds.totalFrames(), int64_t(12));
    // A fixed clip of the M3SVD source equals the files' pixels at that crop.
    const auto s = ds.clip(0, 3, 2, 10, 7, 16, 16, 0);
    cv::Mat gt = cv::imread((dir / "m/visible_Enhance/s0/0004.png").string());
    cv::Mat lq = cv::imread((dir / "m/infrared_noise/s0/0003.png").string());
    // frame 1 of the clip = file 0004; R plane of visible at (y=2, x=5) -> pixel (12, 9).
    const size_t plane = size_t(16) * 16;
    QCOMPARE(s.gtVi[3 * plane + 2 * 16 + 5], gt.at<cv::Vec3b>(9, 15)[2] / 255.0f);
    QCOMPARE(s.lqIr[0 * plane + 0], lq.at<cv::Vec3b>(7, 10)[0] / 255.0f);
    // On-the-fly degradation: the clean stream equals the files, the degraded one differs,
    // and a sample is reproducible from its seed.
    const auto v1 = ds.clip(1, 0, 2, 0, 0, 16, 16, 99), v2 = ds.clip(1, 0, 2, 0, 0, 16, 16, 99);
    QCOMPARE(v1.lqIr, v2.lqIr);
    QVERIFY(maxDiff(v1.lqIr, v1.gtIr) > 2 / 255.0);
    QVERIFY(maxDiff(v1.lqVi, v1.gtVi) > 0);
    const auto a = ds.sample(5), b = ds.sample(5);
    QCOMPARE(a.gtVi, b.gtVi);
    QCOMPARE(a.where, b.where);
    // The IR stripes of an on-the-fly clip are the same in both frames (fixed per sample).
    // Errors name the problem.
    QVERIFY_THROWS_EXCEPTION(vf::Error, ds.clip(0, 5, 2, 0, 0, 16, 16, 0));
    TrainConfig bad = c;
    bad.m3svd[0].root = (dir / "missing").string();
    try {
        ClipDataset x(bad);
        QFAIL("expected an error");
    } catch (const vf::Error& e) {
        QVERIFY(QString(e.what()).contains("missing"));
    }
    bad = c;
    bad.frames = 7; // only 6 frames
    QVERIFY_THROWS_EXCEPTION(vf::Error, ClipDataset{bad});
    fs::remove_all(dir);
}

void TestTrain::fewStepsLowerTheLoss() {
    const auto dir = tempDir("steps");
    makeM3svd(dir / "m", 3, 32, 32); // crop == frame and T == frames: the same clip each step
    Trainer t(tinyConfig(dir / "m", dir / "out"));
    std::vector<double> losses;
    for (int i = 0; i < 6; ++i)
        losses.push_back(t.step().loss);
    QCOMPARE(t.iteration(), int64_t(6));
    const double first = (losses[0] + losses[1]) / 2, last = (losses[4] + losses[5]) / 2;
    QVERIFY2(last < 0.97 * first, qPrintable(QString("loss %1 -> %2").arg(first).arg(last)));
    fs::remove_all(dir);
}

void TestTrain::checkpointReloadsStrictly() {
    const auto dir = tempDir("ckpt");
    makeM3svd(dir / "m", 3, 32, 32);
    auto cfg = tinyConfig(dir / "m", dir / "out");
    cfg.iterations = 2;
    cfg.saveEvery = 2;
    Trainer t(cfg);
    const auto last = t.run();
    QCOMPARE(QString::fromStdString(last.filename().string()), QString("net_g_2.pth"));
    QVERIFY(fs::exists(dir / "out/net_g_latest.pth"));
    QVERIFY(fs::exists(dir / "out/net_g_2.state"));
    QVERIFY(fs::exists(dir / "out/train_log.csv"));

    // Official format: {'params': OrderedDict} with the 464 official keys in order.
    const auto ck = vf::model::loadCheckpoint(last);
    QCOMPARE(QString::fromStdString(ck.wrapper), QString("params"));
    QCOMPARE(int(ck.tensors.size()), 464);
    QCOMPARE(QString::fromStdString(ck.order.front()), QString("conv3d_ir_1.module.0.weight"));
    // The dead Cross_Attention LayerNorm parameters get no gradient: still ones/zeros.
    QVERIFY(
        ck.tensors.at("fusion_1.cross_transformer.attn.norm.body.weight").eq(1).all().item<bool>());
    QVERIFY(
        ck.tensors.at("fusion_1.cross_transformer.attn.norm.body.bias").eq(0).all().item<bool>());
    // ...while trained parameters moved away from their initial values.
    QVERIFY(
        !ck.tensors.at("fusion_1.cross_transformer.norm1.body.weight").eq(1).all().item<bool>());

    // Strict reload into a fresh network gives the trainer's outputs.
    namespace net = vf::model::net;
    net::VideoFusionNet fresh(vf::model::VideoFusionConfig{16});
    net::loadStrict(*fresh, vf::model::loadStateDict(last), last.string());
    const auto s = t.dataset().clip(0, 0, 3, 0, 0, 32, 32, 0);
    const auto mine = t.infer(toBuffer(s.lqIr, 3, 32, 32), toBuffer(s.lqVi, 3, 32, 32));
    torch::NoGradGuard ng;
    auto x = torch::from_blob(const_cast<float*>(s.lqIr.data()), {1, 3, 3, 32, 32}).clone();
    auto y = torch::from_blob(const_cast<float*>(s.lqVi.data()), {1, 3, 3, 32, 32}).clone();
    auto o = fresh->forward(x, y, {});
    auto fu = o.fusion.contiguous();
    std::vector<float> fv(fu.data_ptr<float>(), fu.data_ptr<float>() + fu.numel());
    QVERIFY2(maxDiff(fv, mine.fusion.data) < 1e-6,
             qPrintable(QString::number(maxDiff(fv, mine.fusion.data))));

    // And through the application's engine (the loader the CLI and GUI use).
    vf::model::EngineOptions eo;
    eo.device = vf::model::Device::CPU;
    eo.path = vf::model::ComputePath::Reference;
    auto engine = vf::model::VideoFusionEngine::load(last, eo);
    QCOMPARE(engine->config().numFeatures, 16);
    const auto r = engine->run(toBuffer(s.lqIr, 3, 32, 32), toBuffer(s.lqVi, 3, 32, 32));
    QVERIFY2(maxDiff(r.fusion.data, mine.fusion.data) < 1e-5,
             qPrintable(QString::number(maxDiff(r.fusion.data, mine.fusion.data))));
    QVERIFY(maxDiff(r.ir.data, mine.ir.data) < 1e-5);
    QVERIFY(maxDiff(r.vi.data, mine.vi.data) < 1e-5);
    fs::remove_all(dir);
}

void TestTrain::resumeMatchesUninterrupted() {
    const auto dir = tempDir("resume");
    makeM3svd(dir / "m", 4, 40, 36); // random crops and starts: the data depend on the seed
    auto cfg = tinyConfig(dir / "m", dir / "a");
    cfg.iterations = 4;
    cfg.saveEvery = 2;
    cfg.keepLast = 5;
    {
        Trainer a(cfg);
        a.run();
    }
    auto cb = cfg;
    cb.output = (dir / "b").string();
    cb.iterations = 2;
    {
        Trainer b(cb);
        b.run();
    }
    cb.iterations = 4;
    cb.resume = "auto";
    Trainer b2(cb);
    QCOMPARE(b2.iteration(), int64_t(2));
    b2.run();
    const auto wa = vf::model::loadStateDict(dir / "a/net_g_4.pth");
    const auto wb = vf::model::loadStateDict(dir / "b/net_g_4.pth");
    double m = 0;
    for (const auto& [k, v] : wa)
        m = std::max(m, (v - wb.at(k)).abs().max().item<double>());
    QVERIFY2(m < 1e-6, qPrintable(QString("max weight difference %1").arg(m)));
    // Weights did change between iterations 2 and 4.
    const auto w2 = vf::model::loadStateDict(dir / "a/net_g_2.pth");
    double d = 0;
    for (const auto& [k, v] : wa)
        d = std::max(d, (v - w2.at(k)).abs().max().item<double>());
    QVERIFY(d > 1e-5);
    // Missing state side file: a clear error.
    auto cc = cfg;
    cc.resume = (dir / "a/net_g_latest.pth").string();
    QVERIFY_THROWS_EXCEPTION(vf::Error, Trainer{cc});
    fs::remove_all(dir);
}
