// HQQ's proximal round compiled for avx512f (16 groups per vector); only called after a
// run-time check that the CPU has it (hqq.cpp).
#include "engine/quant/hqq_lanes.h"

#include <cstdint>

#pragma GCC target("avx512f")
#define QL_LANES 16
#define QL_KERNEL avx512
#define QL_ROUND_PS(v) __builtin_ia32_rndscaleps_mask(v, 0x08, v, -1, 4)
#include "engine/quant/hqq_lanes_kernel.inc"
