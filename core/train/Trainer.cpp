#include "core/train/Trainer.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <torch/torch.h>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"
#include "core/degrade/Degrade.h"
#include "core/model/Checkpoint.h"
#include "core/model/VideoFusionNet.h"
#include "core/train/ClipDataset.h"
#include "core/train/Losses.h"

namespace fs = std::filesystem;
namespace net = vf::model::net;

namespace vf::train {

namespace {

at::Tensor toTensor(const std::vector<float>& v, int T, int H, int W) {
    return torch::from_blob(const_cast<float*>(v.data()), {1, T, 3, H, W}, torch::kFloat32).clone();
}

fs::path statePath(const fs::path& pth) {
    auto s = pth;
    s.replace_extension(".state");
    return s;
}

int64_t iterOf(const fs::path& p) {
    static const std::regex re(R"(net_g_(\d+)\.pth)");
    std::smatch m;
    const std::string name = p.filename().string();
    if (std::regex_match(name, m, re)) return std::stoll(m[1].str());
    return -1;
}

} // namespace

struct Trainer::Impl {
    TrainConfig cfg;
    std::unique_ptr<ClipDataset> data;
    net::VideoFusionNet model{nullptr};
    std::unique_ptr<torch::optim::AdamW> opt;
    torch::Device device{torch::kCPU};
    int64_t iter = 0;
    std::vector<std::string> log; // CSV lines after the header
    double bestVal = -1;
    std::vector<std::string> order;

    std::map<std::string, at::Tensor> stateDict() const {
        std::map<std::string, at::Tensor> sd;
        for (const auto& p : model->named_parameters(true))
            sd[p.key()] = p.value().detach().to(torch::kCPU).contiguous();
        return sd;
    }

    void writeLog() const {
        std::string s = "iteration,loss,fusion,fidelity_ir,fidelity_vi,temporal,lr,"
                        "seconds_per_iteration,validation_loss\n";
        for (const auto& l : log)
            s += l + "\n";
        writeFileAtomic(fs::path(cfg.output) / "train_log.csv", s);
    }
};

Trainer::Trainer(const TrainConfig& cfg, const ProgressFn& loadProgress)
    : d_(std::make_unique<Impl>()) {
    d_->cfg = cfg;
    const int hw = int(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(cfg.threads > 0 ? cfg.threads : std::min(2, hw));
    if (cfg.device == "cuda" && !torch::cuda::is_available())
        throw Error(ErrorCode::Unsupported, "device 'cuda' requested but CUDA is not available "
                                            "in this LibTorch build or on this machine");
    if (cfg.device != "cpu" && torch::cuda::is_available())
        d_->device = torch::Device(torch::kCUDA);

    d_->data = std::make_unique<ClipDataset>(cfg, loadProgress);

    torch::manual_seed(cfg.seed);
    d_->model = net::VideoFusionNet(cfg.model);
    {
        torch::NoGradGuard ng;
        for (const auto& m : d_->model->modules(false)) {
            if (auto* rb = dynamic_cast<net::ResidualBlockNoBNImpl*>(m.get())) {
                for (auto* c : {&rb->conv1, &rb->conv2}) {
                    torch::nn::init::kaiming_normal_((*c)->weight);
                    (*c)->weight.mul_(0.1);
                    if ((*c)->bias.defined()) (*c)->bias.zero_();
                }
            }
        }
    }
    if (!cfg.init.empty()) {
        auto sd = vf::model::loadStateDict(cfg.init);
        net::loadStrict(*d_->model, sd, cfg.init);
    }
    for (const auto& p : d_->model->named_parameters(true))
        d_->order.push_back(p.key());
    d_->model->to(d_->device);
    d_->model->train();
    auto o = torch::optim::AdamWOptions(cfg.lr)
                 .betas({cfg.beta1, cfg.beta2})
                 .weight_decay(cfg.weightDecay)
                 .eps(1e-8);
    d_->opt = std::make_unique<torch::optim::AdamW>(d_->model->parameters(), o);

    std::error_code ec;
    fs::create_directories(cfg.output, ec);
    if (ec)
        throw Error(ErrorCode::WriteFailed,
                    "cannot create output folder " + cfg.output + ": " + ec.message(), cfg.output);

    if (!cfg.resume.empty()) {
        fs::path r = cfg.resume;
        if (cfg.resume == "auto") {
            r.clear();
            int64_t best = -1;
            for (const auto& e : fs::directory_iterator(cfg.output, ec)) {
                const auto it = iterOf(e.path());
                if (it > best && fs::exists(statePath(e.path()))) {
                    best = it;
                    r = e.path();
                }
            }
        }
        if (!r.empty()) resume(r);
    }
}

Trainer::~Trainer() = default;

int64_t Trainer::iteration() const {
    return d_->iter;
}
const ClipDataset& Trainer::dataset() const {
    return *d_->data;
}
const TrainConfig& Trainer::config() const {
    return d_->cfg;
}
std::string Trainer::deviceName() const {
    return d_->device.is_cuda() ? "cuda" : "cpu";
}
int64_t Trainer::parameterCount() const {
    int64_t n = 0;
    for (const auto& p : d_->model->parameters())
        n += p.numel();
    return n;
}

TrainStatus Trainer::step() {
    auto& c = d_->cfg;
    const int64_t it = d_->iter + 1;
    const double lr = learningRate(c, it);
    for (auto& g : d_->opt->param_groups())
        static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);

    std::vector<at::Tensor> lqIr, lqVi, gtIr, gtVi;
    for (int b = 0; b < c.batch; ++b) {
        const auto s = d_->data->sample(degrade::mixSeed(c.seed, uint64_t(it), uint64_t(b + 1)));
        lqIr.push_back(toTensor(s.lqIr, s.T, s.H, s.W));
        lqVi.push_back(toTensor(s.lqVi, s.T, s.H, s.W));
        gtIr.push_back(toTensor(s.gtIr, s.T, s.H, s.W));
        gtVi.push_back(toTensor(s.gtVi, s.T, s.H, s.W));
    }
    auto dev = [&](std::vector<at::Tensor>& v) { return torch::cat(v, 0).to(d_->device); };
    auto xIr = dev(lqIr), xVi = dev(lqVi), yIr = dev(gtIr), yVi = dev(gtVi);

    d_->opt->zero_grad();
    net::ForwardOptions fo;
    fo.fast = false;
    auto out = d_->model->forward(xIr, xVi, fo);
    auto l = videoFusionLoss(out.fusion, out.ir, out.vi, yIr, yVi);
    l.total.backward();
    if (c.clipNorm > 0) torch::nn::utils::clip_grad_norm_(d_->model->parameters(), c.clipNorm);
    d_->opt->step();
    d_->iter = it;

    TrainStatus st;
    st.iteration = it;
    st.total = c.iterations;
    st.loss = l.total.item<double>();
    st.fusion = l.fusion.total.item<double>();
    st.fidelityIr = l.fidelityIr.item<double>();
    st.fidelityVi = l.fidelityVi.item<double>();
    st.temporal = l.temporal.item<double>();
    st.lr = lr;
    if (!std::isfinite(st.loss))
        throw Error(ErrorCode::Internal, "training diverged: loss is " + std::to_string(st.loss) +
                                             " at iteration " + std::to_string(it));
    return st;
}

void Trainer::saveCheckpoint(const fs::path& pth) const {
    vf::model::saveCheckpoint(pth, d_->stateDict(), d_->order, "params");
    torch::serialize::OutputArchive a;
    d_->opt->save(a);
    a.write("vf_iteration", c10::IValue(d_->iter));
    a.write("vf_config", c10::IValue(trainConfigToJson(d_->cfg)));
    a.write("vf_best_val", c10::IValue(d_->bestVal));
    const auto sp = statePath(pth);
    AtomicFile f(sp);
    try {
        a.save_to(f.tempPath().string());
    } catch (const std::exception& e) {
        throw Error(ErrorCode::WriteFailed,
                    "cannot write training state " + sp.string() + ": " + e.what(), sp.string());
    }
    f.commit();
}

void Trainer::resume(const fs::path& pth) {
    const auto sp = statePath(pth);
    if (!fs::exists(pth))
        throw Error(ErrorCode::NotFound, "checkpoint to resume not found: " + pth.string(),
                    pth.string());
    if (!fs::exists(sp))
        throw Error(ErrorCode::NotFound,
                    "cannot resume from " + pth.string() + ": its training state " + sp.string() +
                        " is missing (use it as 'init' to start a new run from these weights)",
                    sp.string());
    auto sd = vf::model::loadStateDict(pth);
    {
        torch::NoGradGuard ng;
        d_->model->to(torch::kCPU);
        net::loadStrict(*d_->model, sd, pth.string());
        d_->model->to(d_->device);
    }
    torch::serialize::InputArchive a;
    try {
        a.load_from(sp.string(), d_->device);
        d_->opt->load(a);
        c10::IValue v;
        if (!a.try_read("vf_iteration", v))
            throw Error(ErrorCode::Corrupt, "no iteration in " + sp.string(), sp.string());
        d_->iter = v.toInt();
        if (a.try_read("vf_best_val", v)) d_->bestVal = v.toDouble();
    } catch (const vf::Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(ErrorCode::Corrupt,
                    "cannot read training state " + sp.string() + ": " + e.what(), sp.string());
    }
    // Keep the log lines up to the resumed iteration.
    d_->log.clear();
    std::ifstream in(fs::path(d_->cfg.output) / "train_log.csv");
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (std::stoll(line.substr(0, line.find(','))) <= d_->iter) d_->log.push_back(line);
    }
}

double Trainer::validationLoss() {
    torch::NoGradGuard ng;
    const auto& c = d_->cfg;
    double sum = 0;
    int n = 0;
    for (size_t i = 0; i < d_->data->sourceCount(); ++i) {
        const auto sz = d_->data->frameSize(i);
        const int frames = d_->data->sourceFrames(i);
        const int T = std::min(frames, c.frames);
        const auto s = d_->data->clip(i, (frames - T) / 2, T, (sz.width - c.crop) / 2,
                                      (sz.height - c.crop) / 2, c.crop, c.crop,
                                      degrade::mixSeed(c.seed, 0xFA11, i));
        auto xIr = toTensor(s.lqIr, s.T, s.H, s.W).to(d_->device);
        auto xVi = toTensor(s.lqVi, s.T, s.H, s.W).to(d_->device);
        auto out = d_->model->forward(xIr, xVi, {});
        auto l = videoFusionLoss(out.fusion, out.ir, out.vi,
                                 toTensor(s.gtIr, s.T, s.H, s.W).to(d_->device),
                                 toTensor(s.gtVi, s.T, s.H, s.W).to(d_->device));
        sum += l.total.item<double>();
        ++n;
    }
    return n ? sum / n : 0.0;
}

vf::model::ClipResult Trainer::infer(const vf::model::ClipBuffer& ir,
                                     const vf::model::ClipBuffer& vi) {
    if (ir.T != vi.T || ir.H != vi.H || ir.W != vi.W || ir.T < 2 || ir.data.size() != ir.size() ||
        vi.data.size() != vi.size())
        throw Error(ErrorCode::InvalidArgument,
                    "infer: IR and visible clips must have equal T (>= 2), H, W and full buffers");
    torch::NoGradGuard ng;
    auto x = toTensor(ir.data, ir.T, ir.H, ir.W), y = toTensor(vi.data, vi.T, vi.H, vi.W);
    const int ph = (4 - ir.H % 4) % 4, pw = (4 - ir.W % 4) % 4;
    auto pad = [&](const at::Tensor& t) {
        if (!ph && !pw) return t;
        auto f = t.view({ir.T, 3, ir.H, ir.W});
        return torch::reflection_pad2d(f, {0, pw, 0, ph}).unsqueeze(0);
    };
    auto out = d_->model->forward(pad(x).to(d_->device), pad(y).to(d_->device), {});
    auto back = [&](const at::Tensor& t) {
        vf::model::ClipBuffer b;
        b.T = ir.T;
        b.H = ir.H;
        b.W = ir.W;
        auto c = t.narrow(3, 0, ir.H).narrow(4, 0, ir.W).to(torch::kCPU).contiguous();
        b.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
        return b;
    };
    vf::model::ClipResult r;
    r.fusion = back(out.fusion);
    r.ir = back(out.ir);
    r.vi = back(out.vi);
    return r;
}

fs::path Trainer::run(const StatusFn& status, const CancelToken* cancel) {
    const auto& c = d_->cfg;
    const fs::path out(c.output);
    writeFileAtomic(out / "config.json", trainConfigToJson(c) + "\n");
    fs::path last;
    double avg = 0;
    int64_t timed = 0;
    auto save = [&](TrainStatus& st) {
        char name[64];
        std::snprintf(name, sizeof name, "net_g_%lld.pth", static_cast<long long>(d_->iter));
        last = out / name;
        saveCheckpoint(last);
        vf::model::saveCheckpoint(out / "net_g_latest.pth", d_->stateDict(), d_->order, "params");
        st.savedCheckpoint = last.string();
        // Keep the newest keepLast numbered checkpoints.
        std::vector<std::pair<int64_t, fs::path>> all;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(out, ec))
            if (iterOf(e.path()) >= 0) all.emplace_back(iterOf(e.path()), e.path());
        std::sort(all.begin(), all.end());
        for (size_t i = 0; i + size_t(std::max(1, c.keepLast)) < all.size(); ++i) {
            fs::remove(all[i].second, ec);
            fs::remove(statePath(all[i].second), ec);
        }
        d_->writeLog();
    };
    while (d_->iter < c.iterations) {
        if (cancel && cancel->cancelled()) {
            TrainStatus st;
            st.iteration = d_->iter;
            st.total = c.iterations;
            save(st);
            if (status) status(st);
            cancel->check();
        }
        const auto t0 = std::chrono::steady_clock::now();
        TrainStatus st = step();
        const double dt =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ++timed;
        avg = timed == 1 ? dt
                         : (timed < 20 ? avg + (dt - avg) / double(timed) : 0.95 * avg + 0.05 * dt);
        st.secondsPerIteration = avg;
        st.etaSeconds = avg * double(c.iterations - d_->iter);
        bool report = d_->iter % c.logEvery == 0 || d_->iter == c.iterations;
        if (c.valEvery > 0 && (d_->iter % c.valEvery == 0 || d_->iter == c.iterations)) {
            st.validationLoss = validationLoss();
            if (d_->bestVal < 0 || st.validationLoss < d_->bestVal) {
                d_->bestVal = st.validationLoss;
                vf::model::saveCheckpoint(out / "net_g_best.pth", d_->stateDict(), d_->order,
                                          "params");
            }
            report = true;
        }
        if (report) {
            std::ostringstream l;
            l << st.iteration << ',' << st.loss << ',' << st.fusion << ',' << st.fidelityIr << ','
              << st.fidelityVi << ',' << st.temporal << ',' << st.lr << ','
              << st.secondsPerIteration << ',' << st.validationLoss;
            d_->log.push_back(l.str());
        }
        if (d_->iter % c.saveEvery == 0 || d_->iter == c.iterations) {
            save(st);
            report = true;
        }
        if (report && status) status(st);
    }
    if (last.empty()) {
        // Nothing to do (already at the target iteration): save the current state.
        TrainStatus st;
        st.iteration = d_->iter;
        save(st);
    }
    return last;
}

} // namespace vf::train
