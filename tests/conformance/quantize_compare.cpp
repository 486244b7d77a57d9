#include "tests/conformance/quantize_compare.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace ql::test {
namespace {

constexpr int kMaxReported = 5;

bool sameBits(float a, float b) {
    return std::memcmp(&a, &b, sizeof(float)) == 0;
}

std::string sizesProblem(const QuantizedTensor& e, const QuantizedTensor& a) {
    std::ostringstream why;
    if (a.format != e.format || a.rows != e.rows || a.cols != e.cols)
        why << "shape " << a.rows << "x" << a.cols << " (expected " << e.rows << "x" << e.cols
            << ") or format differs; ";
    if (a.codes.size() != e.codes.size())
        why << a.codes.size() << " codes, expected exactly " << e.codes.size() << "; ";
    if (a.scales.size() != e.scales.size())
        why << a.scales.size() << " scales, expected exactly " << e.scales.size() << "; ";
    if (a.zeros.size() != e.zeros.size())
        why << a.zeros.size() << " zero points, expected exactly " << e.zeros.size() << "; ";
    if (a.packed.size() != e.packed.size())
        why << a.packed.size() << " packed bytes, expected exactly " << e.packed.size() << "; ";
    return why.str();
}

// Packed (block) formats: the first differing bytes, by row and byte offset in the row.
int64_t packedDiffs(const QuantizedTensor& e, const QuantizedTensor& a, std::ostream& why) {
    const uint64_t rowBytes = e.rows > 0 ? e.packed.size() / uint64_t(e.rows) : 0;
    int64_t diffs = 0;
    for (size_t i = 0; i < e.packed.size(); ++i) {
        if (e.packed[i] == a.packed[i])
            continue;
        if (diffs++ < kMaxReported)
            why << "\n  byte " << i % rowBytes << " of row " << i / rowBytes << ": 0x" << std::hex
                << int(a.packed[i]) << " expected 0x" << int(e.packed[i]) << std::dec;
    }
    return diffs;
}

} // namespace

::testing::AssertionResult sameQuantization(const QuantizedTensor& expected,
                                            const QuantizedTensor& actual,
                                            std::span<const float> src) {
    if (std::string why = sizesProblem(expected, actual); !why.empty())
        return ::testing::AssertionFailure() << why;
    std::ostringstream why;
    int64_t codeDiffs = 0, scaleDiffs = 0, zeroDiffs = 0;
    const int64_t byteDiffs = packedDiffs(expected, actual, why);
    const int64_t groups = groupsPerRow(expected.format, expected.cols);
    for (size_t i = 0; i < expected.scales.size(); ++i) {
        if (sameBits(expected.scales[i], actual.scales[i]))
            continue;
        if (scaleDiffs++ < kMaxReported)
            why << "\n  scale row " << int64_t(i) / groups << " group " << int64_t(i) % groups
                << ": " << actual.scales[i] << " expected " << expected.scales[i];
    }
    for (size_t i = 0; i < expected.zeros.size(); ++i) {
        if (sameBits(expected.zeros[i], actual.zeros[i]))
            continue;
        if (zeroDiffs++ < kMaxReported)
            why << "\n  zero point row " << int64_t(i) / groups << " group " << int64_t(i) % groups
                << ": " << actual.zeros[i] << " expected " << expected.zeros[i];
    }
    for (size_t i = 0; i < expected.codes.size(); ++i) {
        if (expected.codes[i] == actual.codes[i])
            continue;
        if (codeDiffs++ < kMaxReported)
            why << "\n  code row " << int64_t(i) / expected.cols << " col "
                << int64_t(i) % expected.cols << " (x = " << src[i] << "): " << int(actual.codes[i])
                << " expected " << int(expected.codes[i]);
    }
    if (codeDiffs == 0 && scaleDiffs == 0 && zeroDiffs == 0 && byteDiffs == 0)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << codeDiffs << " codes, " << scaleDiffs << " scales, " << zeroDiffs
           << " zero points and " << byteDiffs << " packed bytes differ (" << actual.backend
           << " vs " << expected.backend << ")" << why.str();
}

QuantizedTensor contractOracle(QuantFormat format, std::span<const float> src, int64_t rows,
                               int64_t cols) {
    const auto& info = quantFormatInfo(format);
    const int64_t group = info.groupSize == 0 ? cols : info.groupSize;
    const int64_t groups = groupsPerRow(format, cols);
    QuantizedTensor out;
    out.format = format;
    out.rows = rows;
    out.cols = cols;
    out.codes.resize(size_t(rows * cols));
    out.scales.resize(size_t(rows * groups));
    out.backend = "oracle";
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t g = 0; g < groups; ++g) {
            const int64_t begin = r * cols + g * group;
            const int64_t end = r * cols + std::min(cols, (g + 1) * group);
            float absmax = 0.0f;
            for (int64_t i = begin; i < end; ++i)
                absmax = std::max(absmax, std::fabs(src[size_t(i)]));
            const volatile float scale = absmax / float(info.qmax);
            float inv = scale != 0.0f ? 1.0f / scale : 0.0f;
            inv = std::isinf(inv) ? 0.0f : inv;
            out.scales[size_t(r * groups + g)] = scale;
            for (int64_t i = begin; i < end; ++i) {
                const volatile float product = src[size_t(i)] * inv;
                const float q =
                    std::clamp(std::nearbyint(product), -float(info.qmax), float(info.qmax));
                out.codes[size_t(i)] = int8_t(q);
            }
        }
    }
    return out;
}

} // namespace ql::test
