#include "engine/fit/model_shape.h"

namespace ql::fit {

int64_t ModelShape::parameters() const {
    int64_t total = 0;
    for (const auto& t : tensors)
        total += t.parameters();
    return total;
}

} // namespace ql::fit
