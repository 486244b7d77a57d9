// The SSE2 paths of GGUF Q8_0 and Q4_0 give the reference's bytes: random blocks,
// blocks whose largest magnitude appears with both signs (the first one sets Q4_0's
// scale sign), values on x * id + 8.5 integer boundaries, and blocks of subnormals.
#include "engine/compute/backend.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <random>

namespace ql {
namespace {

std::vector<float> trickyBlocks(int64_t blocks) {
    std::mt19937 rng(99);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> w(size_t(blocks * 32));
    for (auto& x : w)
        x = g(rng);
    for (int64_t b = 0; b < blocks; ++b) {
        float* x = w.data() + b * 32;
        switch (b % 5) {
        case 0: // the magnitude maximum twice, negative first
            x[3] = -4.0f;
            x[20] = 4.0f;
            break;
        case 1: // positive first
            x[7] = 4.0f;
            x[9] = -4.0f;
            break;
        case 2: // multiples of d/2: Q4_0's x * id + 8.5 lands on integers, Q8_0 on halves
            for (int j = 0; j < 32; ++j)
                x[j] = float(j % 17 - 8) * 0.5f;
            break;
        case 3: // subnormals: 1/d overflows
            for (int j = 0; j < 32; ++j)
                x[j] = std::numeric_limits<float>::denorm_min() * float(j % 4);
            break;
        default:
            break;
        }
    }
    return w;
}

TEST(GgmlCpuFormats, Q8_0AndQ4_0EqualTheReferenceBytes) {
    const auto w = trickyBlocks(40 * 8);
    auto cpu = makeCpuBackend(2);
    for (QuantFormat f : {QuantFormat::Q8_0, QuantFormat::Q4_0}) {
        QuantizedTensor ref, got;
        quantizeReference(f, w, 8, 40 * 32, ref);
        cpu->quantize(f, w, 8, 40 * 32, got);
        ASSERT_EQ(ref.packed.size(), got.packed.size());
        for (size_t i = 0; i < ref.packed.size(); ++i)
            ASSERT_EQ(ref.packed[i], got.packed[i])
                << quantFormatInfo(f).name << " byte " << i << " (block "
                << i / dtypeInfo(quantFormatInfo(f).storage).typeSize << ")";
    }
}

} // namespace
} // namespace ql
