#pragma once
// Synthetic degradations of registered infrared/visible sequences (no Qt, no torch).
//
// The M3SVD recipe (the VideoFusion dataset; TemCoCo's add_stripe_noise.py / add_blur.py):
//  * infrared: x = clean/255 + n + s[col], clamp to [0,1], *255, truncate to uint8, where
//      n ~ N(0, sg^2) independently per pixel and frame (the same value on every channel),
//      sg = randint(9..15)/255 drawn once per sequence;
//      s[col] ~ N(0, ss^2) one value per column, fixed over all rows and frames of the
//      sequence, ss = randint(5..16)/255 drawn once per sequence.
//  * visible: isotropic Gaussian blur, kernel 12x12 (even), sigma ~ U(0.5, 3.5) drawn once
//      per sequence, reflection padding (BORDER_REFLECT_101), round and clamp. The kernel
//      samples x = -5..6 around the pixel (BasicSR's mesh grid for an even size), peak on
//      the pixel itself, normalised to sum 1, so the blur does not shift the image.
// Extra presets (not in M3SVD; IR gets the M3SVD noise in every preset, the visible differs):
//  * lowlight: y = a * x^g (a ~ U(0.15, 0.4), g ~ U(1.2, 2.0) per sequence), then
//      Poisson-Gaussian sensor noise: y + N(0, k*y + r^2) per pixel and frame, with shot
//      gain k ~ U(0.002, 0.01) and read noise r ~ U(2, 6)/255 per sequence; round, clamp.
//  * haze: atmospheric scattering I = J t + A (1 - t), t = exp(-beta d), airlight
//      A ~ U(0.75, 0.95), beta ~ U(0.8, 2.2) per sequence; depth proxy d(y, x) = 1 - y/(H-1)
//      (far at the top of the frame, near at the bottom: ground-level cameras) blended
//      as 0.7 d + 0.3 * blurred luminance of the clean frame (bright sky reads as far).
//
// Seeding (reproducible, frames independent of each other and of processing order):
//   sequence parameters: std::mt19937_64(mix(seed, 0xA5, streamId));
//   frame f noise:       std::mt19937_64(mix(seed, f + 1, streamId));
// where mix is SplitMix64 chaining and streamId is 1 for infrared, 2 for visible. The
// normal draws use std::normal_distribution<double> (libstdc++'s Marsaglia polar method).

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace vf::degrade {

enum class Preset { M3SVD, LowLight, Haze };

// "m3svd", "lowlight", "haze" (case-insensitive). Throws vf::Error(InvalidArgument).
Preset presetFromName(const std::string& name);
const char* presetName(Preset p);

// Ranges of the per-sequence parameters. Integer ranges are inclusive (Python
// random.randint); values in grey levels out of 255.
struct Recipe {
    Preset preset = Preset::M3SVD;
    int irGaussMin = 9, irGaussMax = 15;   // Gaussian noise sigma, levels
    int irStripeMin = 5, irStripeMax = 16; // column stripe sigma, levels
    int blurKernel = 12;                   // visible blur kernel size (even or odd)
    double blurSigmaMin = 0.5, blurSigmaMax = 3.5;
};

// Parameters drawn for one sequence (what was actually applied; written to the sidecar).
struct SequenceParams {
    Preset preset = Preset::M3SVD;
    uint64_t seed = 0;
    int width = 0, height = 0;
    double irGaussSigma = 0;           // [0,1] units
    double irStripeSigma = 0;          // [0,1] units
    std::vector<float> irColumnOffset; // width values, [0,1] units
    double blurSigma = 0;              // pixels (M3SVD)
    int blurKernel = 12;
    double lowGain = 1, lowGamma = 1, lowShot = 0, lowRead = 0; // lowlight
    double hazeAirlight = 0, hazeBeta = 0;                      // haze
    std::string toJson() const; // human-readable record (column offsets summarised)
};

// SplitMix64 chain used for all seeds (exposed for tests and the trainer).
uint64_t mixSeed(uint64_t seed, uint64_t a, uint64_t b);

// The 2-D blur kernel used by the visible M3SVD recipe (CV_64F, size x size, sums to 1).
cv::Mat gaussianKernel(int size, double sigma);

// Degrades frames of one sequence of a fixed size. Thread-safe for concurrent frames.
class SequenceDegrader {
public:
    // Throws vf::Error(InvalidArgument) for a bad size or recipe.
    SequenceDegrader(const Recipe& recipe, uint64_t seed, int width, int height);

    // Infrared: 8-bit grey or BGR (equal channels expected); result has the same type.
    cv::Mat infrared(const cv::Mat& clean, int frameIndex) const;
    // Visible: 8-bit BGR or grey; result has the same type.
    cv::Mat visible(const cv::Mat& clean, int frameIndex) const;

    const SequenceParams& params() const { return p_; }

private:
    void checkFrame(const cv::Mat& m, const char* what) const;
    SequenceParams p_;
    cv::Mat kernel_;
};

} // namespace vf::degrade
