#include "ui/annotate/AnnotationPanels.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QListWidget>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/annotate/AnnotationController.h"

namespace vf::ui {

using namespace vf::annotate;

// ------------------------------------------------------------------------ TimelineStrip

TimelineStrip::TimelineStrip(AnnotationController* c, QWidget* parent) : QWidget(parent), c_(c) {
    setMouseTracking(false);
    connect(c, &AnnotationController::documentChanged, this, qOverload<>(&QWidget::update));
    connect(c, &AnnotationController::frameChanged, this, qOverload<>(&QWidget::update));
    connect(c, &AnnotationController::selectionChanged, this, qOverload<>(&QWidget::update));
}

int TimelineStrip::frameCount() const {
    if (!c_) return 1;
    int n = c_->document().media.frameCount;
    if (n <= 0) {
        for (const auto& t : c_->document().tracks)
            if (!t.keys.empty()) n = std::max(n, t.keys.back().frame + 1);
        n = std::max(n, c_->frame() + 1);
    }
    return std::max(1, n);
}

double TimelineStrip::xOf(int frame) const {
    const double w = std::max(1, width() - 12);
    return 6 + w * (frame + 0.5) / frameCount();
}

int TimelineStrip::frameAt(double x) const {
    const double w = std::max(1, width() - 12);
    return std::clamp(int((x - 6) / w * frameCount()), 0, frameCount() - 1);
}

void TimelineStrip::mousePressEvent(QMouseEvent* e) {
    if (c_ && e->button() == Qt::LeftButton) Q_EMIT c_->seekRequested(frameAt(e->position().x()));
}

void TimelineStrip::mouseMoveEvent(QMouseEvent* e) {
    if (c_ && (e->buttons() & Qt::LeftButton)) Q_EMIT c_->seekRequested(frameAt(e->position().x()));
}

void TimelineStrip::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    if (!c_) return;
    p.setRenderHint(QPainter::Antialiasing);
    const Document& d = c_->document();
    const int n = frameCount();
    const double fw = std::max(1.0, double(width() - 12) / n);
    // Segments (top rows).
    int row = 0;
    for (const Segment& s : d.segments) {
        const double y = 2 + (row++ % 2) * 9;
        QColor col = c_->labelColor(QString::fromStdString(s.label));
        p.fillRect(QRectF(xOf(s.firstFrame) - fw / 2, y, (s.lastFrame - s.firstFrame + 1) * fw, 7),
                   col);
    }
    if (auto in = c_->markedIn()) {
        p.setPen(QPen(QColor(255, 200, 0), 2));
        p.drawLine(QPointF(xOf(*in), 2), QPointF(xOf(*in), 20));
    }
    // Selected track: visible span and keyframes.
    const double ty = 30;
    if (const Track* t = d.track(c_->selectedTrack())) {
        QColor col = c_->labelColor(QString::fromStdString(t->label));
        QColor span = col;
        span.setAlpha(90);
        for (int f = 0; f < n; ++f)
            if (t->boxAt(f, d.media.frameCount))
                p.fillRect(QRectF(xOf(f) - fw / 2, ty - 3, fw, 6), span);
        for (const Keyframe& k : t->keys) {
            const double x = xOf(k.frame);
            QPainterPath diamond;
            diamond.moveTo(x, ty - 6);
            diamond.lineTo(x + 5, ty);
            diamond.lineTo(x, ty + 6);
            diamond.lineTo(x - 5, ty);
            diamond.closeSubpath();
            p.fillPath(diamond, k.outside ? QColor(120, 120, 120) : col);
            p.setPen(QPen(palette().color(QPalette::Text), 0.8));
            p.drawPath(diamond);
        }
    }
    // Current frame.
    p.setPen(QPen(QColor(230, 40, 40), 1.5));
    const double x = xOf(c_->frame());
    p.drawLine(QPointF(x, 0), QPointF(x, height()));
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(4, height() - 14, width() - 8, 14), Qt::AlignRight | Qt::AlignVCenter,
               tr("frame %1 / %2").arg(c_->frame()).arg(n));
}

// ------------------------------------------------------------------------ LabelPalette

LabelPalette::LabelPalette(AnnotationController* c, QWidget* parent) : QWidget(parent), c_(c) {
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    list_ = new QListWidget(this);
    lay->addWidget(list_);
    auto* row = new QHBoxLayout;
    name_ = new QLineEdit(this);
    name_->setPlaceholderText(tr("New label"));
    kind_ = new QComboBox(this);
    kind_->addItem(tr("object"));
    kind_->addItem(tr("segment"));
    auto* add = new QPushButton(tr("Add"), this);
    row->addWidget(name_);
    row->addWidget(kind_);
    row->addWidget(add);
    lay->addLayout(row);
    auto addLabel = [this] {
        if (!c_) return;
        c_->addLabel(name_->text(),
                     kind_->currentIndex() == 0 ? LabelKind::Object : LabelKind::Segment);
        name_->clear();
    };
    connect(add, &QPushButton::clicked, this, addLabel);
    connect(name_, &QLineEdit::returnPressed, this, addLabel);
    connect(list_, &QListWidget::currentTextChanged, this, [this](const QString& t) {
        if (!c_ || t.isEmpty()) return;
        const Label* l = c_->document().label(t.toStdString());
        if (l && l->kind == LabelKind::Segment)
            c_->setCurrentSegmentLabel(t);
        else
            c_->setCurrentLabel(t);
    });
    connect(list_, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* it) {
        if (c_ && c_->selectedTrack() >= 0) c_->setTrackLabel(c_->selectedTrack(), it->text());
    });
    connect(c, &AnnotationController::documentChanged, this, &LabelPalette::rebuild);
    rebuild();
}

void LabelPalette::rebuild() {
    if (!c_) return;
    const QString cur = list_->currentItem() ? list_->currentItem()->text() : QString();
    QSignalBlocker block(list_);
    list_->clear();
    for (const Label& l : c_->document().labels) {
        QPixmap swatch(12, 12);
        swatch.fill(QColor::fromRgb(QRgb(l.color)));
        auto* it = new QListWidgetItem(QIcon(swatch), QString::fromStdString(l.name), list_);
        it->setToolTip(l.kind == LabelKind::Segment ? tr("segment label (mark with [ and ])")
                                                    : tr("object label (draw boxes)"));
        if (it->text() == cur) list_->setCurrentItem(it);
    }
}

} // namespace vf::ui
