#pragma once
// "Simulate degradation…" (issue #8): degrade the open pair with a core/degrade preset
// (M3SVD: IR Gaussian noise + column stripes and visible blur; low light; haze) and a seed,
// over the whole clip or a frame range, as a pool job. The result is written in the M3SVD
// layout the workbench (and the official VideoFusion code) reads:
//   <folder>/<split>/{infrared_Enhance,infrared_noise,visible_Enhance,visible_Blur}/<seq>/
//   0000.png ... and <folder>/<split>/degrade_<seq>.json (preset, seed, drawn parameters)
// Everything is first written to a hidden temporary folder beside the output and moved into
// place only when complete; a cancelled or failed job leaves nothing behind. The clean
// frames are the pair's clean references when it has them (M3SVD), else the shown inputs;
// frame noise is seeded by the pair frame index, so a range reproduces the same frames as
// the whole clip.

#include <QDialog>
#include <QString>

#include <functional>

#include "ui/Jobs.h"
#include "ui/Workspace.h"

class QComboBox;
class QSpinBox;
class QLineEdit;
class QCheckBox;
class QMessageBox;

namespace vf::ui {

struct DegradeRequest {
    QString preset = QStringLiteral("m3svd"); // "m3svd", "lowlight", "haze"
    quint64 seed = 0;
    qint64 start = 0;
    qint64 count = -1; // -1 = to the end
    QString folder;    // output root
    QString split = QStringLiteral("test");
    QString sequence; // "" = the pair's name
    bool useReferences = true;
};

struct DegradeResult {
    QString root;       // the output folder (an M3SVD root)
    QString sequence;   // sequence name inside it
    QString irDegraded; // <root>/<split>/infrared_noise/<seq>
    QString viDegraded; // <root>/<split>/visible_Blur/<seq>
    qint64 start = 0, frames = 0;
};

// Starts the job on the pool; `done` runs on the GUI thread when it finished successfully.
// Throws vf::Error for a bad request (no pair, bad range, output already there).
Job* startDegrade(Workspace* ws, JobManager* jobs, const DegradeRequest& r,
                  std::function<void(const DegradeResult&)> done);

// Asks (non-blocking) whether to open the degraded pair (M3SVD root, with its clean
// references) or to add the degraded streams beside the open pair (when the range starts at
// frame 0). `report` gets "" after a successful open, or the error text of a failure.
QMessageBox* offerDegraded(QWidget* parent, Workspace* ws, const DegradeResult& r,
                           std::function<void(const QString&)> report);

class DegradeDialog : public QDialog {
    Q_OBJECT
public:
    DegradeDialog(Workspace* ws, QWidget* parent = nullptr);
    DegradeRequest request() const;

private:
    Workspace* ws_;
    QComboBox* preset_;
    QSpinBox* seed_;
    QSpinBox* start_;
    QSpinBox* count_;
    QLineEdit* folder_;
    QLineEdit* sequence_;
    QCheckBox* refs_;
};

} // namespace vf::ui
