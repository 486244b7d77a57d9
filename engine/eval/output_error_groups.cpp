#include "engine/eval/output_error_groups.h"

#include <algorithm>
#include <cmath>

namespace ql {

double OutputErrorGroup::relError() const {
    return signal > 0 ? std::sqrt(std::max(0.0, noise) / signal) : 0.0;
}

std::vector<OutputErrorGroup> groupOutputErrors(const std::vector<LayerOutputErrorRecord>& layers,
                                                Grouping g) {
    // The sums are those of the weight-space grouping with noise for the squared error and
    // signal for the squared weight, so groupErrors names, orders and sums the groups.
    std::vector<TensorErrorSums> sums;
    for (const LayerOutputErrorRecord& r : layers)
        if (r.signal && r.noise)
            sums.push_back({r.tensor, r.rows, *r.noise, *r.signal});
    std::vector<OutputErrorGroup> out;
    for (const GroupError& e : groupErrors(sums, g))
        out.push_back({e.group, e.tensors, e.sumSquaredWeight, e.sumSquaredError});
    return out;
}

} // namespace ql
