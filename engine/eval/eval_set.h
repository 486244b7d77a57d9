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
};

// Canonical JSON of the settings (sorted keys), including the fixed BOS rule, so that
// the version hash covers everything that changes a score.
std::string settingsJson(const EvalSettings& settings);
EvalSettings settingsFromJson(const std::string& json); // throws ql::Error

std::string xxh64Hex(std::string_view bytes);
std::string examplesHash(const std::vector<EvalExample>& examples);
// The version's identity: xxh64 over the examples' hash and the settings JSON.
std::string evalSetContentHash(const std::string& examplesHash, const std::string& settingsJson);

} // namespace ql
