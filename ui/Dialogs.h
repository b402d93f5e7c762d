#pragma once
// Job set-up dialogs: "Fuse with VideoFusion" (weights, device, precision, clip length,
// overlap, frame range, preview scale, ROI, restored outputs; the estimated time is shown
// before start) and "Run baselines" (methods to run, each with a parameter form built from
// its ParamSpec).

#include <QDialog>

#include "ui/FuseJobs.h"

class QSpinBox;
class QComboBox;
class QCheckBox;
class QLabel;
class QListWidget;
class QStackedWidget;

namespace vf::ui {

class ParamForm;

class FuseDialog : public QDialog {
    Q_OBJECT
public:
    FuseDialog(JobController* jc, Workspace* ws, QWidget* parent = nullptr);
    FuseRequest request() const;
    void setRequest(const FuseRequest& r);
    QString estimateText() const;

private:
    void updateEstimate();
    JobController* jc_;
    Workspace* ws_;
    ParamForm* form_;
    QSpinBox *start_, *count_, *roiX_, *roiY_, *roiW_, *roiH_;
    QComboBox* scale_;
    QCheckBox* restored_;
    QLabel* estimate_;
};

class BaselinesDialog : public QDialog {
    Q_OBJECT
public:
    BaselinesDialog(JobController* jc, Workspace* ws, QWidget* parent = nullptr);
    std::vector<FuseRequest> requests() const;
    void check(const QString& method, bool on);
    ParamForm* form(const QString& method) const;

private:
    void updateEstimate();
    JobController* jc_;
    Workspace* ws_;
    QListWidget* list_;
    QStackedWidget* forms_;
    QSpinBox *start_, *count_;
    QComboBox* scale_;
    QLabel* estimate_;
};

} // namespace vf::ui
