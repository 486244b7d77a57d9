#pragma once
// The CPU path of GGUF Q8_0: the same bytes as quantizeRowQ8_0Ref (ggml's reference),
// eight values at a time with SSE2. roundf (half away from zero) is done exactly as
// t = trunc(v); t += sign(v) when |v - t| >= 0.5, where v - t is exact for |v| < 2^23.
#include <cstddef>
#include <cstdint>

namespace ql {

void quantizeRowQ8_0Cpu(const float* x, std::byte* dst, int64_t n);

} // namespace ql
