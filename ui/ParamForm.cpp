#include "ui/ParamForm.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QSpinBox>
#include <QToolButton>

#include <cmath>

namespace vf::ui {

ParamForm::ParamForm(QWidget* parent) : QWidget(parent) {
    form_ = new QFormLayout(this);
    form_->setContentsMargins(0, 0, 0, 0);
}

#if VF_HAVE_FUSION
void ParamForm::setSpecs(const std::vector<vf::fusion::ParamSpec>& specs,
                         const QJsonObject& values) {
    while (form_->rowCount() > 0)
        form_->removeRow(0);
    getters_.clear();
    setters_.clear();
    editors_.clear();
    using PS = vf::fusion::ParamSpec;
    for (const PS& s : specs) {
        const QString key = QString::fromStdString(s.key);
        const QString tip = QString::fromStdString(s.description) + QStringLiteral("\n[") + key +
                            QStringLiteral("] ") + QString::fromStdString(s.rangeAsText());
        QWidget* ed = nullptr;
        switch (s.type) {
        case PS::Int: {
            auto* w = new QSpinBox(this);
            w->setRange(int(s.min), int(s.max));
            w->setValue(int(s.defaultValue));
            connect(w, &QSpinBox::valueChanged, this, &ParamForm::changed);
            getters_[key] = [w] { return QJsonValue(double(w->value())); };
            setters_[key] = [w](const QJsonValue& v) { w->setValue(v.toInt()); };
            ed = w;
            break;
        }
        case PS::Double: {
            auto* w = new QDoubleSpinBox(this);
            const double span = s.max - s.min;
            w->setDecimals(span < 0.1 ? 6 : span < 10 ? 4 : 2);
            w->setRange(s.min, s.max);
            w->setSingleStep(span > 0 ? std::pow(10.0, std::floor(std::log10(span)) - 1) : 0.1);
            w->setValue(s.defaultValue);
            connect(w, &QDoubleSpinBox::valueChanged, this, &ParamForm::changed);
            getters_[key] = [w] { return QJsonValue(w->value()); };
            setters_[key] = [w](const QJsonValue& v) { w->setValue(v.toDouble()); };
            ed = w;
            break;
        }
        case PS::Bool: {
            auto* w = new QCheckBox(this);
            w->setChecked(s.defaultValue != 0);
            connect(w, &QCheckBox::toggled, this, &ParamForm::changed);
            getters_[key] = [w] { return QJsonValue(w->isChecked() ? 1.0 : 0.0); };
            setters_[key] = [w](const QJsonValue& v) {
                w->setChecked(v.isBool() ? v.toBool() : v.toDouble() != 0);
            };
            ed = w;
            break;
        }
        case PS::Choice: {
            auto* w = new QComboBox(this);
            for (const auto& c : s.choices)
                w->addItem(QString::fromStdString(c));
            w->setCurrentIndex(int(s.defaultValue));
            connect(w, &QComboBox::currentIndexChanged, this, &ParamForm::changed);
            getters_[key] = [w] { return QJsonValue(w->currentText()); };
            setters_[key] = [w](const QJsonValue& v) {
                const int i = w->findText(v.toString());
                if (i >= 0) w->setCurrentIndex(i);
            };
            ed = w;
            break;
        }
        case PS::Path:
        case PS::Text: {
            auto* box = new QWidget(this);
            auto* hl = new QHBoxLayout(box);
            hl->setContentsMargins(0, 0, 0, 0);
            auto* le = new QLineEdit(QString::fromStdString(s.defaultText), box);
            le->setObjectName(key);
            hl->addWidget(le, 1);
            if (s.type == PS::Path) {
                auto* b = new QToolButton(box);
                b->setText(QStringLiteral("…"));
                const QString filter = QString::fromStdString(s.fileFilter);
                connect(b, &QToolButton::clicked, this, [this, le, filter] {
                    const QString f =
                        QFileDialog::getOpenFileName(this, tr("Choose a file"), le->text(), filter);
                    if (!f.isEmpty()) le->setText(f);
                });
                hl->addWidget(b);
            }
            connect(le, &QLineEdit::textChanged, this, &ParamForm::changed);
            getters_[key] = [le] { return QJsonValue(le->text()); };
            setters_[key] = [le](const QJsonValue& v) { le->setText(v.toString()); };
            ed = box;
            break;
        }
        }
        ed->setToolTip(tip);
        editors_[key] = ed;
        form_->addRow(QString::fromStdString(s.label.empty() ? s.key : s.label), ed);
        if (values.contains(key)) setters_[key](values.value(key));
    }
}
#endif

QJsonObject ParamForm::values() const {
    QJsonObject o;
    for (const auto& [k, g] : getters_) {
        QJsonValue v = g();
        if (v.isString() && v.toString().isEmpty()) continue; // empty path/text = default
        o[k] = v;
    }
    return o;
}

void ParamForm::setValue(const QString& key, const QJsonValue& v) {
    if (auto it = setters_.find(key); it != setters_.end()) it->second(v);
}

QWidget* ParamForm::editor(const QString& key) const {
    auto it = editors_.find(key);
    return it == editors_.end() ? nullptr : it->second;
}

} // namespace vf::ui
