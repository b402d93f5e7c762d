#pragma once
// Small annotation widgets that work with an AnnotationController:
//  * TimelineStrip: the clip as a strip; keyframes of the selected track as diamonds, the
//    span where it is visible as a bar, segments as coloured bars, the current frame as a
//    line, a pending segment mark. Click/drag to seek (emits the controller's
//    seekRequested). Put it under the main timeline.
//  * LabelPalette: the document's labels with colours (objects and segment kinds); picking
//    one sets the label for new boxes or for segment marking; a field adds new labels;
//    double-click relabels the selected track.

#include <QPointer>
#include <QWidget>

class QListWidget;
class QLineEdit;
class QComboBox;

namespace vf::ui {

class AnnotationController;

class TimelineStrip : public QWidget {
    Q_OBJECT
public:
    explicit TimelineStrip(AnnotationController* c, QWidget* parent = nullptr);
    QSize sizeHint() const override { return {600, 54}; }
    QSize minimumSizeHint() const override { return {100, 40}; }
    int frameAt(double x) const;
    double xOf(int frame) const;

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;

private:
    int frameCount() const;
    QPointer<AnnotationController> c_;
};

class LabelPalette : public QWidget {
    Q_OBJECT
public:
    explicit LabelPalette(AnnotationController* c, QWidget* parent = nullptr);
    QListWidget* list() const { return list_; }

private Q_SLOTS:
    void rebuild();

private:
    QPointer<AnnotationController> c_;
    QListWidget* list_;
    QLineEdit* name_;
    QComboBox* kind_;
};

} // namespace vf::ui
