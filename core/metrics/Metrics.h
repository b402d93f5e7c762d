#pragma once
// vf::metrics — fusion-quality metrics, restoration metrics, temporal-consistency metrics
// and a streaming evaluation engine. No Qt, no LibTorch.
//
// ---------------------------------------------------------------------------------------
// Conventions
// The default convention "toolbox" reproduces the MATLAB toolbox that produced the
// VideoFusion paper's table (Linfeng-Tang/Evaluation-for-Image-Fusion, analysis_Reference.m;
// see ../shared/videofusion/SPEC.md, "The metric toolbox in detail"), quirks included:
//   * colour -> grey with MATLAB rgb2gray coefficients, rounded to uint8;
//   * EN / MI in bits; MI = MI(A,F) + MI(B,F); the joint histogram saturates grey levels
//     254 and 255 into one bin (uint8 "+1" in Hab.m);
//   * SSIM with L = 1 on [0,255] doubles (C1 = 1e-4, C2 = 9e-4), 0.5 ssim(F,A) + 0.5 ssim(F,B);
//   * VIF = vifp_mscale(A,F) + vifp_mscale(B,F) (sum);
//   * PSNR = 20 log10(255 / sqrt(MSE)) with MSE on [0,1] data (values near 60 dB);
//   * CC with the toolbox's r_BF numerator quirk (B - mean(A)); note that it changes nothing
//     but rounding, since sum(F - mean F) = 0.
// "standard" uses textbook definitions: SSIM L = 255, VIF and MI as means over the two
// sources, PSNR on [0,255] with peak 255, CC without the quirk, no 254/255 saturation.
// "nats" = toolbox but MI/EN in nats. Every result carries the Conventions it used.
//
// A = infrared source, B = visible source, F = fused image (the toolbox's order).
//
// ---------------------------------------------------------------------------------------
// Masks (region restriction). A mask is CV_8UC1 of the image size, non-zero = inside.
//   * pixel-statistics metrics (EN, SD, MI, PSNR, CC, SCD, mean intensity, flicker) use the
//     masked pixels only (histograms / means / variances over those pixels);
//   * neighbourhood metrics (SF, AG, SSIM, VIF, Qabf, Nabf, FMI) are computed on the whole
//     image (so windows near the mask edge see real context, exactly as without a mask) and
//     their per-pixel maps are then aggregated over the masked pixels only (SF: differences
//     whose two pixels are both inside; VIF: the mask is downsampled with the image and the
//     numerator / denominator sums run over masked pixels at every scale);
//   * temporal metrics average their per-pixel residual over masked pixels.
// An empty mask (cv::Mat()) means the whole image. A mask with no pixel set throws.
// AG under a mask keeps the toolbox normalisation: sum over the mask / ((r-1)(c-1)) scaled by
// r c / (masked pixel count), so a full mask gives the toolbox value.
//
// Other definitions (see ImageMetrics.cpp for the details):
//   * Qabf: analysis_Qabf.m (Sobel by conv2 'same' with zero padding, G = gF when gA == gF).
//   * Nabf: Kumar's modified fusion-artifact measure (objective_fusion_perform_fn.m, as used by
//     VIFB): Td = 2, wt_min = 0.001, Lg = 1.5, Nrg = 0.9999, kg = 19, sg = 0.5, Nra = 0.9995,
//     ka = 22, sa = 0.5; Sobel over an edge-replicated border.
//   * FMI: Haghighat's fmi.m with feature 'gradient' (MATLAB gradient(img), i.e. the x
//     derivative, as fmi.m uses it) and w = 3, evaluated in an exact closed form (Fmi.cpp;
//     equal to the literal per-window code to ~1e-15) at ~0.2 s CPU per 640x480 frame, still
//     several times the rest of the suite, so not in the default sets.
//   * Degenerate inputs where MATLAB returns NaN (0/0) give a number here: corr2 of a constant
//     image -> 0 (CC, SCD), Qabf without any gradient -> 0, VIF of textureless images -> 1 if
//     the fused image is textureless too, else 0.
// ---------------------------------------------------------------------------------------

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core.hpp>

#include "core/common/Error.h"
#include "core/common/Progress.h"

namespace vf::io {
class FrameSource;
}

namespace vf::metrics {

// ----------------------------------------------------------------------------- metric ids
enum class Metric {
    // image fusion metrics: F against A (IR) and B (visible)
    EN,
    SD,
    SF,
    AG,
    MI,
    SSIM,
    VIF,
    Qabf,
    Nabf,
    PSNR,
    CC,
    SCD,
    FMI,
    // temporal metrics: consecutive frames t-1, t
    FlowD,     // paper's flowD (visible-source flow, warp previous fused frame), lower better
    BiSWE,     // bidirectional self-warping error of the fused clip, lower better
    MS2R,      // motion-smoothness ratio against both sources, closer to 1 = better
    WarpError, // Lai et al. 2018 warping error (occlusion-masked), lower better
    Flicker,   // |mean luminance(t) - mean luminance(t-1)| of the fused clip, lower better
    FlickerIR, // the same for the infrared source (reference for Flicker)
    FlickerVI, // the same for the visible source
    // restoration metrics (restored stream against the clean reference; standard 8-bit)
    PSNR_IR,
    SSIM_IR,
    PSNR_VI,
    SSIM_VI,
};
enum class MetricKind { Image, Temporal, Restoration };

const char* metricName(Metric m);                           // "EN", "flowD", "PSNR_IR", ...
std::optional<Metric> metricFromName(const std::string& s); // case-insensitive
MetricKind metricKind(Metric m);
bool higherIsBetter(Metric m);
std::vector<Metric> imageMetrics();    // all image metrics, in enum order
std::vector<Metric> temporalMetrics(); // all temporal metrics
std::vector<Metric> paperMetrics();    // EN, MI, SD, SSIM, VIF, flowD (the paper's table)
// Parses "EN,MI,ssim" (or "all", "paper", "image", "temporal"). Throws Error(InvalidArgument)
// naming the unknown name and listing the valid ones.
std::vector<Metric> parseMetricList(const std::string& s);

// ----------------------------------------------------------------------------- conventions
enum class LogBase { Bits, Nats };
enum class SourceCombine { Sum, Mean }; // how F-vs-A and F-vs-B values are combined
enum class GrayConversion { MatlabRgb2Gray, OpenCV };

struct Conventions {
    std::string name = "toolbox";
    GrayConversion gray = GrayConversion::MatlabRgb2Gray;
    LogBase logBase = LogBase::Bits; // EN and MI
    SourceCombine miCombine = SourceCombine::Sum;
    bool miJointSaturation = true; // levels 254 and 255 share a joint bin
    double ssimDynamicRange = 1.0; // L in C1=(K1 L)^2, C2=(K2 L)^2
    SourceCombine vifCombine = SourceCombine::Sum;
    bool psnrUnitScale = true;  // MSE on [0,1] data, peak 255 (toolbox)
    bool ccToolboxQuirk = true; // r_BF numerator uses mean(A)

    static Conventions toolbox();
    static Conventions standard();
    static Conventions nats();
    // "toolbox" | "standard" | "nats". Throws Error(InvalidArgument) listing the names.
    static Conventions byName(const std::string& name);
    static std::vector<std::string> presetNames();
    bool operator==(const Conventions&) const = default;
};
nlohmann::json toJson(const Conventions& c);
Conventions conventionsFromJson(const nlohmann::json& j); // throws Error(Corrupt)

// ----------------------------------------------------------------------------- image level
// 8-bit grey as the toolbox makes it: CV_8UC1 passes through; CV_8UC3 (BGR) goes through
// MATLAB rgb2gray (rounded) or cv::cvtColor per the convention. Throws Error(Unsupported)
// for other types.
cv::Mat toGray8(const cv::Mat& image, GrayConversion how = GrayConversion::MatlabRgb2Gray);

// Values of one metric set for one frame. Missing metrics are absent from the map.
using Values = std::map<Metric, double>;

// Computes the requested image metrics of F against A (IR) and B (visible). Images may be
// 8-bit grey or BGR, all the same size (Error(Mismatch) otherwise). Intermediate results
// (grey conversion, gradients, Gaussian moments) are shared between metrics: the SSIM moments
// of F, A and B (and VIF's, per scale) come from one fused double-precision filter pass.
// The optimised kernels agree with a literal translation of the toolbox formulas to
// floating-point rounding (tests/metrics/test_metrics_reference). Temporal and restoration
// ids in `which` are ignored.
Values imageMetrics(const cv::Mat& ir, const cv::Mat& vi, const cv::Mat& fused,
                    const std::vector<Metric>& which, const Conventions& conv = {},
                    const cv::Mat& mask = {});

// Single metrics on grey 8-bit inputs (handy for tests and plots).
double entropy(const cv::Mat& gray8, const Conventions& conv = {}, const cv::Mat& mask = {});
double mutualInformation(const cv::Mat& a8, const cv::Mat& f8, const Conventions& conv = {},
                         const cv::Mat& mask = {}); // MI(A,F) for one source
double ssimSingle(const cv::Mat& x8, const cv::Mat& y8, double dynamicRange,
                  const cv::Mat& mask = {}); // mean SSIM map, MATLAB ssim()
double vifpMultiscale(const cv::Mat& ref8, const cv::Mat& dist8, const cv::Mat& mask = {});
double qabf(const cv::Mat& a8, const cv::Mat& b8, const cv::Mat& f8, const cv::Mat& mask = {});

// Restoration metrics (standard definitions on 8-bit data: PSNR = 10 log10(255^2/MSE) over
// all channels of the 8-bit images, inf when equal; SSIM = Wang et al. 2004 Gaussian 11x11
// sigma 1.5, L = 255, on the grey image (MATLAB rgb2gray)). Sizes must match.
double psnr8(const cv::Mat& restored, const cv::Mat& clean, const cv::Mat& mask = {});
double ssim8(const cv::Mat& restored, const cv::Mat& clean, const cv::Mat& mask = {});

// ----------------------------------------------------------------------------- masks
cv::Mat rectMask(cv::Size size, cv::Rect rect); // clipped to the image
cv::Mat polygonMask(cv::Size size, const std::vector<cv::Point>& polygon);

// ----------------------------------------------------------------------------- temporal
// OpenCV DIS presets (ULTRAFAST, FAST, MEDIUM) or Farneback.
enum class FlowMethod { DisFast, DisMedium, Farneback, DisUltrafast };
struct FlowOptions {
    // DIS MEDIUM by default: ~4x the cost of FAST but its flow explains the M3SVD motion
    // better (self-warp residual of the visible clip 2.43 vs 2.87 (FAST) vs 2.99 (ULTRAFAST)
    // grey levels on 0111_1716, bench/metrics/RESULTS.md); flowD needs one flow per pair.
    // The full temporal set needs 6 flows per pair: DisFast (~4x cheaper than MEDIUM) or
    // DisUltrafast (~2x cheaper again, no variational refinement) when speed matters.
    FlowMethod method = FlowMethod::DisMedium;
};
// "dis-ultrafast", "dis-fast", "dis-medium", "farneback"
const char* flowMethodName(FlowMethod m);
FlowMethod flowMethodFromName(const std::string& s); // throws Error(InvalidArgument)

// Dense flow from `from` to `to` (CV_32FC2, pixels): to(x + flow(x)) ~ from(x), so
// warpBackward(to, flow) ~ from.
// Inputs 8-bit grey or BGR (converted to grey). Thread-safe (one DIS object per call/thread).
cv::Mat computeFlow(const cv::Mat& from, const cv::Mat& to, const FlowOptions& opt = {});
// Backward warp: out(x) = img(x + flow(x)), bilinear, border replicate. Output CV_32F with
// img's channel count.
cv::Mat warpBackward(const cv::Mat& img, const cv::Mat& flow);
// Lai et al. 2018 occlusion rule for a flow f (the one used for warping) and the flow g of
// the opposite direction: a pixel is NON-occluded (255) unless
// |f + g(x+f)|^2 > 0.01 (|f|^2 + |g(x+f)|^2) + 0.5. Returns CV_8UC1.
cv::Mat consistencyMask(const cv::Mat& fw, const cv::Mat& bw);

// Per frame-pair temporal values. prev/cur are frames t-1 and t.
struct TemporalInputs {
    cv::Mat irPrev, irCur, viPrev, viCur, fusedPrev, fusedCur;
};
// Source flows (visible and IR, both directions) can be passed in precomputed, so several
// fused streams over the same sources share them. computeSourceFlows also computes what
// depends on the sources alone for the metrics asked for, over `mask`: the sources'
// self-warping errors (MS2R's denominator) and their flicker; temporalMetrics reuses those
// when it is given the same mask (the same pixel buffer, or both empty).
struct SourceFlows {
    cv::Mat viFw, viBw, irFw, irBw; // fw: t-1 -> t, bw: t -> t-1
    cv::Mat viMask, irMask;         // Lai consistency of (bw, fw), CV_8UC1, when needed
    cv::Mat mask;                   // the region the values below were computed over
    double sweIr = std::numeric_limits<double>::quiet_NaN(); // NaN: not computed
    double sweVi = std::numeric_limits<double>::quiet_NaN();
    double flickerIr = std::numeric_limits<double>::quiet_NaN();
    double flickerVi = std::numeric_limits<double>::quiet_NaN();
};
SourceFlows computeSourceFlows(const TemporalInputs& in, const std::vector<Metric>& which,
                               const FlowOptions& opt = {}, const cv::Mat& mask = {});
Values temporalMetrics(const TemporalInputs& in, const std::vector<Metric>& which,
                       const FlowOptions& opt = {}, const cv::Mat& mask = {},
                       const SourceFlows* flows = nullptr);

// flowD for one pair: flow on the visible source from t-1 to t, previous fused frame warped
// back onto t, mean over pixels of the L2 norm over channels of the residual, on [0,255]
// colour frames. Documented as DIS-based (the paper used SEA-RAFT: absolute values differ).
double flowD(const cv::Mat& viPrev, const cv::Mat& viCur, const cv::Mat& fusedPrev,
             const cv::Mat& fusedCur, const FlowOptions& opt = {}, const cv::Mat& mask = {});

// ----------------------------------------------------------------------------- frame access
// A random-access frame provider (the engine reads through core/io's FrameSource when
// available; a folder of images or a video file otherwise).
class Frames {
public:
    virtual ~Frames() = default;
    virtual int count() const = 0;
    virtual cv::Size size() const = 0;
    // 8-bit BGR or grey frame `index` (0-based). Thread-safe. Throws vf::Error. The pixels
    // may be shared with a cache of recently read frames: treat them as read-only (clone()
    // before writing).
    virtual cv::Mat read(int index) const = 0;
    virtual std::string path() const = 0;
};
// Opens a video file or a folder of images. Throws Error(NotFound/Unreadable/Unsupported).
std::shared_ptr<const Frames> openFrames(const std::filesystem::path& path);
// Wraps an already open core/io FrameSource (e.g. a resized one); concurrent readers are
// made with FrameSource::clone(). Frames are read as BGR (grey streams replicated to three
// channels, as TemCoCo's flowD reads frames as colour).
std::shared_ptr<const Frames> framesFrom(std::unique_ptr<vf::io::FrameSource> source);

// Per-frame mean intensity (grey, [0,255]) of frames [start, start+count).
std::vector<double> meanIntensityCurve(const Frames& src, int start = 0, int count = -1,
                                       const cv::Mat& mask = {},
                                       const CancelToken* cancel = nullptr);
// x-t slice: column `x` of every frame side by side (height H, width = frames), and
// y-t slice: row `y` of every frame stacked (height = frames, width W). Same type as frames.
cv::Mat xtSlice(const Frames& src, int x, int start = 0, int count = -1,
                const CancelToken* cancel = nullptr);
cv::Mat ytSlice(const Frames& src, int y, int start = 0, int count = -1,
                const CancelToken* cancel = nullptr);

// ----------------------------------------------------------------------------- engine
struct Stats {
    double mean = 0, stddev = 0, median = 0, min = 0, max = 0;
    int n = 0; // frames (or frame pairs) with a finite value
};
Stats computeStats(const std::vector<double>& values); // ignores NaN

struct StreamSpec {
    std::string name;                 // row label ("VideoFusion", "avg", ...)
    std::filesystem::path fused;      // video or image folder
    std::filesystem::path restoredIr; // optional restored IR (for PSNR_IR / SSIM_IR)
    std::filesystem::path restoredVi; // optional restored visible
};

struct EvalRequest {
    std::filesystem::path ir, vi;       // the sources F is scored against
    std::filesystem::path refIr, refVi; // optional clean references (restoration)
    std::vector<StreamSpec> streams;
    std::vector<Metric> metrics = paperMetrics();
    Conventions conventions = Conventions::toolbox();
    FlowOptions flow;
    int start = 0;      // first frame
    int count = -1;     // frames to evaluate (-1: all available)
    int threads = 0;    // 0: OpenCV's thread count (all cores); 1: serial
    int clipLength = 0; // > 0: also aggregate per clip of this many frames (StreamResult::clips)
    cv::Mat mask;       // optional region (see "Masks")
};

struct StreamResult {
    std::string name;
    std::filesystem::path path;
    // per frame: index = frame - start. Temporal metrics at frame t use the pair (t-1, t), also
    // at t = start > 0 (frame start-1 is read); NaN at frame 0 of the stream.
    std::map<Metric, std::vector<double>> perFrame;
    std::map<Metric, Stats> summary;            // over the whole sequence
    std::vector<std::map<Metric, Stats>> clips; // per clip (EvalRequest::clipLength)
};

struct EvalResult {
    Conventions conventions;
    FlowOptions flow;
    std::vector<Metric> metrics;
    int start = 0, count = 0;
    std::filesystem::path ir, vi, refIr, refVi;
    std::vector<std::string> warnings; // e.g. frame-count mismatches and what was done
    std::vector<StreamResult> streams;
    // Restoration metrics of the degraded inputs themselves (ir/vi against the refs), when
    // refs are given: the "no restoration" baseline row.
    std::optional<StreamResult> inputsAgainstRefs;
};

// Cache of computed per-frame values keyed by (stream path, frame, metric, convention).
// Shared between evaluations (the GUI keeps one); thread-safe.
class MetricCache {
public:
    MetricCache();
    ~MetricCache();
    std::optional<double> get(const std::string& stream, int frame, Metric m,
                              const std::string& convKey) const;
    void put(const std::string& stream, int frame, Metric m, const std::string& convKey, double v);
    size_t size() const;
    void clear();

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

// Runs the evaluation: frames are read through openFrames, processed in parallel on a
// thread pool, per-frame values cached. Reports progress (frames done / total) and checks
// `cancel` between frames (Error(Cancelled)). Throws vf::Error for unreadable inputs and
// size mismatches; frame-count mismatches evaluate the common prefix and add a warning.
EvalResult evaluate(const EvalRequest& req, const ProgressFn& progress = {},
                    const CancelToken& cancel = {}, MetricCache* cache = nullptr);

// Output: JSON (conventions, flow options, inputs, summary and per-frame values) and CSV
// (one row per stream and frame: stream,frame,<metric columns>). Both written atomically.
nlohmann::json toJson(const EvalResult& r, bool includePerFrame = true);
void writeJson(const EvalResult& r, const std::filesystem::path& path);
void writePerFrameCsv(const EvalResult& r, const std::filesystem::path& path);
// Plain-text table (one row per stream, mean values, arrows for direction).
std::string formatTable(const EvalResult& r);

} // namespace vf::metrics
