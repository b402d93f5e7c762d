#include "core/annotate/Blind.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <set>

#include "core/annotate/ParseUtil.h"
#include "core/common/AtomicFile.h"
#include "core/common/Error.h"

namespace fs = std::filesystem;

namespace vf::annotate {

const char* voteName(Vote v) {
    switch (v) {
    case Vote::Left:
        return "left";
    case Vote::Right:
        return "right";
    case Vote::Tie:
        return "tie";
    }
    return "?";
}

BlindSession::BlindSession(std::vector<std::string> streams, std::vector<BlindItem> items,
                           std::uint64_t seed, int repeats)
    : streams_(std::move(streams)), items_(std::move(items)), seed_(seed) {
    using vf::Error;
    using vf::ErrorCode;
    if (streams_.size() < 2)
        throw Error(ErrorCode::InvalidArgument, "a blind comparison needs at least two streams");
    if (std::set<std::string>(streams_.begin(), streams_.end()).size() != streams_.size())
        throw Error(ErrorCode::InvalidArgument, "a blind comparison lists a stream twice");
    if (items_.empty())
        throw Error(ErrorCode::InvalidArgument,
                    "a blind comparison needs at least one frame or segment");
    for (const auto& it : items_)
        if (it.firstFrame < 0 || it.lastFrame < it.firstFrame)
            throw Error(ErrorCode::InvalidArgument,
                        "bad frame span " + std::to_string(it.firstFrame) + ".." +
                            std::to_string(it.lastFrame) + " in a blind comparison");
    if (repeats < 1 || repeats > 100)
        throw Error(ErrorCode::InvalidArgument, "repeats must be between 1 and 100");
    std::mt19937_64 rng(seed);
    for (int r = 0; r < repeats; ++r)
        for (int it = 0; it < int(items_.size()); ++it)
            for (int a = 0; a < int(streams_.size()); ++a)
                for (int b = a + 1; b < int(streams_.size()); ++b)
                    trials_.push_back({it, a, b, {}, 0});
    // Fisher–Yates with our own draws (std::shuffle's use of the engine is unspecified).
    for (std::size_t i = trials_.size(); i > 1; --i) {
        const std::size_t j = std::size_t(rng() % i);
        std::swap(trials_[i - 1], trials_[j]);
    }
    for (auto& t : trials_)
        if (rng() & 1) std::swap(t.left, t.right);
}

PresentedTrial BlindSession::present(int trial) const {
    if (trial < 0 || trial >= trialCount())
        throw vf::Error(vf::ErrorCode::InvalidArgument, "no trial " + std::to_string(trial));
    return {trial + 1, trialCount(), items_[std::size_t(trials_[std::size_t(trial)].item)]};
}

int BlindSession::streamFor(int trial, bool leftSide) const {
    if (trial < 0 || trial >= trialCount())
        throw vf::Error(vf::ErrorCode::InvalidArgument, "no trial " + std::to_string(trial));
    const auto& t = trials_[std::size_t(trial)];
    return leftSide ? t.left : t.right;
}

void BlindSession::vote(int trial, Vote v, double seconds) {
    if (trial < 0 || trial >= trialCount())
        throw vf::Error(vf::ErrorCode::InvalidArgument, "no trial " + std::to_string(trial));
    trials_[std::size_t(trial)].vote = v;
    trials_[std::size_t(trial)].seconds = seconds;
}

void BlindSession::clearVote(int trial) {
    if (trial >= 0 && trial < trialCount()) trials_[std::size_t(trial)].vote.reset();
}

int BlindSession::nextUnvoted() const {
    for (int i = 0; i < trialCount(); ++i)
        if (!trials_[std::size_t(i)].vote) return i;
    return -1;
}

static std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string o = "\"";
    for (char c : s) {
        if (c == '"') o += '"';
        o += c;
    }
    return o + "\"";
}

std::string BlindSession::votesCsv() const {
    std::string o = "trial,first_frame,last_frame,left,right,vote,winner,seconds\n";
    for (int i = 0; i < trialCount(); ++i) {
        const auto& t = trials_[std::size_t(i)];
        if (!t.vote) continue;
        const auto& it = items_[std::size_t(t.item)];
        const std::string& l = streams_[std::size_t(t.left)];
        const std::string& r = streams_[std::size_t(t.right)];
        std::string winner = *t.vote == Vote::Left ? l : *t.vote == Vote::Right ? r : "";
        o += std::to_string(i + 1) + "," + std::to_string(it.firstFrame) + "," +
             std::to_string(it.lastFrame) + "," + csvField(l) + "," + csvField(r) + "," +
             voteName(*t.vote) + "," + csvField(winner) + "," + detail::fmt(t.seconds) + "\n";
    }
    return o;
}

void BlindSession::saveVotesCsv(const fs::path& path) const {
    vf::writeFileAtomic(path, votesCsv());
}

std::string BlindSession::toJson() const {
    nlohmann::ordered_json j;
    j["format"] = "vfstudio-blind";
    j["version"] = 1;
    j["seed"] = seed_;
    j["streams"] = streams_;
    auto items = nlohmann::ordered_json::array();
    for (const auto& it : items_)
        items.push_back({it.firstFrame, it.lastFrame});
    j["items"] = items;
    auto trials = nlohmann::ordered_json::array();
    for (const auto& t : trials_) {
        nlohmann::ordered_json o{{"item", t.item}, {"left", t.left}, {"right", t.right}};
        o["vote"] =
            t.vote ? nlohmann::ordered_json(voteName(*t.vote)) : nlohmann::ordered_json(nullptr);
        o["seconds"] = t.seconds;
        trials.push_back(o);
    }
    j["trials"] = trials;
    return j.dump(1, '\t') + "\n";
}

BlindSession BlindSession::fromJson(const std::string& text, const std::string& src) {
    detail::JsonReader r(src, text);
    const nlohmann::json j = r.parse(text);
    r.expectObject(j, "");
    if (r.string(j, "", "format") != "vfstudio-blind")
        r.fail("/format", "expected \"vfstudio-blind\"");
    const long long v = r.integer(j, "", "version", 1, 1'000'000);
    if (v > 1)
        r.fail("/version",
               "file version " + std::to_string(v) + " is newer than this vfstudio reads (1)");
    BlindSession s;
    const auto& seed = r.member(j, "", "seed");
    if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<long long>() >= 0))
        r.fail("/seed", "expected a non-negative integer");
    s.seed_ = seed.get<std::uint64_t>();
    const auto& streams = r.array(j, "", "streams");
    for (std::size_t i = 0; i < streams.size(); ++i) {
        if (!streams[i].is_string()) r.fail("/streams/" + std::to_string(i), "expected a string");
        s.streams_.push_back(streams[i].get<std::string>());
    }
    if (s.streams_.size() < 2) r.fail("/streams", "needs at least two streams");
    if (std::set<std::string>(s.streams_.begin(), s.streams_.end()).size() != s.streams_.size())
        r.fail("/streams", "a stream is listed twice");
    const auto& items = r.array(j, "", "items");
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string p = "/items/" + std::to_string(i);
        r.expectArray(items[i], p);
        if (items[i].size() != 2) r.fail(p, "expected [firstFrame, lastFrame]");
        BlindItem it;
        for (int k = 0; k < 2; ++k) {
            const auto& e = items[i][std::size_t(k)];
            if (!e.is_number_integer() || e.get<long long>() < 0 ||
                e.get<long long>() > detail::kMaxFrame)
                r.fail(p + "/" + std::to_string(k), "expected a frame number");
            (k == 0 ? it.firstFrame : it.lastFrame) = int(e.get<long long>());
        }
        if (it.lastFrame < it.firstFrame) r.fail(p, "last frame before first frame");
        s.items_.push_back(it);
    }
    if (s.items_.empty()) r.fail("/items", "needs at least one item");
    const auto& trials = r.array(j, "", "trials");
    const long long ns = (long long)s.streams_.size(), ni = (long long)s.items_.size();
    for (std::size_t i = 0; i < trials.size(); ++i) {
        const std::string p = "/trials/" + std::to_string(i);
        r.expectObject(trials[i], p);
        BlindTrial t;
        t.item = int(r.integer(trials[i], p, "item", 0, ni - 1));
        t.left = int(r.integer(trials[i], p, "left", 0, ns - 1));
        t.right = int(r.integer(trials[i], p, "right", 0, ns - 1));
        if (t.left == t.right) r.fail(p + "/right", "a stream cannot be compared with itself");
        const auto& vv = r.member(trials[i], p, "vote");
        if (!vv.is_null()) {
            if (!vv.is_string())
                r.fail(p + "/vote", "expected \"left\", \"right\", \"tie\" or null");
            const std::string s2 = vv.get<std::string>();
            if (s2 == "left")
                t.vote = Vote::Left;
            else if (s2 == "right")
                t.vote = Vote::Right;
            else if (s2 == "tie")
                t.vote = Vote::Tie;
            else
                r.fail(p + "/vote",
                       "expected \"left\", \"right\", \"tie\" or null, got \"" + s2 + "\"");
        }
        t.seconds = r.number(trials[i], p, "seconds");
        s.trials_.push_back(t);
    }
    if (s.trials_.empty()) r.fail("/trials", "needs at least one trial");
    return s;
}

void BlindSession::save(const fs::path& path) const {
    vf::writeFileAtomic(path, toJson());
}
BlindSession BlindSession::load(const fs::path& path) {
    return fromJson(vf::readFile(path), path.string());
}

// --------------------------------------------------------------------- Bradley–Terry

namespace {
// Strongly connected "beats" graph (an edge i->j when i has more than zero wins over j,
// counting ties as half wins both ways)?
bool stronglyConnected(const std::vector<std::vector<double>>& w) {
    const std::size_t n = w.size();
    auto reach = [&](bool forward) {
        std::vector<bool> seen(n, false);
        std::vector<std::size_t> stack{0};
        seen[0] = true;
        while (!stack.empty()) {
            std::size_t i = stack.back();
            stack.pop_back();
            for (std::size_t j = 0; j < n; ++j) {
                const double e = forward ? w[i][j] : w[j][i];
                if (e > 0 && !seen[j]) {
                    seen[j] = true;
                    stack.push_back(j);
                }
            }
        }
        return std::all_of(seen.begin(), seen.end(), [](bool b) { return b; });
    };
    return n == 0 || (reach(true) && reach(false));
}

// Inverts a small symmetric positive definite matrix (Gauss–Jordan with partial pivoting).
std::vector<std::vector<double>> invert(std::vector<std::vector<double>> a) {
    const std::size_t n = a.size();
    std::vector<std::vector<double>> inv(n, std::vector<double>(n, 0));
    for (std::size_t i = 0; i < n; ++i)
        inv[i][i] = 1;
    for (std::size_t c = 0; c < n; ++c) {
        std::size_t piv = c;
        for (std::size_t r = c + 1; r < n; ++r)
            if (std::fabs(a[r][c]) > std::fabs(a[piv][c])) piv = r;
        std::swap(a[c], a[piv]);
        std::swap(inv[c], inv[piv]);
        const double d = a[c][c];
        if (std::fabs(d) < 1e-300) return {};
        for (std::size_t k = 0; k < n; ++k) {
            a[c][k] /= d;
            inv[c][k] /= d;
        }
        for (std::size_t r = 0; r < n; ++r) {
            if (r == c) continue;
            const double f = a[r][c];
            if (f == 0) continue;
            for (std::size_t k = 0; k < n; ++k) {
                a[r][k] -= f * a[c][k];
                inv[r][k] -= f * inv[c][k];
            }
        }
    }
    return inv;
}
} // namespace

Ranking bradleyTerry(const std::vector<std::string>& names,
                     const std::vector<std::vector<double>>& winsIn,
                     const std::vector<std::vector<double>>& tiesIn) {
    const std::size_t n = names.size();
    auto square = [n](const std::vector<std::vector<double>>& m) {
        if (m.size() != n) return false;
        for (const auto& r : m)
            if (r.size() != n) return false;
        return true;
    };
    if (n < 2 || !square(winsIn) || !square(tiesIn))
        throw vf::Error(vf::ErrorCode::InvalidArgument,
                        "Bradley-Terry needs at least two players and n x n win/tie tables");
    Ranking R;
    R.names = names;
    // Effective wins (ties as half wins) and comparison counts.
    std::vector<std::vector<double>> w(n, std::vector<double>(n, 0)),
        cnt(n, std::vector<double>(n, 0));
    auto fill = [&](double extraTie) {
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                if (i == j) continue;
                // ties[i][j] and ties[j][i] both hold the tie count of the pair.
                const double ties = (tiesIn[i][j] + tiesIn[j][i]) / 2;
                const double nij = winsIn[i][j] + winsIn[j][i] + ties;
                const double extra = nij > 0 ? extraTie : 0;
                w[i][j] = winsIn[i][j] + 0.5 * ties + 0.5 * extra;
                cnt[i][j] = nij + extra;
            }
    };
    fill(0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            if (winsIn[i][j] < 0 || tiesIn[i][j] < 0)
                throw vf::Error(vf::ErrorCode::InvalidArgument, "negative win or tie count");
    if (!stronglyConnected(w)) {
        R.regularised = true;
        fill(1);
    }
    std::vector<double> W(n, 0), p(n, 1.0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            W[i] += w[i][j];
    // MM iterations (after regularisation every compared player has W_i > 0; a player never
    // compared keeps p = 1; separate groups never compared with each other keep an arbitrary
    // relative scale and get infinite intervals).
    int it = 0;
    for (; it < 100000; ++it) {
        std::vector<double> np(n);
        for (std::size_t i = 0; i < n; ++i) {
            double den = 0;
            for (std::size_t j = 0; j < n; ++j)
                if (j != i && cnt[i][j] > 0) den += cnt[i][j] / (p[i] + p[j]);
            np[i] = den > 0 ? W[i] / den : p[i];
        }
        double logMean = 0;
        for (double v : np)
            logMean += std::log(v);
        logMean /= double(n);
        const double s = std::exp(-logMean);
        double change = 0;
        for (std::size_t i = 0; i < n; ++i) {
            np[i] *= s;
            change = std::max(change, std::fabs(np[i] - p[i]) / p[i]);
        }
        p = np;
        if (change < 1e-12) {
            ++it;
            break;
        }
    }
    R.iterations = it;
    R.strength = p;
    R.logStrength.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        R.logStrength[i] = std::log(p[i]);
    // Observed Fisher information of theta, pseudo-inverse under sum(theta) = 0.
    std::vector<std::vector<double>> I(n, std::vector<double>(n, 0));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            if (i == j || cnt[i][j] <= 0) continue;
            const double q = p[i] / (p[i] + p[j]);
            const double v = cnt[i][j] * q * (1 - q);
            I[i][i] += v;
            I[i][j] -= v;
        }
    std::vector<std::vector<double>> A = I;
    for (auto& row : A)
        for (double& v : row)
            v += 1.0 / double(n);
    auto inv = invert(A);
    R.stdErrLog.assign(n, std::numeric_limits<double>::infinity());
    R.ciLow.assign(n, 0);
    R.ciHigh.assign(n, std::numeric_limits<double>::infinity());
    if (!inv.empty()) {
        for (std::size_t i = 0; i < n; ++i) {
            const double var = inv[i][i] - 1.0 / double(n);
            if (var >= 0) {
                R.stdErrLog[i] = std::sqrt(var);
                R.ciLow[i] = std::exp(R.logStrength[i] - 1.96 * R.stdErrLog[i]);
                R.ciHigh[i] = std::exp(R.logStrength[i] + 1.96 * R.stdErrLog[i]);
            }
        }
    }
    R.order.resize(n);
    std::iota(R.order.begin(), R.order.end(), 0);
    std::stable_sort(R.order.begin(), R.order.end(),
                     [&](int a, int b) { return p[std::size_t(a)] > p[std::size_t(b)]; });
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            PairStats ps;
            ps.i = int(i);
            ps.j = int(j);
            ps.winsI = int(winsIn[i][j]);
            ps.winsJ = int(winsIn[j][i]);
            ps.ties = int((tiesIn[i][j] + tiesIn[j][i]) / 2);
            const double nn = winsIn[i][j] + winsIn[j][i] + (tiesIn[i][j] + tiesIn[j][i]) / 2;
            ps.winRateI =
                nn > 0 ? (winsIn[i][j] + 0.5 * (tiesIn[i][j] + tiesIn[j][i]) / 2) / nn : 0;
            if (nn > 0) R.pairs.push_back(ps);
        }
    return R;
}

Ranking rankSession(const BlindSession& s) {
    const std::size_t n = s.streams().size();
    std::vector<std::vector<double>> wins(n, std::vector<double>(n, 0)),
        ties(n, std::vector<double>(n, 0));
    for (const auto& t : s.trials()) {
        if (!t.vote) continue;
        const auto l = std::size_t(t.left), r = std::size_t(t.right);
        switch (*t.vote) {
        case Vote::Left:
            wins[l][r] += 1;
            break;
        case Vote::Right:
            wins[r][l] += 1;
            break;
        case Vote::Tie:
            ties[l][r] += 1;
            ties[r][l] += 1;
            break;
        }
    }
    return bradleyTerry(s.streams(), wins, ties);
}

} // namespace vf::annotate
