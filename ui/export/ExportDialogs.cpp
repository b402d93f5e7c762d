#include "ui/export/ExportDialogs.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "core/common/Error.h"
#include "ui/MainWindow.h"
#include "ui/MetricsPanel.h"
#if VF_HAVE_ANNOTATE
#include "ui/annotate/AnnotationController.h"
#endif

namespace vf::ui {

// ------------------------------------------------------------------------- ExportOptionsBox
class ExportOptionsBox : public QWidget {
public:
    ExportOptionsBox(Workspace* ws, bool multiHint, QWidget* parent) : QWidget(parent), ws_(ws) {
        auto* f = new QFormLayout(this);
        f->setContentsMargins(0, 0, 0, 0);
        format = new QComboBox(this);
        format->setObjectName(QStringLiteral("exportFormat"));
        for (ExportFormat e :
             {ExportFormat::H264Mp4, ExportFormat::Ffv1Mkv, ExportFormat::PngFrames})
            format->addItem(exportFormatName(e), int(e));
        f->addRow(tr("Format"), format);
        crf = new QSpinBox(this);
        crf->setObjectName(QStringLiteral("exportCrf"));
        crf->setRange(0, 51);
        crf->setValue(18);
        crf->setToolTip(tr("H.264 constant rate factor: 0 = lossless, 18 = visually lossless, "
                           "23 = x264's default, 51 = worst"));
        f->addRow(tr("H.264 quality (CRF)"), crf);
        chroma = new QComboBox(this);
        chroma->setObjectName(QStringLiteral("exportChroma"));
        for (auto c : {vf::io::ChromaSampling::Yuv444, vf::io::ChromaSampling::Yuv420})
            chroma->addItem(exportChromaName(c), int(c));
        chroma->setToolTip(
            tr("Full colour (4:4:4) keeps the colour of every pixel: thin coloured lines, labels "
               "and false-colour panes stay exact (High 4:4:4 profile: mpv, VLC, ffplay; most "
               "browsers and hardware players cannot decode it).\nCompatible (4:2:0) stores "
               "colour at half resolution, so it plays everywhere but blurs colour edges."));
        f->addRow(tr("H.264 colour"), chroma);
        const qint64 n = std::max<qint64>(1, ws->frameCount());
        start = new QSpinBox(this);
        start->setObjectName(QStringLiteral("exportStart"));
        start->setRange(0, int(n - 1));
        end = new QSpinBox(this);
        end->setObjectName(QStringLiteral("exportEnd"));
        end->setRange(0, int(n - 1));
        end->setValue(int(n - 1));
        auto* range = new QHBoxLayout;
        range->addWidget(start);
        range->addWidget(new QLabel(tr("to"), this));
        range->addWidget(end);
        auto* here = new QPushButton(tr("From playhead"), this);
        connect(here, &QPushButton::clicked, this, [this] { start->setValue(int(ws_->frame())); });
        range->addWidget(here);
        f->addRow(tr("Pair frames"), range);
        dest = new QLineEdit(this);
        dest->setObjectName(QStringLiteral("exportDestination"));
        auto* browse = new QPushButton(tr("Browse…"), this);
        auto* row = new QHBoxLayout;
        row->addWidget(dest, 1);
        row->addWidget(browse);
        f->addRow(tr("Destination"), row);
        connect(browse, &QPushButton::clicked, this, [this, multiHint] { browseDest(multiHint); });
        connect(format, &QComboBox::currentIndexChanged, this, [this] {
            crf->setEnabled(fmt() == ExportFormat::H264Mp4);
            chroma->setEnabled(fmt() == ExportFormat::H264Mp4);
            fixSuffix();
        });
        connect(start, &QSpinBox::valueChanged, this, [this](int v) {
            if (end->value() < v) end->setValue(v);
        });
    }
    ExportFormat fmt() const { return ExportFormat(format->currentData().toInt()); }
    void setFmt(ExportFormat e) { format->setCurrentIndex(format->findData(int(e))); }
    vf::io::ChromaSampling chromaValue() const {
        return vf::io::ChromaSampling(chroma->currentData().toInt());
    }
    void setChroma(vf::io::ChromaSampling c) { chroma->setCurrentIndex(chroma->findData(int(c))); }
    void fixSuffix() {
        if (multiple || dest->text().isEmpty()) return;
        QFileInfo fi(dest->text());
        const QString base = fi.path() + QLatin1Char('/') + fi.completeBaseName();
        dest->setText(base + exportFormatSuffix(fmt()));
    }
    void browseDest(bool allowFolder) {
        QString p;
        if (fmt() == ExportFormat::PngFrames || (allowFolder && multiple))
            p = QFileDialog::getExistingDirectory(this, tr("Export into folder"), dest->text());
        else
            p = QFileDialog::getSaveFileName(
                this, tr("Export to"), dest->text(),
                fmt() == ExportFormat::H264Mp4 ? tr("MP4 video (*.mp4)") : tr("Matroska (*.mkv)"),
                nullptr, QFileDialog::DontConfirmOverwrite); // we ask ourselves, once
        if (!p.isEmpty()) dest->setText(p);
    }

    Workspace* ws_;
    QComboBox *format, *chroma;
    QSpinBox *crf, *start, *end;
    QLineEdit* dest;
    bool multiple = false;
};

// ------------------------------------------------------------------------- ClipExportDialog
ClipExportDialog::ClipExportDialog(Workspace* ws, QWidget* parent) : QDialog(parent), ws_(ws) {
    setObjectName(QStringLiteral("clipExportDialog"));
    setWindowTitle(tr("Export clip"));
    auto* v = new QVBoxLayout(this);
    v->addWidget(new QLabel(tr("Streams (several: one file each, into a folder)"), this));
    list_ = new QListWidget(this);
    list_->setObjectName(QStringLiteral("exportStreams"));
    for (const auto& s : ws->streams()) {
        auto* it = new QListWidgetItem(
            s.computed() && !s.complete ? tr("%1 (still being computed)").arg(s.name) : s.name,
            list_);
        it->setData(Qt::UserRole, s.id);
        it->setFlags(it->flags() | Qt::ItemIsUserCheckable);
        it->setCheckState(s.role == StreamRole::Fused ? Qt::Checked : Qt::Unchecked);
        if (s.computed() && !s.complete) it->setFlags(it->flags() & ~Qt::ItemIsEnabled);
    }
    v->addWidget(list_, 1);
    opts_ = new ExportOptionsBox(ws, true, this);
    opts_->setChroma(ClipExportRequest{}.chroma); // 4:2:0: plays everywhere
    v->addWidget(opts_);
    hint_ = new QLabel(this);
    hint_->setWordWrap(true);
    v->addWidget(hint_);
    auto* bb = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    bb->button(QDialogButtonBox::Ok)->setText(tr("Export"));
    connect(bb, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(bb, &QDialogButtonBox::rejected, this, &QDialog::reject);
    v->addWidget(bb);
    connect(list_, &QListWidget::itemChanged, this, &ClipExportDialog::updateHint);
    connect(opts_->format, &QComboBox::currentIndexChanged, this, &ClipExportDialog::updateHint);
    updateHint();
}

void ClipExportDialog::updateHint() {
    int n = 0;
    for (int i = 0; i < list_->count(); ++i)
        n += list_->item(i)->checkState() == Qt::Checked;
    opts_->multiple = n > 1;
    hint_->setText(n > 1 ? tr("%1 streams: the destination is a folder; each stream becomes "
                              "\"<name>%2\" in it.")
                               .arg(n)
                               .arg(opts_->fmt() == ExportFormat::PngFrames
                                        ? QStringLiteral("/")
                                        : exportFormatSuffix(opts_->fmt()))
                   : opts_->fmt() == ExportFormat::PngFrames
                       ? tr("PNG frames: the destination is a folder (000000.png, …).")
                       : tr("Frames are written at the stream's own size and the pair's "
                            "frame rate."));
}

ClipExportRequest ClipExportDialog::request() const {
    ClipExportRequest r;
    for (int i = 0; i < list_->count(); ++i)
        if (list_->item(i)->checkState() == Qt::Checked)
            r.streams.push_back(list_->item(i)->data(Qt::UserRole).toInt());
    r.format = opts_->fmt();
    r.crf = opts_->crf->value();
    r.chroma = opts_->chromaValue();
    r.start = opts_->start->value();
    r.count = opts_->end->value() - opts_->start->value() + 1;
    r.destination = opts_->dest->text();
    return r;
}

void ClipExportDialog::setRequest(const ClipExportRequest& r) {
    for (int i = 0; i < list_->count(); ++i) {
        const int id = list_->item(i)->data(Qt::UserRole).toInt();
        list_->item(i)->setCheckState(
            std::find(r.streams.begin(), r.streams.end(), id) != r.streams.end() ? Qt::Checked
                                                                                 : Qt::Unchecked);
    }
    opts_->setFmt(r.format);
    opts_->crf->setValue(r.crf);
    opts_->setChroma(r.chroma);
    opts_->start->setValue(int(r.start));
    opts_->end->setValue(int(r.count < 0 ? ws_->frameCount() - 1 : r.start + r.count - 1));
    opts_->dest->setText(r.destination);
}

// ------------------------------------------------------------------- ComparisonExportDialog
ComparisonExportDialog::ComparisonExportDialog(Workspace* ws, ComparisonLayout layout,
                                               QWidget* parent)
    : QDialog(parent), ws_(ws), layout_(std::move(layout)) {
    setObjectName(QStringLiteral("comparisonExportDialog"));
    setWindowTitle(tr("Export comparison video"));
    auto* v = new QVBoxLayout(this);
    QStringList names;
    for (const auto& s : layout_.streams())
        names << s.name;
    auto* what = new QLabel(tr("Records the viewer as it is now: %1 pane(s) showing %2.")
                                .arg(layout_.panes.size())
                                .arg(names.join(QStringLiteral(", "))),
                            this);
    what->setWordWrap(true);
    v->addWidget(what);
    opts_ = new ExportOptionsBox(ws, false, this);
    opts_->setChroma(ComparisonExportRequest{}.chroma); // 4:4:4: labels, outlines, false colour
    const auto [lo, hi] = layout_.commonRange();
    if (hi >= lo) {
        opts_->start->setValue(int(lo));
        opts_->end->setValue(int(hi));
    }
    v->addWidget(opts_);
    auto* f = new QFormLayout;
    sizeMode_ = new QComboBox(this);
    sizeMode_->addItem(tr("Source resolution"));
    sizeMode_->addItem(tr("As on screen"));
    sizeMode_->addItem(tr("Custom"));
    f->addRow(tr("Size"), sizeMode_);
    width_ = new QSpinBox(this);
    height_ = new QSpinBox(this);
    for (QSpinBox* s : {width_, height_}) {
        s->setRange(16, 8192);
        s->setSingleStep(2);
    }
    auto* wh = new QHBoxLayout;
    wh->addWidget(width_);
    wh->addWidget(new QLabel(QStringLiteral("×"), this));
    wh->addWidget(height_);
    f->addRow(tr("Width × height"), wh);
    labels_ = new QCheckBox(tr("Pane labels"), this);
    labels_->setChecked(true);
    frameText_ = new QCheckBox(tr("Frame number and time"), this);
    frameText_->setChecked(true);
    plot_ = new QCheckBox(
        tr("Strip of metric plots with a moving playhead (%1)")
            .arg(layout_.plotMetric.isEmpty() ? tr("compute metrics first") : layout_.plotMetric),
        this);
    plot_->setChecked(!layout_.series.empty());
    plot_->setEnabled(!layout_.series.empty());
    annotations_ = new QCheckBox(tr("Annotation overlays"), this);
    annotations_->setChecked(layout_.annotations);
    annotations_->setEnabled(layout_.document != nullptr);
    f->addRow(labels_);
    f->addRow(frameText_);
    f->addRow(plot_);
    f->addRow(annotations_);
    v->addLayout(f);
    hint_ = new QLabel(this);
    v->addWidget(hint_);
    auto* bb = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    bb->button(QDialogButtonBox::Ok)->setText(tr("Export"));
    connect(bb, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(bb, &QDialogButtonBox::rejected, this, &QDialog::reject);
    v->addWidget(bb);
    auto upd = [this] { updateHint(); };
    connect(sizeMode_, &QComboBox::currentIndexChanged, this, upd);
    connect(plot_, &QCheckBox::toggled, this, upd);
    connect(opts_->format, &QComboBox::currentIndexChanged, this, upd);
    updateHint();
}

void ComparisonExportDialog::updateHint() {
    ComparisonExportRequest r = request();
    const bool custom = sizeMode_->currentIndex() == 2;
    width_->setEnabled(custom);
    height_->setEnabled(custom);
    const QSize s = comparisonOutputSize(r);
    if (!custom) {
        width_->setValue(s.width());
        height_->setValue(s.height());
    }
    hint_->setText(tr("Output: %1 × %2 pixels").arg(s.width()).arg(s.height()));
}

ComparisonExportRequest ComparisonExportDialog::request() const {
    ComparisonExportRequest r;
    r.layout = layout_;
    r.layout.labels = labels_->isChecked();
    r.layout.frameText = frameText_->isChecked();
    r.layout.plot = plot_->isChecked() && !layout_.series.empty();
    r.layout.annotations = annotations_->isChecked() && layout_.document;
    r.format = opts_->fmt();
    r.crf = opts_->crf->value();
    r.chroma = opts_->chromaValue();
    r.start = opts_->start->value();
    r.count = opts_->end->value() - opts_->start->value() + 1;
    r.destination = opts_->dest->text();
    switch (sizeMode_->currentIndex()) {
    case 1: {
        QSize s = layout_.viewSize;
        if (r.layout.plot)
            s.setHeight(int(std::lround(s.height() / (1.0 - r.layout.plotFraction))));
        r.size = s;
        break;
    }
    case 2:
        r.size = QSize(width_->value(), height_->value());
        break;
    default:
        break;
    }
    return r;
}

// ------------------------------------------------------------------------------ ExportTools
ExportTools::ExportTools(MainWindow* win) : QObject(win), win_(win) {}

void ExportTools::install(QMenu* menu) {
    auto add = [&](const QString& name, const QString& text, QKeySequence key, auto fn) {
        auto* a = new QAction(text, win_);
        a->setObjectName(name);
        a->setShortcut(key);
        connect(a, &QAction::triggered, this, fn);
        menu->addAction(a);
        win_->QWidget::addAction(a);
        auto enable = [this, a] { a->setEnabled(win_->workspace()->hasPair()); };
        connect(win_->workspace(), &Workspace::pairOpened, a, enable);
        connect(win_->workspace(), &Workspace::pairClosed, a, enable);
        enable();
    };
    add(QStringLiteral("actExportClip"), tr("Export clip…"), QKeySequence(Qt::CTRL | Qt::Key_E),
        [this] { clipDialog(); });
    add(QStringLiteral("actExportComparison"), tr("Export comparison video…"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E), [this] { comparisonDialog(); });
}

ComparisonLayout ExportTools::currentLayout() const {
    std::shared_ptr<const vf::annotate::Document> doc;
#if VF_HAVE_ANNOTATE
    if (auto* c = win_->findChild<AnnotationController*>()) {
        const auto& d = c->document();
        if (!d.tracks.empty() || !d.regions.empty())
            doc = std::make_shared<const vf::annotate::Document>(d);
    }
#endif
    return captureLayout(*win_->viewer(), *win_->workspace(), win_->metricsPanel(), doc);
}

bool ExportTools::confirmOverwrite(const QStringList& existing) {
    if (existing.isEmpty()) return true;
    return QMessageBox::question(win_, tr("Replace existing files?"),
                                 tr("These exist already and would be replaced:\n%1")
                                     .arg(existing.join(QLatin1Char('\n'))),
                                 QMessageBox::Yes | QMessageBox::No,
                                 QMessageBox::No) == QMessageBox::Yes;
}

Job* ExportTools::startClip(ClipExportRequest req, bool ask) {
    try {
        if (ask) {
            const QStringList ex = existingTargets(clipExportTargets(*win_->workspace(), req));
            if (!ex.isEmpty()) {
                if (!confirmOverwrite(ex)) return nullptr;
                req.overwrite = true;
            }
        }
        return startClipExport(*win_->jobs(), *win_->workspace(), req);
    } catch (const std::exception& e) {
        win_->showError(tr("Cannot export the clip"), QString::fromStdString(e.what()));
        return nullptr;
    }
}

Job* ExportTools::startComparison(ComparisonExportRequest req, bool ask) {
    try {
        if (ask) {
            const QStringList ex = existingTargets({QFileInfo(req.destination).absoluteFilePath()});
            if (!req.destination.isEmpty() && !ex.isEmpty()) {
                if (!confirmOverwrite(ex)) return nullptr;
                req.overwrite = true;
            }
        }
        return startComparisonExport(*win_->jobs(), *win_->workspace(), req);
    } catch (const std::exception& e) {
        win_->showError(tr("Cannot export the comparison video"), QString::fromStdString(e.what()));
        return nullptr;
    }
}

void ExportTools::clipDialog() {
    if (!win_->workspace()->hasPair()) return;
    ClipExportDialog dlg(win_->workspace(), win_);
    if (dlg.exec() != QDialog::Accepted) return;
    startClip(dlg.request());
}

void ExportTools::comparisonDialog() {
    if (!win_->workspace()->hasPair()) return;
    ComparisonExportDialog dlg(win_->workspace(), currentLayout(), win_);
    if (dlg.exec() != QDialog::Accepted) return;
    startComparison(dlg.request());
}

} // namespace vf::ui
