// The sensitivity ranking: tensor names -> block and kind, shares of squared error that
// sum to 1 and add up from tensors to groups, worked by hand.
#include "engine/quant/sensitivity.h"

#include <cmath>
#include <gtest/gtest.h>
#include <numeric>

namespace ql {
namespace {

double shareSum(const std::vector<GroupError>& groups) {
    return std::accumulate(groups.begin(), groups.end(), 0.0,
                           [](double s, const GroupError& g) { return s + g.share; });
}

const GroupError& find(const std::vector<GroupError>& groups, const std::string& name) {
    for (const GroupError& g : groups)
        if (g.group == name)
            return g;
    throw std::runtime_error("no group " + name);
}

TEST(AnalysisSensitivity, NamesMapToKinds) {
    EXPECT_EQ(tensorKind("blk.3.attn_q.weight"), "attn_q");
    EXPECT_EQ(tensorKind("blk.0.ffn_down.weight"), "ffn_down");
    EXPECT_EQ(tensorKind("blk.0.attn_output.weight"), "attn_output");
    EXPECT_EQ(tensorKind("token_embd.weight"), "token_embd");
    EXPECT_EQ(tensorKind("output.weight"), "output");
    EXPECT_EQ(tensorKind("model.layers.7.self_attn.q_proj.weight"), "attn_q");
    EXPECT_EQ(tensorKind("model.layers.7.self_attn.o_proj.weight"), "attn_output");
    EXPECT_EQ(tensorKind("model.layers.7.mlp.gate_proj.weight"), "ffn_gate");
    EXPECT_EQ(tensorKind("model.layers.7.mlp.down_proj.weight"), "ffn_down");
    EXPECT_EQ(tensorKind("model.embed_tokens.weight"), "token_embd");
    EXPECT_EQ(tensorKind("lm_head.weight"), "output");
    EXPECT_EQ(tensorKind("transformer.h.2.attn.c_attn.weight"), "attn.c_attn");
    EXPECT_EQ(tensorKind("mystery"), "mystery");
}

TEST(AnalysisSensitivity, NamesMapToLayers) {
    EXPECT_EQ(layerOf("blk.12.ffn_down.weight"), (LayerKey{LayerKind::Block, 12}));
    EXPECT_EQ(layerOf("model.layers.7.mlp.up_proj.weight"), (LayerKey{LayerKind::Block, 7}));
    EXPECT_EQ(layerOf("token_embd.weight").kind, LayerKind::Embedding);
    EXPECT_EQ(layerOf("lm_head.weight").kind, LayerKind::Output);
    EXPECT_EQ(layerOf("ablk.3.weight").kind, LayerKind::Other);
}

TEST(AnalysisSensitivity, SharesWorkedByHand) {
    // SSE: 1 + 3 + 4 + 2 = 10; weights 100 + 100 + 200 + 600 = 1000.
    const std::vector<TensorErrorSums> t{{"blk.0.attn_q.weight", 100, 1.0, 100.0},
                                         {"blk.0.ffn_down.weight", 100, 3.0, 100.0},
                                         {"blk.1.attn_q.weight", 200, 4.0, 400.0},
                                         {"output.weight", 600, 2.0, 50.0}};
    const SensitivityRanking r = rankSensitivity(t);
    EXPECT_DOUBLE_EQ(r.totalSquaredError, 10.0);
    ASSERT_EQ(r.byBlock.size(), 3u);
    // Ranked: blocks 0 and 1 (0.4 each; model order breaks the tie), output (0.2).
    EXPECT_EQ(r.byBlock[0].group, "0");
    EXPECT_EQ(r.byBlock[1].group, "1");
    EXPECT_EQ(r.byBlock[2].group, "output");
    EXPECT_DOUBLE_EQ(r.byBlock[0].share, 0.4);
    EXPECT_DOUBLE_EQ(r.byBlock[0].weightShare, 0.2);
    EXPECT_DOUBLE_EQ(r.byBlock[0].concentration(), 2.0);
    EXPECT_DOUBLE_EQ(r.byBlock[0].relFrobenius(), std::sqrt(4.0 / 200.0));
    EXPECT_DOUBLE_EQ(r.byBlock[0].rmse(), std::sqrt(4.0 / 200.0));
    EXPECT_DOUBLE_EQ(r.byBlock[2].concentration(), 0.2 / 0.6);
    const GroupError& q = find(r.byKind, "attn_q");
    EXPECT_EQ(q.tensors, 2);
    EXPECT_DOUBLE_EQ(q.share, 0.5);
    EXPECT_EQ(r.byKind[0].group, "attn_q");
    EXPECT_EQ(r.byTensor[0].group, "blk.1.attn_q.weight");
    EXPECT_DOUBLE_EQ(r.byTensor[0].share, 0.4);
}

TEST(AnalysisSensitivity, SharesSumToOneAndAddUp) {
    std::vector<TensorErrorSums> t;
    for (int b = 0; b < 6; ++b)
        for (const char* kind : {"attn_q", "attn_k", "attn_v", "ffn_up", "ffn_down"})
            t.push_back({"blk." + std::to_string(b) + "." + kind + ".weight", 64 * (b + 1),
                         0.013 * (b + 1) * (kind[0] == 'f' ? 3.1 : 1.7), 1.0 + b});
    const SensitivityRanking r = rankSensitivity(t);
    EXPECT_NEAR(shareSum(r.byTensor), 1.0, 1e-12);
    EXPECT_NEAR(shareSum(r.byBlock), 1.0, 1e-12);
    EXPECT_NEAR(shareSum(r.byKind), 1.0, 1e-12);
    for (const GroupError& block : r.byBlock) {
        double fromTensors = 0;
        for (const GroupError& g : r.byTensor)
            if (layerOf(g.group).label() == block.group)
                fromTensors += g.share;
        EXPECT_NEAR(block.share, fromTensors, 1e-12) << block.group;
    }
    for (size_t i = 1; i < r.byBlock.size(); ++i)
        EXPECT_GE(r.byBlock[i - 1].share, r.byBlock[i].share);
}

TEST(AnalysisSensitivity, ModelOrderForCharts) {
    const std::vector<TensorErrorSums> t{{"output.weight", 1, 1, 1},
                                         {"blk.10.ffn_up.weight", 1, 1, 1},
                                         {"blk.2.attn_k.weight", 1, 1, 1},
                                         {"token_embd.weight", 1, 1, 1},
                                         {"blk.2.attn_q.weight", 1, 1, 1}};
    std::vector<std::string> blocks, kinds;
    for (const GroupError& g : groupErrors(t, Grouping::Block))
        blocks.push_back(g.group);
    for (const GroupError& g : groupErrors(t, Grouping::Kind))
        kinds.push_back(g.group);
    EXPECT_EQ(blocks, (std::vector<std::string>{"embed", "2", "10", "output"}));
    EXPECT_EQ(kinds,
              (std::vector<std::string>{"token_embd", "attn_q", "attn_k", "ffn_up", "output"}));
}

TEST(AnalysisSensitivity, ExactVariantHasNoShares) {
    const SensitivityRanking r = rankSensitivity({{"blk.0.attn_q.weight", 10, 0.0, 5.0}});
    EXPECT_EQ(r.byBlock[0].share, 0.0);
    EXPECT_EQ(r.totalSquaredError, 0.0);
}

TEST(AnalysisSensitivity, SumsFromFiguresRecoverStoredSums) {
    // n = 100, SSE = 4, ||w||^2 = 400: rmse = 0.2, rel = 0.1.
    const TensorErrorSums s = sumsFromFigures("t", 100, 0.2, 0.1);
    EXPECT_NEAR(s.sumSquaredError, 4.0, 1e-12);
    EXPECT_NEAR(s.sumSquaredWeight, 400.0, 1e-9);
    EXPECT_EQ(sumsFromFigures("t", 100, 0.0, 0.0).sumSquaredWeight, 0.0);
}

} // namespace
} // namespace ql
