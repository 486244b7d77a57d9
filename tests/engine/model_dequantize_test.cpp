// Dequantization against ggml: bit-exact on the golden block files, and the golden
// llama-quantize GGUFs of stories260K within each type's error bound of the F32 model.
#include "engine/core/half.h"
#include "engine/model/model.h"
#include "engine/quant/dequantize.h"
#include "tests/common/test_data.h"
#include "tests/engine/model_test_util.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>

namespace ql {
namespace {

std::vector<float> floatsOf(const std::vector<std::byte>& bytes) {
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), v.size() * 4);
    return v;
}

TEST(Dequant, GoldenBlocksAreBitExact) {
    QL_REQUIRE_DATA();
    const auto dir = test::dataDir() / "golden" / "quant";
    const auto manifest = nlohmann::json::parse(test::readBytes(dir / "manifest.json"));
    int checked = 0;
    for (const auto& [input, spec] : manifest["inputs"].items()) {
        const int64_t n = spec["rows"].get<int64_t>() * spec["cols"].get<int64_t>();
        for (const auto& [type, name] : {std::pair{DType::Q8_0, "Q8_0"}, {DType::Q4_0, "Q4_0"}}) {
            if (!spec["types"].contains(name))
                continue;
            const auto bin = test::readBytes(dir / (input + "." + name + ".bin"));
            const auto want = floatsOf(test::readBytes(dir / (input + "." + name + ".deq.f32")));
            ASSERT_EQ(want.size(), size_t(n)) << input;
            std::vector<float> got(static_cast<size_t>(n));
            dequantizeRows(type, bin, got.data(), n);
            for (int64_t i = 0; i < n; ++i)
                ASSERT_EQ(std::bit_cast<uint32_t>(got[size_t(i)]),
                          std::bit_cast<uint32_t>(want[size_t(i)]))
                    << input << "." << name << " value " << i;
            ++checked;
        }
    }
    EXPECT_EQ(checked, 14); // 7 inputs x {Q8_0, Q4_0}
}

// The largest error each storage type allows for one 32-value block of the source, from
// ggml's rounding rules: half a step (a whole step where the code clamps), plus the fp16
// rounding of the scale (relative 2^-11) multiplied by the largest code.
float blockBound(DType type, const float* x, size_t n) {
    float amax = 0, lo = x[0], hi = x[0];
    for (size_t i = 0; i < n; ++i) {
        amax = std::max(amax, std::fabs(x[i]));
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
    const float h = 0x1.0p-11f;
    switch (type) {
    case DType::F32:
        return 0;
    case DType::F16:
        return amax * 0x1.0p-11f + 0x1.0p-24f;
    case DType::BF16:
        return amax * 0x1.0p-8f;
    case DType::Q8_0:
        return amax / 127 * (0.5f + 127 * h) + 1e-7f;
    case DType::Q4_0:
        return amax / 8 * (1 + 8 * h) + 1e-7f; // clamping at +7 costs a step
    case DType::Q4_1:
        return (hi - lo) / 15 * (0.5f + 15 * h) + amax * 2 * h + 1e-7f;
    case DType::Q5_0:
        return amax / 16 * (1 + 16 * h) + 1e-7f;
    case DType::Q5_1:
        return (hi - lo) / 31 * (0.5f + 31 * h) + amax * 2 * h + 1e-7f;
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::IQ4_NL:
        // Super-block types are checked bit-exact against ggml in kquant_dequant_test;
        // the golden GGUFs here hold none (no row of stories260K is 256 wide).
        ADD_FAILURE() << "no per-block bound for " << dtypeInfo(type).name;
        return 0;
    }
    return 0;
}

void expectWithinBounds(const Model& quant, const Model& base, const std::string& file,
                        std::map<DType, double>& worst) {
    for (const TensorInfo& q : quant.tensors()) {
        const TensorInfo* f = base.findTensor(q.name);
        ASSERT_NE(f, nullptr) << q.name;
        ASSERT_EQ(q.shape, f->shape) << q.name;
        const auto x = base.readF32(*f);
        const auto y = quant.readF32(q);
        const size_t block = size_t(dtypeInfo(q.dtype).blockSize == 1 ? 1 : 32);
        for (size_t b = 0; b < x.size(); b += block) {
            const size_t n = std::min(block, x.size() - b);
            const float bound = blockBound(q.dtype, &x[b], n);
            for (size_t i = b; i < b + n; ++i) {
                const double err = std::fabs(double(y[i]) - double(x[i]));
                worst[q.dtype] = std::max(worst[q.dtype], err);
                ASSERT_LE(err, bound) << file << " " << q.name << " value " << i;
            }
        }
    }
}

TEST(Dequant, GoldenGgufsMatchTheF32Model) {
    QL_REQUIRE_DATA();
    const auto base = Model::open(test::stories260K());
    std::map<DType, int> seen;
    for (const char* type : {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q4_K_M"}) {
        const std::string file = std::string("stories260K-") + type + ".gguf";
        const auto quant = Model::open(test::dataDir() / "golden" / file);
        EXPECT_EQ(quant->tensors().size(), 48u);
        EXPECT_EQ(quant->parameterCount(), 292800);
        EXPECT_EQ(quant->config().nLayer, 5);
        std::map<DType, double> worst;
        expectWithinBounds(*quant, *base, file, worst);
        for (const auto& [dtype, err] : worst) {
            ++seen[dtype];
            std::printf("    %-22s %-5s max |error| %.3g\n", file.c_str(),
                        std::string(dtypeInfo(dtype).name).c_str(), err);
        }
    }
    // ffn_down (rows of 172) stays F16 in every file; the four legacy types all occur.
    EXPECT_EQ(seen[DType::F16], 5);
    for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0})
        EXPECT_GE(seen[t], 1) << dtypeInfo(t).name;
    const auto q8 = Model::open(test::dataDir() / "golden" / "stories260K-Q8_0.gguf");
    EXPECT_EQ(q8->findTensor("blk.0.attn_q.weight")->dtype, DType::Q8_0);
    EXPECT_EQ(q8->findTensor("blk.0.ffn_down.weight")->dtype, DType::F16);
}

// Q4_1 and Q5_1 have no golden block file: blocks built by hand, expected values from
// ggml's formulas (code * d + m, fifth bit from qh).
TEST(Dequant, HandBuiltQ4_1AndQ5_1Blocks) {
    BlockQ5_1 b5{};
    b5.d = floatToHalf(0.5f);
    b5.m = floatToHalf(-3.0f);
    const uint32_t qh = 0x80000001u; // fifth bit set for element 0 and element 31
    std::memcpy(b5.qh, &qh, 4);
    for (int j = 0; j < 16; ++j)
        b5.qs[j] = uint8_t(j | ((15 - j) << 4));
    std::vector<float> out(32);
    dequantizeRowQ5_1(reinterpret_cast<const std::byte*>(&b5), out.data(), 32);
    EXPECT_EQ(out[0], 16 * 0.5f - 3.0f);
    EXPECT_EQ(out[1], 1 * 0.5f - 3.0f);
    EXPECT_EQ(out[16], 15 * 0.5f - 3.0f);
    EXPECT_EQ(out[31], (0 + 16) * 0.5f - 3.0f);

    BlockQ4_1 b4{};
    b4.d = floatToHalf(0.25f);
    b4.m = floatToHalf(1.0f);
    b4.qs[3] = 0xA7;
    dequantizeRowQ4_1(reinterpret_cast<const std::byte*>(&b4), out.data(), 32);
    EXPECT_EQ(out[3], 7 * 0.25f + 1.0f);
    EXPECT_EQ(out[19], 10 * 0.25f + 1.0f);
    EXPECT_EQ(out[0], 1.0f);

    BlockQ5_0 b50{};
    b50.d = floatToHalf(2.0f);
    std::memcpy(b50.qh, &qh, 4);
    dequantizeRowQ5_0(reinterpret_cast<const std::byte*>(&b50), out.data(), 32);
    EXPECT_EQ(out[0], 0.0f);   // 16 - 16
    EXPECT_EQ(out[1], -32.0f); // 0 - 16
    EXPECT_EQ(out[31], 0.0f);
}

TEST(Dequant, SizeMismatchIsAProgrammingError) {
    std::vector<std::byte> bytes(34);
    std::vector<float> out(64);
    EXPECT_THROW(dequantizeRows(DType::Q8_0, bytes, out.data(), 64), std::invalid_argument);
    EXPECT_THROW(dequantizeRows(DType::Q8_0, bytes, out.data(), 16), std::invalid_argument);
    EXPECT_NO_THROW(dequantizeRows(DType::Q8_0, bytes, out.data(), 32));
}

} // namespace
} // namespace ql
