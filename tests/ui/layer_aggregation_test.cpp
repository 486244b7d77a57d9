// The chart's drawing math, without a chart: tensor name -> layer, errors per layer,
// shared categories, and how numbers are shown.
#include "ui/error_chart_data.h"
#include "ui/format_utils.h"
#include "ui/layer_aggregation.h"
#include "ui/layers_math.h"
#include "ui/layers_ranking_model.h"
#include "ui/layers_table_model.h"
#include "ui/layers_tensor_panel.h"

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>

#include <QTest>
#include <cmath>
#include <limits>

namespace {

TensorError err(const std::string& name, int64_t n, double rmse, double rel) {
    return {name, n, rmse, rel, 0, 0, 0, std::nullopt};
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

LayerGroupRow group(const QString& name, int order, double share, double rel) {
    LayerGroupRow g;
    g.group = name;
    g.modelOrder = order;
    g.share = share;
    g.relFrobenius = rel;
    return g;
}

VariantLayers layers(qint64 id, QList<LayerGroupRow> blocks) {
    VariantLayers v;
    v.id = id;
    v.label = QStringLiteral("v #%1").arg(id);
    v.bitsPerWeight = 4.5;
    v.blocks = std::move(blocks);
    return v;
}

LayerTensorRow tensorRow(const QString& name, int layerOrder, double share, double rel) {
    LayerTensorRow r;
    r.tensor = name;
    r.layerOrder = layerOrder;
    r.share = share;
    r.relFrobenius = rel;
    r.analysed = true;
    return r;
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

    void layerChartUsesModelOrderAcrossVariants() {
        // Rankings arrive largest share first; the chart puts groups back in model order
        // and gives a variant without a group a 0 there.
        const LayersData data{layers(1, {group("1", 2, 0.7, 0.02), group("0", 1, 0.2, 0.01),
                                         group("embed", 0, 0.1, 0.005)}),
                              layers(2, {group("0", 1, 0.6, 0.3), group("1", 2, 0.4, 0.2)})};
        const LayerChart share = buildLayerChart(data, LayerGrouping::Block, LayerFigure::Share);
        QCOMPARE(share.categories, QStringList({"embed", "0", "1"}));
        QCOMPARE(share.series[0].values, QList<double>({0.1, 0.2, 0.7}));
        QCOMPARE(share.series[1].values, QList<double>({0.0, 0.6, 0.4}));
        QCOMPARE(share.maxValue, 0.7);
        QCOMPARE(share.series[1].label, QString("v #2 (4.50 bpw)"));
        const LayerChart rel =
            buildLayerChart(data, LayerGrouping::Block, LayerFigure::RelFrobenius);
        QCOMPARE(rel.series[1].values, QList<double>({0.0, 0.3, 0.2}));
        QVERIFY(buildLayerChart({}, LayerGrouping::Kind, LayerFigure::Share).isEmpty());
    }

    void countsMapToPixels() {
        const QRectF plot(10, 20, 100, 50); // bottom at y = 70
        const CountScale linear{200, false};
        QCOMPARE(linear.toY(0, plot), 70.0);
        QCOMPARE(linear.toY(100, plot), 45.0);
        QCOMPARE(linear.toY(200, plot), 20.0);
        QCOMPARE(linear.toY(400, plot), 20.0); // clamped to the top
        const CountScale log{999, true};       // log10(1 + 999) = 3
        QCOMPARE(log.toY(0, plot), 70.0);
        QVERIFY(std::abs(log.toY(9, plot) - (70.0 - 50.0 / 3.0)) < 1e-9);
        QCOMPARE(log.toY(999, plot), 20.0);
        QCOMPARE((CountScale{0, true}.toY(5, plot)), 70.0); // nothing to scale by
    }

    void binsBecomeEqualBars() {
        const QRectF plot(0, 0, 40, 10);
        const QList<QRectF> bars = histogramBars({0, 5, 10, 0}, plot, CountScale{10, false});
        QCOMPARE(bars.size(), 4);
        QCOMPARE(bars[0], QRectF(0, 10, 10, 0));
        QCOMPARE(bars[1], QRectF(10, 5, 10, 5));
        QCOMPARE(bars[2], QRectF(20, 0, 10, 10));
        QCOMPARE(binX(4, 3, 1.0, plot), 40.0);
    }

    void valuesMapIntoTheirBins() {
        const QRectF plot(0, 0, 300, 10);
        const double inf = std::numeric_limits<double>::infinity();
        // Linear bins (-inf, -1), [-1, 1), [1, inf): 100 px each.
        const QList<double> linear{-inf, -1, 1, inf};
        QCOMPARE(valueToX(linear, 0.0, plot, false), 150.0);
        QCOMPARE(valueToX(linear, -1.0, plot, false), 100.0);
        QCOMPARE(valueToX(linear, 5.0, plot, false), 250.0); // open bin: its middle
        // Log bins [0, 0.01), [0.01, 1), [1, 100): inside a bin, log-linear.
        const QList<double> log{0, 0.01, 1, 100};
        QCOMPARE(valueToX(log, 0.1, plot, true), 150.0);
        QCOMPARE(valueToX(log, 10.0, plot, true), 250.0);
    }

    void axisLabelsFallOnRoundEdges() {
        const double inf = std::numeric_limits<double>::infinity();
        // Error bins: 0, then quarter decades 1e-6 .. 10, then +inf (31 edges).
        QList<double> log{0};
        for (int i = 0; i <= 28; ++i)
            log << std::pow(10.0, -6.0 + i / 4.0);
        log << inf;
        QCOMPARE(labelledEdges(log, true, 9), QList<int>({0, 1, 5, 9, 13, 17, 21, 25, 29}));
        QCOMPARE(labelledEdges(log, true, 5), QList<int>({0, 1, 9, 17, 25})); // even decades
        // Weight bins: -inf, -8 .. 8 in quarters, +inf.
        QList<double> linear{-inf};
        for (int i = 0; i <= 64; ++i)
            linear << -8.0 + 0.25 * i;
        linear << inf;
        QCOMPARE(labelledEdges(linear, false, 9), QList<int>({1, 9, 17, 25, 33, 41, 49, 57, 65}));
        QCOMPARE(labelledEdges(linear, false, 5), QList<int>({1, 17, 33, 49, 65}));
    }

    void outlierBinsLieBeyondK() {
        const double inf = std::numeric_limits<double>::infinity();
        const QList<double> edges{-inf, -4, -3, 0, 3, 4, inf};
        QCOMPARE(outlierBins(edges, 3), QList<bool>({true, true, false, false, true, true}));
        QCOMPARE(edgeLabel(1e-6), QString("1e-6"));
        QCOMPARE(edgeLabel(0.5623), QString("0.56"));
        QCOMPARE(edgeLabel(10), QString("10"));
        QCOMPARE(edgeLabel(inf), QString("+inf"));
        QCOMPARE(edgeLabel(-8), QString("-8"));
    }

    void layersTableSortsNumerically() {
        LayersTableModel model;
        QAbstractItemModelTester tester(&model);
        model.setRows({tensorRow("blk.10.a", 10, 0.05, 0.2), tensorRow("blk.2.a", 2, 0.9, 0.01),
                       tensorRow("blk.9.a", 9, 0.05, 0.3)});
        QSortFilterProxyModel proxy;
        QAbstractItemModelTester proxyTester(&proxy);
        proxy.setSourceModel(&model);
        proxy.setSortRole(LayersTableModel::kSortRole);
        proxy.sort(LayersTableModel::Layer, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, 0).data().toString(), QString("blk.2.a")); // 2 < 9 < 10
        QCOMPARE(proxy.index(2, 0).data().toString(), QString("blk.10.a"));
        proxy.sort(LayersTableModel::RelError, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data().toString(), QString("blk.9.a"));
        QCOMPARE(model.index(1, LayersTableModel::Share).data().toString(), QString("90.00 %"));
        QCOMPARE(model.columnCount(), int(LayersTableModel::ColumnCount));
        LayerTensorRow old = tensorRow("old", 0, 0.1, 0.1);
        old.analysed = false;
        model.setRows({old});
        QCOMPARE(model.index(0, LayersTableModel::OutliersK6).data().toString(), QString("n/a"));
    }

    void rankingModelShowsSharesAndRatios() {
        LayersRankingModel model;
        QAbstractItemModelTester tester(&model);
        LayerGroupRow g = group("ffn_down", 7, 0.5, 0.1);
        g.weightShare = 0.25;
        g.concentration = 2.0;
        model.setRows({g, group("attn_q", 1, 0.3, 0.2)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, LayersRankingModel::Rank).data().toInt(), 1);
        QCOMPARE(model.index(0, LayersRankingModel::Share).data().toString(), QString("50.0 %"));
        QCOMPARE(model.index(0, LayersRankingModel::Concentration).data().toString(),
                 QString("\u00d72.00"));
        QCOMPARE(
            model.index(1, LayersRankingModel::Group).data(LayersRankingModel::kSortRole).toInt(),
            1);
    }

    void outlierChannelsAreListed() {
        QCOMPARE(channelList("Rows", {}), QString("Rows: none beyond 3\u03c3"));
        const QString text = channelList("Rows", {{7, 1, 1}, {5, 2, 0}});
        QVERIFY(text.contains("<b>7</b> (1/1)"));
        QVERIFY(text.contains("5 (0/2)"));
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
