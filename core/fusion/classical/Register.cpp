// Registration of the classical baselines with the fusion framework, and their sequence
// runner: several frames fused at once (one per core), outputs delivered in order.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/fusion/FusionMethod.h"
#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion {

namespace {

using namespace classical;

class ClassicalMethod final : public FusionMethod {
public:
    using Fn = std::function<cv::Mat(const cv::Mat&, const cv::Mat&, const ParamValues&)>;
    ClassicalMethod(std::string name, std::string display, std::string description,
                    std::vector<ParamSpec> params, Fn fn)
        : name_(std::move(name)), display_(std::move(display)),
          description_(std::move(description)), params_(std::move(params)), fn_(std::move(fn)) {}

    std::string name() const override { return name_; }
    std::string displayName() const override { return display_; }
    std::string description() const override { return description_; }
    std::vector<ParamSpec> params() const override { return params_; }
    cv::Mat fuseGray(const cv::Mat& ir, const cv::Mat& vi,
                     const ParamValues& params) const override {
        return fn_(ir, vi, params);
    }
    SequenceStats fuseSequence(PairSequence& seq, const ParamValues& params, const FrameSink& sink,
                               const SequenceOptions& options) const override;

private:
    std::string name_, display_, description_;
    std::vector<ParamSpec> params_;
    Fn fn_;
};

// Frame-parallel sequence run. The calling thread reads the frames in order (sources need
// not be thread-safe), hands them to W = cv::getNumThreads() worker threads (one frame
// each, run with detail::tlSerial so a frame stays on its thread), and delivers the fused
// frames to the sink in order, also on the calling thread, with progress and cancellation
// checked between frames. At most W + 1 frames are held at once, so the frames that
// PairSequence::read returns must stay valid after the next read (true of every
// implementation: MemoryPairSequence shares its stored frames, SourcePairSequence returns
// fresh ones from FrameSource::read, the GUI's JobPairSequence copies into the caller's
// Mat). With one OpenCV thread, or a single frame, frames are fused one after the other by
// the default runner.
SequenceStats ClassicalMethod::fuseSequence(PairSequence& seq, const ParamValues& params,
                                            const FrameSink& sink, const SequenceOptions& o) const {
    const int workers = std::min(cv::getNumThreads(), 16);
    const auto [first, count] = sequenceSpan(seq, o);
    if (workers <= 1 || count <= 1) return FusionMethod::fuseSequence(seq, params, sink, o);
    const ParamValues resolved = resolveParams(this->params(), params, name());
    const ColorPolicy policy = defaultColorPolicy();

    struct Slot {
        int index = 0;
        cv::Mat ir, vi, fused;
        std::exception_ptr error;
        bool done = false;
    };
    std::mutex mu;
    std::condition_variable workCv, doneCv;
    std::deque<Slot*> todo;
    bool stop = false;
    std::vector<std::thread> pool;
    // Declared before the joiner: destroyed after the workers have stopped.
    std::deque<std::unique_ptr<Slot>> inFlight;
    // Stops and joins the workers on every exit path (a frame in progress is finished).
    struct Joiner {
        std::mutex& mu;
        std::condition_variable& cv;
        bool& stop;
        std::vector<std::thread>& pool;
        ~Joiner() {
            {
                std::lock_guard lock(mu);
                stop = true;
            }
            cv.notify_all();
            for (auto& t : pool)
                t.join();
        }
    } joiner{mu, workCv, stop, pool};
    for (int w = 0; w < workers; ++w)
        pool.emplace_back([&] {
            classical::detail::tlSerial = true;
            for (;;) {
                Slot* s = nullptr;
                {
                    std::unique_lock lock(mu);
                    workCv.wait(lock, [&] { return stop || !todo.empty(); });
                    if (stop) return;
                    s = todo.front();
                    todo.pop_front();
                }
                try {
                    s->fused = fuseFrame(*this, s->ir, s->vi, resolved, policy);
                } catch (...) {
                    s->error = std::current_exception();
                }
                s->ir.release();
                s->vi.release();
                {
                    std::lock_guard lock(mu);
                    s->done = true;
                }
                doneCv.notify_all();
            }
        });

    const auto t0 = std::chrono::steady_clock::now();
    SequenceStats st;
    auto deliverFront = [&] {
        Slot* s = inFlight.front().get();
        {
            std::unique_lock lock(mu);
            doneCv.wait(lock, [&] { return s->done; });
        }
        if (s->error) std::rethrow_exception(s->error);
        FusedFrame f;
        f.index = s->index;
        f.fused = std::move(s->fused);
        inFlight.pop_front();
        if (sink) sink(f);
        ++st.frames;
        if (o.progress) o.progress(st.frames, count, name() + ": frame " + std::to_string(f.index));
    };
    for (int i = 0; i < count; ++i) {
        if (o.cancel) o.cancel->check();
        auto slot = std::make_unique<Slot>();
        slot->index = first + i;
        seq.read(first + i, slot->ir, slot->vi);
        {
            std::lock_guard lock(mu);
            todo.push_back(slot.get());
        }
        inFlight.push_back(std::move(slot));
        workCv.notify_one();
        while (static_cast<int>(inFlight.size()) > workers)
            deliverFront();
    }
    while (!inFlight.empty()) {
        if (o.cancel) o.cancel->check();
        deliverFront();
    }
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return st;
}

// Parameter value or the spec default when absent (fuseGray may be called directly with an
// unresolved set).
double num(const ParamValues& p, const std::string& key, double def) {
    auto it = p.find(key);
    if (it == p.end()) return def;
    if (const double* d = std::get_if<double>(&it->second)) return *d;
    throw Error(ErrorCode::InvalidArgument, "parameter '" + key + "' must be a number");
}
int inum(const ParamValues& p, const std::string& key, int def) {
    return static_cast<int>(std::lround(num(p, key, def)));
}

ParamSpec levelsSpec(int def, int lo, int hi) {
    return ParamSpec::integer("levels", "Levels", "Number of decomposition levels", def, lo, hi);
}

void add(MethodRegistry& reg, std::string name, std::string display, std::string description,
         std::vector<ParamSpec> params, ClassicalMethod::Fn fn) {
    reg.add(std::make_shared<ClassicalMethod>(std::move(name), std::move(display),
                                              std::move(description), std::move(params),
                                              std::move(fn)));
}

} // namespace

void registerClassicalMethods(MethodRegistry& reg) {
    add(reg, "average", "Average", "Pixel-wise mean of IR and visible.", {},
        [](const cv::Mat& a, const cv::Mat& b, const ParamValues&) { return fuseAverage(a, b); });
    add(reg, "maximum", "Maximum", "Pixel-wise maximum of IR and visible.", {},
        [](const cv::Mat& a, const cv::Mat& b, const ParamValues&) { return fuseMaximum(a, b); });
    add(reg, "pca", "PCA",
        "Weighted mean with weights from the principal component of the two "
        "images' covariance (KL transform).",
        {}, [](const cv::Mat& a, const cv::Mat& b, const ParamValues&) { return fusePca(a, b); });

    add(reg, "lp", "LP (Burt-Adelson)",
        "Laplacian pyramid; base averaged, detail by choose-max with consistency check "
        "(Burt & Adelson 1983; Rockinger's toolbox).",
        {levelsSpec(4, 1, 8)}, [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            return fuseLaplacian(a, b, {inum(p, "levels", 4)});
        });
    add(reg, "rp", "RP (ratio pyramid)",
        "Ratio-of-low-pass pyramid; base averaged, contrast by choose-max with consistency "
        "check (Toet 1989).",
        {levelsSpec(4, 1, 8)}, [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            return fuseRatio(a, b, {inum(p, "levels", 4)});
        });
    add(reg, "dwt", "DWT (Haar)",
        "Haar discrete wavelet transform; base averaged, detail bands by choose-max with "
        "consistency check (Li, Manjunath & Mitra 1995).",
        {levelsSpec(4, 1, 8)}, [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            return fuseDwt(a, b, {inum(p, "levels", 4)});
        });
    add(reg, "gff", "GFF",
        "Guided filtering based two-scale fusion (Li, Kang & Hu, IEEE TIP 2013).",
        {ParamSpec::integer("r1", "Base radius", "Guided filter radius of the base weights", 45, 1,
                            200),
         ParamSpec::real("eps1", "Base eps", "Guided filter regularisation of the base weights",
                         0.3, 1e-9, 10),
         ParamSpec::integer("r2", "Detail radius", "Guided filter radius of the detail weights", 7,
                            1, 100),
         ParamSpec::real("eps2", "Detail eps", "Guided filter regularisation of the detail weights",
                         1e-6, 1e-9, 10)},
        [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            GffParams g;
            g.r1 = inum(p, "r1", g.r1);
            g.eps1 = num(p, "eps1", g.eps1);
            g.r2 = inum(p, "r2", g.r2);
            g.eps2 = num(p, "eps2", g.eps2);
            return fuseGff(a, b, g);
        });
    add(reg, "cbf", "CBF",
        "Cross bilateral filter; pixel significance from detail covariance (Shreyamsha Kumar, "
        "SIVP 2015).",
        {ParamSpec::real("sigma_s", "Spatial sigma", "Cross bilateral spatial sigma (pixels)", 1.8,
                         0.1, 20),
         ParamSpec::real("sigma_r", "Range sigma", "Cross bilateral range sigma (grey levels)", 25,
                         0.1, 255),
         ParamSpec::integer("ksize", "Kernel size", "Cross bilateral window (odd)", 11, 1, 41),
         ParamSpec::integer("cov_window", "Covariance window",
                            "Window of the covariance weights (odd)", 5, 3, 21)},
        [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            CbfParams c;
            c.sigmaS = num(p, "sigma_s", c.sigmaS);
            c.sigmaR = num(p, "sigma_r", c.sigmaR);
            c.ksize = inum(p, "ksize", c.ksize);
            c.covWindow = inum(p, "cov_window", c.covWindow);
            return fuseCbf(a, b, c);
        });
    add(reg, "adf", "ADF",
        "Anisotropic diffusion two-scale split with KL-transform detail weights (Bavirisetti & "
        "Dhuli, IEEE Sensors J. 2016).",
        {ParamSpec::integer("iterations", "Iterations", "Diffusion iterations", 10, 0, 100),
         ParamSpec::real(
             "dt", "Time step",
             "Diffusion time step (VIFB uses 0.15, above the 1/7 bound of the explicit scheme)",
             0.15, 0.001, 0.25),
         ParamSpec::real("kappa", "Kappa", "Conduction threshold (grey levels)", 30, 0.1, 255)},
        [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            AdfParams d;
            d.iterations = inum(p, "iterations", d.iterations);
            d.deltaT = num(p, "dt", d.deltaT);
            d.kappa = num(p, "kappa", d.kappa);
            return fuseAdf(a, b, d);
        });
    add(reg, "tif", "TIF",
        "Two-scale fusion with mean/median saliency detail weights (Bavirisetti & Dhuli, "
        "Infrared Phys. Technol. 2016).",
        {ParamSpec::integer("mean_size", "Mean size", "Base-layer mean filter size (odd)", 35, 3,
                            101),
         ParamSpec::integer("median_size", "Median size", "Saliency median size (3 or 5)", 3, 3,
                            5)},
        [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            TifParams t;
            t.meanSize = inum(p, "mean_size", t.meanSize);
            t.medianSize = inum(p, "median_size", t.medianSize);
            return fuseTif(a, b, t);
        });
    add(reg, "mgff", "MGFF",
        "Multi-scale guided filter decomposition with saliency detail weights (Bavirisetti et "
        "al., CSSP 2019).",
        {ParamSpec::integer("radius", "Radius", "Guided filter radius", 9, 1, 100),
         ParamSpec::real("eps", "Eps", "Guided filter regularisation (squared grey levels)", 1e3,
                         1e-3, 1e6),
         levelsSpec(4, 1, 10)},
        [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            MgffParams m;
            m.radius = inum(p, "radius", m.radius);
            m.eps = num(p, "eps", m.eps);
            m.levels = inum(p, "levels", m.levels);
            return fuseMgff(a, b, m);
        });
    add(reg, "gtf", "GTF",
        "Gradient transfer fusion: TV-L1 model solved by primal-dual iterations (Ma et al., "
        "Information Fusion 2016).",
        {ParamSpec::real("lambda", "Lambda", "TV weight", 4, 0.01, 100),
         ParamSpec::integer("iterations", "Iterations", "Primal-dual iterations at full resolution",
                            120, 1, 5000),
         ParamSpec::integer("scales", "Scales", "Coarse-to-fine scales", 3, 1, 6)},
        [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            GtfParams g;
            g.lambda = num(p, "lambda", g.lambda);
            g.iterations = inum(p, "iterations", g.iterations);
            g.scales = inum(p, "scales", g.scales);
            return fuseGtf(a, b, g);
        });
    add(reg, "hybrid-msd", "Hybrid-MSD",
        "Hybrid multi-scale decomposition with Gaussian and bilateral filters, perceptual IR "
        "injection (Zhou et al., Information Fusion 2016).",
        {levelsSpec(4, 1, 6),
         ParamSpec::real("lambda", "Lambda", "IR saliency gain", 30, 0.01, 1e4),
         ParamSpec::real("sigma_s", "Spatial sigma", "First-level spatial sigma", 2, 0.5, 10),
         ParamSpec::real("sigma_r", "Range sigma", "First-level range sigma ([0,1])", 0.05, 0.001,
                         1)},
        [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            HybridMsdParams h;
            h.levels = inum(p, "levels", h.levels);
            h.lambda = num(p, "lambda", h.lambda);
            h.sigmaS = num(p, "sigma_s", h.sigmaS);
            h.sigmaR = num(p, "sigma_r", h.sigmaR);
            return fuseHybridMsd(a, b, h);
        });
    add(reg, "vsmwls", "VSMWLS",
        "Visual saliency map base fusion and weighted-least-squares detail fusion over a "
        "rolling-guidance decomposition (Ma et al., Infrared Phys. Technol. 2017).",
        {levelsSpec(4, 2, 6),
         ParamSpec::real("sigma_s", "Spatial sigma", "First-level rolling guidance sigma", 2, 0.5,
                         10),
         ParamSpec::real("sigma_r", "Range sigma", "Rolling guidance range sigma ([0,1])", 0.05,
                         0.001, 1),
         ParamSpec::real("lambda", "Lambda", "WLS data weight", 0.01, 0, 10)},
        [](const cv::Mat& a, const cv::Mat& b, const ParamValues& p) {
            VsmwlsParams v;
            v.levels = inum(p, "levels", v.levels);
            v.sigmaS = num(p, "sigma_s", v.sigmaS);
            v.sigmaR = num(p, "sigma_r", v.sigmaR);
            v.lambda = num(p, "lambda", v.lambda);
            return fuseVsmwls(a, b, v);
        });
}

} // namespace vf::fusion
