// Tests of core/degrade: the M3SVD recipes' statistics, seeding, the extra presets and the
// M3SVD folder writer.
#include <QtTest/QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <opencv2/imgcodecs.hpp>

#include "core/common/Error.h"
#include "core/degrade/Degrade.h"
#include "core/degrade/M3svd.h"
#include "tests/common/TestStats.h"

namespace fs = std::filesystem;
using namespace vf::degrade;

namespace {

double stddev(const std::vector<double>& v) {
    double m = 0;
    for (double x : v)
        m += x;
    m /= double(v.size());
    double s = 0;
    for (double x : v)
        s += (x - m) * (x - m);
    return std::sqrt(s / double(v.size()));
}

// Standard normal CDF.
double Phi(double z) {
    return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

struct ErfFit {
    double sigma = 0, x0 = 0, rms = 0;
};

// Least-squares fit of a + b * Phi((x - x0) / sigma) to a profile: grid search over sigma and
// x0, closed-form a and b for each pair.
ErfFit fitErf(const std::vector<double>& prof, double x0lo, double x0hi) {
    ErfFit best;
    best.rms = 1e30;
    const int n = int(prof.size());
    for (double s = 0.2; s <= 5.0; s += 0.005) {
        for (double x0 = x0lo; x0 <= x0hi; x0 += 0.01) {
            double sp = 0, spp = 0, sy = 0, spy = 0;
            for (int x = 0; x < n; ++x) {
                const double p = Phi((x - x0) / s);
                sp += p;
                spp += p * p;
                sy += prof[size_t(x)];
                spy += p * prof[size_t(x)];
            }
            const double det = n * spp - sp * sp;
            const double b = (n * spy - sp * sy) / det, a = (sy - b * sp) / n;
            double e = 0;
            for (int x = 0; x < n; ++x) {
                const double r = a + b * Phi((x - x0) / s) - prof[size_t(x)];
                e += r * r;
            }
            if (e < best.rms) best = {s, x0, e};
        }
    }
    best.rms = std::sqrt(best.rms / n);
    return best;
}

} // namespace

class TestDegrade : public QObject {
    Q_OBJECT
private:
    fs::path dir_;

private Q_SLOTS:
    void init() {
        dir_ = fs::temp_directory_path() / ("vf_test_degrade_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void cleanup() { fs::remove_all(dir_); }

    // Per-column stripe std and residual per-pixel noise std on a flat mid-grey sequence
    // (no clamping): the column means of (noisy - clean) over rows and frames estimate the
    // fixed column offsets; what is left after removing them is the Gaussian noise. The
    // truncation to uint8 adds a uniform error of variance 1/12 level^2 (and a -0.5 bias
    // that does not change a std).
    void irStripeAndNoiseStatistics() {
        const int W = 400, H = 120, T = 4;
        for (uint64_t seed : {1ull, 7ull, 12345ull}) {
            SequenceDegrader d(Recipe{}, seed, W, H);
            const auto& p = d.params();
            const double sg = p.irGaussSigma * 255, ss = p.irStripeSigma * 255;
            // Drawn per sequence from the integer ranges of the recipe.
            QVERIFY(sg >= 9 - 1e-9 && sg <= 15 + 1e-9 && std::abs(sg - std::round(sg)) < 1e-9);
            QVERIFY(ss >= 5 - 1e-9 && ss <= 16 + 1e-9 && std::abs(ss - std::round(ss)) < 1e-9);

            cv::Mat clean(H, W, CV_8UC3, cv::Scalar(128, 128, 128));
            std::vector<cv::Mat> noisy;
            for (int t = 0; t < T; ++t)
                noisy.push_back(d.infrared(clean, t));
            // Identical across channels.
            for (int y = 0; y < H; y += 17)
                for (int x = 0; x < W; x += 13) {
                    auto v = noisy[1].at<cv::Vec3b>(y, x);
                    QVERIFY(v[0] == v[1] && v[1] == v[2]);
                }
            std::vector<double> colMean(W, 0.0), colMeanA(W, 0.0), colMeanB(W, 0.0);
            for (int t = 0; t < T; ++t)
                for (int y = 0; y < H; ++y)
                    for (int x = 0; x < W; ++x) {
                        const double r = noisy[size_t(t)].at<cv::Vec3b>(y, x)[0] - 128.0;
                        colMean[size_t(x)] += r / (H * T);
                        (t < T / 2 ? colMeanA : colMeanB)[size_t(x)] += r / (H * T / 2);
                    }
            // The column-mean std contains sg^2/(H*T) of averaged pixel noise.
            const double expectStripe = std::sqrt(ss * ss + (sg * sg + 1.0 / 12) / (H * T));
            const double measStripe = stddev(colMean);
            QVERIFY2(std::abs(measStripe - expectStripe) < 0.12 * expectStripe,
                     qPrintable(QString("stripe std %1 vs %2").arg(measStripe).arg(expectStripe)));
            // Stripes are fixed over the sequence: frames 0-1 vs 2-3 agree.
            QVERIFY(vf::test::pearson(colMeanA, colMeanB) > 0.98);

            std::vector<double> resid;
            resid.reserve(size_t(W * H * T));
            for (int t = 0; t < T; ++t)
                for (int y = 0; y < H; ++y)
                    for (int x = 0; x < W; ++x)
                        resid.push_back(noisy[size_t(t)].at<cv::Vec3b>(y, x)[0] - 128.0 -
                                        colMean[size_t(x)]);
            const double expectNoise = std::sqrt(sg * sg + 1.0 / 12);
            const double measNoise = stddev(resid);
            QVERIFY2(std::abs(measNoise - expectNoise) < 0.03 * expectNoise,
                     qPrintable(QString("noise std %1 vs %2").arg(measNoise).arg(expectNoise)));
            // The noise changes from frame to frame (independent draws).
            QVERIFY(cv::norm(noisy[0], noisy[1], cv::NORM_L1) > 0);
        }
    }

    // Over many sequences the drawn sigmas cover exactly the inclusive integer ranges.
    void irSigmaRanges() {
        std::set<int> g, s;
        for (uint64_t seed = 0; seed < 400; ++seed) {
            SequenceDegrader d(Recipe{}, seed, 8, 8);
            g.insert(int(std::lround(d.params().irGaussSigma * 255)));
            s.insert(int(std::lround(d.params().irStripeSigma * 255)));
        }
        QCOMPARE(int(g.size()), 7);
        QCOMPARE(*g.begin(), 9);
        QCOMPARE(*g.rbegin(), 15);
        QCOMPARE(int(s.size()), 12);
        QCOMPARE(*s.begin(), 5);
        QCOMPARE(*s.rbegin(), 16);
    }

    // Truncation (not rounding) after clamping: a white frame with positive noise stays
    // 255, a black frame can only grow, and the mean of a mid-grey frame is ~0.5 below the
    // clean level plus the mean of the column offsets.
    void irClampAndTruncate() {
        SequenceDegrader d(Recipe{}, 3, 300, 100);
        cv::Mat white(100, 300, CV_8UC1, cv::Scalar(255)), black(100, 300, CV_8UC1, cv::Scalar(0));
        cv::Mat w = d.infrared(white, 0), b = d.infrared(black, 0);
        QCOMPARE(w.type(), CV_8UC1);
        double mx;
        cv::minMaxLoc(w, nullptr, &mx);
        QCOMPARE(mx, 255.0);
        QVERIFY(cv::countNonZero(b) > 0 && cv::countNonZero(b) < 300 * 100);
        cv::Mat grey(100, 300, CV_8UC1, cv::Scalar(100));
        double colOff = 0;
        for (float v : d.params().irColumnOffset)
            colOff += v * 255.0 / 300;
        double m = 0;
        for (int t = 0; t < 6; ++t)
            m += cv::mean(d.infrared(grey, t))[0] / 6;
        QVERIFY2(std::abs(m - (100 - 0.5 + colOff)) < 0.25,
                 qPrintable(QString("mean %1 expected %2").arg(m).arg(99.5 + colOff)));
    }

    // The visible blur's sigma, estimated by fitting an erf edge profile to a blurred
    // vertical step edge, matches the drawn sigma. The kernel is cut to 12 taps at
    // x = -5..6 and renormalised, which for large sigma narrows it and moves its centre
    // by its mean m: the expected fit is the std of the cut kernel (computed here from the
    // recipe: w(x) = exp(-x^2 / 2 sigma^2), x = -5..6) and the edge at 99.5 - m
    // (out(x) = sum_u w(u) in(x + u)).
    void visibleBlurSigmaFromStepEdge() {
        const int W = 200, H = 40;
        cv::Mat step(H, W, CV_8UC3, cv::Scalar(50, 50, 50));
        step(cv::Rect(100, 0, 100, H)).setTo(cv::Scalar(200, 200, 200));
        int checked = 0;
        double minS = 10, maxS = 0;
        for (uint64_t seed = 0; seed < 40 && checked < 6; ++seed) {
            SequenceDegrader d(Recipe{}, seed, W, H);
            const double s = d.params().blurSigma;
            QVERIFY(s >= 0.5 && s <= 3.5);
            minS = std::min(minS, s);
            maxS = std::max(maxS, s);
            if (seed % 6 != 0) continue; // fit a handful; the range check covers all
            double sw = 0, sx = 0, sxx = 0;
            for (int x = -5; x <= 6; ++x) {
                const double w = std::exp(-x * x / (2 * s * s));
                sw += w;
                sx += w * x;
                sxx += w * x * x;
            }
            const double mean = sx / sw, effSigma = std::sqrt(sxx / sw - mean * mean);
            cv::Mat b = d.visible(step, 0);
            QCOMPARE(b.type(), CV_8UC3);
            std::vector<double> prof;
            for (int x = 80; x < 120; ++x)
                prof.push_back(b.at<cv::Vec3b>(H / 2, x)[1]);
            const auto fit = fitErf(prof, 17.0, 22.0);
            const double x0 = fit.x0 + 80;
            QVERIFY2(std::abs(fit.sigma - effSigma) < 0.06 + 0.04 * effSigma,
                     qPrintable(QString("sigma %1: fitted %2, cut kernel %3")
                                    .arg(s)
                                    .arg(fit.sigma)
                                    .arg(effSigma)));
            QVERIFY2(std::abs(x0 - (99.5 - mean)) < 0.08,
                     qPrintable(QString("edge at %1, expected %2").arg(x0).arg(99.5 - mean)));
            QVERIFY(fit.rms < 1.5);
            // Flat regions keep their level (the kernel sums to 1).
            QCOMPARE(int(b.at<cv::Vec3b>(H / 2, 20)[0]), 50);
            QCOMPARE(int(b.at<cv::Vec3b>(H / 2, 180)[2]), 200);
            ++checked;
        }
        QVERIFY(checked >= 5);
        QVERIFY(minS < 1.2 && maxS > 2.8); // U(0.5, 3.5) over 40 sequences
    }

    void seededReproducibility() {
        cv::Mat ir(48, 64, CV_8UC3), vi(48, 64, CV_8UC3);
        cv::randu(ir, 0, 255);
        cv::randu(vi, 0, 255);
        for (Preset pr : {Preset::M3SVD, Preset::LowLight, Preset::Haze}) {
            Recipe r;
            r.preset = pr;
            SequenceDegrader a(r, 42, 64, 48), b(r, 42, 64, 48), c(r, 43, 64, 48);
            // Same seed, any order of frames: identical.
            cv::Mat a5 = a.infrared(ir, 5), a2 = a.infrared(ir, 2);
            QCOMPARE(cv::norm(a5, b.infrared(ir, 5), cv::NORM_INF), 0.0);
            QCOMPARE(cv::norm(a2, b.infrared(ir, 2), cv::NORM_INF), 0.0);
            QCOMPARE(cv::norm(a.visible(vi, 3), b.visible(vi, 3), cv::NORM_INF), 0.0);
            // Another seed differs.
            QVERIFY(cv::norm(a5, c.infrared(ir, 5), cv::NORM_L1) > 0);
            QCOMPARE(a.params().toJson(), b.params().toJson());
        }
        QVERIFY(mixSeed(1, 2, 3) != mixSeed(1, 3, 2));
    }

    void lowLightAndHaze() {
        cv::Mat vi(120, 160, CV_8UC3, cv::Scalar(120, 140, 160));
        Recipe r;
        r.preset = Preset::LowLight;
        SequenceDegrader ll(r, 9, 160, 120);
        const auto& p = ll.params();
        cv::Mat dark = ll.visible(vi, 0);
        // Mean level follows gain * x^gamma (noise has zero mean away from the clamps).
        const double expect = 255 * p.lowGain * std::pow(140 / 255.0, p.lowGamma);
        QVERIFY2(std::abs(cv::mean(dark)[1] - expect) < 1.0,
                 qPrintable(QString("%1 vs %2").arg(cv::mean(dark)[1]).arg(expect)));
        r.preset = Preset::Haze;
        SequenceDegrader hz(r, 9, 160, 120);
        cv::Mat hazy = hz.visible(vi, 0);
        // Haze pulls towards the airlight, more at the top (far) than at the bottom (near).
        const double A = 255 * hz.params().hazeAirlight;
        const double top = cv::mean(hazy.row(0))[0], bottom = cv::mean(hazy.row(119))[0];
        QVERIFY(std::abs(top - A) < std::abs(bottom - A));
        QVERIFY(top > 120 && top <= A + 1);
        QVERIFY_THROWS_EXCEPTION(vf::Error, presetFromName("fog"));
        QCOMPARE(presetFromName("LowLight"), Preset::LowLight);
    }

    void badInputsAreErrors() {
        SequenceDegrader d(Recipe{}, 1, 32, 32);
        cv::Mat wrong(16, 32, CV_8UC3, cv::Scalar(0));
        try {
            d.infrared(wrong, 0);
            QFAIL("expected an error");
        } catch (const vf::Error& e) {
            QCOMPARE(e.code(), vf::ErrorCode::Mismatch);
            QVERIFY(QString(e.what()).contains("32x16"));
        }
        cv::Mat f32(32, 32, CV_32FC3);
        QVERIFY_THROWS_EXCEPTION(vf::Error, d.visible(f32, 0));
        QVERIFY_THROWS_EXCEPTION(vf::Error, SequenceDegrader(Recipe{}, 1, 0, 10));
    }

    // Writes the M3SVD layout from a real frame folder: clean copies are pixel-equal to the
    // inputs, degraded frames carry the sequence's stripes, names match across folders.
    void writesM3svdLayout() {
        const fs::path val = fs::path(VF_SHARED_DIR) / "data/M3SVD/val";
        if (!fs::exists(val)) QSKIP("../shared/data is not available");
        const auto irIn = val / "infrared_Enhance/0114_1609",
                   viIn = val / "visible_Enhance/0114_1609";
        WriteOptions o;
        o.seed = 5;
        o.split = "val";
        o.maxFrames = 3;
        long long lastDone = 0;
        auto rep = writeM3svdSequence(
            irIn, viIn, dir_, o,
            [&](long long done, long long, const std::string&) { lastDone = done; });
        QCOMPARE(rep.frames, 3);
        QCOMPARE(lastDone, 3LL);
        QVERIFY(rep.warnings.empty());
        for (const char* f :
             {"infrared_Enhance", "infrared_noise", "visible_Enhance", "visible_Blur"}) {
            const auto files = listFrameFiles(dir_ / "val" / f / "0114_1609");
            QCOMPARE(int(files.size()), 3);
            QCOMPARE(QString::fromStdString(files[2].filename().string()), QString("0002.png"));
        }
        QVERIFY(fs::exists(dir_ / "val/degrade_0114_1609.json"));
        const auto inFiles = listFrameFiles(irIn);
        cv::Mat clean = cv::imread(inFiles[1].string());
        cv::Mat copy = cv::imread((dir_ / "val/infrared_Enhance/0114_1609/0001.png").string());
        QCOMPARE(cv::norm(clean, copy, cv::NORM_INF), 0.0);
        cv::Mat noisy = cv::imread((dir_ / "val/infrared_noise/0114_1609/0001.png").string());
        // Reproduces the degrader directly (same seed, same frame index).
        SequenceDegrader d(Recipe{}, 5, clean.cols, clean.rows);
        QCOMPARE(cv::norm(noisy, d.infrared(clean, 1), cv::NORM_INF), 0.0);
        cv::Mat blurred = cv::imread((dir_ / "val/visible_Blur/0114_1609/0001.png").string());
        cv::Mat viClean = cv::imread(listFrameFiles(viIn)[1].string());
        QCOMPARE(cv::norm(blurred, d.visible(viClean, 1), cv::NORM_INF), 0.0);
        QVERIFY(cv::norm(blurred, viClean, cv::NORM_L1) > 0);
    }

    void writerReportsMismatches() {
        const fs::path data = fs::path(VF_SHARED_DIR) / "data";
        if (!fs::exists(data)) QSKIP("../shared/data is not available");
        // Frame size mismatch: M3SVD 640x480 vs TNO 360x270.
        WriteOptions o;
        try {
            writeM3svdSequence(data / "M3SVD/val/infrared_Enhance/0114_1609", data / "TNO/Duine/vi",
                               dir_, o);
            QFAIL("expected an error");
        } catch (const vf::Error& e) {
            QCOMPARE(e.code(), vf::ErrorCode::Mismatch);
            QVERIFY(QString(e.what()).contains("360x270"));
        }
        // Frame count mismatch: the shorter one wins, with a warning naming both counts.
        const auto short2 = dir_ / "short";
        fs::create_directories(short2);
        const auto src = listFrameFiles(data / "TNO/Duine/vi");
        fs::copy_file(src[0], short2 / "a1.png");
        fs::copy_file(src[1], short2 / "a2.png");
        o.sequence = "duine";
        auto rep = writeM3svdSequence(data / "TNO/Duine/ir", short2, dir_ / "out", o);
        QCOMPARE(rep.frames, 2);
        QCOMPARE(int(rep.warnings.size()), 1);
        QVERIFY2(QString::fromStdString(rep.warnings[0]).contains("23 vs 2"),
                 rep.warnings[0].c_str());
        // Grey inputs are written as 3-channel (as M3SVD stores IR).
        cv::Mat w = cv::imread((dir_ / "out/train/infrared_noise/duine/0000.png").string(),
                               cv::IMREAD_UNCHANGED);
        QCOMPARE(w.channels(), 3);
        QVERIFY_THROWS_EXCEPTION(vf::Error, FrameReader(dir_ / "missing.mp4"));
    }

    void readsVideo() {
        const fs::path v = fs::path(VF_SHARED_DIR) / "data/M3SVD/Video/test/infrared/0111_1716.mp4";
        if (!fs::exists(v)) QSKIP("../shared/data is not available");
        auto frames = readFrames(v, 2, 3);
        QCOMPARE(int(frames.size()), 3);
        QCOMPARE(frames[0].cols, 640);
        QCOMPARE(frames[0].rows, 480);
        QCOMPARE(frames[0].type(), CV_8UC3);
        QVERIFY(naturalLess("2.png", "10.png"));
        QVERIFY(!naturalLess("10.png", "2.png"));
        QVERIFY(naturalLess("0009.png", "0010.png"));
    }
};

QTEST_GUILESS_MAIN(TestDegrade)
#include "test_degrade.moc"
