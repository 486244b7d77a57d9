#pragma once
// The vector instruction sets the CPU encoders choose between at run time. The binary
// targets the x86-64 baseline; the AVX2 and AVX-512 kernels are compiled apart and only
// called where the CPU has them.

namespace ql {

enum class SimdLevel { Scalar, Avx2, Avx512 };

// The widest level this CPU has.
SimdLevel detectedSimdLevel();

} // namespace ql
