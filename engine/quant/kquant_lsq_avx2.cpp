// The q4_k-lsq lane kernels compiled for avx2 (8 sub-blocks per vector); only called
// after a run-time check that the CPU has it (kquant_lsq.cpp).
#include "engine/quant/kquant_lsq_lanes.h"

#include <cstdint>

#pragma GCC target("avx2,fma")
#define QL_LANES 8
#define QL_KERNEL avx2
#define QL_MIN_PS(a, b) __builtin_ia32_minps256(a, b)
#define QL_MAX_PS(a, b) __builtin_ia32_maxps256(a, b)
#define QL_ROUND_PS(v) __builtin_ia32_roundps256(v, 0x08)
#define QL_FMA_PS(a, b, c) __builtin_ia32_vfmaddps256(a, b, c)
#define QL_FLOOR_PS(v) __builtin_ia32_roundps256(v, 0x09)
#include "engine/quant/kquant_lsq_kernel.inc"
