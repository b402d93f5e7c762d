#include "ui/Viewer.h"

#include <QGridLayout>

#include <cmath>

namespace vf::ui {

Viewer::Viewer(Workspace* ws, QWidget* parent) : QWidget(parent), ws_(ws) {
    grid_ = new QGridLayout(this);
    grid_->setContentsMargins(0, 0, 0, 0);
    grid_->setSpacing(2);
    setAutoFillBackground(true);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, QColor(18, 18, 18));
    setPalette(pal);
    connect(ws_, &Workspace::streamsChanged, this, &Viewer::rebuild);
    connect(ws_, &Workspace::pairOpened, this, [this] {
        if (const auto* p = ws_->pair())
            sync_.setPairSize(QSizeF(p->validation.size.width, p->validation.size.height));
        sync_.setFit();
        compareA_ = compareB_ = -1;
        rebuild();
    });
    connect(ws_, &Workspace::frameChanged, this, &Viewer::refresh);
    connect(ws_, &Workspace::streamProduced, this, [this](int id, qint64) {
        const StreamItem* s = ws_->stream(id);
        if (!s) return;
        const qint64 idx = streamIndex(*s, ws_->frame());
        for (ImageView* p : panes_) {
            if (p->streamA() == id && p->displayedIndexA() != idx) requestFor(p, id, false);
            if (p->streamB() == id && p->displayedIndexB() != idx) requestFor(p, id, true);
        }
    });
    connect(ws_->server(), &FrameServer::frameReady, this, &Viewer::onFrameReady);
    connect(ws_->server(), &FrameServer::frameFailed, this, &Viewer::onFrameFailed);
    rebuild();
}

QString Viewer::layoutName(Layout l) {
    switch (l) {
    case Layout::Grid:
        return QStringLiteral("grid");
    case Layout::Wipe:
        return QStringLiteral("wipe");
    case Layout::Difference:
        return QStringLiteral("difference");
    }
    return QStringLiteral("grid");
}
Viewer::Layout Viewer::layoutFromName(const QString& n) {
    if (n == QLatin1String("wipe")) return Layout::Wipe;
    if (n == QLatin1String("difference")) return Layout::Difference;
    return Layout::Grid;
}

void Viewer::setLayoutMode(Layout l) {
    layout_ = l;
    rebuild();
}

void Viewer::setCompared(int a, int b) {
    compareA_ = a;
    compareB_ = b;
    if (layout_ != Layout::Grid) rebuild();
}

void Viewer::setDiffKind(DiffKind k) {
    diffKind_ = k;
    for (ImageView* p : panes_)
        p->setDiffKind(k);
}
void Viewer::setDiffRange(double r) {
    diffRange_ = r;
    for (ImageView* p : panes_)
        p->setDiffRange(r);
}

void Viewer::defaultCompared() {
    auto valid = [this](int id) { return ws_->stream(id) != nullptr; };
    if (valid(compareA_) && valid(compareB_)) return;
    // Prefer a computed stream against the visible input, else IR against visible.
    const StreamItem* vis = ws_->streamByRole(StreamRole::Visible);
    const StreamItem* ir = ws_->streamByRole(StreamRole::Infrared);
    const StreamItem* computed = nullptr;
    for (const auto& s : ws_->streams())
        if (s.computed()) {
            computed = &s;
            break;
        }
    if (computed && vis) {
        compareA_ = computed->id;
        compareB_ = vis->id;
    } else if (ir && vis) {
        compareA_ = ir->id;
        compareB_ = vis->id;
    }
}

qint64 Viewer::streamIndex(const StreamItem& s, qint64 pairFrame) const {
    return pairFrame - s.firstFrame;
}

void Viewer::rebuild() {
    for (ImageView* p : panes_) {
        grid_->removeWidget(p);
        p->deleteLater();
    }
    panes_.clear();
    if (!ws_->hasPair()) {
        Q_EMIT panesRebuilt();
        return;
    }
    auto makePane = [this]() {
        auto* v = new ImageView(&sync_, this);
        v->setDiffKind(diffKind_);
        v->setDiffRange(diffRange_);
        connect(v, &ImageView::dividerMoved, this, [this](double f) {
            divider_ = f;
            for (ImageView* p : panes_)
                p->setDivider(f);
        });
        return v;
    };
    if (layout_ == Layout::Grid) {
        std::vector<const StreamItem*> shown;
        for (const auto& s : ws_->streams())
            if (s.visible) shown.push_back(&s);
        const int n = int(shown.size());
        const int cols = n <= 1   ? 1
                         : n <= 2 ? 2
                         : n <= 4 ? 2
                         : n <= 6 ? 3
                                  : int(std::ceil(std::sqrt(double(n))));
        for (int i = 0; i < n; ++i) {
            ImageView* v = makePane();
            v->setStreamA(shown[size_t(i)]->id, shown[size_t(i)]->name, shown[size_t(i)]->color,
                          shown[size_t(i)]->placement);
            grid_->addWidget(v, i / cols, i % cols);
            panes_.push_back(v);
        }
    } else {
        defaultCompared();
        const StreamItem* a = ws_->stream(compareA_);
        const StreamItem* b = ws_->stream(compareB_);
        ImageView* v = makePane();
        v->setMode(layout_ == Layout::Wipe ? ImageView::Mode::Wipe : ImageView::Mode::Difference);
        v->setDivider(divider_);
        if (a) v->setStreamA(a->id, a->name, a->color, a->placement);
        if (b) v->setStreamB(b->id, b->name, b->color, b->placement);
        grid_->addWidget(v, 0, 0);
        panes_.push_back(v);
    }
    Q_EMIT panesRebuilt();
    refresh();
}

ImageView* Viewer::paneForStream(int id) const {
    for (ImageView* p : panes_)
        if (p->streamA() == id) return p;
    return nullptr;
}

void Viewer::requestFor(ImageView* pane, int streamId, bool isB) {
    const StreamItem* s = ws_->stream(streamId);
    if (!s) return;
    const qint64 idx = streamIndex(*s, ws_->frame());
    if (idx < 0 || idx >= s->frames) {
        if (!isB) {
            pane->setFrameA(nullptr, -1);
            pane->setMessage(
                tr("%1: frame %2 is outside its range").arg(s->name).arg(ws_->frame()));
        }
        return;
    }
    if (FramePtr f = ws_->server()->request(s->serverKey, idx, ws_->direction())) {
        if (isB)
            pane->setFrameB(f, idx);
        else
            pane->setFrameA(f, idx);
        Q_EMIT frameShown();
    }
}

void Viewer::refresh() {
    const double f = ws_->fps();
    const qint64 fr = ws_->frame();
    const QString t = tr("frame %1 / %2   %3 s")
                          .arg(fr)
                          .arg(std::max<qint64>(0, ws_->frameCount() - 1))
                          .arg(f > 0 ? fr / f : 0.0, 0, 'f', 3);
    for (ImageView* p : panes_) {
        const StreamItem* sa = ws_->stream(p->streamA());
        p->setWantedIndex(sa ? streamIndex(*sa, fr) : fr);
        const StreamItem* sb = ws_->stream(p->streamB());
        p->setWantedIndexB(sb && p->mode() != ImageView::Mode::Single ? streamIndex(*sb, fr) : -1);
        p->setTimeText(p == panes_.front() ? t : QString());
        if (p->streamA() >= 0) requestFor(p, p->streamA(), false);
        if (p->streamB() >= 0 && p->mode() != ImageView::Mode::Single)
            requestFor(p, p->streamB(), true);
    }
}

void Viewer::onFrameReady(int key, qint64 index, FramePtr frame) {
    bool shown = false;
    for (ImageView* p : panes_) {
        for (int which = 0; which < 2; ++which) {
            const int id = which == 0 ? p->streamA() : p->streamB();
            if (id < 0) continue;
            if (which == 1 && p->mode() == ImageView::Mode::Single) continue;
            const StreamItem* s = ws_->stream(id);
            if (!s || s->serverKey != key) continue;
            const qint64 wanted = streamIndex(*s, ws_->frame());
            const qint64 have = which == 0 ? p->displayedIndexA() : p->displayedIndexB();
            // Never replace the right frame by a late one; otherwise show the latest.
            if (have == wanted && index != wanted) continue;
            if (which == 0)
                p->setFrameA(frame, index);
            else
                p->setFrameB(frame, index);
            shown = true;
        }
    }
    if (shown) Q_EMIT frameShown();
}

void Viewer::onFrameFailed(int key, qint64 index, const QString& message) {
    for (ImageView* p : panes_) {
        const StreamItem* s = ws_->stream(p->streamA());
        if (!s || s->serverKey != key || streamIndex(*s, ws_->frame()) != index) continue;
        p->setFrameA(nullptr, -1);
        p->setMessage(message.isEmpty()
                          ? tr("%1: frame %2 not computed yet").arg(s->name).arg(index)
                          : message);
    }
}

bool Viewer::allCurrent() const {
    for (ImageView* p : panes_) {
        for (int which = 0; which < 2; ++which) {
            const int id = which == 0 ? p->streamA() : p->streamB();
            if (id < 0 || (which == 1 && p->mode() == ImageView::Mode::Single)) continue;
            const StreamItem* s = ws_->stream(id);
            if (!s) continue;
            const qint64 want = streamIndex(*s, ws_->frame());
            if (want < 0 || want >= s->frames) continue;
            if (s->computed() && !s->complete && want >= s->produced) continue;
            const qint64 have = which == 0 ? p->displayedIndexA() : p->displayedIndexB();
            if (have != want) return false;
        }
    }
    return true;
}

QList<QPair<QString, QString>> Viewer::valuesAt(QPointF pairPos) const {
    QList<QPair<QString, QString>> out;
    for (const auto& s : ws_->streams()) {
        FramePtr f;
        if (ImageView* p = paneForStream(s.id); p && p->displayedIndexA() >= 0) f = p->frameA();
        if (!f) f = ws_->server()->peek(s.serverKey, streamIndex(s, ws_->frame()));
        const QRectF pl =
            s.placement.isEmpty() ? QRectF(QPointF(0, 0), sync_.pairSize()) : s.placement;
        out.append({s.name, ImageView::valueText(f, pl, pairPos)});
    }
    return out;
}

} // namespace vf::ui
