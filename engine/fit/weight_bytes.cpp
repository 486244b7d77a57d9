#include "engine/fit/weight_bytes.h"

#include "engine/fit/checkpoint_quant.h"
#include "engine/fit/preset_weights.h"

namespace ql::fit {
namespace {

bool quantizes(const TensorGroup& t, const WeightPolicy& p) {
    switch (t.role) {
    case TensorRole::Linear:
        return true;
    case TensorRole::Embedding:
        return p.quantizeEmbedding;
    case TensorRole::Output:
        return p.quantizeOutput;
    default:
        return false;
    }
}

// ggml keeps 1-D tensors in F32 in every quantized GGUF; other toolchains keep the
// checkpoint's float type.
WeightFormat keptFormat(const TensorGroup& t, const WeightPolicy& p) {
    const bool ggml = p.format && ggmlBlock(*p.format) && !isFloatFormat(*p.format);
    return t.role == TensorRole::Vector && ggml ? WeightFormat::F32 : p.unquantized;
}

void addStored(WeightBreakdown& w, const TensorGroup& t) {
    addWeights(w, t.parameters(), t.storedFormat.value_or(WeightFormat::F32), t.storedBytes);
}

// "As stored" for a config.json checkpoint that ships quantized: the format it declares
// for its linear layers, except the modules it keeps in float.
std::optional<WeightFormat> checkpointFormat(const TensorGroup& t, const ModelShape& s,
                                             const WeightPolicy& p) {
    if (p.format || !s.checkpoint || !s.checkpoint->format || t.role != TensorRole::Linear ||
        keptByCheckpoint(*s.checkpoint, t.name))
        return std::nullopt;
    return s.checkpoint->format;
}

void addGroup(WeightBreakdown& w, const TensorGroup& t, const ModelShape& s,
              const WeightPolicy& p) {
    const bool fromFile = t.storedBytes > 0;
    if (fromFile && (!p.format || !quantizes(t, p)))
        return addStored(w, t);
    WeightFormat f = p.format && quantizes(t, p)
                         ? *p.format
                         : checkpointFormat(t, s, p).value_or(keptFormat(t, p));
    if (p.allowFallback)
        f = ggufFallback(f, t.cols);
    addWeights(w, t.parameters(), f, tensorBytes(f, t.rows, t.cols) * uint64_t(t.count));
}

} // namespace

void addWeights(WeightBreakdown& w, int64_t parameters, WeightFormat format, uint64_t bytes) {
    w.parameters += parameters;
    if (isFloatFormat(format)) {
        w.unquantized += bytes;
        return;
    }
    const auto codes = uint64_t(double(parameters) * weightFormatInfo(format).codeBits / 8.0);
    w.codes += codes;
    w.metadata += bytes > codes ? bytes - codes : 0;
    w.quantizedParameters += parameters;
}

WeightBreakdown weightBytes(const ModelShape& shape, const WeightPolicy& policy) {
    if (policy.preset)
        return presetWeightBytes(shape, *policy.preset);
    WeightBreakdown w;
    for (const auto& t : shape.tensors)
        addGroup(w, t, shape, policy);
    return w;
}

std::optional<WeightPolicy> weightPolicyNamed(std::string_view name) {
    WeightPolicy p;
    // "Q4_0" is llama-quantize's file (output.weight in Q6_K), "q4_0" the plain format.
    if (const auto preset = llamaPresetSpelled(name))
        p.preset = *preset;
    else if (const auto f = weightFormatFromName(name))
        p.format = *f;
    else if (const auto anyCase = llamaPresetFromName(name))
        p.preset = *anyCase;
    else
        return std::nullopt;
    return p;
}

} // namespace ql::fit
