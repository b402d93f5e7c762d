#pragma once
// The jobs panel: every job with its state, progress bar, elapsed time, ETA and a cancel
// button; errors appear in the row's tooltip and status text.
#include <QWidget>

#include "ui/Jobs.h"

class QTreeWidget;
class QTreeWidgetItem;

namespace vf::ui {

class JobsPanel : public QWidget {
    Q_OBJECT
public:
    JobsPanel(JobManager* jobs, QWidget* parent = nullptr);
    QTreeWidget* tree() const { return tree_; }

private:
    void rebuild();
    void updateRow(Job* j);
    JobManager* jobs_;
    QTreeWidget* tree_;
    QHash<Job*, QTreeWidgetItem*> rows_;
};

} // namespace vf::ui
