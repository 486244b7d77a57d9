#pragma once
// The regression limit the gate applies to one cell, in score units: the slice's limit,
// else the dimension's, else the default (docs/gates.md); the tighter of absolute and
// relative-to-baseline; a critical slice without a limit gets 0. Exposed so that views
// and reports colour passing cells on the gate's own scale.
#include "engine/score/gate.h"

#include <optional>
#include <string>

namespace ql::score {

std::optional<double> gateLimit(const GatePolicy& policy, const std::string& dimension,
                                const std::string& slice, double baselineScore);

} // namespace ql::score
