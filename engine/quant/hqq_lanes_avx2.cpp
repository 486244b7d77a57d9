// HQQ's proximal round compiled for avx2 (8 groups per vector); only called after a
// run-time check that the CPU has it (hqq.cpp).
#include "engine/quant/hqq_lanes.h"

#include <cstdint>

#pragma GCC target("avx2")
#define QL_LANES 8
#define QL_KERNEL avx2
#define QL_ROUND_PS(v) __builtin_ia32_roundps256(v, 0x08)
#include "engine/quant/hqq_lanes_kernel.inc"
