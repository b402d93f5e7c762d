#pragma once
// The export dialogs of the main window (File > Export clip… / Export comparison video…)
// and ExportTools, which adds them to a menu. The dialogs only build requests; the work runs
// as jobs (ui/export/ExportJobs.h). Before starting, existing destinations are listed in an
// "overwrite?" question; validation errors (read-only folder, …) are shown naming the file.

#include <QDialog>
#include <QObject>
#include <QPointer>

#include "ui/export/ExportJobs.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QMainWindow;
class QMenu;
class QSpinBox;

namespace vf::ui {

class MainWindow;

// Format, quality, range and destination widgets shared by both dialogs.
class ExportOptionsBox;

class ClipExportDialog : public QDialog {
    Q_OBJECT
public:
    ClipExportDialog(Workspace* ws, QWidget* parent = nullptr);
    ClipExportRequest request() const;
    void setRequest(const ClipExportRequest& r);
    QListWidget* streamList() const { return list_; }

private:
    void updateHint();
    Workspace* ws_;
    QListWidget* list_;
    ExportOptionsBox* opts_;
    QLabel* hint_;
};

class ComparisonExportDialog : public QDialog {
    Q_OBJECT
public:
    ComparisonExportDialog(Workspace* ws, ComparisonLayout layout, QWidget* parent = nullptr);
    ComparisonExportRequest request() const;

private:
    void updateHint();
    Workspace* ws_;
    ComparisonLayout layout_;
    ExportOptionsBox* opts_;
    QComboBox* sizeMode_;
    QSpinBox *width_, *height_;
    QCheckBox *labels_, *frameText_, *plot_, *annotations_;
    QLabel* hint_;
};

class ExportTools : public QObject {
    Q_OBJECT
public:
    explicit ExportTools(MainWindow* win);
    // Adds "Export clip…" (Ctrl+E) and "Export comparison video…" (Ctrl+Shift+E) to `menu`.
    void install(QMenu* menu);

    // The layout the comparison video would record now (viewer, metrics plot, annotations).
    ComparisonLayout currentLayout() const;
    // Asks about existing `targets` (true = go on; sets overwrite) — shown only when needed.
    bool confirmOverwrite(const QStringList& existing);
    // Start helpers used by the dialogs (errors shown in a message box; nullptr then).
    Job* startClip(ClipExportRequest req, bool ask = true);
    Job* startComparison(ComparisonExportRequest req, bool ask = true);

    void clipDialog();
    void comparisonDialog();

private:
    MainWindow* win_;
};

} // namespace vf::ui
