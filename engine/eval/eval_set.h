#pragma once
// Evaluation sets: examples (id, text, slices, dimension) and the evaluator settings
// they are scored under. A set version is identified by a content hash of both, so
// editing the text of one example, or scoring at another context, is another version,
// and a score always names the version it came from.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ql {

struct EvalExample {
    std::string id;
    std::string text;
    std::vector<std::string> slices; // may be empty: the example counts only in "all"
    std::string dimension;           // optional label; cells are then "<dimension>.<metric>"
};

// How the tokens of one example are scored; see example_windows.h for the full rule.
//  Document: every token of the first window (an example starts at its own beginning,
//            so its first tokens have no context to lose); later windows as llama.cpp.
//  LlamaPerplexity: exactly llama-perplexity within the example: whole windows only,
//            each window's second half scored.
enum class ExampleScoring { Document, LlamaPerplexity };
const char* exampleScoringName(ExampleScoring s);
ExampleScoring exampleScoringFromName(const std::string& name); // throws ql::Error

struct EvalSettings {
    int64_t nCtx = 512;
    ExampleScoring scoring = ExampleScoring::Document;
    // Tokenizer fingerprint the set is pinned to (Tokenizer::fingerprint); empty: each
    // scored model's own, which the scorecard's version string then names.
    std::string tokenizer;
    // How the baseline's distributions are kept (engine/eval/example_scoring.h):
    // 0, the default: llama-perplexity's full uint16 log-prob record (2 * n_vocab + 8
    // bytes per scored token); k > 0: the k most probable tokens and a tail bucket
    // (8k + 8 bytes), whose KL divergence is a lower bound of the full one.
    int32_t baselineTopK = 0;
};

// Canonical JSON of the settings (sorted keys), including the fixed BOS rule, so that
// the version hash covers everything that changes a score. "baseline_top_k" appears
// only when non-zero, so versions made before it existed keep their hashes.
std::string settingsJson(const EvalSettings& settings);
EvalSettings settingsFromJson(const std::string& json); // throws ql::Error
// Beyond this a top-k record outgrows the full record of a 256K-token vocabulary.
constexpr int64_t kMaxBaselineTopK = 1 << 16;
void checkBaselineTopK(int64_t k); // throws ql::Error outside 0 .. kMaxBaselineTopK

std::string xxh64Hex(std::string_view bytes);
std::string examplesHash(const std::vector<EvalExample>& examples);
// The version's identity: xxh64 over the examples' hash and the settings JSON.
std::string evalSetContentHash(const std::string& examplesHash, const std::string& settingsJson);

} // namespace ql
