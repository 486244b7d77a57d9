#pragma once
// Workspace queries for stored gate policies (the table comes from the score migration;
// policies are written by addGatePolicy in score_store.h). Read by the release report and
// by the workbench's gate policy editor.
#include "engine/store/workspace.h"

#include <optional>
#include <string>
#include <vector>

namespace ql {

struct StoredPolicy {
    int64_t id = 0;
    std::string name;
    std::string body; // the policy JSON as it was gated (docs/gates.md)
    std::string createdAt;
};

std::vector<StoredPolicy> gatePolicies(const Workspace& ws); // oldest first
std::optional<StoredPolicy> gatePolicy(const Workspace& ws, int64_t id);

} // namespace ql
