#include "core/degrade/Degrade.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"

namespace vf::degrade {

namespace {

uint64_t splitmix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

constexpr uint64_t kIrStream = 1, kViStream = 2, kParamTag = 0xA5;

std::string lower(std::string s) {
    for (auto& c : s)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

int randint(std::mt19937_64& rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}
double uniform(std::mt19937_64& rng, double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
}

// 1-D Gaussian over BasicSR's grid for `size` (x = floor(-size/2)+1 ... floor(size/2)).
cv::Mat gaussian1d(int size, double sigma, int& anchor) {
    const int lo = int(std::floor(-size / 2.0)) + 1;
    anchor = -lo;
    cv::Mat k(size, 1, CV_64F);
    double sum = 0;
    for (int i = 0; i < size; ++i) {
        const double x = lo + i;
        k.at<double>(i) = std::exp(-x * x / (2 * sigma * sigma));
        sum += k.at<double>(i);
    }
    k /= sum;
    return k;
}

} // namespace

uint64_t mixSeed(uint64_t seed, uint64_t a, uint64_t b) {
    return splitmix(splitmix(splitmix(seed) ^ a) ^ (b * 0xD6E8FEB86659FD93ull));
}

Preset presetFromName(const std::string& name) {
    const auto n = lower(name);
    if (n == "m3svd") return Preset::M3SVD;
    if (n == "lowlight" || n == "low-light") return Preset::LowLight;
    if (n == "haze") return Preset::Haze;
    throw Error(ErrorCode::InvalidArgument,
                "unknown degradation preset '" + name + "' (expected m3svd, lowlight or haze)");
}

const char* presetName(Preset p) {
    switch (p) {
    case Preset::M3SVD:
        return "m3svd";
    case Preset::LowLight:
        return "lowlight";
    case Preset::Haze:
        return "haze";
    }
    return "?";
}

cv::Mat gaussianKernel(int size, double sigma) {
    if (size < 1 || !(sigma > 0))
        throw Error(ErrorCode::InvalidArgument,
                    "blur kernel size must be >= 1 and sigma > 0 (got " + std::to_string(size) +
                        ", " + std::to_string(sigma) + ")");
    int anchor = 0;
    cv::Mat k = gaussian1d(size, sigma, anchor);
    return k * k.t();
}

std::string SequenceParams::toJson() const {
    nlohmann::json j;
    j["preset"] = presetName(preset);
    j["seed"] = seed;
    j["width"] = width;
    j["height"] = height;
    j["infrared"] = {{"gaussian_sigma_255", irGaussSigma * 255.0},
                     {"stripe_sigma_255", irStripeSigma * 255.0}};
    if (preset == Preset::M3SVD)
        j["visible"] = {{"blur", "gaussian"}, {"kernel", blurKernel}, {"sigma", blurSigma}};
    else if (preset == Preset::LowLight)
        j["visible"] = {{"gain", lowGain},
                        {"gamma", lowGamma},
                        {"shot_gain", lowShot},
                        {"read_sigma_255", lowRead * 255.0}};
    else
        j["visible"] = {{"airlight", hazeAirlight}, {"beta", hazeBeta}};
    return j.dump(2);
}

SequenceDegrader::SequenceDegrader(const Recipe& r, uint64_t seed, int width, int height) {
    if (width < 1 || height < 1)
        throw Error(ErrorCode::InvalidArgument, "cannot degrade frames of size " +
                                                    std::to_string(width) + "x" +
                                                    std::to_string(height));
    if (r.irGaussMin < 0 || r.irGaussMax < r.irGaussMin || r.irStripeMin < 0 ||
        r.irStripeMax < r.irStripeMin || r.blurKernel < 1 || r.blurSigmaMin <= 0 ||
        r.blurSigmaMax < r.blurSigmaMin)
        throw Error(ErrorCode::InvalidArgument, "invalid degradation recipe ranges");
    p_.preset = r.preset;
    p_.seed = seed;
    p_.width = width;
    p_.height = height;
    p_.blurKernel = r.blurKernel;

    // Infrared sequence parameters (all presets).
    std::mt19937_64 irng(mixSeed(seed, kParamTag, kIrStream));
    p_.irGaussSigma = randint(irng, r.irGaussMin, r.irGaussMax) / 255.0;
    p_.irStripeSigma = randint(irng, r.irStripeMin, r.irStripeMax) / 255.0;
    std::normal_distribution<double> nd(0.0, 1.0);
    p_.irColumnOffset.resize(size_t(width));
    for (auto& v : p_.irColumnOffset)
        v = float(nd(irng) * p_.irStripeSigma);

    // Visible sequence parameters.
    std::mt19937_64 vrng(mixSeed(seed, kParamTag, kViStream));
    switch (r.preset) {
    case Preset::M3SVD: {
        p_.blurSigma = uniform(vrng, r.blurSigmaMin, r.blurSigmaMax);
        break;
    }
    case Preset::LowLight:
        p_.lowGain = uniform(vrng, 0.15, 0.4);
        p_.lowGamma = uniform(vrng, 1.2, 2.0);
        p_.lowShot = uniform(vrng, 0.002, 0.01);
        p_.lowRead = uniform(vrng, 2.0, 6.0) / 255.0;
        break;
    case Preset::Haze:
        p_.hazeAirlight = uniform(vrng, 0.75, 0.95);
        p_.hazeBeta = uniform(vrng, 0.8, 2.2);
        break;
    }
    if (r.preset == Preset::M3SVD) {
        int anchor = 0;
        kernel_ = gaussian1d(r.blurKernel, p_.blurSigma, anchor);
    }
}

void SequenceDegrader::checkFrame(const cv::Mat& m, const char* what) const {
    if (m.empty()) throw Error(ErrorCode::InvalidArgument, std::string(what) + " frame is empty");
    if (m.depth() != CV_8U || (m.channels() != 1 && m.channels() != 3))
        throw Error(ErrorCode::Unsupported, std::string(what) +
                                                " frame must be 8-bit grey or BGR (got " +
                                                std::to_string(m.channels()) + " channels, depth " +
                                                std::to_string(m.depth()) + ")");
    if (m.cols != p_.width || m.rows != p_.height)
        throw Error(ErrorCode::Mismatch, std::string(what) + " frame is " + std::to_string(m.cols) +
                                             "x" + std::to_string(m.rows) +
                                             " but the sequence is " + std::to_string(p_.width) +
                                             "x" + std::to_string(p_.height));
}

cv::Mat SequenceDegrader::infrared(const cv::Mat& clean, int frameIndex) const {
    checkFrame(clean, "infrared");
    if (frameIndex < 0) throw Error(ErrorCode::InvalidArgument, "negative frame index");
    std::mt19937_64 rng(mixSeed(p_.seed, uint64_t(frameIndex) + 1, kIrStream));
    std::normal_distribution<double> nd(0.0, 1.0);
    const int ch = clean.channels();
    cv::Mat out(clean.size(), clean.type());
    for (int y = 0; y < clean.rows; ++y) {
        const uint8_t* s = clean.ptr<uint8_t>(y);
        uint8_t* d = out.ptr<uint8_t>(y);
        for (int x = 0; x < clean.cols; ++x) {
            const double n = nd(rng) * p_.irGaussSigma + p_.irColumnOffset[size_t(x)];
            for (int c = 0; c < ch; ++c) {
                double v = s[x * ch + c] / 255.0 + n;
                v = std::clamp(v, 0.0, 1.0);
                d[x * ch + c] = uint8_t(v * 255.0); // truncation, as astype(uint8)
            }
        }
    }
    return out;
}

cv::Mat SequenceDegrader::visible(const cv::Mat& clean, int frameIndex) const {
    checkFrame(clean, "visible");
    if (frameIndex < 0) throw Error(ErrorCode::InvalidArgument, "negative frame index");
    cv::Mat f;
    clean.convertTo(f, CV_32F, 1.0 / 255.0);
    cv::Mat out;
    switch (p_.preset) {
    case Preset::M3SVD: {
        // Index of the tap at x = 0 on the grid floor(-k/2)+1 ... floor(k/2).
        const int a = int(-std::floor(-kernel_.rows / 2.0)) - 1;
        cv::Mat blurred;
        cv::sepFilter2D(f, blurred, CV_32F, kernel_, kernel_, cv::Point(a, a), 0,
                        cv::BORDER_REFLECT_101);
        blurred.convertTo(out, CV_8U, 255.0); // rounds and saturates
        break;
    }
    case Preset::LowLight: {
        std::mt19937_64 rng(mixSeed(p_.seed, uint64_t(frameIndex) + 1, kViStream));
        std::normal_distribution<double> nd(0.0, 1.0);
        out.create(clean.size(), clean.type());
        const int n = clean.cols * clean.channels();
        for (int y = 0; y < clean.rows; ++y) {
            const float* s = f.ptr<float>(y);
            uint8_t* d = out.ptr<uint8_t>(y);
            for (int i = 0; i < n; ++i) {
                const double v = p_.lowGain * std::pow(double(s[i]), p_.lowGamma);
                const double sd = std::sqrt(p_.lowShot * v + p_.lowRead * p_.lowRead);
                const double w = std::clamp(v + sd * nd(rng), 0.0, 1.0);
                d[i] = uint8_t(std::lround(w * 255.0));
            }
        }
        break;
    }
    case Preset::Haze: {
        cv::Mat lum;
        if (f.channels() == 3)
            cv::cvtColor(f, lum, cv::COLOR_BGR2GRAY);
        else
            lum = f;
        cv::GaussianBlur(lum, lum, cv::Size(0, 0), std::max(2.0, clean.cols / 40.0));
        out.create(clean.size(), clean.type());
        const int ch = clean.channels();
        const double A = p_.hazeAirlight, beta = p_.hazeBeta;
        for (int y = 0; y < clean.rows; ++y) {
            const float* s = f.ptr<float>(y);
            const float* l = lum.ptr<float>(y);
            uint8_t* d = out.ptr<uint8_t>(y);
            const double dy = clean.rows > 1 ? 1.0 - double(y) / (clean.rows - 1) : 0.5;
            for (int x = 0; x < clean.cols; ++x) {
                const double depth = 0.7 * dy + 0.3 * double(l[x]);
                const double t = std::exp(-beta * depth);
                for (int c = 0; c < ch; ++c) {
                    const double v = s[x * ch + c] * t + A * (1.0 - t);
                    d[x * ch + c] = uint8_t(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
                }
            }
        }
        break;
    }
    }
    return out;
}

} // namespace vf::degrade
