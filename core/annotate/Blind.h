#pragma once
// Blind A/B comparison of streams (methods) and Bradley–Terry ranking.
//
// Session: the user picks two or more streams and a set of items (single frames or frame
// spans). The generator makes one trial per (item, unordered stream pair), `repeats` times,
// shuffles the trials and the sides with a seeded std::mt19937_64 (same seed, same session).
// What is presented (PresentedTrial) carries no stream name or index: only the item's frames
// and two opaque slots; the dialog fetches pictures through BlindSession::streamFor(), which
// the presentation layer must not display. Votes: left, right or tie.
//
// Ranking: Bradley–Terry, P(i beats j) = p_i / (p_i + p_j).
//  * Ties count as half a win for each side (and one comparison): W_i = wins_i + ties_i / 2.
//  * Fitted with Hunter's MM algorithm (2004):
//        p_i <- W_i / sum_{j != i} n_ij / (p_i + p_j),
//    followed by rescaling to geometric mean 1 (sum of log-strengths = 0), until the
//    largest relative change is below 1e-12 (at most 100000 iterations).
//  * If a player has W_i = 0, or the "beats" graph is not strongly connected, the maximum
//    likelihood estimate does not exist (a strength runs to 0 or infinity). Then one
//    virtual tie is added to every compared pair (half a win each side) and `regularised`
//    is set in the result.
//  * Confidence intervals: from the observed Fisher information of the log-strengths
//    theta_i = log p_i: I_ii = sum_j n_ij q_ij (1 - q_ij), I_ij = -n_ij q_ij (1 - q_ij),
//    with q_ij = p_i / (p_i + p_j). With the constraint sum theta = 0 the covariance is the
//    Moore–Penrose pseudo-inverse of I, computed as (I + J/n)^-1 - J/n (J = all ones).
//    The 95% interval is theta_i +- 1.96 sqrt(cov_ii), reported on the strength scale
//    (exp), so it is asymmetric around p_i.
//  * Per-pair win rates: (wins_i_over_j + ties_ij / 2) / n_ij.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vf::annotate {

struct BlindItem {
    int firstFrame = 0;
    int lastFrame = 0; // == firstFrame for a single frame
    bool operator==(const BlindItem&) const = default;
};

enum class Vote { Left, Right, Tie };
const char* voteName(Vote v); // "left" / "right" / "tie"

// What the rater is shown: no names, no stream indices.
struct PresentedTrial {
    int number = 0; // 1-based position in the session
    int total = 0;
    BlindItem item;
};

struct BlindTrial {
    int item = 0;  // index into items
    int left = 0;  // stream index shown on the left
    int right = 0; // stream index shown on the right
    std::optional<Vote> vote;
    double seconds = 0; // time to decide (informative)
    bool operator==(const BlindTrial&) const = default;
};

class BlindSession {
public:
    BlindSession() = default;
    // Throws InvalidArgument for fewer than two streams, duplicate names, no items or
    // repeats < 1.
    BlindSession(std::vector<std::string> streams, std::vector<BlindItem> items, std::uint64_t seed,
                 int repeats = 1);

    int trialCount() const { return int(trials_.size()); }
    PresentedTrial present(int trial) const;
    // The stream whose picture goes on the given side (for the picture fetcher only).
    int streamFor(int trial, bool leftSide) const;
    void vote(int trial, Vote v, double seconds = 0);
    void clearVote(int trial);
    // First trial without a vote, or -1 when all are done.
    int nextUnvoted() const;
    bool complete() const { return nextUnvoted() < 0; }

    const std::vector<std::string>& streams() const { return streams_; }
    const std::vector<BlindItem>& items() const { return items_; }
    const std::vector<BlindTrial>& trials() const { return trials_; }
    std::uint64_t seed() const { return seed_; }

    // Votes as CSV: "trial,first_frame,last_frame,left,right,vote,winner,seconds" with a
    // header line; names are written (this is the result, after the session).
    std::string votesCsv() const;
    void saveVotesCsv(const std::filesystem::path& path) const; // atomic

    // Whole session (streams, items, seed, trial order, votes) as JSON "vfstudio-blind" v1.
    std::string toJson() const;
    static BlindSession fromJson(const std::string& text, const std::string& sourceName);
    void save(const std::filesystem::path& path) const; // atomic
    static BlindSession load(const std::filesystem::path& path);

    bool operator==(const BlindSession&) const = default;

private:
    std::vector<std::string> streams_;
    std::vector<BlindItem> items_;
    std::uint64_t seed_ = 0;
    std::vector<BlindTrial> trials_;
};

struct PairStats {
    int i = 0, j = 0;
    int winsI = 0, winsJ = 0, ties = 0;
    double winRateI = 0; // (winsI + ties/2) / n
};

struct Ranking {
    std::vector<std::string> names;
    std::vector<double> strength; // p_i, geometric mean 1
    std::vector<double> logStrength;
    std::vector<double> ciLow, ciHigh; // 95% interval of p_i
    std::vector<double> stdErrLog;     // standard error of theta_i
    std::vector<int> order;            // player indices, strongest first
    std::vector<PairStats> pairs;
    int iterations = 0;
    bool regularised = false;
};

// Comparison counts: wins[i][j] = times i beat j; ties[i][j] (symmetric) = ties.
Ranking bradleyTerry(const std::vector<std::string>& names,
                     const std::vector<std::vector<double>>& wins,
                     const std::vector<std::vector<double>>& ties);
// From the votes of a session (unvoted trials are ignored).
Ranking rankSession(const BlindSession& s);

} // namespace vf::annotate
