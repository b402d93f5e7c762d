#include "ui/StagePanel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "core/common/Resources.h"
#include "ui/ImageUtil.h"
#include "ui/Viewer.h"

namespace vf::ui {

// ------------------------------------------------------------------------------ MatrixView
MatrixView::MatrixView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(120, 100);
}

void MatrixView::setMatrix(std::vector<float> values, int rows, int cols) {
    data_ = std::move(values);
    rows_ = rows;
    cols_ = cols;
    lo_ = hi_ = 0;
    if (!data_.empty()) {
        auto [mn, mx] = std::minmax_element(data_.begin(), data_.end());
        lo_ = *mn;
        hi_ = *mx;
    }
    update();
}

QRectF MatrixView::area() const {
    if (rows_ <= 0 || cols_ <= 0) return {};
    const double cell = std::min((width() - 8.0) / cols_, (height() - 8.0) / rows_);
    return QRectF(4, 4, cell * cols_, cell * rows_);
}

QPoint MatrixView::cellAt(QPointF p) const {
    const QRectF a = area();
    if (!a.contains(p)) return {-1, -1};
    return {int((p.x() - a.left()) / a.width() * cols_),
            int((p.y() - a.top()) / a.height() * rows_)};
}

void MatrixView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(28, 28, 28));
    const QRectF a = area();
    if (a.isEmpty()) {
        p.setPen(QColor(150, 150, 150));
        p.drawText(rect(), Qt::AlignCenter, tr("no matrix tap selected"));
        return;
    }
    const double cw = a.width() / cols_, chh = a.height() / rows_;
    const double span = hi_ > lo_ ? hi_ - lo_ : 1.0;
    for (int r = 0; r < rows_; ++r)
        for (int c = 0; c < cols_; ++c)
            p.fillRect(QRectF(a.left() + c * cw, a.top() + r * chh, cw + 0.5, chh + 0.5),
                       heatColor((value(r, c) - lo_) / span));
}

void MatrixView::mouseMoveEvent(QMouseEvent* e) {
    const QPoint c = cellAt(e->position());
    hover_ =
        c.x() < 0
            ? QString()
            : tr("row %1, col %2: %3").arg(c.y()).arg(c.x()).arg(value(c.y(), c.x()), 0, 'g', 5);
    setToolTip(hover_);
    Q_EMIT hovered(hover_);
}

// ------------------------------------------------------------------------------ ColorLegend
ColorLegend::ColorLegend(QWidget* parent) : QWidget(parent) {
    setMinimumHeight(28);
}
void ColorLegend::setRange(double lo, double hi) {
    lo_ = lo;
    hi_ = hi;
    update();
}
void ColorLegend::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QRectF bar(4, 2, width() - 8, 12);
    for (int x = 0; x < int(bar.width()); ++x) {
        p.setPen(heatColor(x / bar.width()));
        p.drawLine(QPointF(bar.left() + x, bar.top()), QPointF(bar.left() + x, bar.bottom()));
    }
    p.setPen(QColor(210, 210, 210));
    p.drawText(QRectF(4, 14, width() - 8, 14), Qt::AlignLeft, QString::number(lo_, 'g', 4));
    p.drawText(QRectF(4, 14, width() - 8, 14), Qt::AlignRight, QString::number(hi_, 'g', 4));
}

// ------------------------------------------------------------------------------ StagePanel
StagePanel::StagePanel(Workspace* ws, Viewer* viewer, JobController* jc, QWidget* parent)
    : QWidget(parent), ws_(ws), viewer_(viewer), jc_(jc) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(2, 2, 2, 2);
    computeBtn_ = new QPushButton(tr("Compute taps at this frame"), this);
    connect(computeBtn_, &QPushButton::clicked, this, [this] {
        try {
            compute();
        } catch (const std::exception& e) {
            info_->setText(QString::fromStdString(e.what()));
        }
    });
    v->addWidget(computeBtn_);
    auto* fl = new QFormLayout();
    tapBox_ = new QComboBox(this);
    tapBox_->setObjectName(QStringLiteral("tapBox"));
    tapBox_->setMinimumContentsLength(18);
    fl->addRow(tr("Tap"), tapBox_);
    headBox_ = new QSpinBox(this);
    headBox_->setRange(0, 0);
    fl->addRow(tr("Head / row"), headBox_);
    opacity_ = new QSlider(Qt::Horizontal, this);
    opacity_->setRange(0, 100);
    opacity_->setValue(60);
    fl->addRow(tr("Opacity"), opacity_);
    v->addLayout(fl);
    legend_ = new ColorLegend(this);
    v->addWidget(legend_);
    matrix_ = new MatrixView(this);
    v->addWidget(matrix_, 1);
    info_ = new QLabel(this);
    info_->setWordWrap(true);
    v->addWidget(info_);
    connect(matrix_, &MatrixView::hovered, info_, &QLabel::setText);
    connect(tapBox_, &QComboBox::currentIndexChanged, this, &StagePanel::show);
    connect(headBox_, &QSpinBox::valueChanged, this, &StagePanel::show);
    connect(opacity_, &QSlider::valueChanged, this, &StagePanel::show);
    connect(ws_, &Workspace::frameChanged, this, [this] {
        if (result_) show();
    });
    connect(ws_, &Workspace::pairOpened, this, [this] {
        result_.reset();
        tapBox_->clear();
        overlay_ = {};
        show();
    });
}

FuseRequest StagePanel::baseRequest() const {
    FuseRequest r = base_;
    r.method = QStringLiteral("videofusion");
    // Use the settings of the last VideoFusion stream when none were given.
    if (r.params.isEmpty()) {
        for (const auto& s : ws_->streams())
            if (s.role == StreamRole::Fused) r = fuseRequestFromJson(s.params);
        if (r.params.isEmpty())
            if (auto w = vf::defaultVideoFusionWeights())
                r.params[QStringLiteral("weights")] = QString::fromStdString(w->string());
    }
    return r;
}

Job* StagePanel::compute(const QStringList& prefixes) {
    QPointer<StagePanel> self(this);
    info_->setText(tr("computing the clip's taps…"));
    return jc_->startTaps(
        ws_->frame(), baseRequest(), prefixes, [self](std::shared_ptr<TapResult> r) {
            if (!self) return;
            self->result_ = std::move(r);
            const QString cur = self->tapBox_->currentText();
            QSignalBlocker b(self->tapBox_);
            self->tapBox_->clear();
#if VF_HAVE_FUSION
            for (const auto& t : self->result_->taps) {
                // module/* outputs are raw multi-channel features: their energy/ twin is shown.
                if (t.name.rfind("module/", 0) == 0) continue;
                self->tapBox_->addItem(QString::fromStdString(t.name));
                self->tapBox_->setItemData(self->tapBox_->count() - 1,
                                           QString::fromStdString(t.description), Qt::ToolTipRole);
            }
#endif
            const int i = self->tapBox_->findText(cur);
            self->tapBox_->setCurrentIndex(i >= 0 ? i : 0);
            self->show();
            Q_EMIT self->tapsReady();
        });
}

QStringList StagePanel::tapNames() const {
    QStringList out;
    for (int i = 0; i < tapBox_->count(); ++i)
        out << tapBox_->itemText(i);
    return out;
}
void StagePanel::selectTap(const QString& name) {
    tapBox_->setCurrentIndex(tapBox_->findText(name));
}
QString StagePanel::currentTap() const {
    return tapBox_->currentText();
}
void StagePanel::setOpacity(double o) {
    opacity_->setValue(int(std::lround(o * 100)));
}

void StagePanel::show() {
    overlay_ = {};
    auto clearOverlay = [this] {
        for (ImageView* p : viewer_->panes())
            p->setOverlay({}, 0);
    };
    if (!result_) {
        clearOverlay();
        matrix_->setMatrix({}, 0, 0);
        return;
    }
#if VF_HAVE_FUSION
    const std::string name = tapBox_->currentText().toStdString();
    const vf::model::Tap* tap = nullptr;
    for (const auto& t : result_->taps)
        if (t.name == name) tap = &t;
    clearOverlay();
    if (!tap) return;
    const qint64 t = ws_->frame() - result_->clipStart;
    const auto& sh = tap->shape;
    const qint64 T = sh.empty() ? 0 : sh[0];
    if (t < 0 || t >= T) {
        info_->setText(tr("frame %1 is not in the computed clip (frames %2–%3): compute again")
                           .arg(ws_->frame())
                           .arg(result_->clipStart)
                           .arg(result_->clipStart + T - 1));
        return;
    }
    auto rangeOf = [](const float* p, size_t n) {
        auto [mn, mx] = std::minmax_element(p, p + n);
        return std::pair<float, float>(*mn, *mx);
    };
    if (sh.size() == 3) { // (T, h, w): spatial map
        const int h = int(sh[1]), w = int(sh[2]);
        const float* p = tap->data.data() + size_t(t) * size_t(h) * size_t(w);
        cv::Mat m(h, w, CV_32F, const_cast<float*>(p));
        auto [lo, hi] = rangeOf(p, size_t(h) * size_t(w));
        overlay_ = toQImageCopy(heatmap(m, lo, hi));
        legend_->setRange(lo, hi);
        matrix_->setMatrix({}, 0, 0);
        // Show it over the fused stream's pane (else the first pane).
        ImageView* target = viewer_->panes().empty() ? nullptr : viewer_->panes().front();
        if (const StreamItem* f = ws_->streamByRole(StreamRole::Fused))
            if (ImageView* pv = viewer_->paneForStream(f->id)) target = pv;
        if (target) target->setOverlay(overlay_, opacity_->value() / 100.0);
        info_->setText(tr("%1 — %2×%3, clip frame %4, range [%5, %6]")
                           .arg(QString::fromStdString(tap->description))
                           .arg(w)
                           .arg(h)
                           .arg(t)
                           .arg(lo, 0, 'g', 4)
                           .arg(hi, 0, 'g', 4));
        headBox_->setRange(0, 0);
    } else if (sh.size() == 2) { // (T, C): a vector shown as one row
        const int c = int(sh[1]);
        const float* p = tap->data.data() + size_t(t) * size_t(c);
        matrix_->setMatrix(std::vector<float>(p, p + c), 1, c);
        auto [lo, hi] = rangeOf(p, size_t(c));
        legend_->setRange(lo, hi);
        info_->setText(QString::fromStdString(tap->description));
        headBox_->setRange(0, 0);
    } else if (sh.size() == 4) { // (T, heads, c, c)
        const int heads = int(sh[1]), r = int(sh[2]), c = int(sh[3]);
        headBox_->setRange(0, heads - 1);
        const int hd = std::min(headBox_->value(), heads - 1);
        const float* p =
            tap->data.data() + (size_t(t) * heads + size_t(hd)) * size_t(r) * size_t(c);
        matrix_->setMatrix(std::vector<float>(p, p + size_t(r) * size_t(c)), r, c);
        auto [lo, hi] = rangeOf(p, size_t(r) * size_t(c));
        legend_->setRange(lo, hi);
        info_->setText(tr("%1 — head %2 of %3")
                           .arg(QString::fromStdString(tap->description))
                           .arg(hd)
                           .arg(heads));
    }
#endif
}

} // namespace vf::ui
