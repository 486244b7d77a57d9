#pragma once
// A gate policy written back as the JSON docs/gates.md describes, so that a policy edited
// in the workbench is stored in the same form as one read from a file, and
// parseGatePolicy(gatePolicyJson(p)) gives p back.
#include "engine/score/gate.h"

#include <nlohmann/json.hpp>

namespace ql::score {

nlohmann::json gatePolicyJson(const GatePolicy& policy);
nlohmann::json thresholdJson(const Threshold& t);
const char* adjustmentName(Adjustment a); // "none", "holm", "bh"

} // namespace ql::score
