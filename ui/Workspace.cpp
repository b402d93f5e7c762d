#include "ui/Workspace.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

#include "core/common/Error.h"
#include "core/io/FrameSequence.h"

namespace vf::ui {

namespace fs = std::filesystem;

QString roleName(StreamRole r) {
    switch (r) {
    case StreamRole::Infrared:
        return QStringLiteral("infrared");
    case StreamRole::Visible:
        return QStringLiteral("visible");
    case StreamRole::RefInfrared:
        return QStringLiteral("ref-infrared");
    case StreamRole::RefVisible:
        return QStringLiteral("ref-visible");
    case StreamRole::Fused:
        return QStringLiteral("fused");
    case StreamRole::RestoredIr:
        return QStringLiteral("restored-infrared");
    case StreamRole::RestoredVi:
        return QStringLiteral("restored-visible");
    case StreamRole::Baseline:
        return QStringLiteral("baseline");
    }
    return QStringLiteral("baseline");
}

StreamRole roleFromName(const QString& n) {
    for (int i = 0; i <= int(StreamRole::Baseline); ++i)
        if (roleName(StreamRole(i)) == n) return StreamRole(i);
    return StreamRole::Baseline;
}

QColor defaultColor(StreamRole r, int serial) {
    switch (r) {
    case StreamRole::Infrared:
        return QColor(235, 110, 60);
    case StreamRole::Visible:
        return QColor(80, 170, 240);
    case StreamRole::RefInfrared:
        return QColor(200, 150, 120);
    case StreamRole::RefVisible:
        return QColor(130, 180, 210);
    case StreamRole::Fused:
        return QColor(120, 220, 120);
    case StreamRole::RestoredIr:
        return QColor(240, 180, 70);
    case StreamRole::RestoredVi:
        return QColor(110, 200, 220);
    case StreamRole::Baseline:
        break;
    }
    static const QColor palette[] = {QColor(200, 120, 230), QColor(240, 220, 90),
                                     QColor(240, 120, 160), QColor(150, 150, 240),
                                     QColor(160, 230, 190), QColor(230, 160, 90)};
    return palette[serial % 6];
}

Workspace::Workspace(QObject* parent, size_t budget)
    : QObject(parent), server_(new FrameServer(budget, this)) {}

Workspace::~Workspace() {
    server_->clear();
}

void Workspace::openPaths(const QStringList& paths, const QString& sequence) {
    if (paths.size() == 2) {
        openPair(paths[0], paths[1]);
        return;
    }
    if (paths.size() != 1)
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "open a pair: give two files or folders (infrared first), or one M3SVD "
                        "root folder; got " +
                            std::to_string(paths.size()) + " paths");
    const QString p = paths[0];
    const fs::path fp = p.toStdString();
    if (!fs::exists(fp))
        throw vf::Error(vf::ErrorCode::NotFound, p.toStdString() + ": no such file or folder",
                        p.toStdString());
    if (vf::io::isM3svdRoot(fp)) {
        openM3svd(p, sequence);
        return;
    }
    // A folder holding an infrared*/visible* pair (files or folders).
    if (fs::is_directory(fp)) {
        QDir d(p);
        QString ir, vi;
        for (const QFileInfo& fi :
             d.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
            const QString n = fi.fileName().toLower();
            if (ir.isEmpty() &&
                (n.startsWith(QLatin1String("infrared")) || n.startsWith(QLatin1String("ir")) ||
                 n.startsWith(QLatin1String("thermal"))))
                ir = fi.filePath();
            else if (vi.isEmpty() &&
                     (n.startsWith(QLatin1String("visible")) || n.startsWith(QLatin1String("vi")) ||
                      n.startsWith(QLatin1String("rgb"))))
                vi = fi.filePath();
        }
        if (!ir.isEmpty() && !vi.isEmpty()) {
            openPair(ir, vi);
            return;
        }
    }
    throw vf::Error(vf::ErrorCode::InvalidArgument,
                    p.toStdString() + ": not an M3SVD root and no infrared*/visible* pair inside; "
                                      "open two files or folders instead",
                    p.toStdString());
}

void Workspace::openPair(const QString& ir, const QString& vis) {
    vf::io::PairOptions opt;
    opt.resizeVisibleToInfrared = true;
    auto pair = vf::io::openPair(ir.toStdString(), vis.toStdString(), opt);
    inputs_ = QStringList{ir, vis};
    m3svdSeq_.clear();
    openPairInput(std::move(pair));
    inputs_ = QStringList{ir, vis};
}

void Workspace::openM3svd(const QString& root, const QString& sequence, bool degraded) {
    auto layout = vf::io::scanM3svd(root.toStdString());
    if (layout.sequences.empty())
        throw vf::Error(vf::ErrorCode::NotFound, root.toStdString() + ": no M3SVD sequence found",
                        root.toStdString());
    const vf::io::M3svdSequence* seq = &layout.sequences.front();
    if (!sequence.isEmpty()) {
        seq = nullptr;
        for (const auto& s : layout.sequences)
            if (QString::fromStdString(s.name) == sequence) seq = &s;
        if (!seq) {
            std::string names;
            for (const auto& s : layout.sequences)
                names += " " + s.name;
            throw vf::Error(vf::ErrorCode::NotFound,
                            root.toStdString() + ": no sequence '" + sequence.toStdString() +
                                "'; available:" + names,
                            root.toStdString());
        }
    }
    vf::io::PairOptions opt;
    opt.useDegraded = degraded;
    opt.resizeVisibleToInfrared = true;
    auto pair = vf::io::openM3svdSequence(*seq, opt);
    const QString seqName = QString::fromStdString(seq->name);
    openPairInput(std::move(pair));
    inputs_ = QStringList{root};
    m3svdSeq_ = seqName;
}

int Workspace::addSourceStream(const QString& name, StreamRole role, QColor color,
                               std::shared_ptr<vf::io::FrameSource> src, const QString& path) {
    StreamItem s;
    s.id = nextId_++;
    s.name = name;
    s.role = role;
    s.color = color;
    s.frames = src->frameCount();
    s.path = path;
    s.serverKey = server_->addSource(src->clone());
    streams_.push_back(s);
    return s.id;
}

void Workspace::openPairInput(vf::io::PairInput pair) {
    closePair();
    pair_ = std::make_unique<vf::io::PairInput>(std::move(pair));
    const auto& p = *pair_;
    addSourceStream(QStringLiteral("Infrared"), StreamRole::Infrared,
                    defaultColor(StreamRole::Infrared), p.ir, QString::fromStdString(p.irPath));
    addSourceStream(QStringLiteral("Visible"), StreamRole::Visible,
                    defaultColor(StreamRole::Visible), p.vis, QString::fromStdString(p.visPath));
    if (p.irRef) {
        int id = addSourceStream(QStringLiteral("Clean IR"), StreamRole::RefInfrared,
                                 defaultColor(StreamRole::RefInfrared), p.irRef,
                                 QString::fromStdString(p.irRef->info().path));
        streams_.back().visible = false;
        (void)id;
    }
    if (p.visRef) {
        addSourceStream(QStringLiteral("Clean visible"), StreamRole::RefVisible,
                        defaultColor(StreamRole::RefVisible), p.visRef,
                        QString::fromStdString(p.visRef->info().path));
        streams_.back().visible = false;
    }
    inputs_ = QStringList{QString::fromStdString(p.irPath), QString::fromStdString(p.visPath)};
    frame_ = 0;
    Q_EMIT pairOpened();
    Q_EMIT streamsChanged();
    Q_EMIT frameChanged(frame_);
}

void Workspace::closePair() {
    if (!pair_ && streams_.empty()) return;
    server_->clear();
    streams_.clear();
    pair_.reset();
    inputs_.clear();
    m3svdSeq_.clear();
    frame_ = 0;
    Q_EMIT pairClosed();
    Q_EMIT streamsChanged();
}

QStringList Workspace::warnings() const {
    QStringList w;
    if (pair_)
        for (const auto& s : pair_->validation.warnings)
            w << QString::fromStdString(s);
    return w;
}

QString Workspace::pairName() const {
    return pair_ ? QString::fromStdString(pair_->name) : QString();
}

const StreamItem* Workspace::stream(int id) const {
    for (const auto& s : streams_)
        if (s.id == id) return &s;
    return nullptr;
}
const StreamItem* Workspace::streamByRole(StreamRole r) const {
    for (const auto& s : streams_)
        if (s.role == r) return &s;
    return nullptr;
}
const StreamItem* Workspace::streamByCacheKey(const QString& key) const {
    for (const auto& s : streams_)
        if (!key.isEmpty() && s.cacheKey == key) return &s;
    return nullptr;
}

int Workspace::addComputedStream(StreamItem item) {
    item.id = nextId_++;
    if (item.complete)
        item.serverKey =
            server_->addSource(std::make_unique<vf::io::FrameSequence>(item.path.toStdString()));
    else
        item.serverKey = server_->addFolder(item.path, item.frames);
    streams_.push_back(item);
    Q_EMIT streamsChanged();
    return item.id;
}

int Workspace::addExternalStream(const QString& path, const QString& name) {
    if (!pair_) throw vf::Error(vf::ErrorCode::InvalidArgument, "open a pair first");
    std::shared_ptr<vf::io::FrameSource> src = vf::io::openSource(path.toStdString());
    int serial = 0;
    for (const auto& s : streams_)
        serial += s.role == StreamRole::Baseline;
    const int id = addSourceStream(name.isEmpty() ? QFileInfo(path).completeBaseName() : name,
                                   StreamRole::Baseline, defaultColor(StreamRole::Baseline, serial),
                                   src, path);
    Q_EMIT streamsChanged();
    return id;
}

void Workspace::markProduced(int id, qint64 count) {
    for (auto& s : streams_)
        if (s.id == id) {
            s.produced = count;
            Q_EMIT streamProduced(id, count);
        }
}

void Workspace::markComplete(int id) {
    for (auto& s : streams_)
        if (s.id == id && !s.complete) {
            s.complete = true;
            server_->promoteFolder(s.serverKey);
            Q_EMIT streamsChanged();
        }
}

void Workspace::removeStream(int id) {
    auto it = std::find_if(streams_.begin(), streams_.end(),
                           [id](const StreamItem& s) { return s.id == id; });
    if (it == streams_.end()) return;
    server_->remove(it->serverKey);
    streams_.erase(it);
    Q_EMIT streamsChanged();
}

void Workspace::setStreamVisible(int id, bool v) {
    for (auto& s : streams_)
        if (s.id == id && s.visible != v) {
            s.visible = v;
            Q_EMIT streamsChanged();
        }
}
void Workspace::setStreamColor(int id, QColor c) {
    for (auto& s : streams_)
        if (s.id == id) {
            s.color = c;
            Q_EMIT streamsChanged();
        }
}
void Workspace::renameStream(int id, const QString& name) {
    for (auto& s : streams_)
        if (s.id == id) {
            s.name = name;
            Q_EMIT streamsChanged();
        }
}
void Workspace::moveStream(int id, int delta) {
    auto it = std::find_if(streams_.begin(), streams_.end(),
                           [id](const StreamItem& s) { return s.id == id; });
    if (it == streams_.end()) return;
    const long i = it - streams_.begin();
    const long j = std::clamp<long>(i + delta, 0, long(streams_.size()) - 1);
    if (i == j) return;
    std::swap(streams_[size_t(i)], streams_[size_t(j)]);
    Q_EMIT streamsChanged();
}

qint64 Workspace::frameCount() const {
    return pair_ ? pair_->frameCount() : 0;
}

double Workspace::fps() const {
    if (!pair_) return 30.0;
    const double v = pair_->validation.fps.value();
    return v > 0 ? v : 30.0;
}

void Workspace::setFrame(qint64 f) {
    const qint64 n = frameCount();
    if (n <= 0) return;
    f = std::clamp<qint64>(f, 0, n - 1);
    if (f == frame_) return;
    direction_ = f >= frame_ ? +1 : -1;
    frame_ = f;
    Q_EMIT frameChanged(frame_);
}

void Workspace::step(qint64 delta) {
    setFrame(frame_ + delta);
}

} // namespace vf::ui
