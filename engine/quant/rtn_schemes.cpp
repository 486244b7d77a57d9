#include "engine/quant/rtn_schemes.h"

#include "engine/quant/nf4.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace ql {

RangeStats rangeStats(const float* x, int64_t n) {
    RangeStats s;
    for (int64_t j = 0; j < n; ++j) {
        s.min = std::min(s.min, x[j]);
        s.max = std::max(s.max, x[j]);
        s.absmax = std::max(s.absmax, std::fabs(x[j]));
    }
    return s;
}

RangeStats mergeStats(RangeStats a, RangeStats b) {
    return {std::min(a.min, b.min), std::max(a.max, b.max), std::max(a.absmax, b.absmax)};
}

namespace {

// GPTQ's find_params (quant.py), for one group; min and max already include 0.
GroupParams gptqParams(const QuantFormatInfo& info, RangeStats s, int offset) {
    const float maxq = float((1 << info.bits) - 1);
    float lo = s.min, hi = s.max;
    if (info.scheme == QuantScheme::SymGptq) {
        hi = std::max(std::fabs(lo), hi);
        if (lo < 0)
            lo = -hi;
    }
    if (lo == 0.0f && hi == 0.0f) {
        lo = -1.0f;
        hi = 1.0f;
    }
    GroupParams p;
    p.scale = (hi - lo) / maxq;
    const float zero = info.scheme == QuantScheme::SymGptq ? (maxq + 1.0f) / 2.0f
                       : p.scale > 0.0f                    ? std::nearbyint(-lo / p.scale)
                                                           : float(offset);
    p.zero = zero - float(offset);
    return p;
}

} // namespace

GroupParams groupParams(const QuantFormatInfo& info, RangeStats s) {
    GroupParams p;
    switch (info.scheme) {
    case QuantScheme::SymAbsmax:
        p.scale = s.absmax / float(info.qmax);
        p.inv = p.scale != 0.0f ? 1.0f / p.scale : 0.0f;
        if (!std::isfinite(p.inv))
            p.inv = 0.0f;
        return p;
    case QuantScheme::SymHalfRange:
        p.scale = std::max(s.absmax / (float((1 << info.bits) - 1) / 2.0f), FLT_EPSILON);
        return p;
    case QuantScheme::SymGptq:
    case QuantScheme::Asym:
        return gptqParams(info, s, codeOffset(info));
    case QuantScheme::Nf4:
    case QuantScheme::Fp4:
        p.scale = s.absmax;
        p.inv = 1.0f / s.absmax; // bnb: 1.0f / local_abs_max, inf for a zero block
        return p;
    }
    return p;
}

void encodeGroupReference(const QuantFormatInfo& info, const float* x, int64_t n,
                          const GroupParams& p, int8_t* codes) {
    const float half = float(1 << (info.bits - 1));
    const float maxq = float((1 << info.bits) - 1), offset = float(codeOffset(info));
    for (int64_t j = 0; j < n; ++j) {
        switch (info.scheme) {
        case QuantScheme::SymAbsmax: {
            const float v = std::nearbyint(x[j] * p.inv);
            codes[j] = int8_t(std::clamp(v, float(-info.qmax), float(info.qmax)));
            break;
        }
        case QuantScheme::SymHalfRange:
            codes[j] = int8_t(std::nearbyint(std::clamp(x[j] / p.scale, -half, half - 1.0f)));
            break;
        case QuantScheme::SymGptq:
        case QuantScheme::Asym: {
            // A zero scale (a group of subnormals) gives NaN quotients: code = zero then.
            const float q = x[j] / p.scale;
            const float z = p.zero + offset;
            const float v = std::isfinite(q) ? std::nearbyint(q) + z : z;
            codes[j] = int8_t(std::clamp(v, 0.0f, maxq) - offset);
            break;
        }
        case QuantScheme::Nf4:
            codes[j] = int8_t(nf4Code(x[j] * p.inv));
            break;
        case QuantScheme::Fp4:
            codes[j] = int8_t(fp4Code(x[j] * p.inv));
            break;
        }
    }
}

float codeValue(const QuantFormatInfo& info, int8_t code, float zero) {
    switch (info.scheme) {
    case QuantScheme::Nf4:
        return nf4CodeBook()[size_t(code & 15)];
    case QuantScheme::Fp4:
        return fp4CodeBook()[size_t(code & 15)];
    default:
        return float(code) - zero;
    }
}

} // namespace ql
