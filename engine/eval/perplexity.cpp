#include "engine/eval/perplexity.h"

#include "engine/core/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ql {

namespace {

struct LogSoftmax {
    float maxLogit;
    float logSumExp;
    int32_t argmax; // first strict maximum
};

LogSoftmax logSoftmax(std::span<const float> logits) {
    LogSoftmax r{logits[0], 0.f, 0};
    for (size_t i = 1; i < logits.size(); ++i)
        if (logits[i] > r.maxLogit) {
            r.maxLogit = logits[i];
            r.argmax = int32_t(i);
        }
    double sum = 0;
    for (float l : logits)
        sum += std::exp(l - r.maxLogit);
    r.logSumExp = float(std::log(sum));
    return r;
}

MeanError meanOf(const std::vector<double>& v) {
    return meanWithError(std::span(v));
}

} // namespace

double tokenNll(std::span<const float> logits, TokenId token) {
    const LogSoftmax s = logSoftmax(logits);
    return double(s.maxLogit) + double(s.logSumExp) - double(logits[size_t(token)]);
}

// One scored position against its baseline record (NOTES §3): the KL sum skips
// baseline log-probs at or below the clamp, whose stored values carry no information.
PositionKl comparePosition(std::span<const float> logits, std::span<const uint16_t> record,
                           TokenId token) {
    const LogSoftmax q = logSoftmax(logits);
    const float nll = q.maxLogit + q.logSumExp - logits[size_t(token)];
    const float nllBase = -BaselineCache::logProb(record, token);
    const float scale = BaselineCache::scale(record),
                minLogProb = BaselineCache::minLogProb(record);
    const float logNorm = q.maxLogit + q.logSumExp;
    double kld = 0;
    int32_t baseArgmax = 0;
    float baseMax = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
        const float lpBase = scale * float(record[4 + i]) + minLogProb;
        if (i == 0 || lpBase > baseMax) {
            baseMax = lpBase;
            baseArgmax = int32_t(i);
        }
        if (lpBase > -BaselineCache::kClampNats)
            kld += double(std::exp(lpBase)) * double(lpBase - (logits[i] - logNorm));
    }
    return {kld, double(std::exp(-nll)) - double(std::exp(-nllBase)), double(nll), double(nllBase),
            q.argmax == baseArgmax};
}

PerplexityResult computePerplexity(const LlamaForward& model, std::span<const TokenId> tokens,
                                   TokenId bos, const RunOptions& options,
                                   std::optional<BaselineCache>* record) {
    PerplexityResult r;
    r.plan = planChunks(int64_t(tokens.size()), options.nCtx, options.maxChunks);
    const ChunkPlan& plan = r.plan;
    const int64_t vocab = model.vocabSize(), perChunk = plan.scoredPerChunk();
    if (record)
        record->emplace(plan, int32_t(vocab), tokens);
    r.tokenNll.resize(size_t(plan.scoredTokens()));
    runChunks(model, tokens, plan, bos, options, [&](int64_t c, std::span<const float> logits) {
        for (int64_t j = 0; j < perChunk; ++j) {
            const auto row = logits.subspan(size_t(j * vocab), size_t(vocab));
            const TokenId next = tokens[size_t(c * plan.nCtx + plan.first + j + 1)];
            r.tokenNll[size_t(c * perChunk + j)] = tokenNll(row, next);
            if (record)
                BaselineCache::encode(row, (*record)->record(c, j));
        }
    });
    r.nll = meanOf(r.tokenNll);
    r.ppl = std::exp(r.nll.mean);
    r.pplError = r.ppl * r.nll.error;
    return r;
}

PplComparison comparePerplexities(const MeanError& nll, const MeanError& nllBase,
                                  double nllCovariance) {
    PplComparison c;
    const double errors = nll.error * nllBase.error;
    c.nllCorrelation = errors > 0 ? nllCovariance / errors : 0;
    c.lnRatio = nll.mean - nllBase.mean;
    c.lnRatioError = std::sqrt(
        std::max(0.0, nll.error * nll.error + nllBase.error * nllBase.error - 2 * nllCovariance));
    c.ratio = std::exp(c.lnRatio);
    c.ratioError = c.ratio * c.lnRatioError;
    // PPL = exp(mean NLL), so its error is PPL * nll.error and the covariance of the two
    // perplexities is PPL(Q) * PPL(base) * nllCovariance (first order).
    const double ppl = std::exp(nll.mean), pplBase = std::exp(nllBase.mean);
    const double pplError = ppl * nll.error, pplBaseError = pplBase * nllBase.error;
    c.difference = ppl - pplBase;
    c.differenceError = std::sqrt(std::max(0.0, pplError * pplError + pplBaseError * pplBaseError -
                                                    2 * ppl * pplBase * nllCovariance));
    return c;
}

KlDivergenceResult computeKlDivergence(const LlamaForward& model, const BaselineCache& base,
                                       TokenId bos, const RunOptions& options) {
    KlDivergenceResult r;
    r.plan = base.plan();
    if (options.maxChunks >= 0)
        r.plan.nChunks = std::min(r.plan.nChunks, options.maxChunks);
    const ChunkPlan& plan = r.plan;
    const int64_t vocab = model.vocabSize(), perChunk = plan.scoredPerChunk();
    if (vocab != base.vocabSize())
        throw Error("the model's vocabulary (" + std::to_string(vocab) +
                    ") differs from the baseline's (" + std::to_string(base.vocabSize()) + ")");
    const size_t n = size_t(plan.scoredTokens());
    std::vector<double> nllBase(n);
    r.tokenKld.resize(n);
    r.tokenDeltaP.resize(n);
    r.tokenNll.resize(n);
    r.tokenSameTop.resize(n);
    const auto tokens = base.tokens();
    runChunks(model, tokens, plan, bos, options, [&](int64_t c, std::span<const float> logits) {
        for (int64_t j = 0; j < perChunk; ++j) {
            const auto row = logits.subspan(size_t(j * vocab), size_t(vocab));
            const TokenId next = tokens[size_t(c * plan.nCtx + plan.first + j + 1)];
            const PositionKl k = comparePosition(row, base.record(c, j), next);
            const size_t at = size_t(c * perChunk + j);
            r.tokenKld[at] = k.kld;
            r.tokenDeltaP[at] = k.deltaP;
            r.tokenNll[at] = k.nll;
            r.tokenSameTop[at] = k.sameTop ? 1 : 0;
            nllBase[at] = k.nllBase;
        }
    });
    r.count = int64_t(n);
    r.nll = meanOf(r.tokenNll);
    r.nllBase = meanOf(nllBase);
    r.ppl = std::exp(r.nll.mean);
    r.pplError = r.ppl * r.nll.error;
    r.pplBase = std::exp(r.nllBase.mean);
    r.pplBaseError = r.pplBase * r.nllBase.error;
    double cross = 0;
    for (size_t i = 0; i < n; ++i)
        cross += r.tokenNll[i] * nllBase[i];
    const double cov =
        n > 1 ? (cross / double(n) - r.nll.mean * r.nllBase.mean) / double(n - 1) : 0;
    r.comparison = comparePerplexities(r.nll, r.nllBase, cov);
    r.kld = meanOf(r.tokenKld);
    if (n <= 10)
        r.kld.error = 0;
    r.kldPercentiles = percentiles(r.tokenKld);
    r.deltaP = meanOf(r.tokenDeltaP);
    r.deltaPPercentiles = percentiles(r.tokenDeltaP);
    std::vector<double> squares(n);
    for (size_t i = 0; i < n; ++i)
        squares[i] = r.tokenDeltaP[i] * r.tokenDeltaP[i];
    const MeanError sq = meanOf(squares);
    r.rmsDeltaP = std::sqrt(sq.mean);
    r.rmsDeltaPError = r.rmsDeltaP > 0 ? 0.5 / r.rmsDeltaP * sq.error : 0;
    int64_t same = 0;
    for (uint8_t s : r.tokenSameTop)
        same += s;
    r.sameTop = n ? double(same) / double(n) : 0;
    r.sameTopError = n > 1 ? std::sqrt(r.sameTop * (1 - r.sameTop) / double(n - 1)) : 0;
    return r;
}

} // namespace ql
