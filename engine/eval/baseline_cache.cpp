#include "engine/eval/baseline_cache.h"

#include "engine/core/error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <numeric>

namespace ql {

namespace {

constexpr char kMagic[8] = {'_', 'l', 'o', 'g', 'i', 't', 's', '_'};

float readFloat(const uint16_t* p) {
    float f;
    std::memcpy(&f, p, sizeof f);
    return f;
}

// log of sum exp(logits): the normaliser, in double.
double logSumExp(std::span<const float> logits) {
    const float maxLogit = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float l : logits)
        sum += std::exp(double(l) - double(maxLogit));
    return double(maxLogit) + std::log(sum);
}

// log(1 - exp(logKept)) for logKept <= 0, accurate near both ends.
double logOneMinusExp(double logKept) {
    if (logKept >= 0)
        return -std::numeric_limits<double>::infinity();
    return logKept > -0.693 ? std::log(-std::expm1(logKept)) : std::log1p(-std::exp(logKept));
}

double logSumOfKept(const std::vector<double>& logProbs) {
    double sum = 0;
    for (double lp : logProbs)
        sum += std::exp(lp);
    return std::log(sum);
}

} // namespace

TopKDistribution encodeTopK(std::span<const float> logits, int k) {
    const size_t kept = std::min(size_t(std::max(k, 0)), logits.size());
    std::vector<int32_t> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(kept), order.end(),
                      [&](int32_t a, int32_t b) {
                          return logits[size_t(a)] != logits[size_t(b)]
                                     ? logits[size_t(a)] > logits[size_t(b)]
                                     : a < b;
                      });
    const double norm = logSumExp(logits);
    TopKDistribution out;
    std::vector<double> keptLogProbs;
    for (size_t i = 0; i < kept; ++i) {
        out.ids.push_back(order[i]);
        keptLogProbs.push_back(double(logits[size_t(order[i])]) - norm);
        out.logProbs.push_back(float(keptLogProbs.back()));
    }
    out.tailLogProb = kept == logits.size() ? -std::numeric_limits<float>::infinity()
                                            : float(logOneMinusExp(logSumOfKept(keptLogProbs)));
    return out;
}

double topKKlDivergence(const TopKDistribution& p, std::span<const float> qLogits) {
    const double norm = logSumExp(qLogits);
    double kld = 0;
    std::vector<double> qKept;
    for (size_t i = 0; i < p.ids.size(); ++i) {
        const double lq = double(qLogits[size_t(p.ids[i])]) - norm;
        const double lp = double(p.logProbs[i]);
        kld += std::exp(lp) * (lp - lq);
        qKept.push_back(lq);
    }
    if (std::isfinite(p.tailLogProb) && !qKept.empty()) {
        const double tp = double(p.tailLogProb);
        kld += std::exp(tp) * (tp - logOneMinusExp(logSumOfKept(qKept)));
    }
    return kld;
}

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
