#pragma once
// Statistics for comparing a variant's cell with the baseline's. Which method applies
// depends on what the source gave us, and every result says which one it used:
//  - per-example data on both sides, matched by example id: a paired bootstrap CI of
//    the mean difference (seeded splitmix64, identical on every platform) and, for
//    binary outcomes, McNemar's exact test (two-sided binomial on the discordant pairs);
//  - aggregates with a reported stderr: an unpaired normal approximation from it;
//  - aggregates with n and scores in [0, 1]: the unpaired two-proportion normal
//    approximation;
//  - otherwise the delta alone, with no interval and no p-value.
// Unpaired methods ignore that both variants saw the same examples, so their intervals
// are wider than a paired analysis would give: conservative, never optimistic.
#include "engine/score/scorecard.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ql::score {

enum class StatMethod {
    PairedBootstrap,
    PairedBootstrapMcNemar,
    NormalStderr,
    TwoProportion,
    None
};
const char* statMethodLabel(StatMethod method);

struct StatsOptions {
    double confidence = 0.95;
    int bootstrapResamples = 2000;
    uint64_t seed = 0x5eed2024;
};

struct Comparison {
    double baseline = 0.0;
    double value = 0.0;
    double delta = 0.0; // value - baseline
    std::optional<double> ciLow;
    std::optional<double> ciHigh;
    std::optional<double> pValue; // two-sided, unadjusted
    StatMethod method = StatMethod::None;
    int64_t pairs = 0;       // examples present on both sides (paired methods)
    int64_t discordantB = 0; // McNemar: baseline right, variant wrong
    int64_t discordantC = 0; // McNemar: baseline wrong, variant right
};

Comparison compareCells(const ScoreCell& baseline, const ScoreCell& variant,
                        const StatsOptions& options = {});

// Deterministic 64-bit generator (Vigna's splitmix64): same seed, same stream, anywhere.
class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed)
        : m_state(seed) {}
    uint64_t next();
    uint64_t below(uint64_t bound); // uniform in [0, bound), bias below 2^-40 for our sizes

private:
    uint64_t m_state;
};

// Percentile bootstrap CI of mean(variant - baseline) over paired values.
std::pair<double, double> pairedBootstrapCi(const std::vector<double>& baseline,
                                            const std::vector<double>& variant, double confidence,
                                            int resamples, uint64_t seed);
// Two-sided exact McNemar p: b and c are the discordant counts.
double mcnemarExactP(int64_t b, int64_t c);
double normalCdf(double z);
double normalQuantile(double p); // inverse of normalCdf, for confidence -> z
// Two-sided p of a normal z statistic.
double twoSidedNormalP(double z);

// Multiple-comparison adjustments of a list of p-values, same order out.
std::vector<double> holmAdjust(const std::vector<double>& p);
std::vector<double> benjaminiHochbergAdjust(const std::vector<double>& p);

} // namespace ql::score
