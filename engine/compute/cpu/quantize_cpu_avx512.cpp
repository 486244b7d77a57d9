#include "engine/compute/cpu/quantize_cpu_avx512.h"

#if defined(__x86_64__)
#include "engine/quant/nf4.h"

#include <cstdint>
#include <utility>

// After the includes: only this file's own functions get AVX-512 code.
#pragma GCC target("avx512f")

namespace ql {

bool cpuHasAvx512() {
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") != 0;
    }();
    return has;
}

} // namespace ql

// Sixteen lanes; the compares' selects become mask registers.
#define QL_LANES 16
#define QL_ENTRY(name) name##Avx512
#define QL_MAX_PS(a, b) __builtin_ia32_maxps512_mask(a, b, a, -1, 4)
#define QL_CVT_PS_EPI32(v) __builtin_ia32_cvtps2dq512_mask(v, VI{}, -1, 4)
#define QL_MASK_REGISTERS 1
#include "engine/compute/cpu/fp8_nf4_kernel.inc"
#else
namespace ql {
bool cpuHasAvx512() {
    return false;
}
void encodeFp8Avx512(const float*, uint8_t*, int64_t, Fp8Kind, float) {}
void encodeNf4Avx512(const float*, int64_t, float, int8_t*) {}
void quantizeRowNf4Avx512(const float*, int64_t, int64_t, int8_t*, float*) {}
} // namespace ql
#endif
