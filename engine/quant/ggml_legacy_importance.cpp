#include "engine/quant/ggml_legacy_importance.h"

#include "engine/core/half.h"
#include "engine/quant/formats.h"
#include "engine/quant/kquant_encode_lanes.h"
#include "engine/quant/kquant_encode_search.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace ql {
namespace {

constexpr int kBlock = 32;

// Low nibbles of codes 0..15 and 16..31 in one byte each, as every legacy block packs them.
template <typename Code> void packNibbles(const Code* L, uint8_t* qs) {
    for (int j = 0; j < kBlock / 2; ++j)
        qs[j] = uint8_t((L[j] & 0x0F) | ((L[j + kBlock / 2] & 0x0F) << 4));
}

// The fifth bits of 32 codes as one little-endian word.
template <typename Code> void packFifthBits(const Code* L, uint8_t* qh) {
    uint32_t bits = 0;
    for (int j = 0; j < kBlock / 2; ++j) {
        bits |= uint32_t((L[j] & 0x10) >> 4) << j;
        bits |= uint32_t((L[j + kBlock / 2] & 0x10) >> 4) << (j + kBlock / 2);
    }
    std::memcpy(qh, &bits, sizeof bits);
}

constexpr kquant::AsymmetricSearch kLegacySearch{-0.9f, 0.05f, 36, false};

// The weights of a row: qw[j] * sqrt(sigma2 + x[j]^2), sigma2 the row's mean square.
std::vector<float> rowWeights(const float* x, int64_t n, const float* qw) {
    std::vector<float> weight(static_cast<size_t>(n));
    kquant::weightsFromImportance(n, x, qw, ggmlRowMeanSquare(x, n), weight.data());
    return weight;
}

// The blocks of a row are searched a run of up to kRun at a time (so the lanes get whole
// groups and the buffers stay on the stack).
constexpr int kRun = 64;

// Q4_0 / Q5_0: ggml's weighted symmetric scale search per block; codes -nmax..nmax-1 + nmax.
template <typename Block, bool kFifthBit>
void symmetricImportanceRow(const float* x, std::byte* dst, int64_t n, const float* qw, int nmax,
                            const kquant::LaneSearches* lanes) {
    auto* y = reinterpret_cast<Block*>(dst);
    const auto weight = rowWeights(x, n, qw);
    float d[kRun];
    int8_t L[kRun * kBlock];
    for (int64_t first = 0; first < n / kBlock; first += kRun) {
        const int count = int(std::min<int64_t>(kRun, n / kBlock - first));
        kquant::symmetricScaleSearches(lanes, count, kBlock, x + kBlock * first,
                                       weight.data() + kBlock * first, nmax, d, L);
        for (int k = 0; k < count; ++k) {
            Block& b = y[first + k];
            b.d = floatToHalf(d[k]);
            packNibbles(L + kBlock * k, b.qs);
            if constexpr (kFifthBit)
                packFifthBits(L + kBlock * k, b.qh);
        }
    }
}

// Q4_1 / Q5_1: ggml's weighted min/scale search per block (codes 0..nmax).
template <typename Block, bool kFifthBit>
void asymmetricImportanceRow(const float* x, std::byte* dst, int64_t n, const float* qw, int nmax,
                             const kquant::LaneSearches* lanes) {
    auto* y = reinterpret_cast<Block*>(dst);
    const auto weight = rowWeights(x, n, qw);
    float d[kRun], negMin[kRun];
    uint8_t L[kRun * kBlock];
    for (int64_t first = 0; first < n / kBlock; first += kRun) {
        const int count = int(std::min<int64_t>(kRun, n / kBlock - first));
        kquant::asymmetricScaleSearches(lanes, count, kBlock, x + kBlock * first,
                                        weight.data() + kBlock * first, nmax, kLegacySearch, true,
                                        d, negMin, L);
        for (int k = 0; k < count; ++k) {
            Block& b = y[first + k];
            b.d = floatToHalf(d[k]);
            b.m = floatToHalf(-negMin[k]);
            packNibbles(L + kBlock * k, b.qs);
            if constexpr (kFifthBit)
                packFifthBits(L + kBlock * k, b.qh);
        }
    }
}

} // namespace

float ggmlRowMeanSquare(const float* x, int64_t n) {
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j)
        sum += x[j] * x[j];
    return sum / float(n);
}

void kquant::encodeRowLegacyImportance(DType type, const float* x, std::byte* dst, int64_t n,
                                       const float* importance, const LaneSearches* lanes) {
    switch (type) {
    case DType::Q4_0:
        return symmetricImportanceRow<BlockQ4_0, false>(x, dst, n, importance, 8, lanes);
    case DType::Q5_0:
        return symmetricImportanceRow<BlockQ5_0, true>(x, dst, n, importance, 16, lanes);
    case DType::Q4_1:
        return asymmetricImportanceRow<BlockQ4_1, false>(x, dst, n, importance, 15, lanes);
    case DType::Q5_1:
        return asymmetricImportanceRow<BlockQ5_1, true>(x, dst, n, importance, 31, lanes);
    default:
        throw std::logic_error("encodeRowLegacyImportance: not a legacy block type");
    }
}

void quantizeRowQ4_0Importance(const float* x, std::byte* dst, int64_t n, const float* qw) {
    kquant::encodeRowLegacyImportance(DType::Q4_0, x, dst, n, qw, nullptr);
}

void quantizeRowQ5_0Importance(const float* x, std::byte* dst, int64_t n, const float* qw) {
    kquant::encodeRowLegacyImportance(DType::Q5_0, x, dst, n, qw, nullptr);
}

void quantizeRowQ4_1Importance(const float* x, std::byte* dst, int64_t n, const float* qw) {
    kquant::encodeRowLegacyImportance(DType::Q4_1, x, dst, n, qw, nullptr);
}

void quantizeRowQ5_1Importance(const float* x, std::byte* dst, int64_t n, const float* qw) {
    kquant::encodeRowLegacyImportance(DType::Q5_1, x, dst, n, qw, nullptr);
}

} // namespace ql
