#include "engine/model/demo_model.h"

#include "engine/model/det_random.h"
#include "engine/model/gguf_writer.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace ql {
namespace {

constexpr uint64_t kSeed = 0x5157414e544c454eull; // "QUANTLEN"

// Student-t (4 degrees of freedom, variance 2) scaled to kDemoWeightStd.
std::vector<float> heavyTailed(const std::string& name, int64_t rows, int64_t cols) {
    DetRandom rng = DetRandom::forName(name, kSeed);
    const double scale = kDemoWeightStd / std::sqrt(2.0);
    std::vector<float> w(size_t(rows * cols));
    for (auto& v : w)
        v = float(rng.studentT4() * scale);
    return w;
}

// Outlier input channels, the same in every layer as in real LLMs, where a few
// residual-stream dimensions carry large activations and the weights reading them
// grow to match.
void scaleOutlierColumns(std::vector<float>& w, int64_t cols) {
    for (size_t k = 0; k < std::size(kDemoOutlierColumns); ++k)
        for (size_t r = 0; r < w.size() / size_t(cols); ++r)
            w[r * size_t(cols) + size_t(kDemoOutlierColumns[k])] *= kDemoOutlierScales[k];
}

std::vector<float> norm(const std::string& name, int64_t n) {
    DetRandom rng = DetRandom::forName(name, kSeed);
    std::vector<float> w(static_cast<size_t>(n));
    for (auto& v : w)
        v = float(1.0 + 0.05 * rng.normal());
    return w;
}

void addLayer(GgufWriter& out, const DemoModelShape& s, int64_t layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    const int64_t kvDim = s.nHeadKv * (s.nEmbd / s.nHead);
    auto matrix = [&](const std::string& name, int64_t rows, int64_t cols, bool outliers) {
        auto w = heavyTailed(p + name, rows, cols);
        if (outliers)
            scaleOutlierColumns(w, cols);
        out.addTensorF32(p + name, {rows, cols}, DType::F32, w);
    };
    out.addTensorF32(p + "attn_norm.weight", {s.nEmbd}, DType::F32,
                     norm(p + "attn_norm.weight", s.nEmbd));
    matrix("attn_q.weight", s.nEmbd, s.nEmbd, true);
    matrix("attn_k.weight", kvDim, s.nEmbd, true);
    matrix("attn_v.weight", kvDim, s.nEmbd, true);
    matrix("attn_output.weight", s.nEmbd, s.nEmbd, false);
    out.addTensorF32(p + "ffn_norm.weight", {s.nEmbd}, DType::F32,
                     norm(p + "ffn_norm.weight", s.nEmbd));
    matrix("ffn_gate.weight", s.nFf, s.nEmbd, true);
    matrix("ffn_up.weight", s.nFf, s.nEmbd, true);
    matrix("ffn_down.weight", s.nEmbd, s.nFf, false);
}

// A SentencePiece-style vocabulary: specials, the 256 byte tokens, then pieces.
std::vector<std::string> vocabulary(int64_t size) {
    std::vector<std::string> tokens{"<unk>", "<s>", "</s>"};
    char buf[8];
    for (int b = 0; b < 256; ++b) {
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        tokens.emplace_back(buf);
    }
    std::set<std::string> seen(tokens.begin(), tokens.end());
    const std::string letters = "etaoinshrdlucmfwypvbgkjqxz";
    const std::string space = "\xe2\x96\x81"; // U+2581, SentencePiece's space
    auto add = [&](const std::string& piece) {
        if (int64_t(tokens.size()) < size && seen.insert(piece).second)
            tokens.push_back(piece);
    };
    add(space);
    for (char a : letters) {
        add(std::string(1, a));
        add(space + a);
    }
    for (char a : letters)
        for (char b : letters) {
            add(std::string{a, b});
            add(space + a + b);
        }
    return tokens;
}

void addTokenizer(GgufWriter& out, const DemoModelShape& s) {
    const auto tokens = vocabulary(s.vocab);
    std::vector<MetaValue> pieces, scores, types;
    for (size_t i = 0; i < tokens.size(); ++i) {
        pieces.push_back(MetaValue::ofString(tokens[i]));
        scores.push_back(MetaValue::ofFloat(GgufType::Float32, -double(i)));
        const int type = i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1; // unknown, control, byte, normal
        types.push_back(MetaValue::ofInt(GgufType::Int32, type));
    }
    out.setString("tokenizer.ggml.model", "llama");
    out.setString("tokenizer.ggml.pre", "default");
    out.set("tokenizer.ggml.tokens", MetaValue::ofArray(GgufType::String, std::move(pieces)));
    out.set("tokenizer.ggml.scores", MetaValue::ofArray(GgufType::Float32, std::move(scores)));
    out.set("tokenizer.ggml.token_type", MetaValue::ofArray(GgufType::Int32, std::move(types)));
    out.setUint32("tokenizer.ggml.bos_token_id", 1);
    out.setUint32("tokenizer.ggml.eos_token_id", 2);
    out.setUint32("tokenizer.ggml.unknown_token_id", 0);
    out.set("tokenizer.ggml.add_bos_token", MetaValue::ofBool(true));
    out.set("tokenizer.ggml.add_eos_token", MetaValue::ofBool(false));
}

// The keys convert_hf_to_gguf.py writes for a Llama model.
void addHyperParameters(GgufWriter& out, const DemoModelShape& s) {
    out.setString("general.architecture", "llama");
    out.setString("general.type", "model");
    out.setString("general.name", "Quantlens Demo Llama 3.4M");
    out.setUint32("general.file_type", 0);
    out.setUint32("llama.block_count", uint32_t(s.nLayer));
    out.setUint32("llama.context_length", uint32_t(s.context));
    out.setUint32("llama.embedding_length", uint32_t(s.nEmbd));
    out.setUint32("llama.feed_forward_length", uint32_t(s.nFf));
    out.setUint32("llama.attention.head_count", uint32_t(s.nHead));
    out.setUint32("llama.attention.head_count_kv", uint32_t(s.nHeadKv));
    out.setFloat32("llama.rope.freq_base", 10000.0f);
    out.setFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    out.setUint32("llama.rope.dimension_count", uint32_t(s.nEmbd / s.nHead));
    out.setUint32("llama.vocab_size", uint32_t(s.vocab));
}

} // namespace

DemoModelShape demoModelShape() {
    return {};
}

void writeDemoModel(const std::filesystem::path& ggufPath) {
    const DemoModelShape s = demoModelShape();
    GgufWriter out;
    addHyperParameters(out, s);
    addTokenizer(out, s);
    // The embedding is F16, as in many converted checkpoints; everything else F32.
    out.addTensorF32("token_embd.weight", {s.vocab, s.nEmbd}, DType::F16,
                     heavyTailed("token_embd.weight", s.vocab, s.nEmbd));
    for (int64_t layer = 0; layer < s.nLayer; ++layer)
        addLayer(out, s, layer);
    out.addTensorF32("output_norm.weight", {s.nEmbd}, DType::F32,
                     norm("output_norm.weight", s.nEmbd));
    out.addTensorF32("output.weight", {s.vocab, s.nEmbd}, DType::F32,
                     heavyTailed("output.weight", s.vocab, s.nEmbd));
    out.write(ggufPath);
}

} // namespace ql
