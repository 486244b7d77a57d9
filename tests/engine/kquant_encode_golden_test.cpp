// K-quant and IQ4_NL encoders against the bytes ggml's quantizer wrote for the same
// inputs (golden/quant, with and without an importance vector). Where a golden exists
// the bytes must be identical; the RMSE bound (ours <= ggml's, ggml's computed here from
// its own dequantized output) is checked as well, so a regression says which it broke.
#include "engine/quant/dequantize.h"
#include "engine/quant/kquant_encode.h"
#include "tests/common/test_data.h"

#include "tests/common/golden_files.h"
#include <cmath>
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>

namespace ql {
namespace {

using test::readBytes;
using test::readFloats;
double rmse(const std::vector<float>& a, const std::vector<float>& b) {
    double sum = 0.0;
    for (size_t i = 0; i < a.size(); ++i)
        sum += (double(a[i]) - double(b[i])) * (double(a[i]) - double(b[i]));
    return std::sqrt(sum / double(a.size()));
}

struct Outcome {
    int compared = 0;
    int identical = 0;
};

// Encodes `input` row by row; imatrix: one weight per column or empty.
std::vector<std::byte> encode(DType type, const std::vector<float>& x, const test::GoldenInput& in,
                              const std::vector<float>& imatrix) {
    const uint64_t rowBytes = *dtypeBytes(type, uint64_t(in.cols));
    std::vector<std::byte> out(rowBytes * uint64_t(in.rows));
    const auto encoder = kquantRowEncoder(type);
    for (int64_t r = 0; r < in.rows; ++r)
        encoder(x.data() + r * in.cols, out.data() + r * rowBytes, in.cols,
                imatrix.empty() ? nullptr : imatrix.data());
    return out;
}

// Compares with every golden of `type` (suffix "" or ".imatrix") that exists.
Outcome compareWithGoldens(DType type, const std::string& suffix) {
    const auto dir = test::dataDir() / "golden" / "quant";
    const std::string typeName(dtypeInfo(type).name);
    Outcome o;
    for (const auto& in : test::quantGoldenInputs()) {
        const auto stem = dir / (std::string(in.name) + "." + typeName + suffix);
        if (!std::filesystem::exists(stem.string() + ".bin"))
            continue;
        const auto x = readFloats(dir / (std::string(in.name) + ".f32"));
        std::vector<float> imatrix;
        if (!suffix.empty())
            imatrix = readFloats(dir / (std::string(in.name) + ".imatrix.f32"));
        const auto ours = encode(type, x, in, imatrix);
        const auto golden = readBytes(stem.string() + ".bin");
        EXPECT_EQ(golden.size(), ours.size()) << stem;
        std::vector<float> deq(x.size());
        dequantizeRows(type, ours, deq.data(), int64_t(x.size()));
        const double goldenRmse = rmse(readFloats(stem.string() + ".deq.f32"), x);
        EXPECT_LE(rmse(deq, x), goldenRmse) << stem;
        ++o.compared;
        if (golden.size() == ours.size() &&
            std::memcmp(golden.data(), ours.data(), ours.size()) == 0)
            ++o.identical;
        else
            ADD_FAILURE() << typeName << suffix << " bytes differ from ggml's on " << in.name;
    }
    return o;
}

TEST(KQuantEncodeGolden, Q4_KMatchesGgmlBytes) {
    QL_REQUIRE_DATA();
    EXPECT_GE(compareWithGoldens(DType::Q4_K, "").compared, 4);
}

TEST(KQuantEncodeGolden, Q4_KWithImatrixMatchesGgmlBytes) {
    QL_REQUIRE_DATA();
    EXPECT_GE(compareWithGoldens(DType::Q4_K, ".imatrix").compared, 1);
}

TEST(KQuantEncodeGolden, Q6_KMatchesGgmlBytes) {
    QL_REQUIRE_DATA();
    EXPECT_GE(compareWithGoldens(DType::Q6_K, "").compared, 4);
}

TEST(KQuantEncodeGolden, IQ4_NLMatchesGgmlBytes) {
    QL_REQUIRE_DATA();
    EXPECT_GE(compareWithGoldens(DType::IQ4_NL, "").compared, 6);
}

TEST(KQuantEncodeGolden, IQ4_NLWithImatrixMatchesGgmlBytes) {
    QL_REQUIRE_DATA();
    EXPECT_GE(compareWithGoldens(DType::IQ4_NL, ".imatrix").compared, 1);
}

// The CPU backend's encoders in vector lanes (quantizeRowInLanes) at every SIMD level this
// CPU has, against ggml's bytes directly, not only against our scalar encoders: every type
// with a golden (Q4_K, Q6_K, IQ4_NL; Q4_K, IQ4_NL and Q4_0 with llama.cpp's imatrix).
TEST(KQuantEncodeGolden, VectorisedCpuEncodersMatchGgmlBytes) {
    QL_REQUIRE_DATA();
    const auto dir = test::dataDir() / "golden" / "quant";
    int goldens = 0;
    for (const auto& [type, suffix] : {std::pair<DType, std::string>{DType::Q4_K, ""},
                                       {DType::Q6_K, ""},
                                       {DType::IQ4_NL, ""},
                                       {DType::Q4_K, ".imatrix"},
                                       {DType::IQ4_NL, ".imatrix"},
                                       {DType::Q4_0, ".imatrix"}}) {
        const std::string typeName(dtypeInfo(type).name);
        for (const auto& in : test::quantGoldenInputs()) {
            const auto golden = dir / (std::string(in.name) + "." + typeName + suffix + ".bin");
            if (!std::filesystem::exists(golden))
                continue;
            ++goldens;
            const auto x = readFloats(dir / (std::string(in.name) + ".f32"));
            std::vector<float> imatrix;
            if (!suffix.empty())
                imatrix = readFloats(dir / (std::string(in.name) + ".imatrix.f32"));
            const auto expected = readBytes(golden);
            const uint64_t rowBytes = *dtypeBytes(type, uint64_t(in.cols));
            for (SimdLevel level : {SimdLevel::Avx2, SimdLevel::Avx512}) {
                if (level > detectedSimdLevel())
                    continue;
                std::vector<std::byte> ours(rowBytes * uint64_t(in.rows), std::byte{0xEE});
                for (int64_t r = 0; r < in.rows; ++r)
                    quantizeRowInLanes(type, x.data() + r * in.cols, ours.data() + r * rowBytes,
                                       in.cols, imatrix.empty() ? nullptr : imatrix.data(), level);
                EXPECT_TRUE(ours.size() == expected.size() &&
                            std::memcmp(ours.data(), expected.data(), ours.size()) == 0)
                    << typeName << suffix << " level " << int(level) << " differs from ggml on "
                    << in.name;
            }
        }
    }
    EXPECT_GE(goldens, 20); // 5 + 5 + 7 plain, 3 with an imatrix
    if (detectedSimdLevel() == SimdLevel::Scalar)
        GTEST_SKIP() << "this CPU has no AVX2: the vectorised encoders do not run here";
}

} // namespace
} // namespace ql
