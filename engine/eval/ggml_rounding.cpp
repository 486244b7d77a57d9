#include "engine/eval/ggml_rounding.h"

#include "engine/core/half.h"

#include <algorithm>
#include <cmath>

namespace ql {

namespace {

void roundQ8Block(std::span<float> block) {
    float amax = 0.f;
    for (float v : block)
        amax = std::max(amax, std::fabs(v));
    const float d = halfToFloat(floatToHalf(amax / 127.f));
    const float id = amax != 0.f ? 127.f / amax : 0.f;
    for (float& v : block)
        v = std::nearbyint(v * id) * d;
}

void roundQ8KBlock(std::span<float> block) {
    float max = 0.f, amax = 0.f;
    for (float v : block)
        if (std::fabs(v) > amax) {
            amax = std::fabs(v);
            max = v;
        }
    if (amax == 0.f) {
        std::fill(block.begin(), block.end(), 0.f);
        return;
    }
    const float iscale = -127.f / max;
    const float d = 1.f / iscale;
    for (float& v : block)
        v = std::min(127.f, std::nearbyint(iscale * v)) * d;
}

} // namespace

void roundActivations(std::span<float> row, ActivationRounding mode) {
    switch (mode) {
    case ActivationRounding::None:
        return;
    case ActivationRounding::F16:
        for (float& v : row)
            v = roundToHalf(v);
        return;
    case ActivationRounding::Bf16:
        for (float& v : row)
            v = roundToBf16(v);
        return;
    case ActivationRounding::Q8Blocks:
        for (size_t b = 0; b < row.size(); b += 32)
            roundQ8Block(row.subspan(b, std::min<size_t>(32, row.size() - b)));
        return;
    case ActivationRounding::Q8KBlocks:
        for (size_t b = 0; b < row.size(); b += 256)
            roundQ8KBlock(row.subspan(b, std::min<size_t>(256, row.size() - b)));
        return;
    }
}

} // namespace ql
