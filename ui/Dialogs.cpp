#include "ui/Dialogs.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QThread>
#include <QVBoxLayout>

#include "core/common/Resources.h"
#include "ui/ParamForm.h"

#if VF_HAVE_FUSION
#include "core/fusion/LearnedMethods.h"
#endif

namespace vf::ui {

static QString formatSeconds(double s) {
    if (s < 0) return QObject::tr("unknown");
    if (s < 90) return QObject::tr("about %1 s").arg(std::max(1.0, s), 0, 'f', 0);
    if (s < 5400) return QObject::tr("about %1 min").arg(s / 60, 0, 'f', 1);
    return QObject::tr("about %1 h").arg(s / 3600, 0, 'f', 1);
}

static void rangeBoxes(QWidget* parent, Workspace* ws, QSpinBox*& start, QSpinBox*& count) {
    const int n = int(std::max<qint64>(1, ws->frameCount()));
    start = new QSpinBox(parent);
    start->setRange(0, n - 1);
    count = new QSpinBox(parent);
    count->setRange(1, n);
    count->setValue(n);
}

static QComboBox* scaleBox(QWidget* parent) {
    auto* c = new QComboBox(parent);
    c->addItem(QStringLiteral("1 (full)"), 1);
    c->addItem(QStringLiteral("1/2"), 2);
    c->addItem(QStringLiteral("1/4"), 4);
    return c;
}

FuseDialog::FuseDialog(JobController* jc, Workspace* ws, QWidget* parent)
    : QDialog(parent), jc_(jc), ws_(ws) {
    setWindowTitle(tr("Fuse with VideoFusion"));
    setObjectName(QStringLiteral("fuseDialog"));
    auto* v = new QVBoxLayout(this);
    auto* model = new QGroupBox(tr("Model"), this);
    auto* ml = new QVBoxLayout(model);
    form_ = new ParamForm(model);
#if VF_HAVE_FUSION
    QJsonObject defaults;
    if (auto w = vf::defaultVideoFusionWeights())
        defaults[QStringLiteral("weights")] = QString::fromStdString(w->string());
    form_->setSpecs(vf::fusion::videoFusionParams(true), defaults);
#endif
    ml->addWidget(form_);
    v->addWidget(model);

    auto* run = new QGroupBox(tr("Range and preview"), this);
    auto* fl = new QFormLayout(run);
    rangeBoxes(run, ws, start_, count_);
    fl->addRow(tr("First frame"), start_);
    fl->addRow(tr("Frames"), count_);
    scale_ = scaleBox(run);
    fl->addRow(tr("Preview scale"), scale_);
    auto* roi = new QWidget(run);
    auto* rl = new QHBoxLayout(roi);
    rl->setContentsMargins(0, 0, 0, 0);
    const cv::Size sz = ws->pair() ? ws->pair()->validation.size : cv::Size(640, 480);
    for (QSpinBox** b : {&roiX_, &roiY_, &roiW_, &roiH_}) {
        *b = new QSpinBox(roi);
        (*b)->setRange(0, std::max(sz.width, sz.height));
        rl->addWidget(*b);
    }
    roiX_->setPrefix(QStringLiteral("x "));
    roiY_->setPrefix(QStringLiteral("y "));
    roiW_->setPrefix(QStringLiteral("w "));
    roiH_->setPrefix(QStringLiteral("h "));
    roi->setToolTip(tr("Region of interest in pixels; width 0 = whole frame"));
    fl->addRow(tr("Region of interest"), roi);
    restored_ = new QCheckBox(tr("Also show the restored infrared and visible streams"), run);
    restored_->setChecked(true);
    fl->addRow(QString(), restored_);
    v->addWidget(run);

    estimate_ = new QLabel(this);
    estimate_->setObjectName(QStringLiteral("estimate"));
    v->addWidget(estimate_);
    auto* bb = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    bb->button(QDialogButtonBox::Ok)->setText(tr("Start"));
    connect(bb, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(bb, &QDialogButtonBox::rejected, this, &QDialog::reject);
    v->addWidget(bb);
    for (QSpinBox* b : {start_, count_, roiX_, roiY_, roiW_, roiH_})
        connect(b, &QSpinBox::valueChanged, this, &FuseDialog::updateEstimate);
    connect(scale_, &QComboBox::currentIndexChanged, this, &FuseDialog::updateEstimate);
    connect(form_, &ParamForm::changed, this, &FuseDialog::updateEstimate);
    updateEstimate();
}

FuseRequest FuseDialog::request() const {
    FuseRequest r;
    r.method = QStringLiteral("videofusion");
    r.params = form_->values();
    r.start = start_->value();
    r.count = count_->value();
    r.previewScale = scale_->currentData().toInt();
    if (roiW_->value() > 0 && roiH_->value() > 0)
        r.roi = QRect(roiX_->value(), roiY_->value(), roiW_->value(), roiH_->value());
    r.wantRestored = restored_->isChecked();
    return r;
}

void FuseDialog::setRequest(const FuseRequest& r) {
    for (auto it = r.params.begin(); it != r.params.end(); ++it)
        form_->setValue(it.key(), it.value());
    start_->setValue(int(r.start));
    if (r.count > 0) count_->setValue(int(r.count));
    scale_->setCurrentIndex(r.previewScale == 4 ? 2 : r.previewScale == 2 ? 1 : 0);
    roiX_->setValue(r.roi.x());
    roiY_->setValue(r.roi.y());
    roiW_->setValue(r.roi.width());
    roiH_->setValue(r.roi.height());
    restored_->setChecked(r.wantRestored);
}

QString FuseDialog::estimateText() const {
    return estimate_->text();
}

void FuseDialog::updateEstimate() {
    estimate_->setText(tr("Estimated time: %1 (from the last runs on this machine)")
                           .arg(formatSeconds(jc_->estimateSeconds(request()))));
}

BaselinesDialog::BaselinesDialog(JobController* jc, Workspace* ws, QWidget* parent)
    : QDialog(parent), jc_(jc), ws_(ws) {
    setWindowTitle(tr("Run baselines"));
    setObjectName(QStringLiteral("baselinesDialog"));
    resize(640, 480);
    auto* v = new QVBoxLayout(this);
    auto* split = new QSplitter(this);
    list_ = new QListWidget(split);
    forms_ = new QStackedWidget(split);
#if VF_HAVE_FUSION
    for (const QString& name : JobController::baselineMethods()) {
        auto m = vf::fusion::MethodRegistry::builtin().get(name.toStdString());
        auto* it = new QListWidgetItem(QString::fromStdString(m->displayName()), list_);
        it->setData(Qt::UserRole, name);
        it->setFlags(it->flags() | Qt::ItemIsUserCheckable);
        it->setCheckState(Qt::Unchecked);
        it->setToolTip(QString::fromStdString(m->description()));
        auto* page = new QWidget(forms_);
        auto* pl = new QVBoxLayout(page);
        auto* desc = new QLabel(QString::fromStdString(m->description()), page);
        desc->setWordWrap(true);
        pl->addWidget(desc);
        auto* f = new ParamForm(page);
        f->setObjectName(QStringLiteral("form_") + name);
        f->setSpecs(m->params());
        pl->addWidget(f);
        pl->addStretch(1);
        forms_->addWidget(page);
    }
#endif
    connect(list_, &QListWidget::currentRowChanged, forms_, &QStackedWidget::setCurrentIndex);
    connect(list_, &QListWidget::itemChanged, this, &BaselinesDialog::updateEstimate);
    v->addWidget(split, 1);
    auto* fl = new QFormLayout();
    rangeBoxes(this, ws, start_, count_);
    fl->addRow(tr("First frame"), start_);
    fl->addRow(tr("Frames"), count_);
    scale_ = scaleBox(this);
    fl->addRow(tr("Preview scale"), scale_);
    v->addLayout(fl);
    estimate_ = new QLabel(this);
    v->addWidget(estimate_);
    auto* bb = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    bb->button(QDialogButtonBox::Ok)->setText(tr("Start"));
    connect(bb, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(bb, &QDialogButtonBox::rejected, this, &QDialog::reject);
    v->addWidget(bb);
    connect(start_, &QSpinBox::valueChanged, this, &BaselinesDialog::updateEstimate);
    connect(count_, &QSpinBox::valueChanged, this, &BaselinesDialog::updateEstimate);
    if (list_->count() > 0) list_->setCurrentRow(0);
    updateEstimate();
}

ParamForm* BaselinesDialog::form(const QString& method) const {
    return findChild<ParamForm*>(QStringLiteral("form_") + method);
}

void BaselinesDialog::check(const QString& method, bool on) {
    for (int i = 0; i < list_->count(); ++i)
        if (list_->item(i)->data(Qt::UserRole).toString() == method)
            list_->item(i)->setCheckState(on ? Qt::Checked : Qt::Unchecked);
}

std::vector<FuseRequest> BaselinesDialog::requests() const {
    std::vector<FuseRequest> out;
    for (int i = 0; i < list_->count(); ++i) {
        if (list_->item(i)->checkState() != Qt::Checked) continue;
        FuseRequest r;
        r.method = list_->item(i)->data(Qt::UserRole).toString();
        if (ParamForm* f = form(r.method)) r.params = f->values();
        r.start = start_->value();
        r.count = count_->value();
        r.previewScale = scale_->currentData().toInt();
        out.push_back(r);
    }
    return out;
}

void BaselinesDialog::updateEstimate() {
    double total = 0;
    for (const auto& r : requests())
        total += std::max(0.0, jc_->estimateSeconds(r));
    estimate_->setText(tr("Estimated time: %1 (run on %2 threads)")
                           .arg(formatSeconds(total))
                           .arg(QThread::idealThreadCount()));
}

} // namespace vf::ui
