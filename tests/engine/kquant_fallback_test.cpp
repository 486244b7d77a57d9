// stories260K has no row that is a whole K-quant super-block (64 and 172 columns), so
// llama-quantize's Q4_K_M file (golden/stories260K-Q4_K_M.gguf) holds only substitutes:
// Q5_0 where it wanted Q4_K, Q8_0 where it wanted Q6_K (output.weight), F16 for the
// 172-wide ffn_down. fallbackFormat must name the same types, and quantizing the F32
// weights with them must give llama-quantize's bytes.
#include "engine/model/model.h"
#include "engine/quant/quantize.h"
#include "tests/common/test_data.h"

#include <cstring>
#include <gtest/gtest.h>

namespace ql {
namespace {

// The K-quant llama.cpp's Q4_K_M recipe asked for, judged by the substitute it stored.
QuantFormat requestedKQuant(DType stored) {
    return stored == DType::Q8_0 ? QuantFormat::Q6_K : QuantFormat::Q4_K;
}

TEST(KQuantFallback, SameSubstitutesAndBytesAsLlamaQuantize) {
    QL_REQUIRE_DATA();
    const auto base = Model::open(test::stories260K());
    const auto quant = Model::open(test::dataDir() / "golden" / "stories260K-Q4_K_M.gguf");
    int compared = 0;
    for (const auto& t : quant->tensors()) {
        if (!t.isMatrix() || t.dtype == DType::F32)
            continue;
        const QuantFormat used = fallbackFormat(requestedKQuant(t.dtype), t.cols());
        ASSERT_EQ(quantFormatInfo(used).storage, t.dtype) << t.name;
        const TensorInfo* src = base->findTensor(t.name);
        ASSERT_NE(src, nullptr) << t.name;
        QuantizedTensor q;
        quantizeReference(used, base->readF32(*src), src->rows(), src->cols(), q);
        const auto bytes = quant->tensorBytes(t);
        ASSERT_EQ(bytes.size(), q.packed.size()) << t.name;
        EXPECT_EQ(0, std::memcmp(bytes.data(), q.packed.data(), bytes.size())) << t.name;
        ++compared;
    }
    EXPECT_GE(compared, 30);
}

} // namespace
} // namespace ql
