#pragma once
// Inputs several benchmark files share, made once at first use.
#include <cstdint>
#include <vector>

namespace ql::bench {

// One importance weight per column of a 4096-column tensor, log-uniform over [1e-3, 1e3],
// as a llama-imatrix file holds them.
const std::vector<float>& importance4096();

} // namespace ql::bench
