#include "ui/JobsPanel.h"

#include <QHeaderView>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace vf::ui {

JobsPanel::JobsPanel(JobManager* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    tree_ = new QTreeWidget(this);
    tree_->setObjectName(QStringLiteral("jobsTree"));
    tree_->setHeaderLabels(
        {tr("Job"), tr("State"), tr("Progress"), tr("Elapsed"), tr("Left"), QString()});
    tree_->setRootIsDecorated(false);
    tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    v->addWidget(tree_);
    auto* clear = new QPushButton(tr("Clear finished"), this);
    connect(clear, &QPushButton::clicked, jobs_, &JobManager::clearFinished);
    v->addWidget(clear);
    connect(jobs_, &JobManager::jobsChanged, this, &JobsPanel::rebuild);
    auto* tick = new QTimer(this);
    connect(tick, &QTimer::timeout, this, [this] {
        for (Job* j : jobs_->jobs())
            if (j->state() == Job::State::Running) updateRow(j);
    });
    tick->start(1000);
}

void JobsPanel::rebuild() {
    tree_->clear();
    rows_.clear();
    for (Job* j : jobs_->jobs()) {
        auto* it = new QTreeWidgetItem(tree_, {j->title()});
        rows_[j] = it;
        auto* bar = new QProgressBar(tree_);
        bar->setRange(0, 1000);
        bar->setTextVisible(true);
        tree_->setItemWidget(it, 2, bar);
        if (!j->done()) {
            auto* cancel = new QToolButton(tree_);
            cancel->setText(tr("Cancel"));
            cancel->setObjectName(QStringLiteral("cancelJob"));
            connect(cancel, &QToolButton::clicked, j, &Job::cancel);
            tree_->setItemWidget(it, 5, cancel);
        }
        disconnect(j, nullptr, this, nullptr);
        connect(j, &Job::progressChanged, this, [this, j] { updateRow(j); });
        connect(j, &Job::stateChanged, this, [this, j] { updateRow(j); });
        updateRow(j);
    }
}

void JobsPanel::updateRow(Job* j) {
    QTreeWidgetItem* it = rows_.value(j);
    if (!it) return;
    it->setText(1, Job::stateName(j->state()));
    if (auto* bar = qobject_cast<QProgressBar*>(tree_->itemWidget(it, 2))) {
        bar->setValue(int(j->progress() * 1000));
        bar->setFormat(
            QStringLiteral("%1%  %2").arg(j->progress() * 100, 0, 'f', 0).arg(j->progressText()));
    }
    it->setText(3, QStringLiteral("%1 s").arg(j->elapsedSeconds(), 0, 'f', 1));
    const double eta = j->etaSeconds();
    it->setText(4, eta >= 0 ? QStringLiteral("%1 s").arg(eta, 0, 'f', 0) : QString());
    it->setToolTip(0, j->error().isEmpty() ? j->title() : j->error());
    if (j->state() == Job::State::Failed) it->setText(1, tr("failed: %1").arg(j->error()));
    if (j->done()) tree_->setItemWidget(it, 5, nullptr);
}

} // namespace vf::ui
