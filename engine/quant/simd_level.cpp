#include "engine/quant/simd_level.h"

namespace ql {

SimdLevel detectedSimdLevel() {
    static const SimdLevel level = [] {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f"))
            return SimdLevel::Avx512;
        if (__builtin_cpu_supports("avx2"))
            return SimdLevel::Avx2;
        return SimdLevel::Scalar;
    }();
    return level;
}

} // namespace ql
