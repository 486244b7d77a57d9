#include "engine/eval/eval_set.h"

#include "engine/core/error.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <xxhash.h>

namespace ql {

// The one BOS rule the evaluators implement (llama-perplexity's): BOS is the first token
// of every window, replacing the token there in windows after the first.
constexpr const char* kBosRule = "bos-first-in-every-window";

const char* exampleScoringName(ExampleScoring s) {
    return s == ExampleScoring::Document ? "document" : "llama-perplexity";
}

ExampleScoring exampleScoringFromName(const std::string& name) {
    if (name == "document")
        return ExampleScoring::Document;
    if (name == "llama-perplexity")
        return ExampleScoring::LlamaPerplexity;
    throw Error("scoring '" + name + "': expected document or llama-perplexity");
}

std::string settingsJson(const EvalSettings& s) {
    nlohmann::json j = {{"bos", kBosRule},
                        {"n_ctx", s.nCtx},
                        {"scoring", exampleScoringName(s.scoring)},
                        {"tokenizer", s.tokenizer}};
    if (s.baselineTopK != 0)
        j["baseline_top_k"] = s.baselineTopK;
    return j.dump(); // nlohmann's object keeps keys sorted: canonical
}

void checkBaselineTopK(int64_t k) {
    if (k < 0 || k > kMaxBaselineTopK)
        throw Error("evaluation settings: baseline_top_k " + std::to_string(k) +
                    " is outside 0 .. " + std::to_string(kMaxBaselineTopK) +
                    " (0: the full log-prob record)");
}

EvalSettings settingsFromJson(const std::string& text) {
    try {
        const auto j = nlohmann::json::parse(text);
        EvalSettings s;
        s.nCtx = j.at("n_ctx").get<int64_t>();
        s.scoring = exampleScoringFromName(j.at("scoring").get<std::string>());
        s.tokenizer = j.at("tokenizer").get<std::string>();
        if (j.contains("baseline_top_k")) {
            const auto k = j.at("baseline_top_k").get<int64_t>();
            checkBaselineTopK(k);
            s.baselineTopK = int32_t(k);
        }
        if (j.at("bos").get<std::string>() != kBosRule)
            throw Error("evaluation settings: unknown BOS rule " + j.at("bos").dump());
        return s;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("evaluation settings: ") + e.what());
    }
}

std::string xxh64Hex(std::string_view bytes) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(XXH64(bytes.data(), bytes.size(), 0)));
    return hex;
}

namespace {

// Length-prefixed, so that no two different lists of fields hash the same stream, and
// raw bytes, so that text that is not UTF-8 hashes too.
void hashField(XXH64_state_t* state, std::string_view field) {
    const uint64_t length = field.size();
    XXH64_update(state, &length, sizeof length);
    XXH64_update(state, field.data(), field.size());
}

} // namespace

std::string examplesHash(const std::vector<EvalExample>& examples) {
    XXH64_state_t* state = XXH64_createState();
    XXH64_reset(state, 0);
    for (const auto& e : examples) {
        hashField(state, e.id);
        hashField(state, e.text);
        hashField(state, std::to_string(e.slices.size()));
        for (const auto& slice : e.slices)
            hashField(state, slice);
        hashField(state, e.dimension);
    }
    const XXH64_hash_t h = XXH64_digest(state);
    XXH64_freeState(state);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return hex;
}

std::string evalSetContentHash(const std::string& examplesHashHex, const std::string& settings) {
    return xxh64Hex(examplesHashHex + "\n" + settings);
}

} // namespace ql
