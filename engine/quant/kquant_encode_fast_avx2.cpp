// The vectorised scale searches (kquant_encode_fast_kernel.inc) compiled for avx2 (8 groups
// per vector); only called after a run-time check that the CPU has it
// (kquant_encode_fast.cpp).
#include "engine/quant/kquant_encode_fast.h"
#include "engine/quant/kquant_encode_k4.h"

#include <cstdint>

#pragma GCC target("avx2")
#define QL_LANES 8
#define QL_KERNEL avx2
#define QL_MIN_PS(a, b) __builtin_ia32_minps256(a, b)
#define QL_MAX_PS(a, b) __builtin_ia32_maxps256(a, b)
#include "engine/quant/kquant_encode_fast_kernel.inc"
