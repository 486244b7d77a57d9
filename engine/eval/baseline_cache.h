#pragma once
// The baseline's token distributions kept for KL divergence, in bounded space: the
// layout of llama-perplexity's --kl-divergence-base file, so that either tool can read
// the other's. Per scored position one record of 2*ceil(n_vocab/2)+4 uint16: two
// float32 (scale, min_log_prob) and n_vocab uint16 q_i with log p_i = scale*q_i +
// min_log_prob. Log-probs more than 16 nats below the top token are clamped (q = 0),
// and the rest are quantized in steps of at most 16/65535 nats. Cost: 2 bytes per vocab
// entry per scored token (about 1 KiB per token for a 512-token vocab, 256 KiB for a
// 128K vocab), against 4 bytes for float logits; the rounding changes KL divergence by
// far less than a Q8_0 variant does (the F32 self-check gives a mean KLD of 0.000000).
#include "engine/eval/chunks.h"

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace ql {

// The bounded alternative, whatever the vocabulary: per scored position the k most
// probable tokens (id and log-probability, most probable first) and the log of the mass
// left outside them as one tail bucket. KL divergence computed on that partition
// ({each top-k token}, {the rest}) is a lower bound of the full KL divergence (the
// log-sum inequality), exact when the tail is empty, so a variant never looks better
// than it is by more than the tail hides. Cost: 8 bytes per kept token + 4 for the tail
// (260 bytes per position at k = 32, against 2 * n_vocab + 8 for the full record).
struct TopKDistribution {
    std::vector<int32_t> ids;
    std::vector<float> logProbs;
    float tailLogProb = 0; // log(1 - sum of the kept probabilities); -inf when none is left
    static uint64_t bytes(int k) { return uint64_t(k) * 8 + 4; }
};

// The top min(k, n_vocab) of one position's logits (ties: the lower id first).
TopKDistribution encodeTopK(std::span<const float> logits, int k);
// KL(P || Q) on the top-k partition of P, with Q given as the variant's logits.
double topKKlDivergence(const TopKDistribution& p, std::span<const float> qLogits);

class BaselineCache {
public:
    static constexpr float kClampNats = 16.f;

    BaselineCache() = default;
    // tokens: the original n_chunk * n_ctx tokens (chunk starts not replaced by BOS).
    BaselineCache(const ChunkPlan& plan, int32_t nVocab, std::span<const TokenId> tokens);

    const ChunkPlan& plan() const { return m_plan; }
    int32_t vocabSize() const { return m_nVocab; }
    std::span<const TokenId> tokens() const { return m_tokens; }
    size_t recordSize() const { return size_t(2 * ((m_nVocab + 1) / 2) + 4); } // in uint16
    uint64_t bytes() const; // what the cache holds in memory and on disk

    // Record of a chunk's r-th scored position (position first + r).
    std::span<uint16_t> record(int64_t chunk, int64_t r);
    std::span<const uint16_t> record(int64_t chunk, int64_t r) const;

    // Writes one position's logits (n_vocab floats) into a record.
    static void encode(std::span<const float> logits, std::span<uint16_t> record);
    // The decoded log-probability of token i.
    static float logProb(std::span<const uint16_t> record, int32_t i);
    static float scale(std::span<const uint16_t> record);
    static float minLogProb(std::span<const uint16_t> record);

    void save(const std::filesystem::path& path) const;
    static BaselineCache load(const std::filesystem::path& path);

private:
    ChunkPlan m_plan;
    int32_t m_nVocab = 0;
    std::vector<TokenId> m_tokens;
    std::vector<uint16_t> m_records;
};

} // namespace ql
