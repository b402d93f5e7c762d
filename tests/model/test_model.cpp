// Tests of core/model: checkpoint reader/writer, the VideoFusion port against the official
// implementation's fixtures (outputs and per-module taps), error messages, fast path.
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

#include <torch/script.h>
#include <torch/torch.h>

#include "core/common/Error.h"
#include "core/model/Checkpoint.h"
#include "core/model/CheckpointInfo.h"
#include "core/model/FastOps.h"
#include "core/model/VideoFusion.h"
#include "core/model/VideoFusionNet.h"

namespace fs = std::filesystem;
using namespace vf::model;
namespace net = vf::model::net;

namespace {
fs::path fixtures() {
    return fs::path(VF_SHARED_DIR) / "videofusion" / "fixtures";
}
fs::path tmpDir() {
    auto d = fs::temp_directory_path() / ("vf_test_model_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
}
// Expected key order/shapes from the SPEC's state_dict table (independent of our code).
std::vector<std::pair<std::string, std::vector<int64_t>>> specStateDict() {
    std::ifstream f(fs::path(VF_SHARED_DIR) / "videofusion" / "state_dict_default.tsv");
    std::vector<std::pair<std::string, std::vector<int64_t>>> out;
    std::string key, shape, numel;
    while (std::getline(f, key, '\t') && std::getline(f, shape, '\t') && std::getline(f, numel)) {
        std::vector<int64_t> s;
        std::string num;
        for (char c : shape) {
            if (std::isdigit(static_cast<unsigned char>(c)))
                num += c;
            else if (!num.empty()) {
                s.push_back(std::stoll(num));
                num.clear();
            }
        }
        out.emplace_back(key, s);
    }
    return out;
}

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

struct Case {
    const char* cfg;
    const char* name;
    double tolF32; // float32 output tolerance (task: 1e-5 for vf16, 1e-4 for vf32)
};
const Case kCases[] = {
    {"vf16", "vf16_t5", 1e-5}, {"vf16", "vf16_t2", 1e-5}, {"vf32", "vf32_t3", 1e-4}};

net::VideoFusionNet loadNet(const std::string& cfg, at::ScalarType dt) {
    auto sd = loadCheckpoint(fixtures() / (cfg + "_weights.pth"));
    auto net = net::VideoFusionNet(net::inferConfig(sd.tensors, cfg));
    net::loadStrict(*net, sd.tensors, cfg);
    net->eval();
    net->to(dt);
    return net;
}

struct MapSink : net::TapSink {
    std::string prefix;
    std::map<std::string, at::Tensor> got;
    bool want(const std::string& n) const override { return n.rfind(prefix, 0) == 0; }
    void put(const std::string& n, const std::string&, const at::Tensor& v) override {
        got[n] = v.clone();
    }
};

vf::model::ClipBuffer toClip(const at::Tensor& x) { // (1,T,3,H,W)
    vf::model::ClipBuffer c;
    c.T = int(x.size(1));
    c.H = int(x.size(3));
    c.W = int(x.size(4));
    at::Tensor f = x[0].to(at::kFloat).contiguous();
    c.data.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
    return c;
}
at::Tensor fromClip(const vf::model::ClipBuffer& c) {
    return torch::from_blob(const_cast<float*>(c.data.data()), {1, c.T, 3, c.H, c.W}).clone();
}
} // namespace

class TestModel : public QObject {
    Q_OBJECT
private:
    fs::path tmp_;
private Q_SLOTS:
    void initTestCase() {
        if (!fs::exists(fixtures())) QSKIP("../shared/videofusion/fixtures not present");
        tmp_ = tmpDir();
    }
    void cleanupTestCase() { fs::remove_all(tmp_); }

    // The official-format checkpoint holds exactly the SPEC's 464 keys in order, shapes equal.
    void checkpointMatchesSpecStateDict() {
        auto spec = specStateDict();
        QCOMPARE(int(spec.size()), 464);
        auto sd = loadCheckpoint(fixtures() / "vf32_weights.pth");
        QCOMPARE(sd.wrapper, std::string("params"));
        QCOMPARE(int(sd.order.size()), 464);
        int64_t params = 0;
        for (size_t i = 0; i < spec.size(); ++i) {
            QCOMPARE(QString::fromStdString(sd.order[i]), QString::fromStdString(spec[i].first));
            QCOMPARE(sd.tensors.at(spec[i].first).sizes().vec(), spec[i].second);
            params += sd.tensors.at(spec[i].first).numel();
        }
        QCOMPARE(params, int64_t(6750742));
        auto info = inspectCheckpoint(fixtures() / "vf16_weights.pth");
        QCOMPARE(int(info.size()), 464);
        QCOMPARE(info.at("conv3d_ir_1.module.0.weight").shape,
                 (std::vector<int64_t>{16, 3, 3, 3, 3}));
        QCOMPARE(info.at("conv3d_ir_1.module.0.weight").dtype, std::string("float32"));
    }

    // The io fixture is a plain dict (protocol 2); values are in [0,1] and IR channels equal.
    void readsPlainTensorDict() {
        auto io = loadTensorDict(fixtures() / "vf16_t2_io.pt");
        QVERIFY(io.count("x_ir") && io.count("fusion_f64"));
        QCOMPARE(io.at("x_ir").sizes().vec(), (std::vector<int64_t>{1, 2, 3, 24, 32}));
        QCOMPARE(io.at("fusion_f64").scalar_type(), at::kDouble);
        auto x = io.at("x_ir");
        QVERIFY(x.min().item<float>() >= 0.f && x.max().item<float>() <= 1.f);
        QVERIFY(torch::equal(x.select(2, 0), x.select(2, 1)));
    }

    // saveCheckpoint writes the official layout; reading it back gives equal tensors/order.
    void saveRoundTrip() {
        auto sd = loadCheckpoint(fixtures() / "vf16_weights.pth");
        auto p = tmp_ / "rt.pth";
        saveCheckpoint(p, sd.tensors, sd.order);
        auto back = loadCheckpoint(p);
        QCOMPARE(back.wrapper, std::string("params"));
        QCOMPARE(back.order, sd.order);
        for (auto& k : sd.order)
            QVERIFY(torch::equal(back.tensors.at(k), sd.tensors.at(k)));
        // plain state_dict with a DataParallel 'module.' prefix
        std::map<std::string, at::Tensor> pref;
        for (auto& [k, t] : sd.tensors)
            pref["module." + k] = t;
        saveCheckpoint(tmp_ / "plain.pth", pref, {}, "");
        auto plain = loadCheckpoint(tmp_ / "plain.pth");
        QCOMPARE(plain.wrapper, std::string());
        QCOMPARE(int(plain.tensors.size()), 464);
        QVERIFY(plain.tensors.count("fusion_1.attn.norm.body.weight") == 0);
        QVERIFY(plain.tensors.count("fusion_1.cross_transformer.attn.norm.body.weight") == 1);
    }

    // The C++ modules register exactly the official keys, in the official order and shapes.
    void netKeysMatchSpec() {
        auto spec = specStateDict();
        net::VideoFusionNet net(VideoFusionConfig{});
        auto params = net->named_parameters(true);
        QCOMPARE(int(params.size()), int(spec.size()));
        int64_t n = 0;
        for (size_t i = 0; i < spec.size(); ++i) {
            QCOMPARE(QString::fromStdString(params[i].key()),
                     QString::fromStdString(spec[i].first));
            QCOMPARE(params[i].value().sizes().vec(), spec[i].second);
            n += params[i].value().numel();
        }
        QCOMPARE(n, int64_t(6750742));
        QCOMPARE(int(net->named_buffers(true).size()), 0);
    }

    void inferConfigFromShapes() {
        auto sd = loadStateDict(fixtures() / "vf16_weights.pth");
        auto c = net::inferConfig(sd, "vf16");
        VideoFusionConfig expect;
        expect.numFeatures = 16; // fixtures/README: num_features 16, otherwise the test config
        QVERIFY(c == expect);
        auto c32 = net::inferConfig(loadStateDict(fixtures() / "vf32_weights.pth"), "vf32");
        QVERIFY(c32 == VideoFusionConfig{});
    }

    // float64 runs equal the official float64 outputs; float32 runs the float32 outputs.
    void fixtureOutputs_data() {
        QTest::addColumn<int>("idx");
        QTest::addColumn<bool>("fast");
        for (int i = 0; i < 3; ++i) {
            QTest::newRow((std::string(kCases[i].name) + "/reference").c_str()) << i << false;
            QTest::newRow((std::string(kCases[i].name) + "/fast").c_str()) << i << true;
        }
    }
    void fixtureOutputs() {
        QFETCH(int, idx);
        QFETCH(bool, fast);
        const Case& c = kCases[idx];
        torch::NoGradGuard ng;
        // One thread: the fast path's Winograd kernels are used at 1 thread only.
        const int threadsBefore = at::get_num_threads();
        at::set_num_threads(1);
        auto io = loadTensorDict(fixtures() / (std::string(c.name) + "_io.pt"));
        for (auto dt : {at::kDouble, at::kFloat}) {
            auto netw = loadNet(c.cfg, dt);
            net::ForwardOptions fo;
            fo.fast = fast;
            auto out = netw->forward(io.at("x_ir").to(dt), io.at("x_vi").to(dt), fo);
            const std::string sfx = dt == at::kDouble ? "_f64" : "";
            const double tol = dt == at::kDouble ? 1e-9 : c.tolF32;
            for (auto [name, t] : {std::pair{"fusion", out.fusion}, std::pair{"ir", out.ir},
                                   std::pair{"vi", out.vi}}) {
                const at::Tensor& ref = io.at(name + sfx);
                QCOMPARE(t.sizes().vec(), ref.sizes().vec());
                double d = maxAbsDiff(t, ref);
                // The margin, for the record (the fast path's Winograd rounding shows here).
                qInfo("%s %s%s (%s): max |diff| %.3g (tolerance %.0e)", c.name, name, sfx.c_str(),
                      fast ? "fast" : "reference", d, tol);
                QVERIFY2(d <= tol, qPrintable(QString("%1 %2%3: max |diff| %4 > %5")
                                                  .arg(c.name)
                                                  .arg(name)
                                                  .arg(sfx.c_str())
                                                  .arg(d)
                                                  .arg(tol)));
            }
        }
        at::set_num_threads(threadsBefore);
    }

    // Every top-level module output equals the official one (*_taps.pt, float32).
    void moduleTapsMatchOfficial_data() {
        QTest::addColumn<int>("idx");
        QTest::addColumn<bool>("fast");
        for (int i = 0; i < 3; ++i) {
            QTest::newRow((std::string(kCases[i].name) + "/reference").c_str()) << i << false;
            QTest::newRow((std::string(kCases[i].name) + "/fast").c_str()) << i << true;
        }
    }
    void moduleTapsMatchOfficial() {
        QFETCH(int, idx);
        QFETCH(bool, fast);
        const Case& c = kCases[idx];
        torch::NoGradGuard ng;
        auto io = loadTensorDict(fixtures() / (std::string(c.name) + "_io.pt"));
        auto ref = loadTensorDict(fixtures() / (std::string(c.name) + "_taps.pt"));
        QCOMPARE(int(ref.size()), 38); // 36 modules, decomposition gives two outputs, Tanh
        auto netw = loadNet(c.cfg, at::kFloat);
        MapSink sink;
        sink.prefix = "module/";
        net::ForwardOptions fo;
        fo.fast = fast;
        fo.taps = &sink;
        netw->forward(io.at("x_ir"), io.at("x_vi"), fo);
        QCOMPARE(int(sink.got.size()), 38);
        for (auto& [k, r] : ref) {
            auto it = sink.got.find("module/" + k);
            QVERIFY2(it != sink.got.end(), qPrintable(QString::fromStdString(k)));
            QCOMPARE(it->second.sizes().vec(), r.sizes().vec());
            double scale = std::max(1.0, r.abs().max().item<double>());
            double d = maxAbsDiff(it->second, r);
            QVERIFY2(d <= 1e-4 * scale, qPrintable(QString("%1 %2: max |diff| %3 (scale %4)")
                                                       .arg(c.name)
                                                       .arg(k.c_str())
                                                       .arg(d)
                                                       .arg(scale)));
        }
    }

    // The fast path equals the reference path (float64: to rounding).
    // The fast path's convolution kernels (Winograd F(2,3) and F(4,3) 3x3, GEMM 1x1) against
    // at::conv2d on sizes that are not tile multiples (partial tiles at the right and bottom
    // borders, a 1-pixel-wide plane, more tiles than one block), with and without bias and
    // with the fused LeakyReLU: float64 to 1e-12 (exactness of the transforms), float32 to
    // 2e-5 relative (rounding).
    void fastConvKernelsMatchConv2d() {
        torch::NoGradGuard ng;
        at::manual_seed(7);
        struct S {
            int64_t N, C, O, H, W;
        };
        const S shapes[] = {{2, 16, 24, 7, 9},
                            {1, 32, 16, 1, 13},
                            {3, 20, 17, 30, 26},
                            {1, 16, 16, 5, 1},
                            {2, 64, 48, 64, 82}};
        for (const S& s : shapes)
            for (auto dt : {at::kDouble, at::kFloat})
                for (bool bias : {true, false}) {
                    auto o = at::TensorOptions().dtype(dt);
                    at::Tensor x = at::randn({s.N, s.C, s.H, s.W}, o);
                    at::Tensor w3 = at::randn({s.O, s.C, 3, 3}, o) / std::sqrt(9.0 * s.C);
                    at::Tensor w1 = at::randn({s.O, s.C, 1, 1}, o) / std::sqrt(double(s.C));
                    at::Tensor b = bias ? at::randn({s.O}, o) : at::Tensor();
                    const double tol = dt == at::kDouble ? 1e-12 : 2e-5;
                    auto check = [&](const at::Tensor& got, const at::Tensor& want,
                                     const char* what) {
                        QCOMPARE(got.sizes().vec(), want.sizes().vec());
                        const double rel = (got - want).abs().max().item<double>() /
                                           want.abs().max().item<double>();
                        QVERIFY2(rel <= tol, qPrintable(QString("%1 %2x%3x%4x%5 -> %6: rel %7")
                                                            .arg(what)
                                                            .arg(s.N)
                                                            .arg(s.C)
                                                            .arg(s.H)
                                                            .arg(s.W)
                                                            .arg(s.O)
                                                            .arg(rel)));
                    };
                    at::Tensor ref3 = at::conv2d(x, w3, b, 1, 1);
                    check(fast::conv3x3(x, w3, b, -1.0, 2), ref3, "F(2,3)");
                    check(fast::conv3x3(x, w3, b, -1.0, 4), ref3, "F(4,3)");
                    check(fast::conv3x3(x, w3, b, 0.1, 4), at::leaky_relu(ref3, 0.1),
                          "F(4,3)+LeakyReLU");
                    check(fast::conv1x1(x, w1, b), at::conv2d(x, w1, b), "1x1 GEMM");
                }
    }

    void conv3dWinogradMatchesConv3d() {
        // Conv3d in the Winograd domain against at::conv3d (B clips of T frames as B*T frames).
        torch::NoGradGuard ng;
        at::manual_seed(9);
        struct S {
            int64_t B, T, C, O, H, W;
        };
        for (const S& s : {S{1, 5, 16, 24, 13, 18}, S{2, 3, 20, 16, 9, 10}, S{1, 1, 16, 16, 8, 8},
                           S{1, 4, 32, 16, 70, 90}})
            for (auto dt : {at::kDouble, at::kFloat})
                for (double slope : {-1.0, 0.2}) {
                    auto o = at::TensorOptions().dtype(dt);
                    at::Tensor x = at::randn({s.B, s.C, s.T, s.H, s.W}, o);
                    at::Tensor w = at::randn({s.O, s.C, 3, 3, 3}, o) / std::sqrt(27.0 * s.C);
                    at::Tensor b = at::randn({s.O}, o);
                    at::Tensor want = at::conv3d(x, w, b, 1, 1); // (B, O, T, H, W)
                    if (slope >= 0) want = at::leaky_relu(want, slope);
                    want = want.permute({0, 2, 1, 3, 4}).reshape({s.B * s.T, s.O, s.H, s.W});
                    at::Tensor frames =
                        x.permute({0, 2, 1, 3, 4}).reshape({s.B * s.T, s.C, s.H, s.W});
                    at::Tensor got = fast::conv3x3x3Frames(frames, w, b, s.T, slope);
                    const double rel =
                        (got - want).abs().max().item<double>() / want.abs().max().item<double>();
                    const double tol = dt == at::kDouble ? 1e-12 : 2e-5;
                    QVERIFY2(rel <= tol, qPrintable(QString("B %1 T %2 %3x%4: rel %5")
                                                        .arg(s.B)
                                                        .arg(s.T)
                                                        .arg(s.W)
                                                        .arg(s.H)
                                                        .arg(rel)));
                }
    }

    void temporalSumMatchesShiftedAdds() {
        // Conv3d's sum over the kernel's time slices with zero padding in time: out[t] =
        // y[t][1] + y[t-1][0] + y[t+1][2] + bias, LeakyReLU optional; T = 1 keeps the middle.
        torch::NoGradGuard ng;
        at::manual_seed(5);
        for (int64_t T : {1, 2, 4})
            for (auto dt : {at::kDouble, at::kFloat})
                for (bool bias : {true, false})
                    for (double slope : {-1.0, 0.2}) {
                        auto o = at::TensorOptions().dtype(dt);
                        at::Tensor y = at::randn({2, T, 3, 5, 6, 7}, o);
                        at::Tensor b = bias ? at::randn({5}, o) : at::Tensor();
                        at::Tensor want = y.select(2, 1).clone();
                        for (int64_t t = 0; t < T; ++t) {
                            if (t > 0) want.select(1, t).add_(y.select(1, t - 1).select(1, 0));
                            if (t + 1 < T) want.select(1, t).add_(y.select(1, t + 1).select(1, 2));
                        }
                        if (bias) want.add_(b.view({1, 1, 5, 1, 1}));
                        if (slope >= 0) want = at::leaky_relu(want, slope);
                        at::Tensor got = fast::temporalSum3(y, b, slope);
                        QCOMPARE(got.sizes().vec(), want.sizes().vec());
                        const double tol = dt == at::kDouble ? 1e-14 : 1e-6;
                        QVERIFY2((got - want).abs().max().item<double>() <= tol,
                                 qPrintable(
                                     QString("T %1 bias %2 slope %3").arg(T).arg(bias).arg(slope)));
                    }
    }

    void geluGateMatchesExactGelu() {
        // The fused gated GELU against at::gelu (exact erf) in double on values from -40 to
        // 40 plus special ones. float: A&S 7.1.26 erf, |erf error| <= 1.5e-7, so
        // |gelu error| <= 0.75e-7 |a b| plus ~6 float roundings (6e-8 each) of the result.
        torch::NoGradGuard ng;
        at::manual_seed(3);
        const int64_t h = 5, H = 41, W = 37;
        at::Tensor y = at::randn({2, 2 * h, H, W}, at::kDouble) * 6;
        y.narrow(1, 0, 1).copy_(at::linspace(-40, 40, H * W, at::kDouble).view({1, 1, H, W}));
        auto flat = y.view(-1);
        const double special[] = {0.0, -0.0, 1e-30, -1e-30, 1e-6, -1e-6, 13.0, -13.0, -87.5, 90.0};
        for (size_t i = 0; i < std::size(special); ++i)
            flat[int64_t(i)] = special[i];
        const at::Tensor a = y.narrow(1, 0, h), b = y.narrow(1, h, h);
        const at::Tensor want = at::gelu(a) * b;
        const at::Tensor gotD = fast::geluGate(y);
        QCOMPARE(gotD.sizes().vec(), want.sizes().vec());
        QVERIFY((gotD - want).abs().max().item<double>() <=
                1e-14 * want.abs().max().item<double>());
        const at::Tensor yf = y.to(at::kFloat);
        const at::Tensor gotF = fast::geluGate(yf).to(at::kDouble);
        // reference on the float-rounded inputs, in double
        const at::Tensor af = yf.narrow(1, 0, h).to(at::kDouble),
                         bf = yf.narrow(1, h, h).to(at::kDouble);
        const at::Tensor wantF = at::gelu(af) * bf;
        const at::Tensor bound = 1.0e-7 * (af * bf).abs() + 4e-7 * wantF.abs() + 1e-37;
        const at::Tensor excess = (gotF - wantF).abs() - bound;
        const int64_t worst = excess.view(-1).argmax().item<int64_t>();
        QVERIFY2(excess.max().item<double>() <= 0,
                 qPrintable(QString("float gelu gate error exceeds its bound by %1 at a = %2, "
                                    "b = %3: %4 vs %5")
                                .arg(excess.max().item<double>())
                                .arg(af.reshape(-1)[worst].item<double>())
                                .arg(bf.reshape(-1)[worst].item<double>())
                                .arg(gotF.reshape(-1)[worst].item<double>())
                                .arg(wantF.reshape(-1)[worst].item<double>())));
        QVERIFY(!at::isnan(gotF).any().item<bool>());
    }

    void fastEqualsReference() {
        torch::NoGradGuard ng;
        auto io = loadTensorDict(fixtures() / "vf16_t5_io.pt");
        auto netw = loadNet("vf16", at::kDouble);
        net::ForwardOptions ref, fast;
        fast.fast = true;
        auto a = netw->forward(io.at("x_ir").to(at::kDouble), io.at("x_vi").to(at::kDouble), ref);
        auto b = netw->forward(io.at("x_ir").to(at::kDouble), io.at("x_vi").to(at::kDouble), fast);
        QVERIFY(maxAbsDiff(a.fusion, b.fusion) < 1e-12);
        QVERIFY(maxAbsDiff(a.ir, b.ir) < 1e-12);
        QVERIFY(maxAbsDiff(a.vi, b.vi) < 1e-12);
        // A batch of two clips (the second one reversed in time): the fast path gathers the
        // neighbour frames of each clip separately; each clip equals its single run.
        auto two = [&](const at::Tensor& x) {
            at::Tensor d = x.to(at::kDouble);
            return at::cat({d, d.flip({1})});
        };
        auto fb = netw->forward(two(io.at("x_ir")), two(io.at("x_vi")), fast);
        auto rb = netw->forward(two(io.at("x_ir")), two(io.at("x_vi")), ref);
        QVERIFY(maxAbsDiff(fb.fusion, rb.fusion) < 1e-12);
        QVERIFY(maxAbsDiff(fb.fusion.narrow(0, 0, 1), a.fusion) < 1e-12);
        auto rev = netw->forward(io.at("x_ir").to(at::kDouble).flip({1}),
                                 io.at("x_vi").to(at::kDouble).flip({1}), ref);
        QVERIFY(maxAbsDiff(fb.fusion.narrow(0, 1, 1), rev.fusion) < 1e-12);
    }

    // Taps on or off: identical outputs (bit for bit), and tap contents are sane.
    void tapsOffIdentical() {
        auto io = loadTensorDict(fixtures() / "vf16_t5_io.pt");
        auto eng = VideoFusionEngine::load(fixtures() / "vf16_weights.pth");
        QCOMPARE(eng->parameterCount(), int64_t(1715126));
        QCOMPARE(eng->config().numFeatures, 16);
        auto ir = toClip(io.at("x_ir")), vi = toClip(io.at("x_vi"));
        auto off = eng->run(ir, vi);
        QVERIFY(off.taps.empty());
        TapRequest all;
        all.enabled = true;
        auto on = eng->run(ir, vi, all);
        QVERIFY(off.fusion.data == on.fusion.data);
        QVERIFY(off.ir.data == on.ir.data);
        QVERIFY(off.vi.data == on.vi.data);
        QVERIFY(maxAbsDiff(fromClip(off.fusion), io.at("fusion")) <= 1e-5);
        std::map<std::string, const Tap*> byName;
        for (auto& t : on.taps)
            byName[t.name] = &t;
        const int T = 5, H = 36, W = 44;
        auto shapeIs = [&](const std::string& n, std::vector<int64_t> s) {
            QVERIFY2(byName.count(n), n.c_str());
            QCOMPARE(byName[n]->shape, s);
        };
        shapeIs("diff/ir_2", {T, H / 2, W / 2});
        shapeIs("diff/vi_3", {T, H / 4, W / 4});
        shapeIs("cma/ir_3/spatial", {T, H / 4, W / 4});
        shapeIs("cma/vi_2/channel", {T, 32});
        shapeIs("cma/vi_2/weights", {T, 2});
        shapeIs("unmix/ir/channel", {T, 16});
        shapeIs("unmix/vi/spatial", {T, H, W});
        shapeIs("fused/1", {T, H, W});
        shapeIs("energy/decoder_fusion", {T, H, W});
        shapeIs("module/conv3d_ir_1", {1, 16, T, H, W});
        // BiCAM: 4 layers at scale 3 with 8 heads of 64/8 channels; rows are distributions.
        for (int l = 0; l < 4; ++l)
            for (auto k : {"prev", "next", "combined"})
                shapeIs("bicam/3/" + std::to_string(l) + "/" + k, {T, 8, 8, 8});
        shapeIs("bicam/1/1/combined", {T, 2, 8, 8});
        shapeIs("bicam/2/0/combined", {T, 4, 8, 8});
        const Tap* comb = byName["bicam/2/0/combined"];
        for (size_t row = 0; row < comb->data.size() / 8; ++row) {
            double s = 0;
            for (int j = 0; j < 8; ++j)
                s += comb->data[row * 8 + size_t(j)];
            QVERIFY(std::abs(s - 1.0) < 1e-5);
        }
        for (float v : byName["cma/ir_2/spatial"]->data)
            QVERIFY(v > 0.f && v < 1.f);
        // Selecting by prefix gives only those taps.
        TapRequest some;
        some.enabled = true;
        some.names = {"bicam/1/", "fused/2"};
        auto sel = eng->run(ir, vi, some);
        QCOMPARE(int(sel.taps.size()), 2 * 3 + 1);
    }

    // Fused output only (TapRequest::restored = false): the restoration branches are skipped,
    // the fused clip is bit for bit the full forward's; with taps on they are computed anyway.
    void fusedOnlySkipsRestoredOutputs() {
        auto io = loadTensorDict(fixtures() / "vf16_t5_io.pt");
        auto eng = VideoFusionEngine::load(fixtures() / "vf16_weights.pth");
        auto ir = toClip(io.at("x_ir")), vi = toClip(io.at("x_vi"));
        auto full = eng->run(ir, vi);
        QCOMPARE(full.ir.T, 5);
        TapRequest fusedOnly;
        fusedOnly.restored = false;
        auto fo = eng->run(ir, vi, fusedOnly);
        QVERIFY(fo.fusion.data == full.fusion.data);
        QCOMPARE(fo.ir.T, 0);
        QVERIFY(fo.ir.data.empty() && fo.vi.data.empty());
        QVERIFY(maxAbsDiff(fromClip(fo.fusion), io.at("fusion")) <= 1e-5);
        auto async = eng->submit(ir, vi, fusedOnly).get();
        QVERIFY(maxAbsDiff(fromClip(async.fusion), io.at("fusion")) <= 1e-5);
        QVERIFY(async.vi.data.empty());
        fusedOnly.enabled = true;
        fusedOnly.names = {"unmix/ir/channel"};
        auto tapped = eng->run(ir, vi, fusedOnly);
        QCOMPARE(int(tapped.taps.size()), 1);
        QVERIFY(tapped.ir.data == full.ir.data);
        QVERIFY(tapped.vi.data == full.vi.data);
    }

    // Engine: padding to a multiple of 4 and argument errors.
    void engineChecksInputs() {
        auto eng = VideoFusionEngine::load(fixtures() / "vf16_weights.pth");
        ClipBuffer a;
        a.T = 2;
        a.H = 10;
        a.W = 13;
        a.data.assign(a.size(), 0.5f);
        auto r = eng->run(a, a);
        QCOMPARE(r.fusion.H, 10);
        QCOMPARE(r.fusion.W, 13);
        for (float v : r.fusion.data)
            QVERIFY(v > 0.f && v < 1.f);
        ClipBuffer one = a;
        one.T = 1;
        one.data.resize(one.size());
        try {
            eng->run(one, one);
            QFAIL("T = 1 accepted");
        } catch (const vf::Error& e) {
            QVERIFY(QString(e.what()).contains("at least 2 frames"));
        }
        ClipBuffer b = a;
        b.W = 12;
        b.data.resize(b.size());
        try {
            eng->run(a, b);
            QFAIL("size mismatch accepted");
        } catch (const vf::Error& e) {
            QVERIFY(QString(e.what()).contains("differ"));
        }
    }

    // Strict loading: a missing key, an extra key and a wrong shape are named.
    void strictLoadErrors() {
        auto sd = loadCheckpoint(fixtures() / "vf16_weights.pth");
        auto expectModelError = [&](std::map<std::string, at::Tensor> t, const QString& name,
                                    const QStringList& needles) {
            auto p = tmp_ / (name.toStdString() + ".pth");
            saveCheckpoint(p, t, sd.order);
            try {
                VideoFusionEngine::load(p);
                QFAIL(qPrintable("no error for " + name));
            } catch (const vf::Error& e) {
                QString msg = QString::fromUtf8(e.what());
                QVERIFY2(msg.contains(QString::fromStdString(p.string())), qPrintable(msg));
                for (auto& n : needles)
                    QVERIFY2(msg.contains(n), qPrintable(msg));
            }
        };
        auto m = sd.tensors;
        m.erase("fusion_2.cross_transformer.attn.norm.body.bias"); // a dead tensor: still required
        expectModelError(m, "key_missing",
                         {"1 missing keys", "fusion_2.cross_transformer.attn.norm.body.bias"});
        m = sd.tensors;
        m["decoder_vi.extra.weight"] = torch::zeros({3});
        expectModelError(m, "key_extra", {"1 unexpected keys", "decoder_vi.extra.weight"});
        m = sd.tensors;
        m["up1.body.2.bias"] = torch::zeros({17});
        expectModelError(m, "key_shape", {"1 mis-shaped keys", "up1.body.2.bias", "[17]", "[16]"});
    }

    // An exported TorchScript module (parameters under the official names) loads too.
    void loadsTorchScriptModule() {
        auto sd = loadCheckpoint(fixtures() / "vf16_weights.pth");
        torch::jit::Module root("__torch__.VideoFusionTS");
        int counter = 0;
        for (const auto& key : sd.order) {
            torch::jit::Module cur = root;
            size_t start = 0, dot;
            while ((dot = key.find('.', start)) != std::string::npos) {
                std::string part = key.substr(start, dot - start);
                if (!cur.hasattr(part)) {
                    torch::jit::Module child("__torch__.M" + std::to_string(counter++));
                    cur.register_module(part, child);
                }
                cur = cur.attr(part).toModule();
                start = dot + 1;
            }
            cur.register_parameter(key.substr(start), sd.tensors.at(key).clone(), false);
        }
        auto p = tmp_ / "scripted.pt";
        root.save(p.string());
        auto back = loadCheckpoint(p);
        QVERIFY(back.kind == CheckpointKind::TorchScript);
        QCOMPARE(int(back.tensors.size()), 464);
        for (auto& k : sd.order)
            QVERIFY(torch::equal(back.tensors.at(k), sd.tensors.at(k)));
        auto eng = VideoFusionEngine::load(p);
        QCOMPARE(eng->parameterCount(), int64_t(1715126));
    }

    // BasicSR 'params_ema' is preferred over 'params' when present (EMA weights).
    void readsParamsEmaWrapper() {
        auto sd = loadCheckpoint(fixtures() / "vf16_weights.pth");
        saveCheckpoint(tmp_ / "ema.pth", sd.tensors, sd.order, "params_ema");
        auto back = loadCheckpoint(tmp_ / "ema.pth");
        QCOMPARE(back.wrapper, std::string("params_ema"));
        QCOMPARE(int(back.tensors.size()), 464);
    }

    void errorsNameTheProblem() {
        auto expectError = [](const fs::path& p, const char* needle) {
            try {
                loadCheckpoint(p);
                QFAIL(qPrintable(QString("no error for ") + QString::fromStdString(p.string())));
            } catch (const vf::Error& e) {
                QString msg = QString::fromUtf8(e.what());
                QVERIFY2(msg.contains(QString::fromStdString(p.string())), qPrintable(msg));
                QVERIFY2(msg.contains(needle, Qt::CaseInsensitive), qPrintable(msg));
            }
        };
        expectError(tmp_ / "missing.pth", "does not exist");
        {
            std::ofstream f(tmp_ / "text.pth");
            f << "hello, this is not a checkpoint\n";
        }
        expectError(tmp_ / "text.pth", "not a PyTorch checkpoint");
        {
            std::ofstream f(tmp_ / "legacy.pth", std::ios::binary);
            const unsigned char magic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46};
            f.write(reinterpret_cast<const char*>(magic), sizeof magic);
        }
        expectError(tmp_ / "legacy.pth", "legacy");
        {
            std::ifstream in(fixtures() / "vf16_weights.pth", std::ios::binary);
            std::string bytes((std::istreambuf_iterator<char>(in)), {});
            std::ofstream f(tmp_ / "trunc.pth", std::ios::binary);
            f.write(bytes.data(), std::streamsize(bytes.size() / 2));
        }
        expectError(tmp_ / "trunc.pth", "truncated");
    }
};

QTEST_GUILESS_MAIN(TestModel)
#include "test_model.moc"
