// VideoFusionEngine: the light API (VideoFusion.h) over VideoFusionNet.
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "core/common/Error.h"
#include "core/common/Runtime.h"
#include "core/model/Checkpoint.h"
#include "core/model/VideoFusion.h"
#include "core/model/VideoFusionNet.h"

namespace vf::model {

namespace {

class CollectingSink : public net::TapSink {
public:
    explicit CollectingSink(const TapRequest& r) : req_(r) {}
    bool want(const std::string& name) const override {
        if (req_.names.empty()) return true;
        for (const auto& n : req_.names) {
            if (n == name) return true;
            if (!n.empty() && n.back() == '/' && name.rfind(n, 0) == 0) return true;
        }
        return false;
    }
    void put(const std::string& name, const std::string& description,
             const at::Tensor& value) override {
        at::Tensor t = value.detach().to(at::kCPU, at::kFloat).contiguous();
        Tap tap;
        tap.name = name;
        tap.description = description;
        tap.shape = t.sizes().vec();
        tap.data.resize(size_t(t.numel()));
        if (t.numel()) std::memcpy(tap.data.data(), t.data_ptr<float>(), tap.data.size() * 4);
        taps.push_back(std::move(tap));
    }
    std::vector<Tap> taps;

private:
    const TapRequest& req_;
};

int defaultThreads() {
    unsigned hc = std::thread::hardware_concurrency();
    return int(std::max(1u, hc));
}

std::string loadedLibrary(const std::string& needle) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        auto pos = line.find('/');
        if (pos == std::string::npos) continue;
        std::string path = line.substr(pos);
        if (path.find(needle) != std::string::npos) return path;
    }
    return {};
}

} // namespace

struct VideoFusionEngine::Impl {
    net::VideoFusionNet net{nullptr};
    VideoFusionConfig cfg;
    at::Device device{at::kCPU};
    Precision precision = Precision::FP32;
    ComputePath path = ComputePath::Fast;
    int threads = 1;
    int workers = 1; // clips run at once by submit()
    int64_t params = 0;
    std::string file;

    // submit()'s worker threads, started on first use. Each runs one clip at a time with
    // threads / workers intra-op threads (at::set_num_threads is per calling thread with
    // OpenMP: every worker sets its own count before each clip).
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::packaged_task<ClipResult()>> queue;
    std::vector<std::thread> pool;
    bool stopping = false;

    ~Impl() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            stopping = true;
        }
        wake.notify_all();
        for (auto& t : pool)
            t.join();
    }
    void workerLoop() {
        const int intra = std::max(1, threads / workers);
        for (;;) {
            std::packaged_task<ClipResult()> task;
            {
                std::unique_lock<std::mutex> lock(mutex);
                wake.wait(lock, [&] { return stopping || !queue.empty(); });
                if (stopping) { // clips not started are dropped (their futures: broken_promise)
                    queue.clear();
                    return;
                }
                task = std::move(queue.front());
                queue.pop_front();
            }
            at::set_num_threads(intra);
            task(); // exceptions go to the future
        }
    }
};

VideoFusionEngine::VideoFusionEngine() : d_(std::make_unique<Impl>()) {}
VideoFusionEngine::~VideoFusionEngine() = default;

namespace {
void setup(VideoFusionEngine::Impl& d, const EngineOptions& options);
void finish(VideoFusionEngine::Impl& d);
} // namespace

std::unique_ptr<VideoFusionEngine> VideoFusionEngine::load(const std::filesystem::path& checkpoint,
                                                           const EngineOptions& options) {
    const std::string file = checkpoint.string();
    std::unique_ptr<VideoFusionEngine> e(new VideoFusionEngine());
    auto& d = *e->d_;
    d.file = file;
    setup(d, options);
    auto sd = loadCheckpoint(checkpoint);
    d.cfg = options.config ? *options.config : net::inferConfig(sd.tensors, file);
    d.net = net::VideoFusionNet(d.cfg);
    net::loadStrict(*d.net, sd.tensors, file);
    finish(d);
    return e;
}

std::unique_ptr<VideoFusionEngine> VideoFusionEngine::random(const VideoFusionConfig& config,
                                                             const EngineOptions& options,
                                                             uint64_t seed) {
    std::unique_ptr<VideoFusionEngine> e(new VideoFusionEngine());
    auto& d = *e->d_;
    d.file = "(random weights)";
    setup(d, options);
    torch::manual_seed(seed);
    d.cfg = config;
    d.net = net::VideoFusionNet(d.cfg);
    finish(d);
    return e;
}

namespace {
void setup(VideoFusionEngine::Impl& d, const EngineOptions& options) {
    if (options.tuneRuntime) vf::initRuntime(); // reuse freed memory (page faults); idempotent
    // Device
    const bool cudaOk = torch::cuda::is_available();
    if (options.device == Device::CUDA && !cudaOk)
        throw Error(ErrorCode::Unsupported,
                    "CUDA was requested but is not available (this LibTorch build has no CUDA "
                    "support or no GPU is visible); use the CPU");
    d.device = (options.device == Device::CUDA || (options.device == Device::Auto && cudaOk))
                   ? at::Device(at::kCUDA, 0)
                   : at::Device(at::kCPU);
    d.precision = options.precision;
    // fp32 means fp32 on CUDA too: cuDNN convolutions default to TF32 on Ampere and later (a
    // 10-bit mantissa: ~1e-4 off the official float32 outputs on an H200, against 1e-7 with
    // TF32 off, bench_model --check). A process-wide switch; fp16/bf16 runs do not need it.
    if (d.device.is_cuda() && (d.precision == Precision::FP32 || d.precision == Precision::FP64)) {
        at::globalContext().setAllowTF32CuDNN(false);
        at::globalContext().setAllowTF32CuBLAS(false);
    }
    if ((d.precision == Precision::FP16 || d.precision == Precision::BF16) && d.device.is_cpu())
        throw Error(ErrorCode::Unsupported,
                    "fp16/bf16 inference needs CUDA; on the CPU use fp32 (or fp64 to verify)");
    d.path = options.path;
    d.threads = options.threads > 0 ? options.threads : defaultThreads();
    if (options.clipWorkers < 0)
        throw Error(ErrorCode::InvalidArgument, "clip workers must be 0 (auto) or more (got " +
                                                    std::to_string(options.clipWorkers) + ")");
    // Auto: on the CPU one clip per thread, each single-threaded (two clips on two cores run
    // at ~2x one clip's speed; one clip on two threads gains only ~1.45x: bench_model). On
    // CUDA one clip at a time.
    d.workers = options.clipWorkers > 0 ? options.clipWorkers : d.device.is_cpu() ? d.threads : 1;
    at::set_num_threads(d.threads);
}

void finish(VideoFusionEngine::Impl& d) {
    d.net->eval();
    for (auto& p : d.net->parameters()) {
        p.set_requires_grad(false);
        d.params += p.numel();
    }
    if (d.precision == Precision::FP64) d.net->to(at::kDouble);
    d.net->to(d.device);
}
} // namespace

ClipResult VideoFusionEngine::run(const ClipBuffer& ir, const ClipBuffer& vi,
                                  const TapRequest& tapReq, const vf::CancelToken* cancel) {
    at::set_num_threads(d_->threads);
    return runOnThisThread(ir, vi, tapReq, cancel);
}

int VideoFusionEngine::clipWorkers() const {
    return d_->workers;
}

std::future<ClipResult> VideoFusionEngine::submit(ClipBuffer ir, ClipBuffer vi, TapRequest taps,
                                                  const vf::CancelToken* cancel) {
    auto& d = *d_;
    std::packaged_task<ClipResult()> task(
        [this, ir = std::move(ir), vi = std::move(vi), taps = std::move(taps), cancel] {
            return runOnThisThread(ir, vi, taps, cancel);
        });
    std::future<ClipResult> f = task.get_future();
    {
        std::lock_guard<std::mutex> lock(d.mutex);
        if (d.pool.empty())
            for (int i = 0; i < d.workers; ++i)
                d.pool.emplace_back([&d] { d.workerLoop(); });
        d.queue.push_back(std::move(task));
    }
    d.wake.notify_one();
    return f;
}

std::size_t VideoFusionEngine::estimateClipBytes(int T, int H, int W) const {
    // Peak working memory of one fast-path fp32 clip: bench_model at 640x480, T = 7,
    // num_features 32, 1 thread peaked at 9.4 GB RSS (2026-11-27), ~4.4 KB per input pixel
    // and frame; scaled with the feature count, with some margin.
    const double perPixel = 4.8e3 * double(d_->cfg.numFeatures) / 32.0;
    return std::size_t(perPixel * double(T) * double((H + 3) / 4 * 4) * double((W + 3) / 4 * 4));
}

ClipResult VideoFusionEngine::runOnThisThread(const ClipBuffer& ir, const ClipBuffer& vi,
                                              const TapRequest& tapReq,
                                              const vf::CancelToken* cancel) {
    auto& d = *d_;
    if (ir.T != vi.T || ir.H != vi.H || ir.W != vi.W)
        throw Error(ErrorCode::Mismatch,
                    "IR and visible clips differ in size: " + std::to_string(ir.T) + " frames " +
                        std::to_string(ir.W) + "x" + std::to_string(ir.H) + " vs " +
                        std::to_string(vi.T) + " frames " + std::to_string(vi.W) + "x" +
                        std::to_string(vi.H));
    if (ir.T < 2)
        throw Error(ErrorCode::InvalidArgument,
                    "VideoFusion needs clips of at least 2 frames (got " + std::to_string(ir.T) +
                        "): the bi-temporal co-attention needs a neighbour frame");
    if (ir.H < 4 || ir.W < 4)
        throw Error(ErrorCode::InvalidArgument, "VideoFusion needs frames of at least 4x4 (got " +
                                                    std::to_string(ir.W) + "x" +
                                                    std::to_string(ir.H) + ")");
    for (const ClipBuffer* c : {&ir, &vi})
        if (c->data.size() != c->size())
            throw Error(ErrorCode::InvalidArgument,
                        std::string(c == &ir ? "IR" : "visible") + " clip buffer holds " +
                            std::to_string(c->data.size()) +
                            " values, expected T*3*H*W = " + std::to_string(c->size()));
    const int64_t T = ir.T, H = ir.H, W = ir.W;
    const int64_t Hp = (H + 3) / 4 * 4, Wp = (W + 3) / 4 * 4;
    const at::ScalarType dt = d.precision == Precision::FP64 ? at::kDouble : at::kFloat;

    c10::InferenceMode guard;
    auto toTensor = [&](const ClipBuffer& c) {
        at::Tensor t = torch::from_blob(const_cast<float*>(c.data.data()), {T, 3, H, W},
                                        at::TensorOptions().dtype(at::kFloat))
                           .to(d.device, dt, /*non_blocking=*/false, /*copy=*/true);
        if (Hp != H || Wp != W) // reflect-pad right and bottom, as the official test code
            t = at::reflection_pad2d(t, {0, Wp - W, 0, Hp - H});
        return t.unsqueeze(0);
    };
    at::Tensor xir = toTensor(ir), xvi = toTensor(vi);

    CollectingSink sink(tapReq);
    net::ForwardOptions fo;
    fo.fast = d.path == ComputePath::Fast;
    fo.taps = tapReq.enabled ? &sink : nullptr;
    fo.restored = tapReq.restored;
    if (cancel) fo.checkpoint = [cancel] { cancel->check(); };
    if (cancel) cancel->check();

    net::ForwardOutput out;
    const bool autocast =
        d.device.is_cuda() && (d.precision == Precision::FP16 || d.precision == Precision::BF16);
    if (autocast) {
        const at::ScalarType half = d.precision == Precision::FP16 ? at::kHalf : at::kBFloat16;
        // LibTorch 2.4 replaced the CUDA-only autocast calls by per-device ones (the old ones
        // are deprecated there and gone later); Debian's 1.13 has only the old ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        auto enable = [](bool on) { at::autocast::set_autocast_enabled(at::kCUDA, on); };
        at::autocast::set_autocast_dtype(at::kCUDA, half);
#else
        auto enable = [](bool on) { at::autocast::set_enabled(on); };
        at::autocast::set_autocast_gpu_dtype(half);
#endif
        enable(true);
        try {
            out = d.net->forward(xir, xvi, fo);
        } catch (...) {
            enable(false);
            at::autocast::clear_cache();
            throw;
        }
        enable(false);
        at::autocast::clear_cache();
    } else {
        out = d.net->forward(xir, xvi, fo);
    }

    auto toBuffer = [&](const at::Tensor& y) {
        at::Tensor c =
            y[0].narrow(2, 0, H).narrow(3, 0, W).to(at::kCPU, at::kFloat).contiguous(); // (T,3,H,W)
        ClipBuffer b;
        b.T = int(T);
        b.H = int(H);
        b.W = int(W);
        b.data.resize(size_t(c.numel()));
        std::memcpy(b.data.data(), c.data_ptr<float>(), b.data.size() * sizeof(float));
        return b;
    };
    ClipResult r;
    r.fusion = toBuffer(out.fusion);
    if (out.ir.defined()) r.ir = toBuffer(out.ir);
    if (out.vi.defined()) r.vi = toBuffer(out.vi);
    r.taps = std::move(sink.taps);
    return r;
}

std::string VideoFusionEngine::deviceName() const {
    if (d_->device.is_cuda()) return "CUDA:" + std::to_string(d_->device.index());
    return "CPU (" + std::to_string(d_->threads) + (d_->threads == 1 ? " thread)" : " threads)");
}
VideoFusionConfig VideoFusionEngine::config() const {
    return d_->cfg;
}
int64_t VideoFusionEngine::parameterCount() const {
    return d_->params;
}
Precision VideoFusionEngine::precision() const {
    return d_->precision;
}
ComputePath VideoFusionEngine::path() const {
    return d_->path;
}
int VideoFusionEngine::threads() const {
    return d_->threads;
}

std::string runtimeInfo() {
    std::ostringstream os;
    os << "LibTorch " << TORCH_VERSION << ", " << at::get_num_threads() << " intra-op thread(s), "
       << (at::hasMKLDNN() ? "oneDNN on" : "no oneDNN") << ", CUDA "
       << (torch::cuda::is_available() ? "available" : "not available");
    std::string blas = loadedLibrary("libblas.so");
    std::string openblas = loadedLibrary("openblas");
    os << ", BLAS: ";
    if (!openblas.empty())
        os << "OpenBLAS (" << openblas << ")";
    else if (!blas.empty())
        os << "reference BLAS (" << blas << ") - slow; install libopenblas0-openmp";
    else
        os << "unknown";
    return os.str();
}

} // namespace vf::model
