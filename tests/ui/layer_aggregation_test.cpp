// The chart's drawing math, without a chart: tensor name -> layer, errors per layer,
// shared categories, and how numbers are shown.
#include "ui/error_chart_data.h"
#include "ui/format_utils.h"
#include "ui/layer_aggregation.h"

#include <QTest>
#include <cmath>

namespace {

TensorError err(const std::string& name, int64_t n, double rmse, double rel) {
    return {name, n, rmse, rel, 0, 0, 0};
}

VariantErrors variant(qint64 id, const QString& format, std::vector<TensorError> tensors) {
    VariantErrors v;
    v.id = id;
    v.format = format;
    v.totalBytes = 100;
    v.totalWeights = 200;
    v.tensors = std::move(tensors);
    return v;
}

} // namespace

class LayerAggregationTest : public QObject {
    Q_OBJECT
private slots:
    void namesMapToLayers() {
        QCOMPARE(layerOf("blk.3.attn_q.weight"), (LayerKey{LayerKind::Block, 3}));
        QCOMPARE(layerOf("blk.12.ffn_down.weight"), (LayerKey{LayerKind::Block, 12}));
        QCOMPARE(layerOf("model.layers.7.mlp.up_proj.weight"), (LayerKey{LayerKind::Block, 7}));
        QCOMPARE(layerOf("transformer.h.2.attn.c_attn.weight"), (LayerKey{LayerKind::Block, 2}));
        QCOMPARE(layerOf("token_embd.weight").kind, LayerKind::Embedding);
        QCOMPARE(layerOf("model.embed_tokens.weight").kind, LayerKind::Embedding);
        QCOMPARE(layerOf("output.weight").kind, LayerKind::Output);
        QCOMPARE(layerOf("lm_head.weight").kind, LayerKind::Output);
        QCOMPARE(layerOf("rope_freqs.weight").kind, LayerKind::Other);
        // "blk" without a number is not a block; neither is a number in the middle of a word.
        QCOMPARE(layerOf("blk.x.weight").kind, LayerKind::Other);
        QCOMPARE(layerOf("ablk.3.weight").kind, LayerKind::Other);
    }

    void layersSortAsTheModelRuns() {
        std::vector<LayerKey> keys{layerOf("output.weight"), layerOf("blk.10.a"),
                                   layerOf("blk.2.a"), layerOf("token_embd.weight")};
        std::sort(keys.begin(), keys.end());
        QStringList labels;
        for (const LayerKey& k : keys)
            labels << QString::fromStdString(k.label());
        QCOMPARE(labels, QStringList({"embed", "2", "10", "output"}));
    }

    void aggregatesAsOneLongVector() {
        // Tensor a: n=100, rmse=1, rel=0.5 -> err2=100, w2=400.
        // Tensor b: n=300, rmse=2, rel=0.1 -> err2=1200, w2=120000.
        const std::vector<TensorError> t{err("blk.0.a", 100, 1, 0.5), err("blk.0.b", 300, 2, 0.1),
                                         err("blk.1.a", 10, 3, 0.2)};
        const auto rel = aggregateByLayer(t, ErrorMetric::RelFrobenius);
        QCOMPARE(rel.size(), size_t(2));
        QCOMPARE(rel[0].tensors, 2);
        QVERIFY(std::abs(rel[0].value - std::sqrt(1300.0 / 120400.0)) < 1e-12);
        QVERIFY(std::abs(rel[1].value - 0.2) < 1e-12);
        const auto rmse = aggregateByLayer(t, ErrorMetric::Rmse);
        QVERIFY(std::abs(rmse[0].value - std::sqrt(1300.0 / 400.0)) < 1e-12);
        QVERIFY(std::abs(rmse[1].value - 3.0) < 1e-12);
    }

    void exactTensorsAddNoError() {
        const std::vector<TensorError> t{err("blk.0.a", 100, 0, 0)};
        QCOMPARE(aggregateByLayer(t, ErrorMetric::RelFrobenius)[0].value, 0.0);
        QCOMPARE(aggregateByLayer({}, ErrorMetric::Rmse).size(), size_t(0));
    }

    void chartDataSharesCategoriesAcrossVariants() {
        // The second variant lacks the output layer: its bar there is 0, not shifted.
        const VariantList variants{
            variant(1, "int8",
                    {err("token_embd.weight", 10, 1, 0.01), err("blk.0.q", 10, 1, 0.02),
                     err("blk.1.q", 10, 1, 0.03), err("output.weight", 10, 1, 0.04)}),
            variant(2, "int4-g128", {err("blk.1.q", 10, 1, 0.3), err("blk.0.q", 10, 1, 0.2)})};
        const ErrorChartData data = buildErrorChartData(variants, ErrorMetric::RelFrobenius);
        QCOMPARE(data.categories, QStringList({"embed", "0", "1", "output"}));
        QCOMPARE(data.series.size(), 2);
        QCOMPARE(data.series[0].values, QList<double>({0.01, 0.02, 0.03, 0.04}));
        QCOMPARE(data.series[1].values, QList<double>({0.0, 0.2, 0.3, 0.0}));
        QVERIFY(data.series[1].label.startsWith("int4-g128 #2"));
        QCOMPARE(data.series[1].variantId, 2);
        QVERIFY(data.series[1].label.contains("4.00 bits/weight"));
        QCOMPARE(data.maxValue, 0.3);
        QCOMPARE(data.minPositive, 0.01);
    }

    void worstTensorsComeFirst() {
        const std::vector<TensorError> t{err("a", 1, 1, 0.1), err("b", 1, 1, 0.3),
                                         err("c", 1, 1, 0.2), err("d", 1, 1, 0.3)};
        const auto worst = worstTensors(t, 3);
        QCOMPARE(worst.size(), size_t(3));
        QCOMPARE(worst[0].tensor, std::string("b")); // ties by name
        QCOMPARE(worst[1].tensor, std::string("d"));
        QCOMPARE(worst[2].tensor, std::string("c"));
        QCOMPARE(worstTensors(t, 10).size(), size_t(4));
    }

    void emptyChartData() { QVERIFY(buildErrorChartData({}, ErrorMetric::Rmse).isEmpty()); }

    void formatsNumbersForPeople() {
        QCOMPARE(humanBytes(0), QString("0 B"));
        QCOMPARE(humanBytes(1023), QString("1023 B"));
        QCOMPARE(humanBytes(1536), QString("1.50 KiB"));
        QCOMPARE(humanBytes(1126400), QString("1.07 MiB"));
        QCOMPARE(humanBytes(quint64(7) << 30), QString("7.00 GiB"));
        QCOMPARE(groupedCount(12345678), QString("12 345 678"));
        QCOMPARE(groupedCount(-1234), QString("-1 234"));
        QCOMPARE(groupedCount(999), QString("999"));
        QCOMPARE(compactCount(260000), QString("260K"));
        QCOMPARE(compactCount(7240000000), QString("7.24B"));
        QCOMPARE(shapeText({}), QString("scalar"));
    }
};

QTEST_MAIN(LayerAggregationTest)
#include "layer_aggregation_test.moc"
