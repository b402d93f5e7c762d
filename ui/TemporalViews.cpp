#include "ui/TemporalViews.h"

#include <QChart>
#include <QEvent>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

#include "core/common/Error.h"
#include "ui/FnJob.h"
#include "ui/FramePlot.h"
#include "ui/ImageUtil.h"
#include "ui/MetricsPanel.h"
#include "ui/StreamReaders.h"
#include "ui/Viewer.h"

#if VF_HAVE_METRICS
#include "core/metrics/Metrics.h"
#endif

namespace vf::ui {

namespace {
double meanGrey(const cv::Mat& m) {
#if VF_HAVE_METRICS
    return cv::mean(vf::metrics::toGray8(m))[0]; // MATLAB rgb2gray, as the metrics
#else
    if (m.channels() == 1) return cv::mean(m)[0];
    cv::Mat g;
    cv::cvtColor(m, g, cv::COLOR_BGR2GRAY);
    return cv::mean(g)[0];
#endif
}
} // namespace

// ------------------------------------------------------------------------ IntensityPlot
IntensityPlot::IntensityPlot(Workspace* ws, JobManager* jobs, QWidget* parent)
    : QWidget(parent), ws_(ws), jobs_(jobs) {
    setObjectName(QStringLiteral("intensityPlot"));
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout();
    auto* btn = new QPushButton(tr("Mean-intensity curves"), this);
    btn->setToolTip(tr("Per-frame mean grey level of every visible stream (sources and fused)"));
    connect(btn, &QPushButton::clicked, this, [this] { compute(); });
    top->addWidget(btn);
    status_ = new QLabel(this);
    top->addWidget(status_, 1);
    v->addLayout(top);
    chart_ = new SeekChartView(new QChart(), this);
    chart_->setObjectName(QStringLiteral("intensityChart"));
    chart_->setRenderHint(QPainter::Antialiasing);
    chart_->chart()->setTheme(QChart::ChartThemeDark);
    chart_->chart()->setBackgroundBrush(QColor(32, 32, 32));
    chart_->chart()->legend()->setAlignment(Qt::AlignBottom);
    chart_->setMinimumHeight(160);
    v->addWidget(chart_, 1);
    connect(chart_, &SeekChartView::clickedAt, this, [this](double x) {
        if (ws_->frameCount() > 0)
            Q_EMIT seekRequested(std::clamp<qint64>(std::llround(x), 0, ws_->frameCount() - 1));
    });
    connect(ws_, &Workspace::frameChanged, this, &IntensityPlot::updatePlayhead);
    connect(ws_, &Workspace::pairOpened, this, [this] {
        if (running_) running_->cancel();
        curves_.clear();
        rebuild();
    });
    rebuild();
}

Job* IntensityPlot::compute() {
    if (!ws_->hasPair()) return nullptr;
    if (running_) running_->cancel();
    QStringList problems;
    auto readers = makeStreamReaders(*ws_, true, &problems);
    if (readers.empty()) return nullptr;
    const qint64 total = ws_->frameCount();
    auto result = std::make_shared<std::map<int, Curve>>();
    QPointer<IntensityPlot> self(this);
    auto* job = new FnJob(
        tr("Mean-intensity curves"),
        [readers, result, total](FnJob& j) {
            qint64 all = 0, done = 0;
            for (const auto& r : readers)
                all += std::min(r->frames, total - r->first);
            cv::Mat buf;
            for (const auto& r : readers) {
                Curve c{
                    r->name, r->color,
                    std::vector<double>(size_t(total), std::numeric_limits<double>::quiet_NaN())};
                for (qint64 f = std::max<qint64>(0, r->first); f < total && r->has(f); ++f) {
                    j.cancelToken().check();
                    r->source->readInto(f - r->first, buf);
                    c.values[size_t(f)] = meanGrey(buf);
                    j.reportProgress(++done, all, r->name);
                }
                (*result)[r->id] = std::move(c);
            }
        },
        [self, result](FnJob& j) {
            if (!self) return;
            if (j.state() == Job::State::Finished) {
                self->curves_ = std::move(*result);
                self->status_->clear();
                self->rebuild();
                Q_EMIT self->computed();
            } else if (j.state() == Job::State::Cancelled) {
                self->status_->setText(tr("cancelled"));
            }
        });
    status_->setText(problems.isEmpty() ? tr("computing…")
                                        : tr("computing… (skipped: %1)").arg(problems.join(", ")));
    running_ = job;
    return jobs_->submit(job);
}

void IntensityPlot::rebuild() {
    std::vector<FramePlotCurve> curves;
    for (const auto& [id, c] : curves_)
        curves.push_back({c.name, c.color, &c.values});
    const FramePlotHandles h =
        rebuildFramePlot(chart_->chart(), tr("mean intensity"), curves, ws_->frameCount(), 255);
    axisX_ = h.axisX;
    axisY_ = h.axisY;
    playhead_ = h.playhead;
    updatePlayhead();
}

void IntensityPlot::updatePlayhead() {
    moveFramePlotPlayhead({axisX_, axisY_, playhead_}, ws_->frame());
}

QPoint IntensityPlot::plotPosition(double frame, double y) const {
    return framePlotPosition(chart_, frame, y);
}

// ------------------------------------------------------------------------ SliceCanvas
static constexpr int kLabelH = 16, kGap = 6, kMargin = 4;

void SliceCanvas::setStrips(std::vector<Strip> s) {
    strips_ = std::move(s);
    updateGeometry();
    update();
}
void SliceCanvas::setFrame(qint64 f) {
    frame_ = f;
    update();
}
void SliceCanvas::setFrameCount(qint64 n) {
    count_ = n;
    update();
}

int SliceCanvas::stripHeight() const {
    int h = 0;
    for (const auto& s : strips_)
        h = std::max(h, s.image.height());
    return std::clamp(h / 2, 40, 240);
}

QRect SliceCanvas::stripRect(int i) const {
    const int sh = stripHeight();
    return QRect(kMargin, kMargin + i * (sh + kLabelH + kGap) + kLabelH, width() - 2 * kMargin, sh);
}

QSize SliceCanvas::sizeHint() const {
    const int n = int(strips_.size());
    return {400, std::max(120, 2 * kMargin + n * (stripHeight() + kLabelH + kGap))};
}

double SliceCanvas::xOfFrame(qint64 f) const {
    const double w = std::max(1, width() - 2 * kMargin);
    return kMargin + (double(f) + 0.5) * w / std::max<qint64>(1, count_);
}

qint64 SliceCanvas::frameAt(double x) const {
    const double w = std::max(1, width() - 2 * kMargin);
    return std::clamp<qint64>(qint64(std::floor((x - kMargin) * double(count_) / w)), 0,
                              std::max<qint64>(0, count_ - 1));
}

void SliceCanvas::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(24, 24, 24));
    if (strips_.empty()) {
        p.setPen(QColor(160, 160, 160));
        p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Tools ▸ Pick x–t column (or y–t row), then click on a pane: each stream's "
                      "pixels along that line over time appear here."));
        return;
    }
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    for (int i = 0; i < int(strips_.size()); ++i) {
        const QRect r = stripRect(i);
        p.setPen(strips_[size_t(i)].color);
        p.drawText(QRect(r.left(), r.top() - kLabelH, r.width(), kLabelH),
                   Qt::AlignLeft | Qt::AlignVCenter, strips_[size_t(i)].name);
        p.drawImage(r, strips_[size_t(i)].image);
        p.setPen(QPen(QColor(255, 90, 60), 1));
        const double x = xOfFrame(frame_);
        p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
    }
}

void SliceCanvas::mousePressEvent(QMouseEvent* e) {
    if (e->button() == Qt::LeftButton && count_ > 0) {
        Q_EMIT seekRequested(frameAt(e->position().x()));
        e->accept();
        return;
    }
    QWidget::mousePressEvent(e);
}

void SliceCanvas::mouseMoveEvent(QMouseEvent* e) {
    if ((e->buttons() & Qt::LeftButton) && count_ > 0)
        Q_EMIT seekRequested(frameAt(e->position().x()));
    if (count_ > 0) setToolTip(tr("frame %1").arg(frameAt(e->position().x())));
}

// ------------------------------------------------------------------------ SliceView
SliceView::SliceView(Workspace* ws, Viewer* viewer, JobManager* jobs, QWidget* parent)
    : QWidget(parent), ws_(ws), viewer_(viewer), jobs_(jobs) {
    setObjectName(QStringLiteral("sliceView"));
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout();
    auto* col = new QPushButton(tr("Pick column"), this);
    col->setToolTip(tr("x–t slice: click a column on a pane (Ctrl+Shift+X)"));
    connect(col, &QPushButton::clicked, this, [this] { beginPick(Qt::Vertical); });
    auto* row = new QPushButton(tr("Pick row"), this);
    row->setToolTip(tr("y–t slice: click a row on a pane (Ctrl+Shift+Y)"));
    connect(row, &QPushButton::clicked, this, [this] { beginPick(Qt::Horizontal); });
    top->addWidget(col);
    top->addWidget(row);
    status_ = new QLabel(this);
    top->addWidget(status_, 1);
    v->addLayout(top);
    canvas_ = new SliceCanvas();
    canvas_->setObjectName(QStringLiteral("sliceCanvas"));
    scroll_ = new QScrollArea(this);
    scroll_->setWidgetResizable(true);
    scroll_->setWidget(canvas_);
    v->addWidget(scroll_, 1);
    connect(canvas_, &SliceCanvas::seekRequested, this, &SliceView::seekRequested);
    connect(ws_, &Workspace::frameChanged, canvas_, &SliceCanvas::setFrame);
    connect(ws_, &Workspace::pairOpened, this, [this] {
        if (running_) running_->cancel();
        slices_.clear();
        pos_ = -1;
        canvas_->setFrameCount(ws_->frameCount());
        canvas_->setStrips({});
        status_->clear();
    });
    if (viewer_)
        connect(viewer_, &Viewer::panesRebuilt, this, [this] {
            if (picking_) armPanes();
        });
}

void SliceView::beginPick(Qt::Orientation o) {
    if (picking_ && pickOrient_ == o) {
        picking_ = false;
        status_->clear();
        Q_EMIT pickArmed(false);
        return;
    }
    if (!ws_->hasPair()) return;
    picking_ = true;
    pickOrient_ = o;
    status_->setText(o == Qt::Vertical ? tr("click a column on a pane (Esc cancels)")
                                       : tr("click a row on a pane (Esc cancels)"));
    armPanes();
    Q_EMIT pickArmed(true);
}

void SliceView::armPanes() {
    if (!viewer_) return;
    // The filter goes on each pane and on its children (annotation overlays lie on top).
    for (ImageView* p : viewer_->panes()) {
        p->removeEventFilter(this);
        p->installEventFilter(this);
        for (QWidget* c : p->findChildren<QWidget*>()) {
            c->removeEventFilter(this);
            c->installEventFilter(this);
        }
        p->setCursor(Qt::CrossCursor);
    }
}

bool SliceView::eventFilter(QObject* o, QEvent* e) {
    if (!picking_ || !viewer_) return QWidget::eventFilter(o, e);
    if (e->type() == QEvent::KeyPress && static_cast<QKeyEvent*>(e)->key() == Qt::Key_Escape) {
        beginPick(pickOrient_); // toggles off
        return true;
    }
    if (e->type() != QEvent::MouseButtonPress) return QWidget::eventFilter(o, e);
    auto* me = static_cast<QMouseEvent*>(e);
    if (me->button() != Qt::LeftButton) return QWidget::eventFilter(o, e);
    auto* w = qobject_cast<QWidget*>(o);
    ImageView* pane = nullptr;
    for (ImageView* p : viewer_->panes())
        if (w == p || (w && p->isAncestorOf(w))) pane = p;
    if (!pane) return QWidget::eventFilter(o, e);
    const QPointF local = w == pane ? me->position() : QPointF(w->mapTo(pane, me->position()));
    const QPointF pp = pane->toPair(local);
    const QSizeF ps = viewer_->sync()->pairSize();
    const bool vertical = pickOrient_ == Qt::Vertical;
    const int pos = int(std::floor(vertical ? pp.x() : pp.y()));
    if (pos < 0 || pos >= int(vertical ? ps.width() : ps.height())) return true; // outside
    picking_ = false;
    for (ImageView* p : viewer_->panes())
        p->unsetCursor();
    Q_EMIT pickArmed(false);
    pick(pickOrient_, pos);
    return true;
}

Job* SliceView::pick(Qt::Orientation o, int pos) {
    if (!ws_->hasPair()) return nullptr;
    if (running_) running_->cancel();
    QStringList problems;
    auto readers = makeStreamReaders(*ws_, true, &problems);
    if (readers.empty()) return nullptr;
    const cv::Size ps = readers.front()->pairSize;
    const bool vertical = o == Qt::Vertical;
    if (pos < 0 || pos >= (vertical ? ps.width : ps.height))
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        (vertical ? "column " : "row ") + std::to_string(pos) +
                            " is outside the frame (" + std::to_string(ps.width) + "x" +
                            std::to_string(ps.height) + ")");
    orient_ = o;
    pos_ = pos;
    const qint64 total = ws_->frameCount();
    order_.clear();
    for (const auto& r : readers)
        order_.push_back({r->id, {r->name, r->color}});
    auto result = std::make_shared<std::map<int, cv::Mat>>();
    QPointer<SliceView> self(this);
    auto* job = new FnJob(
        vertical ? tr("x–t slice at column %1").arg(pos) : tr("y–t slice at row %1").arg(pos),
        [readers, result, total, vertical, pos, ps](FnJob& j) {
            qint64 all = 0, done = 0;
            for (const auto& r : readers)
                all += std::min(r->frames, total - r->first);
            cv::Mat buf;
            for (const auto& r : readers) {
                // Slice in the stream's pixel type: every frame of a stream has the same type.
                cv::Mat out;
                const int len = vertical ? ps.height : ps.width;
                const bool direct = r->pairGeometry();
                for (qint64 f = std::max<qint64>(0, r->first); f < total && r->has(f); ++f) {
                    j.cancelToken().check();
                    if (direct)
                        r->source->readInto(f - r->first, buf);
                    else
                        buf = r->readPair(f);
                    if (out.empty()) out = cv::Mat(len, int(total), buf.type(), cv::Scalar::all(0));
                    if (vertical)
                        buf.col(pos).copyTo(out.col(int(f)));
                    else
                        cv::Mat(buf.row(pos).t()).copyTo(out.col(int(f)));
                    j.reportProgress(++done, all, r->name);
                }
                if (out.empty()) out = cv::Mat(len, int(total), CV_8UC3, cv::Scalar::all(0));
                (*result)[r->id] = out;
            }
        },
        [self, result](FnJob& j) {
            if (!self) return;
            if (j.state() == Job::State::Finished) {
                self->slices_ = std::move(*result);
                self->showSlices();
                Q_EMIT self->computed();
            } else if (j.state() == Job::State::Cancelled) {
                self->status_->setText(tr("cancelled"));
            }
        });
    status_->setText(
        tr("computing %1 %2…").arg(vertical ? tr("column") : tr("row")).arg(pos) +
        (problems.isEmpty() ? QString() : tr(" (skipped: %1)").arg(problems.join(", "))));
    running_ = job;
    return jobs_->submit(job);
}

void SliceView::showSlices() {
    std::vector<SliceCanvas::Strip> strips;
    for (const auto& [id, nc] : order_) {
        auto it = slices_.find(id);
        if (it == slices_.end()) continue;
        strips.push_back({id, nc.first, nc.second, toQImageCopy(it->second)});
    }
    canvas_->setFrameCount(ws_->frameCount());
    canvas_->setFrame(ws_->frame());
    canvas_->setStrips(std::move(strips));
    status_->setText(orient_ == Qt::Vertical
                         ? tr("x–t slices at column x = %1 (time →, click to seek)").arg(pos_)
                         : tr("y–t slices at row y = %1 (time →, click to seek)").arg(pos_));
}

} // namespace vf::ui
