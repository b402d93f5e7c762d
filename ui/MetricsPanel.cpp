#include "ui/MetricsPanel.h"

#include "ui/FramePlot.h"

#include <QChart>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"
#include "core/io/FrameSequence.h"
#include "ui/TemporalViews.h"

#if VF_HAVE_METRICS
#include "core/metrics/Metrics.h"
#endif

namespace vf::ui {

void SeekChartView::mousePressEvent(QMouseEvent* e) {
    if (chart() && e->button() == Qt::LeftButton) {
        const QPointF v =
            chart()->mapToValue(chart()->mapFromScene(mapToScene(e->position().toPoint())));
        Q_EMIT clickedAt(v.x());
        e->accept();
        return; // (QChartView's own press handling is only for rubber-band zoom, not used here)
    }
    QChartView::mousePressEvent(e);
}

namespace {
#if VF_HAVE_METRICS
struct Target {
    int id;
    QString name;
    QColor color;
    QString folder;
    qint64 first, frames;
    QRect roi;
    int scale;
};

// Sources cropped/shrunk to the stream's geometry.
cv::Mat fit(const cv::Mat& src, const Target& t, cv::Size size) {
    cv::Mat m = src;
    if (!t.roi.isEmpty())
        m = src(cv::Rect(t.roi.x(), t.roi.y(), t.roi.width(), t.roi.height()) &
                cv::Rect(0, 0, src.cols, src.rows));
    if (m.size() != size) {
        cv::Mat o;
        cv::resize(m, o, size, 0, 0, cv::INTER_AREA);
        return o;
    }
    return m;
}

class MetricsJob : public Job {
public:
    MetricsJob(const vf::io::PairInput& pair, std::vector<Target> targets,
               vf::metrics::FlowOptions flow)
        : Job(QObject::tr("Metrics"), Lane::Pool), ir_(pair.ir->clone()), vi_(pair.vis->clone()),
          targets_(std::move(targets)), total_(pair.frameCount()), flow_(flow) {}
    std::map<int, StreamMetrics> out;
    void run() override {
        using namespace vf::metrics;
        // frames each stream really has (its folder may hold fewer than planned), and the
        // span of pair frames they cover
        const size_t nt = targets_.size();
        std::vector<qint64> count(nt);
        qint64 lo = total_, hi = 0, all = 0;
        std::vector<StreamMetrics> sms(nt);
        // each stream's folder, listed once (the blocks read through clones)
        std::vector<std::unique_ptr<vf::io::FrameSequence>> seqs(nt);
        for (size_t k = 0; k < nt; ++k) {
            const Target& t = targets_[k];
            seqs[k] = std::make_unique<vf::io::FrameSequence>(t.folder.toStdString());
            count[k] = std::min<qint64>(t.frames, seqs[k]->frameCount());
            all += count[k];
            if (count[k] > 0) {
                lo = std::min(lo, t.first);
                hi = std::max(hi, t.first + count[k]);
            }
            sms[k].name = t.name;
            sms[k].color = t.color;
            for (const QString& n : MetricsPanel::metricNames())
                sms[k].perFrame[n].assign(size_t(total_), std::numeric_limits<double>::quiet_NaN());
        }
        if (hi > lo) {
            // pair frames in contiguous blocks, one per thread (each block reads its frames
            // forwards with its own readers); the values do not depend on the split
            std::atomic<qint64> done{0};
            const int blocks = int(std::clamp<qint64>(cv::getNumThreads(), 1, hi - lo));
            std::mutex errMu;
            std::exception_ptr firstError;
            cv::parallel_for_(
                cv::Range(0, blocks),
                [&](const cv::Range& r) {
                    for (int b = r.start; b < r.end; ++b) {
                        try {
                            pairBlock(lo + (hi - lo) * b / blocks,
                                      lo + (hi - lo) * (b + 1) / blocks, seqs, count, sms, done,
                                      all);
                        } catch (...) {
                            std::lock_guard<std::mutex> l(errMu);
                            if (!firstError) firstError = std::current_exception();
                        }
                    }
                },
                blocks);
            if (firstError) std::rethrow_exception(firstError);
        }
        for (size_t k = 0; k < nt; ++k) {
            StreamMetrics& sm = sms[k];
            for (auto& [name, vals] : sm.perFrame) {
                double s = 0;
                int m = 0;
                for (double x : vals)
                    if (std::isfinite(x)) {
                        s += x;
                        ++m;
                    }
                sm.mean[name] = m ? s / m : std::numeric_limits<double>::quiet_NaN();
            }
            out[targets_[k].id] = std::move(sm);
        }
    }
    // Pair frames [f0, f1) of every stream (frame f0 - 1 is read too, for the temporal pairs
    // at f0). The sources are read once per frame, and streams of the same geometry share the
    // fitted sources and the source flows of each frame pair. Writes only those frames'
    // entries of the (already allocated) per-frame vectors.
    void pairBlock(qint64 f0, qint64 f1,
                   const std::vector<std::unique_ptr<vf::io::FrameSequence>>& seqs,
                   const std::vector<qint64>& count, std::vector<StreamMetrics>& sms,
                   std::atomic<qint64>& done, qint64 all) {
        using namespace vf::metrics;
        const std::vector<Metric> image{Metric::EN, Metric::MI, Metric::SD, Metric::SSIM,
                                        Metric::VIF};
        const std::vector<Metric> temporal{Metric::FlowD, Metric::Flicker};
        const auto irR = ir_->clone(), viR = vi_->clone();
        const size_t nt = targets_.size();
        std::vector<std::unique_ptr<vf::io::FrameSource>> fusedR(nt); // this block's readers
        std::vector<cv::Mat> prevFused(nt);
        // per geometry (stream region and frame size): the fitted sources of a frame and the
        // source flows of the pair that ends there
        struct Fitted {
            cv::Mat ir, vi;
            std::optional<SourceFlows> flows;
        };
        using Key = std::tuple<int, int, int, int, int, int>;
        std::map<Key, Fitted> cur, prev;
        for (qint64 f = std::max<qint64>(0, f0 - 1); f < f1; ++f) {
            cancelToken().check();
            cv::Mat irF, viF;
            for (size_t k = 0; k < nt; ++k) {
                const Target& t = targets_[k];
                const qint64 i = f - t.first;
                if (i < 0 || i >= count[k]) continue;
                if (!fusedR[k]) fusedR[k] = seqs[k]->clone();
                const cv::Mat fused = fusedR[k]->read(i);
                if (irF.empty()) {
                    irF = irR->read(f);
                    viF = viR->read(f);
                }
                const Key key{t.roi.x(),      t.roi.y(),  t.roi.width(),
                              t.roi.height(), fused.cols, fused.rows};
                auto it = cur.find(key);
                if (it == cur.end())
                    it = cur.emplace(key, Fitted{fit(irF, t, fused.size()),
                                                 fit(viF, t, fused.size()), std::nullopt})
                             .first;
                Fitted& g = it->second;
                if (f >= f0) {
                    StreamMetrics& sm = sms[k];
                    for (const auto& [m, val] : imageMetrics(g.ir, g.vi, fused, image))
                        sm.perFrame.at(QString::fromLatin1(metricName(m)))[size_t(f)] = val;
                    if (i > 0) {
                        const Fitted& p = prev.at(key); // stream k covered f - 1 too
                        const TemporalInputs in{p.ir, g.ir, p.vi, g.vi, prevFused[k], fused};
                        if (!g.flows) g.flows = computeSourceFlows(in, temporal, flow_);
                        for (const auto& [m, val] :
                             temporalMetrics(in, temporal, flow_, {}, &*g.flows))
                            sm.perFrame.at(QString::fromLatin1(metricName(m)))[size_t(f)] = val;
                    }
                    reportProgress(++done, all, t.name);
                }
                prevFused[k] = fused;
            }
            prev = std::move(cur);
            cur.clear();
        }
    }
    std::function<void(MetricsJob*)> onDone;
    void finish() override {
        if (onDone) onDone(this);
    }

private:
    std::unique_ptr<vf::io::FrameSource> ir_, vi_;
    std::vector<Target> targets_;
    qint64 total_;
    vf::metrics::FlowOptions flow_;
};
#endif
} // namespace

QStringList MetricsPanel::metricNames() {
    return {QStringLiteral("EN"),     QStringLiteral("MI"),  QStringLiteral("SD"),
            QStringLiteral("SSIM"),   QStringLiteral("VIF"), QStringLiteral("flowD"),
            QStringLiteral("Flicker")};
}

static bool higherBetter(const QString& m) {
    return m != QLatin1String("flowD") && m != QLatin1String("Flicker");
}

MetricsPanel::MetricsPanel(Workspace* ws, JobManager* jobs, QWidget* parent)
    : QWidget(parent), ws_(ws), jobs_(jobs) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout();
    auto* btn = new QPushButton(tr("Compute metrics"), this);
    connect(btn, &QPushButton::clicked, this, [this] { compute(); });
    top->addWidget(btn);
    top->addWidget(new QLabel(tr("Plot:"), this));
    metricBox_ = new QComboBox(this);
    metricBox_->addItems(metricNames());
    connect(metricBox_, &QComboBox::currentIndexChanged, this, &MetricsPanel::rebuildPlot);
    top->addWidget(metricBox_);
    // the optical flow of flowD: DIS MEDIUM follows the motion best, FAST and ULTRAFAST are ~4x
    // and ~8x cheaper; items hold core/metrics' method names
    top->addWidget(new QLabel(tr("Flow:"), this));
    flowBox_ = new QComboBox(this);
    flowBox_->setObjectName(QStringLiteral("metricsFlow"));
#if VF_HAVE_METRICS
    using vf::metrics::FlowMethod;
    for (const auto& [label, m] :
         {std::pair{tr("DIS medium (most accurate)"), FlowMethod::DisMedium},
          std::pair{tr("DIS fast"), FlowMethod::DisFast},
          std::pair{tr("DIS ultrafast (fastest)"), FlowMethod::DisUltrafast},
          std::pair{tr("Farneback"), FlowMethod::Farneback}})
        flowBox_->addItem(label, QString::fromLatin1(vf::metrics::flowMethodName(m)));
#endif
    flowBox_->setToolTip(tr("Optical flow used by flowD (applies to the next computation)"));
    top->addWidget(flowBox_);
    top->addStretch(1);
    v->addLayout(top);
    auto* split = new QSplitter(Qt::Vertical, this);
    table_ = new QTableWidget(split);
    table_->setObjectName(QStringLiteral("metricsTable"));
    table_->setSortingEnabled(true);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    chart_ = new SeekChartView(new QChart(), split);
    chart_->setObjectName(QStringLiteral("metricsChart"));
    chart_->setRenderHint(QPainter::Antialiasing);
    chart_->chart()->setTheme(QChart::ChartThemeDark);
    chart_->chart()->setBackgroundBrush(QColor(32, 32, 32));
    chart_->chart()->legend()->setAlignment(Qt::AlignBottom);
    chart_->setMinimumHeight(180);
    intensity_ = new IntensityPlot(ws_, jobs_, split);
    connect(intensity_, &IntensityPlot::seekRequested, this, &MetricsPanel::seekRequested);
    v->addWidget(split, 1);
    note_ = new QLabel(this);
    note_->setWordWrap(true);
    note_->setObjectName(QStringLiteral("metricsNote"));
    updateNote();
    v->addWidget(note_);
    connect(chart_, &SeekChartView::clickedAt, this, [this](double x) {
        if (ws_->frameCount() > 0)
            Q_EMIT seekRequested(std::clamp<qint64>(std::llround(x), 0, ws_->frameCount() - 1));
    });
    connect(ws_, &Workspace::frameChanged, this, &MetricsPanel::updatePlayhead);
    connect(ws_, &Workspace::pairOpened, this, [this] {
        results_.clear();
        updateNote();
        rebuildTable();
        rebuildPlot();
    });
}

Job* MetricsPanel::compute() {
#if VF_HAVE_METRICS
    if (!ws_->pair()) return nullptr;
    std::vector<Target> targets;
    for (const auto& s : ws_->streams()) {
        if (!(s.role == StreamRole::Fused || s.role == StreamRole::Baseline) || !s.complete ||
            s.method.isEmpty())
            continue;
        const QJsonObject p = s.params;
        const QJsonObject roi = p.value(QStringLiteral("roi")).toObject();
        targets.push_back(
            {s.id, s.name, s.color, s.path, s.firstFrame, s.frames,
             QRect(roi.value(QStringLiteral("x")).toInt(), roi.value(QStringLiteral("y")).toInt(),
                   roi.value(QStringLiteral("w")).toInt(), roi.value(QStringLiteral("h")).toInt()),
             p.value(QStringLiteral("previewScale")).toInt(1)});
    }
    if (targets.empty()) return nullptr;
    const QString flow = flowMethod();
    auto* job = new MetricsJob(
        *ws_->pair(), std::move(targets),
        vf::metrics::FlowOptions{vf::metrics::flowMethodFromName(flow.toStdString())});
    QPointer<MetricsPanel> self(this);
    job->onDone = [self, flow](MetricsJob* j) {
        if (!self || j->state() != Job::State::Finished) return;
        self->results_ = std::move(j->out);
        self->resultsFlow_ = flow;
        self->updateNote();
        self->rebuildTable();
        self->rebuildPlot();
        Q_EMIT self->computed();
    };
    return jobs_->submit(job);
#else
    return nullptr;
#endif
}

void MetricsPanel::setFlowMethod(const QString& name) {
    const int i = flowBox_->findData(name);
    if (i >= 0) flowBox_->setCurrentIndex(i);
}
QString MetricsPanel::flowMethod() const {
    return flowBox_->currentData().toString();
}

void MetricsPanel::updateNote() {
    QString text =
        tr("Conventions: the paper's toolbox (EN/MI in bits, MI = MI(IR,F) + MI(VI,F), SSIM L = 1 "
           "averaged over both sources, VIF summed); flowD is optical-flow based (OpenCV; the "
           "paper used SEA-RAFT); ↑ higher is better, ↓ lower is better. Best values in bold.");
    if (!results_.empty() && !resultsFlow_.isEmpty())
        text += QLatin1Char(' ') + tr("Flow of these values: %1.").arg(resultsFlow_);
    note_->setText(text);
}

void MetricsPanel::setPlotMetric(const QString& name) {
    metricBox_->setCurrentText(name);
}
QString MetricsPanel::plotMetric() const {
    return metricBox_->currentText();
}

void MetricsPanel::rebuildTable() {
    const QStringList names = metricNames();
    table_->setSortingEnabled(false);
    table_->clear();
    table_->setColumnCount(names.size() + 1);
    QStringList headers{tr("Stream")};
    for (const QString& n : names)
        headers << n + (higherBetter(n) ? QStringLiteral(" ↑") : QStringLiteral(" ↓"));
    table_->setHorizontalHeaderLabels(headers);
    table_->setRowCount(int(results_.size()));
    int row = 0;
    for (const auto& [id, sm] : results_) {
        auto* name = new QTableWidgetItem(sm.name);
        name->setForeground(sm.color);
        table_->setItem(row, 0, name);
        for (int c = 0; c < names.size(); ++c) {
            const double v = sm.mean.count(names[c]) ? sm.mean.at(names[c]) : std::nan("");
            auto* it = new QTableWidgetItem();
            it->setData(Qt::DisplayRole, std::isfinite(v) ? QVariant(std::round(v * 10000) / 10000)
                                                          : QVariant(QStringLiteral("—")));
            table_->setItem(row, c + 1, it);
        }
        ++row;
    }
    // Best of each column.
    for (int c = 0; c < names.size(); ++c) {
        int best = -1;
        double bv = 0;
        for (int r = 0; r < table_->rowCount(); ++r) {
            bool ok = false;
            const double v = table_->item(r, c + 1)->data(Qt::DisplayRole).toDouble(&ok);
            if (!ok) continue;
            if (best < 0 || (higherBetter(names[c]) ? v > bv : v < bv)) {
                best = r;
                bv = v;
            }
        }
        if (best >= 0) {
            QFont f = table_->font();
            f.setBold(true);
            table_->item(best, c + 1)->setFont(f);
            table_->item(best, c + 1)->setBackground(QColor(40, 90, 50));
            table_->item(best, c + 1)->setData(Qt::UserRole, true);
        }
    }
    table_->setSortingEnabled(true);
    table_->resizeColumnsToContents();
}

void MetricsPanel::rebuildPlot() {
    const QString m = plotMetric();
    std::vector<FramePlotCurve> curves;
    for (const auto& [id, sm] : results_) {
        auto it = sm.perFrame.find(m);
        if (it != sm.perFrame.end()) curves.push_back({sm.name, sm.color, &it->second});
    }
    const FramePlotHandles h = rebuildFramePlot(chart_->chart(), m, curves, ws_->frameCount(), 1);
    axisX_ = h.axisX;
    axisY_ = h.axisY;
    playhead_ = h.playhead;
    updatePlayhead();
}

void MetricsPanel::updatePlayhead() {
    moveFramePlotPlayhead({axisX_, axisY_, playhead_}, ws_->frame());
}

QPoint MetricsPanel::plotPosition(double frame, double y) const {
    return framePlotPosition(chart_, frame, y);
}

} // namespace vf::ui
