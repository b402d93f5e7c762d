// Tests of core/model: checkpoint reader/writer, the VideoFusion port against the official
// implementation's fixtures (outputs and per-module taps), error messages, fast path.
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

#include <torch/torch.h>

#include "core/common/Error.h"
#include "core/model/Checkpoint.h"
#include "core/model/CheckpointInfo.h"

namespace fs = std::filesystem;
using namespace vf::model;

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
