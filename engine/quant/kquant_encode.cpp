#include "engine/quant/kquant_encode.h"

#include <stdexcept>

namespace ql {
namespace {

template <KQuantRowEncoder Encode>
void withoutImportance(const float* x, std::byte* dst, int64_t n) {
    Encode(x, dst, n, nullptr);
}

} // namespace

KQuantRowEncoder kquantRowEncoder(DType type) {
    switch (type) {
    case DType::Q2_K:
        return quantizeRowQ2_K;
    case DType::Q3_K:
        return quantizeRowQ3_K;
    case DType::Q4_K:
        return quantizeRowQ4_K;
    case DType::Q5_K:
        return quantizeRowQ5_K;
    case DType::Q6_K:
        return quantizeRowQ6_K;
    case DType::IQ4_NL:
        return quantizeRowIQ4_NL;
    default:
        throw std::logic_error("kquantRowEncoder: not a K-quant or IQ4_NL type");
    }
}

PlainRowEncoder kquantPlainRowEncoder(DType type) {
    switch (type) {
    case DType::Q2_K:
        return withoutImportance<quantizeRowQ2_K>;
    case DType::Q3_K:
        return withoutImportance<quantizeRowQ3_K>;
    case DType::Q4_K:
        return withoutImportance<quantizeRowQ4_K>;
    case DType::Q5_K:
        return withoutImportance<quantizeRowQ5_K>;
    case DType::Q6_K:
        return withoutImportance<quantizeRowQ6_K>;
    case DType::IQ4_NL:
        return withoutImportance<quantizeRowIQ4_NL>;
    default:
        throw std::logic_error("kquantPlainRowEncoder: not a K-quant or IQ4_NL type");
    }
}

} // namespace ql
