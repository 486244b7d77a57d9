#include "engine/eval/baseline_cache.h"

#include "engine/core/error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

namespace ql {

namespace {

constexpr char kMagic[8] = {'_', 'l', 'o', 'g', 'i', 't', 's', '_'};

float readFloat(const uint16_t* p) {
    float f;
    std::memcpy(&f, p, sizeof f);
    return f;
}

} // namespace

BaselineCache::BaselineCache(const ChunkPlan& plan, int32_t nVocab, std::span<const TokenId> tokens)
    : m_plan(plan)
    , m_nVocab(nVocab)
    , m_tokens(tokens.begin(), tokens.begin() + plan.evaluatedTokens())
    , m_records(size_t(plan.scoredTokens()) * recordSize(), 0) {}

uint64_t BaselineCache::bytes() const {
    return sizeof kMagic + 3 * sizeof(int32_t) + m_tokens.size() * sizeof(TokenId) +
           m_records.size() * sizeof(uint16_t);
}

std::span<uint16_t> BaselineCache::record(int64_t chunk, int64_t r) {
    const size_t index = size_t(chunk * m_plan.scoredPerChunk() + r);
    return std::span<uint16_t>(m_records).subspan(index * recordSize(), recordSize());
}

std::span<const uint16_t> BaselineCache::record(int64_t chunk, int64_t r) const {
    const size_t index = size_t(chunk * m_plan.scoredPerChunk() + r);
    return std::span<const uint16_t>(m_records).subspan(index * recordSize(), recordSize());
}

void BaselineCache::encode(std::span<const float> logits, std::span<uint16_t> record) {
    const auto [lo, hi] = std::minmax_element(logits.begin(), logits.end());
    const float maxLogit = *hi;
    const float minLogit = std::max(*lo, maxLogit - kClampNats);
    double sumExp = 0;
    for (float l : logits)
        sumExp += std::exp(l - maxLogit);
    const float logSumExp = float(std::log(sumExp));
    const float scale = (maxLogit - minLogit) / 65535.f;
    const float minLogProb = minLogit - maxLogit - logSumExp;
    std::memcpy(record.data(), &scale, sizeof scale);
    std::memcpy(record.data() + 2, &minLogProb, sizeof minLogProb);
    const float inverse = scale > 0 ? 1.f / scale : 0.f;
    for (size_t i = 0; i < logits.size(); ++i)
        record[4 + i] =
            logits[i] > minLogit
                ? uint16_t(std::min(65535.f, std::nearbyint((logits[i] - minLogit) * inverse)))
                : uint16_t(0);
}

float BaselineCache::scale(std::span<const uint16_t> record) {
    return readFloat(record.data());
}
float BaselineCache::minLogProb(std::span<const uint16_t> record) {
    return readFloat(record.data() + 2);
}

float BaselineCache::logProb(std::span<const uint16_t> record, int32_t i) {
    return scale(record) * float(record[4 + size_t(i)]) + minLogProb(record);
}

void BaselineCache::save(const std::filesystem::path& path) const {
    std::ofstream out(path, std::ios::binary);
    const int32_t header[3] = {int32_t(m_plan.nCtx), m_nVocab, int32_t(m_plan.nChunks)};
    out.write(kMagic, sizeof kMagic);
    out.write(reinterpret_cast<const char*>(header), sizeof header);
    out.write(reinterpret_cast<const char*>(m_tokens.data()),
              std::streamsize(m_tokens.size() * sizeof(TokenId)));
    out.write(reinterpret_cast<const char*>(m_records.data()),
              std::streamsize(m_records.size() * sizeof(uint16_t)));
    if (!out)
        throw Error("cannot write baseline cache " + path.string());
}

BaselineCache BaselineCache::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[sizeof kMagic];
    int32_t header[3];
    in.read(magic, sizeof magic);
    in.read(reinterpret_cast<char*>(header), sizeof header);
    if (!in || std::memcmp(magic, kMagic, sizeof kMagic) != 0)
        throw Error(path.string() + ": not a KL-divergence baseline file (magic at offset 0)");
    if (header[0] < 4 || header[1] < 1 || header[2] < 1)
        throw Error(path.string() + ": bad n_ctx / n_vocab / n_chunk at offset 8");
    ChunkPlan plan;
    plan.nCtx = header[0];
    plan.first = plan.nCtx / 2;
    plan.nChunks = header[2];
    std::vector<TokenId> tokens(size_t(plan.evaluatedTokens()));
    in.read(reinterpret_cast<char*>(tokens.data()),
            std::streamsize(tokens.size() * sizeof(TokenId)));
    BaselineCache cache(plan, header[1], tokens);
    in.read(reinterpret_cast<char*>(cache.m_records.data()),
            std::streamsize(cache.m_records.size() * sizeof(uint16_t)));
    if (!in)
        throw Error(path.string() + ": truncated (expected " + std::to_string(cache.bytes()) +
                    " bytes)");
    return cache;
}

} // namespace ql
