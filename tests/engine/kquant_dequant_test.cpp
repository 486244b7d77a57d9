// K-quant and IQ4_NL decoding against ggml's own to_float output (golden/quant), and
// the hand-worked layouts of the types that have no golden here.
#include "engine/core/half.h"
#include "engine/quant/dequantize.h"
#include "tests/common/test_data.h"

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>

namespace ql {
namespace {

std::vector<std::byte> readBytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> c{std::istreambuf_iterator<char>(in), {}};
    std::vector<std::byte> b(c.size());
    std::memcpy(b.data(), c.data(), c.size());
    return b;
}

void expectDecodesLikeGgml(DType type, const std::string& typeName) {
    const auto dir = test::dataDir() / "golden" / "quant";
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        const std::string suffix = "." + typeName + ".bin";
        if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix)
            continue;
        const std::string stem = name.substr(0, name.size() - 4); // drop ".bin"
        const auto bytes = readBytes(entry.path());
        const auto golden = readBytes(dir / (stem + ".deq.f32"));
        const int64_t n = int64_t(golden.size() / 4);
        std::vector<float> out(static_cast<size_t>(n));
        dequantizeRows(type, bytes, out.data(), n);
        EXPECT_EQ(0, std::memcmp(out.data(), golden.data(), golden.size())) << name;
        ++files;
    }
    EXPECT_GE(files, 3) << typeName;
}

TEST(KQuantDequant, Q4_KBitExactWithGgml) {
    QL_REQUIRE_DATA();
    expectDecodesLikeGgml(DType::Q4_K, "Q4_K");
}

TEST(KQuantDequant, Q6_KBitExactWithGgml) {
    QL_REQUIRE_DATA();
    expectDecodesLikeGgml(DType::Q6_K, "Q6_K");
}

TEST(KQuantDequant, IQ4_NLBitExactWithGgml) {
    QL_REQUIRE_DATA();
    expectDecodesLikeGgml(DType::IQ4_NL, "IQ4_NL");
}

// Q2_K: value = d * (scale nibble) * code - dmin * (min nibble), codes 2 bits, four
// bit-planes per 32 bytes. Worked by hand for a block with d = 1, dmin = 0.5.
TEST(KQuantDequant, Q2_KLayoutWorkedByHand) {
    BlockQ2_K b{};
    b.d = floatToHalf(1.0f);
    b.dmin = floatToHalf(0.5f);
    for (int i = 0; i < 16; ++i)
        b.scales[i] = uint8_t((i % 15 + 1) | (2 << 4)); // scale i%15+1, min 2
    b.qs[0] = 0b11100100; // element 0 code 0, element 32 code 1, 64 code 2, 96 code 3
    std::vector<float> y(256);
    dequantizeRowQ2_K(reinterpret_cast<const std::byte*>(&b), y.data(), 256);
    // Element 0: sub-block 0 (scale 1): 1*0 - 0.5*2. Element 32: sub-block 2 (scale 3).
    EXPECT_EQ(y[0], -1.0f);
    EXPECT_EQ(y[32], 3.0f * 1 - 1.0f);
    EXPECT_EQ(y[64], 5.0f * 2 - 1.0f);
    EXPECT_EQ(y[96], 7.0f * 3 - 1.0f);
    EXPECT_EQ(y[16], -1.0f); // qs[16] = 0, sub-block 1
}

// Q3_K: 3-bit codes = 2 low bits - 4 unless the hmask bit is set; 6-bit scales - 32.
TEST(KQuantDequant, Q3_KLayoutWorkedByHand) {
    BlockQ3_K b{};
    b.d = floatToHalf(0.25f);
    // Scale 0: low nibble 1 (byte 0), high bits 2 (byte 8 bits 0-1) -> 33 - 32 = 1.
    b.scales[0] = 0x01;
    b.scales[8] = 0x02;
    // Scale 8: low nibble from byte 0's high nibble (3), high bits byte 8 bits 4-5 (2).
    b.scales[0] |= 0x30;
    b.scales[8] |= 0x20;
    b.qs[0] = 0b00000011; // element 0: low bits 3; element 128 (shift 0, second half) 0
    b.hmask[0] = 0x01;    // element 0: high bit set -> code 3
    std::vector<float> y(256);
    dequantizeRowQ3_K(reinterpret_cast<const std::byte*>(&b), y.data(), 256);
    EXPECT_EQ(y[0], 0.25f * 1 * 3);
    // Element 128 is sub-block 8 (scale 35 - 32 = 3), code 0 - 4 (hmask bit 4 clear).
    EXPECT_EQ(y[128], 0.25f * 3 * -4);
}

// Q5_K: like Q4_K plus a fifth bit per value from qh (bit 2k for the low nibbles of
// the k-th 64-value chunk, bit 2k+1 for the high nibbles).
TEST(KQuantDequant, Q5_KLayoutWorkedByHand) {
    BlockQ5_K b{};
    b.d = floatToHalf(0.5f);
    b.dmin = floatToHalf(1.0f);
    b.scales[0] = 2; // sub-block 0 scale 2
    b.scales[4] = 1; // sub-block 0 min 1
    b.scales[1] = 4; // sub-block 1 scale 4, min 0
    b.qs[0] = 0x73;  // element 0 low nibble 3, element 32 high nibble 7
    b.qh[0] = 0x03;  // fifth bit for element 0 (u1 = 1) and element 32 (u2 = 2)
    std::vector<float> y(256);
    dequantizeRowQ5_K(reinterpret_cast<const std::byte*>(&b), y.data(), 256);
    EXPECT_EQ(y[0], 0.5f * 2 * (3 + 16) - 1.0f);
    EXPECT_EQ(y[32], 0.5f * 4 * (7 + 16));
}

} // namespace
} // namespace ql
