// The Layers view on a real model: open stories260K, quantize it twice through the
// engine thread, and check what the view shows against the engine's own figures.
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"
#include "ui/engine_bridge.h"
#include "ui/layers_chart_panel.h"
#include "ui/layers_histogram_widget.h"
#include "ui/layers_ranking_model.h"
#include "ui/layers_table_model.h"
#include "ui/layers_tensor_panel.h"
#include "ui/layers_view.h"
#include "ui/workbench_context.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>
#include <numeric>

namespace {

constexpr int kJobTimeoutMs = 120000;

QString qpath(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

template <typename T> qint64 sum(const QList<T>& values) {
    return std::accumulate(values.begin(), values.end(), qint64(0));
}

} // namespace

class LayersViewTest : public QObject {
    Q_OBJECT

    ql::test::TempDir m_tmp;
    WorkbenchContext m_context;
    EngineBridge m_bridge;

    void quantize(const QString& format) {
        QSignalSpy stored(&m_bridge, &EngineBridge::variantStored);
        QVERIFY(m_bridge.quantize(format));
        QTRY_COMPARE_WITH_TIMEOUT(stored.count(), 1, kJobTimeoutMs);
        QSignalSpy loaded(&m_bridge, &EngineBridge::variantsLoaded);
        m_bridge.loadVariantMetrics();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kJobTimeoutMs);
    }

    void selectRow(LayersView& view, const QString& tensor) {
        QAbstractItemModel* model = view.tableView()->model();
        for (int r = 0; r < model->rowCount(); ++r)
            if (model->index(r, LayersTableModel::Tensor).data().toString() == tensor)
                view.tableView()->setCurrentIndex(model->index(r, 0));
        QCOMPARE(m_context.selectedTensor(), tensor);
    }

private slots:
    void initTestCase() {
        if (!ql::test::dataAvailable())
            QSKIP(ql::test::dataMissingMessage().c_str());
        connect(&m_bridge, &EngineBridge::modelOpened, &m_context, &WorkbenchContext::setModel);
        connect(&m_bridge, &EngineBridge::variantsLoaded, &m_context,
                &WorkbenchContext::setVariants);
        m_bridge.setWorkspacePath(qpath(m_tmp / "ws.quantlens"));
        QSignalSpy opened(&m_context, &WorkbenchContext::modelOpened);
        m_bridge.openModel(qpath(ql::test::stories260K()));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kJobTimeoutMs);
    }

    void emptyStateSaysWhatToDo() {
        LayersView view(&m_context, &m_bridge);
        QCOMPARE(view.tableModel()->rowCount(), 0);
        QVERIFY(view.chartPanel()->chartData().isEmpty());
    }

    void showsPerLayerErrorRankingAndTensorDetail() {
        LayersView view(&m_context, &m_bridge);
        view.resize(1400, 900);
        view.show();
        QAbstractItemModelTester tableTester(view.tableModel());
        QAbstractItemModelTester proxyTester(view.tableProxy());
        QAbstractItemModelTester rankingTester(view.rankingModel());
        quantize("int8");
        quantize("q4_0");
        QTRY_COMPARE_WITH_TIMEOUT(view.layers().size(), 2, kJobTimeoutMs);

        // Chart: blocks in model order, one series per variant; q4_0 loses more per layer.
        LayersChartPanel* chart = view.chartPanel();
        chart->setFigure(LayerFigure::RelFrobenius);
        QCOMPARE(chart->chartData().categories,
                 QStringList({"embed", "0", "1", "2", "3", "4", "output"}));
        QCOMPARE(chart->chartData().series.size(), 2);
        for (int i = 0; i < 7; ++i)
            QVERIFY(chart->chartData().series[0].values[i] <
                    chart->chartData().series[1].values[i]);
        chart->setGrouping(LayerGrouping::Kind);
        QCOMPARE(chart->chartData().categories,
                 QStringList({"token_embd", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate",
                              "ffn_up", "ffn_down", "output"}));

        // The newest variant is shown: its 37 tensors, shares that add to 1.
        QCOMPARE(view.currentVariant(), view.layers().back().id);
        QCOMPARE(view.tableModel()->rowCount(), 37);
        double shares = 0;
        for (int r = 0; r < 37; ++r)
            shares += view.tableModel()->row(r).share;
        QVERIFY(std::abs(shares - 1.0) < 1e-9);
        // Sorted by share, largest first.
        const QModelIndex first = view.tableProxy()->index(0, LayersTableModel::Share);
        const QModelIndex second = view.tableProxy()->index(1, LayersTableModel::Share);
        QVERIFY(first.data(LayersTableModel::kSortRole).toDouble() >=
                second.data(LayersTableModel::kSortRole).toDouble());

        // Ranking by kind (the chart's grouping): 9 kinds, largest first, summing to 1.
        QCOMPARE(view.rankingModel()->rowCount(), 9);
        double kindShares = 0;
        for (int r = 0; r < 9; ++r)
            kindShares += view.rankingModel()
                              ->index(r, LayersRankingModel::Share)
                              .data(LayersRankingModel::kSortRole)
                              .toDouble();
        QVERIFY(std::abs(kindShares - 1.0) < 1e-9);
        chart->setGrouping(LayerGrouping::Block);
        QCOMPARE(view.rankingModel()->rowCount(), 7);

        // A tensor's histograms hold every one of its weights.
        selectRow(view, "blk.2.ffn_up.weight");
        LayersTensorPanel* tensor = view.tensorPanel();
        QTRY_COMPARE_WITH_TIMEOUT(sum(tensor->errorHistogram()->counts()), 172 * 64, kJobTimeoutMs);
        QCOMPARE(sum(tensor->weightHistogram()->counts()), 172 * 64);
        QVERIFY(tensor->summaryText().contains("blk.2.ffn_up.weight"));
        QVERIFY(tensor->summaryText().contains("4.500 bits per weight"));
        QVERIFY(tensor->outlierText().contains("beyond 3\u03c3"));

        const QImage shot = view.grab().toImage();
        QVERIFY(!shot.isNull());
        QVERIFY(shot.save(qpath(m_tmp / "layers.png")));
        const QString dir = qEnvironmentVariable("QUANTLENS_SCREENSHOT_DIR");
        if (!dir.isEmpty()) {
            QTest::qWait(300); // let the chart settle
            QDir().mkpath(dir);
            QVERIFY(view.grab().save(dir + "/screenshot-layers-basic.png"));
        }
    }

    void variantSelectionFollowsTheContext() {
        LayersView view(&m_context, &m_bridge);
        QTRY_COMPARE_WITH_TIMEOUT(view.layers().size(), 2, kJobTimeoutMs);
        const qint64 first = view.layers().front().id;
        m_context.selectVariant(first);
        QCOMPARE(view.currentVariant(), first);
        // int8 per channel on 64 columns: 8 + 16/64 bits.
        QCOMPARE(view.tableModel()->row(0).bitsPerWeight, 8.25);
    }
};

QTEST_MAIN(LayersViewTest)
#include "layers_view_test.moc"
