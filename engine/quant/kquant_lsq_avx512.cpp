// The q4_k-lsq lane kernels compiled for avx512 (16 sub-blocks per vector); only called
// after a run-time check that the CPU has it (kquant_lsq.cpp).
#include "engine/quant/kquant_lsq_lanes.h"

#include <cstdint>

#pragma GCC target("avx512f")
#define QL_LANES 16
#define QL_KERNEL avx512
#define QL_MIN_PS(a, b) __builtin_ia32_minps512_mask(a, b, a, -1, 4)
#define QL_MAX_PS(a, b) __builtin_ia32_maxps512_mask(a, b, a, -1, 4)
#define QL_ROUND_PS(v) __builtin_ia32_rndscaleps_mask(v, 0x08, v, -1, 4)
#define QL_FMA_PS(a, b, c) __builtin_ia32_vfmaddps512_mask(a, b, c, -1, 4)
#define QL_FLOOR_PS(v) __builtin_ia32_rndscaleps_mask(v, 0x09, v, -1, 4)
#include "engine/quant/kquant_lsq_kernel.inc"
