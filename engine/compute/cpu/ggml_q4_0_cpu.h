#pragma once
// The CPU path of GGUF Q4_0: the same bytes as quantizeRowQ4_0Ref (ggml's reference),
// four values at a time with SSE2. The scale's sign comes from the first value of largest
// magnitude (ggml's strict '<' scan), found with a compare mask; codes are
// min(15, trunc(x * id + 8.5)), which cvttps computes exactly as the int8 cast does.
#include <cstddef>
#include <cstdint>

namespace ql {

void quantizeRowQ4_0Cpu(const float* x, std::byte* dst, int64_t n);

} // namespace ql
