#pragma once
// Output-aware error per block or tensor kind. A layer's figure is
// sqrt(noise / signal) with noise = ||X (W - Q)^T||_F^2 and signal = ||X W^T||_F^2
// (activation_capture.h); both add across layers, so a group's figure is
//   sqrt(sum noise / sum signal)
// over its layers: their outputs as one long vector, weighted by output energy, the
// same way the weight-space relative error groups (engine/quant/sensitivity.h). A plain
// mean of the layers' figures would let a tiny layer count as much as the largest.
#include "engine/quant/sensitivity.h"
#include "engine/store/evalset_store.h"

#include <string>
#include <vector>

namespace ql {

struct OutputErrorGroup {
    std::string group; // block label ("embed", "3", "output") or kind ("attn_q")
    int layers = 0;
    double signal = 0;
    double noise = 0;
    double relError() const; // sqrt(noise / signal); 0 when signal is 0
};

// Groups in model order (as groupErrors orders them). Records without both traces (stored
// before the traces were kept) are left out: their figure alone cannot be weighted.
std::vector<OutputErrorGroup> groupOutputErrors(const std::vector<LayerOutputErrorRecord>& layers,
                                                Grouping g);

} // namespace ql
