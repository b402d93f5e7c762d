#pragma once
// vf::ui::BlindCompareDialog: runs a blind A/B session. Each trial shows the same frame (or
// a looped frame span) of two streams side by side, labelled only "Left" and "Right" (names
// and stream order are hidden; sides are shuffled by the seeded session). Keys: Left arrow =
// left is better, Right arrow = right is better, Down arrow = tie; Backspace = back one
// trial. When every trial has a vote, the Bradley–Terry ranking with 95% intervals and the
// per-pair win rates are shown, and the votes can be saved as CSV (and the session as JSON).
//
// Wiring (main window):
//   vf::annotate::BlindSession s(streamNames, items, seed);
//   BlindCompareDialog dlg(s, [&](int stream, int frame) { return <QImage of that stream>; },
//                          this);
//   dlg.exec();   // dlg.session() holds the votes
// The fetch function runs on a worker thread (QtConcurrent): it must be thread-safe.

#include <QDialog>
#include <QFutureWatcher>
#include <QImage>
#include <QVector>
#include <functional>

#include "core/annotate/Blind.h"

class QLabel;
class QPushButton;
class QTableWidget;
class QTimer;
class QStackedWidget;

namespace vf::ui {

class BlindCompareDialog : public QDialog {
    Q_OBJECT
public:
    using Fetch = std::function<QImage(int stream, int frame)>;
    BlindCompareDialog(vf::annotate::BlindSession session, Fetch fetch, QWidget* parent = nullptr);
    ~BlindCompareDialog() override;

    const vf::annotate::BlindSession& session() const { return session_; }
    int currentTrial() const { return trial_; }
    // Every text the rater can read on the voting page (for checks that names stay hidden).
    QStringList visibleTexts() const;
    QTableWidget* rankingTable() const { return table_; }
    // Blocks until the current trial's pictures are loaded (tests).
    void waitForImages();

public Q_SLOTS:
    void vote(vf::annotate::Vote v);
    void back();
    bool saveVotes(const QString& csvPath);

protected:
    void keyPressEvent(QKeyEvent* e) override;

private:
    void showTrial(int i);
    void showImages();
    void showRanking();

    vf::annotate::BlindSession session_;
    Fetch fetch_;
    int trial_ = 0;
    int loopIndex_ = 0;
    QStackedWidget* pages_;
    QLabel* header_;
    QLabel* left_;
    QLabel* right_;
    QLabel* leftCaption_;
    QLabel* rightCaption_;
    QTableWidget* table_;
    QTimer* loop_;
    QFutureWatcher<QVector<QPair<QImage, QImage>>> loader_;
    QVector<QPair<QImage, QImage>> frames_;
    qint64 shownAtMs_ = 0;
};

} // namespace vf::ui
