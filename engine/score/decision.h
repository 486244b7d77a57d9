#pragma once
// A release decision: which variant ships by default, which ones may be switched on behind
// a flag and for which surfaces, why, who decided and when, and the evidence it rests on
// (scorecards and gate policy). Decisions are append-only: a new one supersedes the
// previous one for the same subject; the workspace refuses to update or delete any.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ql::score {

struct FlaggedVariant {
    std::string variant;
    std::vector<std::string> surfaces;
};

struct Decision {
    int64_t id = 0;
    std::string subject; // what is decided about, e.g. the scorecard's name
    std::string defaultVariant;
    std::vector<FlaggedVariant> flagged;
    std::string rationale;
    std::string author;
    std::string createdAt;
    std::vector<int64_t> scorecardIds;
    std::optional<int64_t> gatePolicyId;
    std::optional<int64_t> supersedes;   // the decision this one replaced
    std::optional<int64_t> supersededBy; // filled in on read, from the later decision
};

// "AWQ:batch,offline" -> {AWQ, {batch, offline}}. Throws ql::Error without a surface.
FlaggedVariant parseFlagged(const std::string& text);

} // namespace ql::score
