// The vectorised scale searches (kquant_encode_fast_kernel.inc) compiled for avx512f (16
// groups per vector); only called after a run-time check that the CPU has it
// (kquant_encode_fast.cpp).
#include "engine/quant/kquant_encode_fast.h"
#include "engine/quant/kquant_encode_k4.h"

#include <cstdint>

#pragma GCC target("avx512f")
#define QL_LANES 16
#define QL_KERNEL avx512
#define QL_MIN_PS(a, b) __builtin_ia32_minps512_mask(a, b, a, -1, 4)
#define QL_MAX_PS(a, b) __builtin_ia32_maxps512_mask(a, b, a, -1, 4)
#include "engine/quant/kquant_encode_fast_kernel.inc"
