// The fusion framework without models: parameters, registry, colour policies, the clip
// schedule, padding and output conversion, and the clip runner's streaming. Expected values
// are worked out by hand in the comments.
#include <QtTest/QtTest>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/fusion/ClipRunner.h"
#include "core/fusion/FusionMethod.h"

using namespace vf::fusion;

namespace {

// A small test-local method: weighted average w*IR + (1-w)*VI, with one parameter of each
// kind so validation can be exercised.
class WeightedAverage : public FusionMethod {
public:
    std::string name() const override { return "Test-Average"; }
    std::string description() const override { return "w*ir + (1-w)*vi"; }
    std::vector<ParamSpec> params() const override {
        return {ParamSpec::real("w", "Weight", "IR weight", 0.5, 0.0, 1.0),
                ParamSpec::integer("levels", "Levels", "unused", 4, 1, 8),
                ParamSpec::boolean("flag", "Flag", "unused", false),
                ParamSpec::choice("mode", "Mode", "unused", {"fast", "exact"}, 1),
                ParamSpec::path("file", "File", "unused", "")};
    }
    cv::Mat fuseGray(const cv::Mat& ir, const cv::Mat& vi, const ParamValues& p) const override {
        const double w = paramNumber(p, "w");
        cv::Mat out;
        cv::addWeighted(ir, w, vi, 1.0 - w, 0.0, out);
        return out;
    }
};

bool throwsCode(const std::function<void()>& f, vf::ErrorCode code, const char* mustContain) {
    try {
        f();
    } catch (const vf::Error& e) {
        if (e.code() != code) return false;
        return std::string(e.what()).find(mustContain) != std::string::npos;
    }
    return false;
}

std::vector<ClipPlan> P(std::initializer_list<ClipPlan> l) {
    return l;
}

// A clip "model" that encodes where its output came from: fused value of frame t of the
// clip = (clipCounter*16 + t) / 255 in every channel, so the byte value identifies both.
struct TaggingModel {
    int calls = 0;
    std::vector<int> T, H, W;
    vf::model::ClipResult operator()(const vf::model::ClipBuffer& ir,
                                     const vf::model::ClipBuffer& vi) {
        T.push_back(ir.T), H.push_back(ir.H), W.push_back(ir.W);
        vf::model::ClipResult r;
        r.fusion = ir;
        r.ir = ir;
        r.vi = vi;
        const size_t plane = size_t(ir.H) * size_t(ir.W);
        for (int t = 0; t < ir.T; ++t)
            for (size_t i = 0; i < 3 * plane; ++i)
                r.fusion.data[size_t(t) * 3 * plane + i] = float(calls * 16 + t) / 255.0f;
        ++calls;
        return r;
    }
};

} // namespace

class TestFusionFramework : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void paramsDefaultsAndValidation() {
        WeightedAverage m;
        ParamValues p = resolveParams(m.params(), {}, m.name());
        QCOMPARE(paramNumber(p, "w"), 0.5);
        QCOMPARE(paramInt(p, "levels"), 4);
        QCOMPARE(paramBool(p, "flag"), false);
        QCOMPARE(QString::fromStdString(paramString(p, "mode")), QString("exact"));
        QCOMPARE(QString::fromStdString(paramString(p, "file")), QString(""));

        // Choice by index and case-insensitively by name.
        p = resolveParams(m.params(), {{"mode", 0.0}}, m.name());
        QCOMPARE(QString::fromStdString(paramString(p, "mode")), QString("fast"));
        p = resolveParams(m.params(), {{"mode", std::string("EXACT")}}, m.name());
        QCOMPARE(QString::fromStdString(paramString(p, "mode")), QString("exact"));

        // Errors name key, value and range.
        QVERIFY(throwsCode(
            [&] {
                resolveParams(m.params(), {{"w", 1.5}}, m.name());
            },
            vf::ErrorCode::InvalidArgument, "'w' = 1.5 is out of range [0, 1]"));
        QVERIFY(throwsCode(
            [&] {
                resolveParams(m.params(), {{"levels", 2.5}}, m.name());
            },
            vf::ErrorCode::InvalidArgument, "whole number in [1, 8]"));
        QVERIFY(throwsCode(
            [&] {
                resolveParams(m.params(), {{"levels", 9.0}}, m.name());
            },
            vf::ErrorCode::InvalidArgument, "'levels' = 9 is out of range [1, 8]"));
        QVERIFY(throwsCode(
            [&] {
                resolveParams(m.params(), {{"sigma", 1.0}}, m.name());
            },
            vf::ErrorCode::InvalidArgument, "unknown parameter 'sigma'"));
        QVERIFY(throwsCode(
            [&] {
                resolveParams(m.params(), {{"mode", std::string("slow")}}, m.name());
            },
            vf::ErrorCode::InvalidArgument, "not one of {fast, exact}"));
        QVERIFY(throwsCode(
            [&] {
                resolveParams(m.params(), {{"flag", 2.0}}, m.name());
            },
            vf::ErrorCode::InvalidArgument, "boolean"));
        QVERIFY(throwsCode(
            [&] {
                resolveParams(m.params(), {{"w", std::string("abc")}}, m.name());
            },
            vf::ErrorCode::InvalidArgument, "must be a number"));

        // Text forms (CLI).
        auto [k, v] = parseParamAssignment(m.params(), "w=0.25", m.name());
        QCOMPARE(QString::fromStdString(k), QString("w"));
        QCOMPARE(std::get<double>(v), 0.25);
        QCOMPARE(std::get<double>(parseParamAssignment(m.params(), "flag=yes").second), 1.0);
        QVERIFY(throwsCode([&] { parseParamAssignment(m.params(), "w=0.2x"); },
                           vf::ErrorCode::InvalidArgument, "not a number"));
        QVERIFY(throwsCode([&] { parseParamAssignment(m.params(), "w"); },
                           vf::ErrorCode::InvalidArgument, "key=value"));
        QCOMPARE(QString::fromStdString(m.params()[0].rangeAsText()), QString("[0, 1]"));
        QCOMPARE(QString::fromStdString(m.params()[3].defaultAsText()), QString("exact"));
    }

    void registry() {
        MethodRegistry reg;
        reg.add(std::make_shared<WeightedAverage>());
        QVERIFY(reg.find("test-average") != nullptr); // case-insensitive
        QVERIFY(reg.find("TEST-AVERAGE") != nullptr);
        QVERIFY(reg.find("nope") == nullptr);
        QVERIFY(throwsCode([&] { reg.get("nope"); }, vf::ErrorCode::NotFound,
                           "available: Test-Average"));
        QVERIFY(throwsCode([&] { reg.add(std::make_shared<WeightedAverage>()); },
                           vf::ErrorCode::InvalidArgument, "registered twice"));
        ConfiguredMethod c = reg.create("test-average", {{"w", 1.0}});
        QCOMPARE(paramNumber(c.params, "w"), 1.0);
        QCOMPARE(paramInt(c.params, "levels"), 4); // defaults filled in
        QVERIFY(throwsCode(
            [&] {
                reg.create("test-average", {{"w", -1.0}});
            },
            vf::ErrorCode::InvalidArgument, "out of range"));

        // The built-in registry holds the learned methods, each with a name, a description
        // and defaults inside their ranges.
        const MethodRegistry& b = MethodRegistry::builtin();
        for (const char* n : {"videofusion", "videofusion-frame", "seafusion", "torchscript"})
            QVERIFY2(b.contains(n), n);
        QVERIFY(b.get("VideoFusion")->kind() == MethodKind::Video);
        for (const char* n : {"videofusion", "videofusion-frame", "seafusion", "torchscript"}) {
            auto m = b.get(n);
            QVERIFY(!m->name().empty());
            QVERIFY(!m->description().empty());
            resolveParams(m->params(), {}, m->name()); // defaults are in range
        }
    }

    void colourPolicies() {
        // Visible: low-saturation colour gradient; IR: another gradient.
        cv::Mat vi(20, 24, CV_8UC3), ir(20, 24, CV_8UC1);
        for (int y = 0; y < vi.rows; ++y)
            for (int x = 0; x < vi.cols; ++x) {
                vi.at<cv::Vec3b>(y, x) =
                    cv::Vec3b(uchar(90 + 2 * x), uchar(100 + 2 * y), uchar(110 + x + y));
                ir.at<uchar>(y, x) = uchar(60 + 5 * x);
            }
        WeightedAverage m;
        // LumaY: Y(out) = (Y(vi) + ir)/2, chroma(out) = chroma(vi) (within rounding).
        cv::Mat out = fuseFrame(m, ir, vi, {}, ColorPolicy::LumaY);
        QCOMPARE(out.type(), CV_8UC3);
        cv::Mat yccOut, yccVi;
        cv::cvtColor(out, yccOut, cv::COLOR_BGR2YCrCb);
        cv::cvtColor(vi, yccVi, cv::COLOR_BGR2YCrCb);
        for (int y = 0; y < vi.rows; ++y)
            for (int x = 0; x < vi.cols; ++x) {
                cv::Vec3b o = yccOut.at<cv::Vec3b>(y, x), v = yccVi.at<cv::Vec3b>(y, x);
                const cv::Vec3b bgr = vi.at<cv::Vec3b>(y, x);
                double yv = 0.299 * bgr[2] + 0.587 * bgr[1] + 0.114 * bgr[0];
                double expectY = (yv + ir.at<uchar>(y, x)) / 2.0;
                QVERIFY2(std::abs(o[0] - expectY) <= 1.5, "Y = (Y_vi + IR) / 2");
                QVERIFY2(std::abs(int(o[1]) - int(v[1])) <= 2, "Cr kept");
                QVERIFY2(std::abs(int(o[2]) - int(v[2])) <= 2, "Cb kept");
            }
        // PerChannel: each channel = (c + ir)/2, rounded.
        out = fuseFrame(m, ir, vi, {}, ColorPolicy::PerChannel);
        for (int y = 0; y < vi.rows; ++y)
            for (int x = 0; x < vi.cols; ++x)
                for (int c = 0; c < 3; ++c) {
                    double e = (vi.at<cv::Vec3b>(y, x)[c] + ir.at<uchar>(y, x)) / 2.0;
                    QVERIFY(std::abs(out.at<cv::Vec3b>(y, x)[c] - e) <= 0.5 + 1e-6);
                }
        // Grey visible: grey out, (vi + ir)/2; IR given as 3 equal channels works the same.
        cv::Mat viG(20, 24, CV_8UC1, cv::Scalar(200)), ir3;
        cv::cvtColor(ir, ir3, cv::COLOR_GRAY2BGR);
        for (ColorPolicy pol : {ColorPolicy::LumaY, ColorPolicy::PerChannel}) {
            out = fuseFrame(m, ir3, viG, {{"w", 0.25}}, pol);
            QCOMPARE(out.type(), CV_8UC1);
            for (int x = 0; x < 24; ++x) {
                double e = 0.25 * (60 + 5 * x) + 0.75 * 200;
                QVERIFY(std::abs(out.at<uchar>(3, x) - e) <= 0.5 + 1e-6);
            }
        }
        // Errors: size mismatch names both sizes; bad params name the key.
        QVERIFY(throwsCode([&] { fuseFrame(m, ir, cv::Mat(10, 10, CV_8UC3), {}); },
                           vf::ErrorCode::Mismatch, "24x20 vs 10x10"));
        QVERIFY(throwsCode(
            [&] {
                fuseFrame(m, ir, vi, {{"w", 3.0}});
            },
            vf::ErrorCode::InvalidArgument, "'w'"));
    }

    void clipSchedule() {
        // n=10, N=7: clip [0,7) then the last 7 frames [3,10); the later clip overwrites 3..6.
        QCOMPARE(planClips(10, 7, 0), P({{0, 7, 0, 3}, {3, 7, 3, 10}}));
        // n=5 < N: one clip of all frames.
        QCOMPARE(planClips(5, 7, 0), P({{0, 5, 0, 5}}));
        // n=14: two exact clips, no extra clip.
        QCOMPARE(planClips(14, 7, 0), P({{0, 7, 0, 7}, {7, 7, 7, 14}}));
        // n=9: [0,7), [2,9): frames 0,1 from the first clip, 2..8 from the second.
        QCOMPARE(planClips(9, 7, 0), P({{0, 7, 0, 2}, {2, 7, 2, 9}}));
        // n=7: exactly one clip.
        QCOMPARE(planClips(7, 7, 0), P({{0, 7, 0, 7}}));
        // Official with overlap 2 (stride 5), n=12: starts 0, 5; 5+7=12 fits exactly.
        QCOMPARE(planClips(12, 7, 2), P({{0, 7, 0, 5}, {5, 7, 5, 12}}));
        // Centre windows, N=7, K=4 (stride 3), n=13: starts 0,3,6; 6+7=13 fits.
        // Overlap of [0,7) and [3,10) is 3..6: 3,4 from the first, 5,6 from the second;
        // of [3,10) and [6,13): 6..9 -> 6,7 from the second, 8,9 from the third.
        QCOMPARE(planClips(13, 7, 4, ClipWindow::Centre),
                 P({{0, 7, 0, 5}, {3, 7, 5, 8}, {6, 7, 8, 13}}));
        // Centre with a last clip: n=10, N=7, K=0: [0,7), [3,10) overlap 3..6 -> 3,4 first.
        QCOMPARE(planClips(10, 7, 0, ClipWindow::Centre), P({{0, 7, 0, 5}, {3, 7, 5, 10}}));
        // One frame: a single clip (the runner repeats the frame).
        QCOMPARE(planClips(1, 7, 0), P({{0, 1, 0, 1}}));
        QVERIFY(
            throwsCode([] { planClips(10, 1, 0); }, vf::ErrorCode::InvalidArgument, "at least 2"));
        QVERIFY(throwsCode([] { planClips(10, 7, 7); }, vf::ErrorCode::InvalidArgument,
                           "overlap must be in [0, 6]"));
    }

    void paddingAndConversion() {
        // 1 frame, 3x5 grey ramp v(y,x) = 10*y + x (bytes); padded to 4x8.
        cv::Mat g(3, 5, CV_8UC1);
        for (int y = 0; y < 3; ++y)
            for (int x = 0; x < 5; ++x)
                g.at<uchar>(y, x) = uchar(10 * y + x);
        vf::model::ClipBuffer c;
        appendFrame(c, g);
        QCOMPARE(c.T, 1);
        vf::model::ClipBuffer p = padClip(c, roundUpTo4(3), roundUpTo4(5));
        QCOMPARE(p.H, 4);
        QCOMPARE(p.W, 8);
        // Reflect without edge repeat: columns 5,6,7 mirror 3,2,1; row 3 mirrors row 1.
        const int expectX[8] = {0, 1, 2, 3, 4, 3, 2, 1};
        const int expectY[4] = {0, 1, 2, 1};
        for (int ch = 0; ch < 3; ++ch)
            for (int y = 0; y < 4; ++y)
                for (int x = 0; x < 8; ++x) {
                    float v = p.data[size_t(ch * 32 + y * 8 + x)];
                    QCOMPARE(std::lround(v * 255.0f), long(10 * expectY[y] + expectX[x]));
                }
        // BGR -> RGB planes.
        cv::Mat bgr(1, 1, CV_8UC3, cv::Scalar(10, 20, 30));
        vf::model::ClipBuffer cb;
        appendFrame(cb, bgr);
        QCOMPARE(std::lround(cb.data[0] * 255), 30L); // R
        QCOMPARE(std::lround(cb.data[2] * 255), 10L); // B

        // Min-max per frame over all channels (binary fractions: exact float arithmetic).
        // R = {0.25, 0.75}, G = {0.375, 0.5}, B = {0.625, 0.3125}: min 0.25, max 0.75.
        vf::model::ClipBuffer f;
        f.T = 1, f.H = 1, f.W = 2;
        f.data = {0.25f, 0.75f, /*G*/ 0.375f, 0.5f, /*B*/ 0.625f, 0.3125f};
        cv::Mat m = clipFrameToMat(f, 0, 1, 2, Stretch::MinMax);
        // pixel 0: R 0 -> 0; G 0.25*255 = 63.75 -> 64; B 0.75*255 = 191.25 -> 191
        QCOMPARE(m.at<cv::Vec3b>(0, 0), cv::Vec3b(191, 64, 0));
        // pixel 1: R -> 255; G 0.5*255 = 127.5 -> 128 (half to even); B 0.125*255 = 31.875 -> 32
        QCOMPARE(m.at<cv::Vec3b>(0, 1), cv::Vec3b(32, 128, 255));
        m = clipFrameToMat(f, 0, 1, 2, Stretch::Clamp);
        // 0.25*255 = 63.75 -> 64; 0.375*255 = 95.625 -> 96; 0.625*255 = 159.375 -> 159
        QCOMPARE(m.at<cv::Vec3b>(0, 0), cv::Vec3b(159, 96, 64));
        // 0.75*255 = 191.25 -> 191; 0.5*255 = 127.5 -> 128; 0.3125*255 = 79.6875 -> 80
        QCOMPARE(m.at<cv::Vec3b>(0, 1), cv::Vec3b(80, 128, 191));
        // Crop to the first column: min 0.25 (R), max 0.625 (B); G = 0.125/0.375*255 = 85.
        m = clipFrameToMat(f, 0, 1, 1, Stretch::MinMax);
        QCOMPARE(m.cols, 1);
        QCOMPARE(m.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 85, 0));
    }

    void runnerStreamsFramesFromTheRightClip() {
        // 9 frames of 6x5 (not multiples of 4), N = 7: clips [0,7) and [2,9).
        std::vector<cv::Mat> ir, vi;
        for (int i = 0; i < 9; ++i) {
            ir.push_back(cv::Mat(5, 6, CV_8UC1, cv::Scalar(i)));
            vi.push_back(cv::Mat(5, 6, CV_8UC3, cv::Scalar(i, i, i)));
        }
        MemoryPairSequence seq(ir, vi);
        TaggingModel model;
        std::vector<bool> restoredAsked; // what the runner asked of the model per clip
        ClipRunner runner([&](const vf::model::ClipBuffer& a, const vf::model::ClipBuffer& b,
                              const vf::model::TapRequest& req, const vf::CancelToken*) {
            restoredAsked.push_back(req.restored);
            return model(a, b);
        });
        ClipRunnerOptions o;
        o.stretch = Stretch::Clamp;
        o.wantRestored = true;
        std::vector<int> order, value;
        SequenceStats st = runner.run(seq, o, [&](const FusedFrame& f) {
            QCOMPARE(f.fused.size(), cv::Size(6, 5)); // cropped back
            order.push_back(f.index);
            value.push_back(f.fused.at<cv::Vec3b>(4, 5)[0]);
            // restored IR is the (padded, cropped) input: frame index everywhere
            QCOMPARE(int(f.restoredIr.at<cv::Vec3b>(4, 5)[1]), f.index);
        });
        QCOMPARE(st.frames, 9);
        QCOMPARE(model.calls, 2);
        QCOMPARE(model.T, std::vector<int>({7, 7}));
        QCOMPARE(model.H, std::vector<int>({8, 8})); // 5 -> 8
        QCOMPARE(model.W, std::vector<int>({8, 8})); // 6 -> 8
        QCOMPARE(order, std::vector<int>({0, 1, 2, 3, 4, 5, 6, 7, 8}));
        // frames 0,1: clip 0, t=0,1; frames 2..8: clip 1 (tag 16), t = 0..6
        QCOMPARE(value, std::vector<int>({0, 1, 16, 17, 18, 19, 20, 21, 22}));
        QCOMPARE(restoredAsked, std::vector<bool>({true, true}));
        // Without restored frames wanted the model is asked for the fused clip only, and the
        // frames carry no restored images.
        restoredAsked.clear();
        o.wantRestored = false;
        runner.run(seq, o, [&](const FusedFrame& f) { QVERIFY(f.restoredIr.empty()); });
        QCOMPARE(restoredAsked, std::vector<bool>({false, false}));
        o.wantRestored = true;

        // start/count select a span; a single frame is run as a 2-frame clip.
        TaggingModel m2;
        ClipRunner r2([&](const vf::model::ClipBuffer& a, const vf::model::ClipBuffer& b,
                          const vf::model::TapRequest&,
                          const vf::CancelToken*) { return m2(a, b); });
        SequenceOptions so;
        so.start = 4;
        so.count = 1;
        std::vector<int> idx;
        r2.run(
            seq, o, [&](const FusedFrame& f) { idx.push_back(f.index); }, so);
        QCOMPARE(idx, std::vector<int>({4}));
        QCOMPARE(m2.T, std::vector<int>({2}));

        // Cancel before the first clip.
        vf::CancelToken cancel;
        cancel.cancel();
        so = {};
        so.cancel = &cancel;
        QVERIFY(
            throwsCode([&] { runner.run(seq, o, {}, so); }, vf::ErrorCode::Cancelled, "cancel"));
        // Preview scale 2 and a ROI: 4x4 ROI at scale 2 -> 2x2 outputs.
        TaggingModel m3;
        ClipRunner r3([&](const vf::model::ClipBuffer& a, const vf::model::ClipBuffer& b,
                          const vf::model::TapRequest&,
                          const vf::CancelToken*) { return m3(a, b); });
        o.roi = cv::Rect(1, 1, 4, 4);
        o.previewScale = 2;
        r3.run(seq, o, [&](const FusedFrame& f) { QCOMPARE(f.fused.size(), cv::Size(2, 2)); });
        QCOMPARE(m3.H.front(), 4);
    }
};

QTEST_GUILESS_MAIN(TestFusionFramework)
#include "test_fusion_framework.moc"
