#pragma once
// vf::ui::Timeline: the frame ruler under the viewer — playhead, loop range, user marks,
// ticks; click or drag to seek. TransportBar: play/pause, steps, frame box, speed, loop.

#include <QSet>
#include <QWidget>

class QToolButton;
class QSpinBox;
class QComboBox;
class QLabel;

namespace vf::ui {

class Timeline : public QWidget {
    Q_OBJECT
public:
    explicit Timeline(QWidget* parent = nullptr);
    void setFrameCount(qint64 n);
    qint64 frameCount() const { return count_; }
    void setFrame(qint64 f);
    qint64 frame() const { return frame_; }
    void setLoop(qint64 in, qint64 out, bool enabled);
    void setMarks(const QSet<qint64>& marks);
    void setProduced(const QList<QPair<QColor, qint64>>& bars); // computed-stream progress
    qint64 frameAtX(double x) const;
    double xOfFrame(qint64 f) const;
    QSize sizeHint() const override { return {600, 34}; }

Q_SIGNALS:
    void seekRequested(qint64 frame);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;

private:
    qint64 count_ = 0, frame_ = 0, in_ = 0, out_ = 0;
    bool loop_ = false;
    QSet<qint64> marks_;
    QList<QPair<QColor, qint64>> produced_;
};

} // namespace vf::ui
