#include "ui/annotate/BlindCompareDialog.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace vf::ui {

using namespace vf::annotate;

namespace {
constexpr int kMaxLoopFrames = 90; // frames of a span loaded for the loop
}

BlindCompareDialog::BlindCompareDialog(BlindSession session, Fetch fetch, QWidget* parent)
    : QDialog(parent), session_(std::move(session)), fetch_(std::move(fetch)) {
    setWindowTitle(tr("Blind comparison"));
    auto* lay = new QVBoxLayout(this);
    pages_ = new QStackedWidget(this);
    lay->addWidget(pages_);

    auto* vote = new QWidget(pages_);
    auto* vl = new QVBoxLayout(vote);
    header_ = new QLabel(vote);
    header_->setAlignment(Qt::AlignCenter);
    vl->addWidget(header_);
    auto* pics = new QHBoxLayout;
    auto makeSide = [&](QLabel*& img, QLabel*& cap, const QString& text) {
        auto* col = new QVBoxLayout;
        img = new QLabel(vote);
        img->setMinimumSize(320, 240);
        img->setAlignment(Qt::AlignCenter);
        img->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
        cap = new QLabel(text, vote);
        cap->setAlignment(Qt::AlignCenter);
        col->addWidget(img, 1);
        col->addWidget(cap);
        pics->addLayout(col);
    };
    makeSide(left_, leftCaption_, tr("Left  (\u2190)"));
    makeSide(right_, rightCaption_, tr("Right  (\u2192)"));
    vl->addLayout(pics, 1);
    auto* buttons = new QHBoxLayout;
    auto* bl = new QPushButton(tr("\u2190 Left is better"), vote);
    auto* bt = new QPushButton(tr("\u2193 Same"), vote);
    auto* br = new QPushButton(tr("Right is better \u2192"), vote);
    for (auto* b : {bl, bt, br}) {
        b->setFocusPolicy(Qt::NoFocus); // arrows go to the dialog
        buttons->addWidget(b);
    }
    connect(bl, &QPushButton::clicked, this, [this] { this->vote(Vote::Left); });
    connect(bt, &QPushButton::clicked, this, [this] { this->vote(Vote::Tie); });
    connect(br, &QPushButton::clicked, this, [this] { this->vote(Vote::Right); });
    vl->addLayout(buttons);
    pages_->addWidget(vote);

    auto* result = new QWidget(pages_);
    auto* rl = new QVBoxLayout(result);
    table_ = new QTableWidget(result);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    rl->addWidget(table_);
    auto* save = new QPushButton(tr("Save votes as CSV..."), result);
    connect(save, &QPushButton::clicked, this, [this] {
        const QString p =
            QFileDialog::getSaveFileName(this, tr("Save votes"), "votes.csv", "CSV (*.csv)");
        if (!p.isEmpty()) saveVotes(p);
    });
    auto* close = new QPushButton(tr("Close"), result);
    connect(close, &QPushButton::clicked, this, &QDialog::accept);
    auto* rb = new QHBoxLayout;
    rb->addWidget(save);
    rb->addStretch();
    rb->addWidget(close);
    rl->addLayout(rb);
    pages_->addWidget(result);

    loop_ = new QTimer(this);
    loop_->setInterval(100);
    connect(loop_, &QTimer::timeout, this, [this] {
        if (frames_.size() > 1) {
            loopIndex_ = (loopIndex_ + 1) % int(frames_.size());
            showImages();
        }
    });
    connect(&loader_, &QFutureWatcher<QVector<QPair<QImage, QImage>>>::finished, this, [this] {
        frames_ = loader_.result();
        loopIndex_ = 0;
        showImages();
        if (frames_.size() > 1) loop_->start();
    });
    setFocusPolicy(Qt::StrongFocus);
    resize(900, 520);
    const int next = session_.nextUnvoted();
    if (next < 0)
        showRanking();
    else
        showTrial(next);
}

BlindCompareDialog::~BlindCompareDialog() {
    loader_.waitForFinished();
}

void BlindCompareDialog::showTrial(int i) {
    trial_ = i;
    loop_->stop();
    frames_.clear();
    left_->clear();
    right_->clear();
    const PresentedTrial pt = session_.present(i);
    header_->setText(pt.item.firstFrame == pt.item.lastFrame
                         ? tr("Trial %1 of %2 \u2014 frame %3")
                               .arg(pt.number)
                               .arg(pt.total)
                               .arg(pt.item.firstFrame)
                         : tr("Trial %1 of %2 \u2014 frames %3\u2013%4")
                               .arg(pt.number)
                               .arg(pt.total)
                               .arg(pt.item.firstFrame)
                               .arg(pt.item.lastFrame));
    pages_->setCurrentIndex(0);
    const int a = session_.streamFor(i, true), b = session_.streamFor(i, false);
    const int first = pt.item.firstFrame;
    const int last = std::min(pt.item.lastFrame, first + kMaxLoopFrames - 1);
    loader_.waitForFinished();
    Fetch fetch = fetch_;
    loader_.setFuture(QtConcurrent::run([fetch, a, b, first, last] {
        QVector<QPair<QImage, QImage>> out;
        for (int f = first; f <= last; ++f)
            out.push_back({fetch(a, f), fetch(b, f)});
        return out;
    }));
    shownAtMs_ = QDateTime::currentMSecsSinceEpoch();
}

void BlindCompareDialog::waitForImages() {
    loader_.waitForFinished();
    QCoreApplication::processEvents();
}

void BlindCompareDialog::showImages() {
    if (frames_.isEmpty()) return;
    const auto& pr = frames_[loopIndex_];
    auto fit = [](QLabel* l, const QImage& img) {
        if (img.isNull()) {
            l->setText(tr("(no picture)"));
            return;
        }
        l->setPixmap(QPixmap::fromImage(
            img.scaled(l->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    };
    fit(left_, pr.first);
    fit(right_, pr.second);
}

void BlindCompareDialog::vote(Vote v) {
    if (pages_->currentIndex() != 0) return;
    const double secs = (QDateTime::currentMSecsSinceEpoch() - shownAtMs_) / 1000.0;
    session_.vote(trial_, v, secs);
    const int next = session_.nextUnvoted();
    if (next < 0)
        showRanking();
    else
        showTrial(next);
}

void BlindCompareDialog::back() {
    if (trial_ <= 0 && pages_->currentIndex() == 0) return;
    const int prev = pages_->currentIndex() == 0 ? trial_ - 1 : session_.trialCount() - 1;
    session_.clearVote(prev);
    showTrial(prev);
}

void BlindCompareDialog::keyPressEvent(QKeyEvent* e) {
    switch (e->key()) {
    case Qt::Key_Left:
        vote(Vote::Left);
        break;
    case Qt::Key_Right:
        vote(Vote::Right);
        break;
    case Qt::Key_Down:
        vote(Vote::Tie);
        break;
    case Qt::Key_Backspace:
        back();
        break;
    default:
        QDialog::keyPressEvent(e);
        return;
    }
    e->accept();
}

QStringList BlindCompareDialog::visibleTexts() const {
    QStringList out{windowTitle(),         header_->text(), leftCaption_->text(),
                    rightCaption_->text(), left_->text(),   right_->text()};
    for (const auto* b : pages_->widget(0)->findChildren<QPushButton*>())
        out << b->text();
    return out;
}

void BlindCompareDialog::showRanking() {
    loop_->stop();
    const Ranking r = rankSession(session_);
    const auto& names = session_.streams();
    table_->clear();
    table_->setColumnCount(5);
    table_->setHorizontalHeaderLabels(
        {tr("Rank"), tr("Stream"), tr("Strength"), tr("95% interval"), tr("Wins / ties / losses")});
    table_->setRowCount(int(r.order.size()) + int(r.pairs.size()) + 1);
    int row = 0;
    for (std::size_t k = 0; k < r.order.size(); ++k, ++row) {
        const int i = r.order[k];
        int w = 0, t = 0, l = 0;
        for (const auto& ps : r.pairs) {
            if (ps.i == i) w += ps.winsI, l += ps.winsJ, t += ps.ties;
            if (ps.j == i) w += ps.winsJ, l += ps.winsI, t += ps.ties;
        }
        table_->setItem(row, 0, new QTableWidgetItem(QString::number(k + 1)));
        table_->setItem(row, 1,
                        new QTableWidgetItem(QString::fromStdString(names[std::size_t(i)])));
        table_->setItem(row, 2,
                        new QTableWidgetItem(QString::number(r.strength[std::size_t(i)], 'f', 3)));
        table_->setItem(row, 3,
                        new QTableWidgetItem(QString("%1 \u2013 %2")
                                                 .arg(r.ciLow[std::size_t(i)], 0, 'f', 3)
                                                 .arg(r.ciHigh[std::size_t(i)], 0, 'f', 3)));
        table_->setItem(row, 4, new QTableWidgetItem(QString("%1 / %2 / %3").arg(w).arg(t).arg(l)));
    }
    table_->setItem(
        row++, 1,
        new QTableWidgetItem(
            r.regularised ? tr("Per-pair win rates (ranking regularised: one virtual tie per pair)")
                          : tr("Per-pair win rates")));
    for (const auto& ps : r.pairs) {
        table_->setItem(row, 1,
                        new QTableWidgetItem(QString::fromStdString(
                            names[std::size_t(ps.i)] + " vs " + names[std::size_t(ps.j)])));
        table_->setItem(row, 2, new QTableWidgetItem(QString::number(ps.winRateI, 'f', 3)));
        table_->setItem(
            row, 4,
            new QTableWidgetItem(QString("%1 / %2 / %3").arg(ps.winsI).arg(ps.ties).arg(ps.winsJ)));
        ++row;
    }
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->resizeColumnsToContents();
    pages_->setCurrentIndex(1);
}

bool BlindCompareDialog::saveVotes(const QString& csvPath) {
    try {
        session_.saveVotesCsv(csvPath.toStdString());
        QString json = csvPath;
        json.replace(QRegularExpression("\\.csv$"), "");
        session_.save((json + ".session.json").toStdString());
        return true;
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Save votes"), QString::fromStdString(e.what()));
        return false;
    }
}

} // namespace vf::ui
