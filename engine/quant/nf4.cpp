#include "engine/quant/nf4.h"

#include "engine/quant/quantize.h"

#include <algorithm>
#include <cmath>

namespace ql {

const std::array<float, 16>& nf4CodeBook() {
    static constexpr std::array<float, 16> values{
        -1.0f,
        -0.6961928009986877f,
        -0.5250730514526367f,
        -0.39491748809814453f,
        -0.28444138169288635f,
        -0.18477343022823334f,
        -0.09105003625154495f,
        0.0f,
        0.07958029955625534f,
        0.16093020141124725f,
        0.24611230194568634f,
        0.33791524171829224f,
        0.44070982933044434f,
        0.5626170039176941f,
        0.7229568362236023f,
        1.0f,
    };
    return values;
}

const std::array<float, 16>& fp4CodeBook() {
    // Sign bit 3; magnitudes are bnb's E2M1 values {0, 0.0625, 8, 12, 4, 6, 2, 3} / 12.
    static constexpr std::array<float, 16> values{
        0.0f,  5.208333333e-03f,  0.66666667f,  1.0f,  0.33333333f,  0.5f,  0.16666667f,  0.25f,
        -0.0f, -5.208333333e-03f, -0.66666667f, -1.0f, -0.33333333f, -0.5f, -0.16666667f, -0.25f,
    };
    return values;
}

const std::array<float, 15>& nf4Thresholds() {
    static constexpr std::array<float, 15> t{
        -0.8480964004993439f,  -0.6106329262256622f,  -0.4599952697753906f,   -0.33967943489551544f,
        -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
        0.1202552504837513f,   0.2035212516784668f,   0.2920137718319893f,    0.3893125355243683f,
        0.5016634166240692f,   0.6427869200706482f,   0.8614784181118011f,
    };
    return t;
}

const std::array<float, 7>& fp4Thresholds() {
    static constexpr std::array<float, 7> t{0.00260417f, 0.0859375f, 0.20833333f, 0.29166667f,
                                            0.4166667f,  0.583333f,  0.8333333f};
    return t;
}

const std::array<uint8_t, 8>& fp4CodeOfRank() {
    static constexpr std::array<uint8_t, 8> codes{0b000, 0b001, 0b110, 0b111,
                                                  0b100, 0b101, 0b010, 0b011};
    return codes;
}

// bnb's tree, comparison by comparison (the CPU path counts thresholds instead).
uint8_t nf4Code(float x) {
    const auto& t = nf4Thresholds();
    if (x > t[7]) {
        if (x > t[11]) {
            if (x > t[13])
                return x > t[14] ? 15 : 14;
            return x > t[12] ? 13 : 12;
        }
        if (x > t[9])
            return x > t[10] ? 11 : 10;
        return x > t[8] ? 9 : 8;
    }
    if (x > t[3]) {
        if (x > t[5])
            return x > t[6] ? 7 : 6;
        return x > t[4] ? 5 : 4;
    }
    if (x > t[1])
        return x > t[2] ? 3 : 2;
    return x > t[0] ? 1 : 0;
}

uint8_t fp4Code(float x) {
    const uint8_t sign = x < 0 ? 0b1000 : 0;
    x = std::fabs(x);
    const auto& t = fp4Thresholds();
    if (x > t[3]) {
        if (x > t[5])
            return uint8_t((x > t[6] ? 0b011 : 0b010) + sign);
        return uint8_t((x > t[4] ? 0b101 : 0b100) + sign);
    }
    if (x > t[1])
        return uint8_t((x > t[2] ? 0b111 : 0b110) + sign);
    return uint8_t((x > t[0] ? 0b001 : 0b000) + sign);
}

namespace {

// torch.linspace(start, end, steps) for float32 on the CPU, by its scalar formula: the
// first half counts up from start, the second half down from end.
std::vector<float> linspaceF32(float start, float end, int steps) {
    const float step = (end - start) / float(steps - 1);
    std::vector<float> v(static_cast<size_t>(steps));
    for (int i = 0; i < steps; ++i)
        v[size_t(i)] = i < steps / 2 ? start + step * float(i) : end - step * float(steps - i - 1);
    return v;
}

std::array<float, 256> buildDynamicMap() {
    std::vector<float> data;
    for (int i = 0; i < 7; ++i) {
        const auto b = linspaceF32(0.1f, 1.0f, (1 << i) + 1);
        const float decade = float(std::pow(10.0, double(i - 6))); // 10 ** (-6 + i)
        for (size_t k = 0; k + 1 < b.size(); ++k) {
            const float mean = (b[k] + b[k + 1]) / 2.0f;
            data.push_back(decade * mean);
            data.push_back(-decade * mean);
        }
    }
    data.push_back(0.0f);
    data.push_back(1.0f);
    std::sort(data.begin(), data.end());
    std::array<float, 256> map{};
    std::copy(data.begin(), data.end(), map.begin());
    return map;
}

} // namespace

const std::array<float, 256>& dynamicQuantMap() {
    static const std::array<float, 256> map = buildDynamicMap();
    return map;
}

uint8_t dynamicQuantCode(float x) {
    const auto& code = dynamicQuantMap();
    int pivot = 127, upper = 255, lower = 0;
    float val = code[size_t(pivot)];
    for (int i = 64; i > 0; i >>= 1) {
        if (x > val) {
            lower = pivot;
            pivot += i;
        } else {
            upper = pivot;
            pivot -= i;
        }
        val = code[size_t(pivot)];
    }
    if (upper == 255)
        upper = 254;
    const bool lowerCloser =
        std::fabs(x - code[size_t(lower)]) < std::fabs(x - code[size_t(upper)]);
    return uint8_t(lowerCloser ? lower : upper);
}

void doubleQuantize(const std::vector<float>& absmax, DoubleQuantState& out) {
    constexpr size_t kBlock = 256;
    // torch's float32 mean sums in a cascade; a double sum rounded once is within an ulp.
    double sum = 0;
    for (float a : absmax)
        sum += a;
    out.offset = absmax.empty() ? 0.0f : float(sum / double(absmax.size()));
    out.codes.assign(absmax.size(), 0);
    out.absmax.assign((absmax.size() + kBlock - 1) / kBlock, 0.0f);
    for (size_t b = 0; b < out.absmax.size(); ++b) {
        const size_t begin = b * kBlock, end = std::min(absmax.size(), begin + kBlock);
        float m = 0.0f;
        for (size_t i = begin; i < end; ++i)
            m = std::fmax(m, std::fabs(absmax[i] - out.offset));
        out.absmax[b] = m;
        const float inv = 1.0f / m; // inf for a block of equal values: NaN codes, as bnb
        for (size_t i = begin; i < end; ++i)
            out.codes[i] = dynamicQuantCode((absmax[i] - out.offset) * inv);
    }
}

float doubleQuantizedAbsmax(const DoubleQuantState& dq, int64_t i) {
    return dynamicQuantMap()[dq.codes[size_t(i)]] * dq.absmax[size_t(i / 256)] + dq.offset;
}

} // namespace ql
