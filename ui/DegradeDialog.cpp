#include "ui/DegradeDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QUuid>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <opencv2/imgcodecs.hpp>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"
#include "core/io/Pair.h"
#include "ui/FnJob.h"

#if VF_HAVE_DEGRADE
#include "core/degrade/Degrade.h"
#endif

namespace vf::ui {

namespace fs = std::filesystem;

namespace {
const char* kFolders[4] = {"infrared_Enhance", "infrared_noise", "visible_Enhance", "visible_Blur"};

std::string safeName(QString s) {
    s.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.+-]+")), QStringLiteral("_"));
    return s.isEmpty() ? std::string("sequence") : s.toStdString();
}
} // namespace

Job* startDegrade(Workspace* ws, JobManager* jobs, const DegradeRequest& r,
                  std::function<void(const DegradeResult&)> done) {
#if VF_HAVE_DEGRADE
    const vf::io::PairInput* pair = ws->pair();
    if (!pair) throw vf::Error(vf::ErrorCode::InvalidArgument, "degradation: no pair is open");
    const vf::degrade::Preset preset = vf::degrade::presetFromName(r.preset.toStdString());
    const qint64 n = ws->frameCount();
    const qint64 start = r.start;
    const qint64 count = r.count < 0 ? n - start : r.count;
    if (start < 0 || start >= n || count <= 0 || start + count > n)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "degradation: frames " + std::to_string(start) + ".." +
                            std::to_string(start + count - 1) + " are outside the pair (" +
                            std::to_string(n) + " frames)");
    if (r.folder.isEmpty())
        throw vf::Error(vf::ErrorCode::InvalidArgument, "degradation: choose an output folder");
    const fs::path root = fs::path(r.folder.toStdString());
    const std::string seq = safeName(r.sequence.isEmpty() ? ws->pairName() : r.sequence);
    const std::string split = r.split.isEmpty() ? std::string("test") : r.split.toStdString();
    for (const char* f : kFolders)
        if (fs::exists(root / split / f / seq))
            throw vf::Error(vf::ErrorCode::InvalidArgument,
                            (root / split / f / seq).string() +
                                ": already exists; choose another folder or sequence name",
                            (root / split / f / seq).string());
    const bool refs = r.useReferences && pair->irRef && pair->visRef;
    std::shared_ptr<vf::io::FrameSource> ir((refs ? pair->irRef : pair->ir)->clone());
    std::shared_ptr<vf::io::FrameSource> vi((refs ? pair->visRef : pair->vis)->clone());
    const int w = ir->info().width, h = ir->info().height;
    if (vi->info().width != w || vi->info().height != h)
        throw vf::Error(vf::ErrorCode::Mismatch, "degradation: " + vi->info().path + " is " +
                                                     std::to_string(vi->info().width) + "x" +
                                                     std::to_string(vi->info().height) + " but " +
                                                     ir->info().path + " is " + std::to_string(w) +
                                                     "x" + std::to_string(h));
    const quint64 seed = r.seed;
    const std::string irName = ir->info().path, viName = vi->info().path;
    DegradeResult res;
    res.root = r.folder;
    res.sequence = QString::fromStdString(seq);
    res.irDegraded = QString::fromStdString((root / split / "infrared_noise" / seq).string());
    res.viDegraded = QString::fromStdString((root / split / "visible_Blur" / seq).string());
    res.start = start;
    res.frames = count;
    auto* job = new FnJob(
        QObject::tr("Degrade (%1, seed %2)").arg(r.preset).arg(seed),
        [=](FnJob& j) {
            fs::create_directories(root);
            // Hidden temporary folder beside the output: moved into place when complete,
            // removed on failure or cancel.
            const fs::path tmp =
                root / ("." + seq + ".partial-" +
                        QUuid::createUuid().toString(QUuid::Id128).left(8).toStdString());
            struct Cleanup {
                fs::path p;
                ~Cleanup() {
                    std::error_code ec;
                    if (!p.empty()) fs::remove_all(p, ec);
                }
            } cleanup{tmp};
            for (const char* f : kFolders)
                fs::create_directories(tmp / f / seq);
            vf::degrade::Recipe recipe;
            recipe.preset = preset;
            const vf::degrade::SequenceDegrader deg(recipe, seed, w, h);
            cv::Mat a, b;
            char name[32];
            for (qint64 k = 0; k < count; ++k) {
                j.cancelToken().check();
                const qint64 f = start + k;
                ir->readInto(f, a);
                vi->readInto(f, b);
                std::snprintf(name, sizeof name, "%04lld.png", static_cast<long long>(k));
                const cv::Mat images[4] = {a, deg.infrared(a, int(f)), b, deg.visible(b, int(f))};
                for (int q = 0; q < 4; ++q) {
                    const fs::path out = tmp / kFolders[q] / seq / name;
                    if (!cv::imwrite(out.string(), images[q]))
                        throw vf::Error(vf::ErrorCode::WriteFailed,
                                        out.string() + ": cannot write the PNG", out.string());
                }
                j.reportProgress(k + 1, count, QObject::tr("frame %1").arg(f));
            }
            j.cancelToken().check();
            // Into place: the four sequence folders, then the sidecar.
            std::vector<fs::path> moved;
            try {
                for (const char* f : kFolders) {
                    const fs::path dst = root / split / f / seq;
                    fs::create_directories(dst.parent_path());
                    if (fs::exists(dst))
                        throw vf::Error(vf::ErrorCode::WriteFailed,
                                        dst.string() + ": appeared while degrading", dst.string());
                    fs::rename(tmp / f / seq, dst);
                    moved.push_back(dst);
                }
                std::string side = deg.params().toJson();
                // Where the clean frames came from and which frames were degraded.
                side = "{\n  \"source_infrared\": \"" + irName + "\",\n  \"source_visible\": \"" +
                       viName + "\",\n  \"first_frame\": " + std::to_string(start) +
                       ",\n  \"frames\": " + std::to_string(count) +
                       ",\n  \"parameters\": " + side + "\n}\n";
                vf::writeFileAtomic(root / split / ("degrade_" + seq + ".json"), side);
            } catch (...) {
                std::error_code ec;
                for (const auto& m : moved)
                    fs::remove_all(m, ec);
                throw;
            }
        },
        [done, res](FnJob& j) {
            if (j.state() == Job::State::Finished && done) done(res);
        });
    return jobs->submit(job);
#else
    (void)ws;
    (void)jobs;
    (void)r;
    (void)done;
    throw vf::Error(vf::ErrorCode::Unsupported, "this build has no core/degrade");
#endif
}

QMessageBox* offerDegraded(QWidget* parent, Workspace* ws, const DegradeResult& r,
                           std::function<void(const QString&)> report) {
    auto* box = new QMessageBox(
        QMessageBox::Question, QObject::tr("Degraded pair written"),
        QObject::tr("%1 frames written under %2.\nOpen the degraded pair (with its clean "
                    "references), or add the degraded streams beside the current pair?")
            .arg(r.frames)
            .arg(r.root),
        QMessageBox::NoButton, parent);
    box->setObjectName(QStringLiteral("degradedDialog"));
    QPushButton* open = box->addButton(QObject::tr("Open pair"), QMessageBox::AcceptRole);
    open->setObjectName(QStringLiteral("openDegraded"));
    QPushButton* add = box->addButton(QObject::tr("Add streams"), QMessageBox::ActionRole);
    add->setObjectName(QStringLiteral("addDegraded"));
    box->addButton(QMessageBox::Close);
    add->setEnabled(r.start == 0); // external streams start at pair frame 0
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPointer<Workspace> w(ws);
    QObject::connect(
        box, &QMessageBox::buttonClicked, box, [w, r, open, add, report](QAbstractButton* b) {
            if (!w) return;
            try {
                if (b == open) {
                    w->openM3svd(r.root, r.sequence);
                    if (report) report(QString());
                } else if (b == add) {
                    w->addExternalStream(r.irDegraded, QObject::tr("IR degraded"));
                    w->addExternalStream(r.viDegraded, QObject::tr("Visible degraded"));
                }
            } catch (const std::exception& e) {
                if (report) report(QString::fromStdString(e.what()));
            }
        });
    box->open();
    return box;
}

DegradeDialog::DegradeDialog(Workspace* ws, QWidget* parent) : QDialog(parent), ws_(ws) {
    setObjectName(QStringLiteral("degradeDialog"));
    setWindowTitle(tr("Simulate degradation"));
    auto* fl = new QFormLayout(this);
    preset_ = new QComboBox(this);
    preset_->addItem(tr("M3SVD: IR noise + stripes, visible blur"), QStringLiteral("m3svd"));
    preset_->addItem(tr("Low light (visible), IR noise + stripes"), QStringLiteral("lowlight"));
    preset_->addItem(tr("Haze (visible), IR noise + stripes"), QStringLiteral("haze"));
    fl->addRow(tr("Preset"), preset_);
    seed_ = new QSpinBox(this);
    seed_->setRange(0, 2147483647);
    seed_->setValue(1);
    fl->addRow(tr("Seed"), seed_);
    const int n = int(std::max<qint64>(1, ws_->frameCount()));
    start_ = new QSpinBox(this);
    start_->setRange(0, n - 1);
    fl->addRow(tr("First frame"), start_);
    count_ = new QSpinBox(this);
    count_->setRange(1, n);
    count_->setValue(n);
    fl->addRow(tr("Frames"), count_);
    connect(start_, &QSpinBox::valueChanged, this,
            [this, n](int s) { count_->setMaximum(std::max(1, n - s)); });
    auto* row = new QHBoxLayout();
    folder_ = new QLineEdit(this);
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Output folder (M3SVD root)"),
                                                            folder_->text());
        if (!d.isEmpty()) folder_->setText(d);
    });
    row->addWidget(folder_, 1);
    row->addWidget(browse);
    fl->addRow(tr("Output folder"), row);
    sequence_ = new QLineEdit(ws_->pairName(), this);
    fl->addRow(tr("Sequence name"), sequence_);
    refs_ = new QCheckBox(tr("Degrade the clean references (when the pair has them)"), this);
    refs_->setChecked(true);
    refs_->setEnabled(ws_->pair() && ws_->pair()->hasReferences());
    fl->addRow(refs_);
    auto* bb = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    bb->button(QDialogButtonBox::Ok)->setText(tr("Degrade"));
    connect(bb, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(bb, &QDialogButtonBox::rejected, this, &QDialog::reject);
    fl->addRow(bb);
}

DegradeRequest DegradeDialog::request() const {
    DegradeRequest r;
    r.preset = preset_->currentData().toString();
    r.seed = quint64(seed_->value());
    r.start = start_->value();
    r.count = count_->value();
    r.folder = folder_->text();
    r.sequence = sequence_->text();
    r.useReferences = refs_->isChecked();
    return r;
}

} // namespace vf::ui
