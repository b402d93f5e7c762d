#pragma once
// vf::ui::ParamForm: a form built from a method's typed parameters (fusion::ParamSpec):
// spin boxes with the spec's range, check boxes, choice combos, path fields with a browse
// button, text fields. values() returns what the user set as JSON (key -> number/string).

#include <QJsonObject>
#include <QWidget>

#include <functional>
#include <map>

#if VF_HAVE_FUSION
#include "core/fusion/FusionMethod.h"
#endif

class QFormLayout;

namespace vf::ui {

class ParamForm : public QWidget {
    Q_OBJECT
public:
    explicit ParamForm(QWidget* parent = nullptr);
#if VF_HAVE_FUSION
    void setSpecs(const std::vector<vf::fusion::ParamSpec>& specs, const QJsonObject& values = {});
#endif
    QJsonObject values() const;
    void setValue(const QString& key, const QJsonValue& v);
    QWidget* editor(const QString& key) const;

Q_SIGNALS:
    void changed();

private:
    QFormLayout* form_;
    std::map<QString, std::function<QJsonValue()>> getters_;
    std::map<QString, std::function<void(const QJsonValue&)>> setters_;
    std::map<QString, QWidget*> editors_;
};

} // namespace vf::ui
