// The Layers view's output-aware error on a real model: quantize stories260K to Q4_0,
// measure its output error from the view as a tracked job, and check the table column,
// the chart's per-block and per-kind figures and the empty states against the workspace
// rows, summed by hand. A cancelled measurement stores nothing.
#include "engine/store/evalset_store.h"
#include "engine/store/workspace.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"
#include "ui/engine_bridge.h"
#include "ui/layers_calibrate_dialog.h"
#include "ui/layers_chart_panel.h"
#include "ui/layers_math.h"
#include "ui/layers_ranking_model.h"
#include "ui/layers_table_model.h"
#include "ui/layers_view.h"
#include "ui/workbench_context.h"

#include <QAbstractItemModelTester>
#include <QChart>
#include <QDialogButtonBox>
#include <QDir>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>
#include <cmath>
#include <map>

namespace {

constexpr int kJobTimeoutMs = 180000;

QString qpath(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

QString textA() {
    return qpath(ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt");
}

JobInfo jobOf(const EngineBridge& bridge, quint64 id) {
    for (const JobInfo& j : bridge.jobs())
        if (j.id == id)
            return j;
    return {};
}

int rowOf(const LayersTableModel& model, const QString& tensor) {
    for (int r = 0; r < model.rowCount(); ++r)
        if (model.row(r).tensor == tensor)
            return r;
    return -1;
}

// sqrt(sum noise / sum signal) per group, summed here from the stored rows.
std::map<QString, double> byHand(const std::vector<ql::LayerOutputErrorRecord>& rows,
                                 bool byBlock) {
    std::map<QString, std::pair<double, double>> sums;
    for (const auto& r : rows) {
        const QString name = QString::fromStdString(r.tensor);
        QString group = name.section('.', 0, 0) == "blk" ? name.section('.', 1, 1) : "output";
        if (!byBlock)
            group = name.startsWith("blk.") ? name.section('.', 2, 2) : name.section('.', 0, 0);
        if (byBlock && name.startsWith("token_embd"))
            group = "embed";
        sums[group].first += *r.noise;
        sums[group].second += *r.signal;
    }
    std::map<QString, double> out;
    for (const auto& [group, s] : sums)
        out[group] = std::sqrt(s.first / s.second);
    return out;
}

} // namespace

class LayersOutputErrorTest : public QObject {
    Q_OBJECT

    ql::test::TempDir m_tmp;
    WorkbenchContext m_context;
    EngineBridge m_bridge;
    qint64 m_variant = 0;

    std::filesystem::path workspace() const { return m_tmp / "ws.quantlens"; }

private slots:
    void initTestCase() {
        if (!ql::test::dataAvailable())
            QSKIP(ql::test::dataMissingMessage().c_str());
        connect(&m_bridge, &EngineBridge::modelOpened, &m_context, &WorkbenchContext::setModel);
        connect(&m_bridge, &EngineBridge::variantsLoaded, &m_context,
                &WorkbenchContext::setVariants);
        m_bridge.setWorkspacePath(qpath(workspace()));
        QSignalSpy opened(&m_context, &WorkbenchContext::modelOpened);
        m_bridge.openModel(qpath(ql::test::stories260K()));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kJobTimeoutMs);
        QSignalSpy stored(&m_bridge, &EngineBridge::variantStored);
        QVERIFY(m_bridge.quantize("q4_0"));
        QTRY_COMPARE_WITH_TIMEOUT(stored.count(), 1, kJobTimeoutMs);
        m_variant = stored.front().front().toLongLong();
        QSignalSpy loaded(&m_bridge, &EngineBridge::variantsLoaded);
        m_bridge.loadVariantMetrics();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kJobTimeoutMs);
    }

    void dialogDefaultsToTheSampleText() {
        LayersCalibrateDialog dialog("q4_0 #1");
        QCOMPARE(dialog.textPath(), QFileInfo(textA()).absoluteFilePath());
        QCOMPARE(dialog.context(), 128);
        QCOMPARE(dialog.chunks(), 0);
        QPushButton* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
        QVERIFY(ok->isEnabled());
        dialog.setTextPath(qpath(m_tmp / "missing.txt"));
        QVERIFY(!ok->isEnabled());
    }

    // Before any measurement: a blank column with a tooltip that says what to do.
    void unmeasuredColumnSaysWhatToDo() {
        LayersView view(&m_context, &m_bridge);
        QTRY_COMPARE_WITH_TIMEOUT(view.layers().size(), 1, kJobTimeoutMs);
        QAbstractItemModelTester tester(view.tableModel());
        QAbstractItemModelTester proxyTester(view.tableProxy());
        QVERIFY(view.measureButton()->isEnabled());
        const QModelIndex cell = view.tableModel()->index(0, LayersTableModel::OutputError);
        QCOMPARE(cell.data().toString(), QString());
        QCOMPARE(cell.data(Qt::ToolTipRole).toString(),
                 QString("not measured: run Measure output error"));
        QCOMPARE(view.tableModel()
                     ->headerData(LayersTableModel::OutputError, Qt::Horizontal, Qt::DisplayRole)
                     .toString(),
                 QString("Output error"));
        view.chartPanel()->setFigure(LayerFigure::OutputError);
        QVERIFY(view.chartPanel()->chartData().isEmpty());
        QVERIFY(view.chartPanel()->chart()->title().contains("Measure output error"));
    }

    void cancelledMeasurementStoresNothing() {
        LayersView view(&m_context, &m_bridge);
        QTRY_COMPARE_WITH_TIMEOUT(view.layers().size(), 1, kJobTimeoutMs);
        QSignalSpy cancelled(&m_bridge, &EngineBridge::jobCancelled);
        QSignalSpy finished(&m_bridge, &EngineBridge::calibrationFinished);
        const quint64 id = view.startCalibration(textA(), 128, 0); // every chunk
        QVERIFY(id != 0);
        QTRY_VERIFY_WITH_TIMEOUT(jobOf(m_bridge, id).done > 0, kJobTimeoutMs);
        QVERIFY(jobOf(m_bridge, id).title.contains("output error"));
        m_bridge.cancelJob(id);
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kJobTimeoutMs);
        QCOMPARE(finished.count(), 0);
        QVERIFY(!ql::latestLayerOutputErrors(ql::Workspace(workspace()), m_variant));
    }

    void measuredErrorsFillTheColumnAndTheChart() {
        LayersView view(&m_context, &m_bridge);
        view.resize(1500, 950);
        view.show();
        QTRY_COMPARE_WITH_TIMEOUT(view.layers().size(), 1, kJobTimeoutMs);
        QAbstractItemModelTester tester(view.tableModel());
        QAbstractItemModelTester proxyTester(view.tableProxy());
        QAbstractItemModelTester rankingTester(view.rankingModel());
        QSignalSpy finished(&m_bridge, &EngineBridge::calibrationFinished);
        QVERIFY(view.startCalibration(textA(), 128, 4) != 0);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kJobTimeoutMs);
        QCOMPARE(finished.front().at(1).toInt(), 36);
        QTRY_VERIFY_WITH_TIMEOUT(!view.layers().front().calibration.isEmpty(), kJobTimeoutMs);
        QVERIFY(view.layers().front().calibration.endsWith(";n_ctx=128;chunks=4"));

        const auto stored = ql::latestLayerOutputErrors(ql::Workspace(workspace()), m_variant);
        QVERIFY(stored);
        QCOMPARE(int(stored->layers.size()), 36);
        // Every measured tensor shows its stored figure; sorted, the largest comes first.
        for (const auto& r : stored->layers) {
            const int row = rowOf(*view.tableModel(), QString::fromStdString(r.tensor));
            QVERIFY(row >= 0);
            const QModelIndex cell = view.tableModel()->index(row, LayersTableModel::OutputError);
            QCOMPARE(cell.data(LayersTableModel::kSortRole).toDouble(), r.relError);
            QCOMPARE(cell.data().toString(), QString::number(r.relError, 'g', 3));
        }
        view.tableView()->sortByColumn(LayersTableModel::OutputError, Qt::DescendingOrder);
        double largest = 0;
        for (const auto& r : stored->layers)
            largest = std::max(largest, r.relError);
        QCOMPARE(view.tableProxy()
                     ->index(0, LayersTableModel::OutputError)
                     .data(LayersTableModel::kSortRole)
                     .toDouble(),
                 largest);

        // The chart switched to the output error; per block and per kind the figures are
        // the traces summed by hand.
        LayersChartPanel* chart = view.chartPanel();
        QCOMPARE(chart->figure(), LayerFigure::OutputError);
        for (bool byBlock : {true, false}) {
            chart->setGrouping(byBlock ? LayerGrouping::Block : LayerGrouping::Kind);
            const auto expected = byHand(stored->layers, byBlock);
            const LayerChart& data = chart->chartData();
            QCOMPARE(data.series.size(), 1);
            QCOMPARE(data.categories.size(), qsizetype(expected.size()));
            for (qsizetype i = 0; i < data.categories.size(); ++i) {
                const QString group = data.categories[i];
                QVERIFY2(expected.count(group), qPrintable(group));
                QVERIFY(std::abs(data.series[0].values[i] - expected.at(group)) <=
                        1e-12 * expected.at(group));
            }
            // The ranking beside the chart shows the same figures; unmeasured groups
            // (the embedding is looked up, not multiplied) stay blank.
            LayersRankingModel* ranking = view.rankingModel();
            QVERIFY(ranking->rowCount() > 0);
            for (int r = 0; r < ranking->rowCount(); ++r) {
                const QString group =
                    ranking->index(r, LayersRankingModel::Group).data().toString();
                const QModelIndex cell = ranking->index(r, LayersRankingModel::OutputError);
                if (!expected.count(group)) {
                    QCOMPARE(cell.data().toString(), QString());
                    continue;
                }
                QVERIFY(std::abs(cell.data(LayersRankingModel::kSortRole).toDouble() -
                                 expected.at(group)) <= 1e-12 * expected.at(group));
            }
        }
        QCOMPARE(chart->chartData().categories.first(), QString("attn_q"));
        chart->setGrouping(LayerGrouping::Block);
        QCOMPARE(chart->chartData().categories.first(), QString("0"));
    }

    // A second variant measured on the same text: the chart compares them, and int8 moves
    // every block's output less than Q4_0 does.
    void twoVariantsCompareInTheChart() {
        QSignalSpy stored(&m_bridge, &EngineBridge::variantStored);
        QVERIFY(m_bridge.quantize("int8"));
        QTRY_COMPARE_WITH_TIMEOUT(stored.count(), 1, kJobTimeoutMs);
        const qint64 int8 = stored.front().front().toLongLong();
        QSignalSpy loaded(&m_bridge, &EngineBridge::variantsLoaded);
        m_bridge.loadVariantMetrics();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kJobTimeoutMs);

        LayersView view(&m_context, &m_bridge);
        view.resize(1500, 950);
        view.show();
        QTRY_COMPARE_WITH_TIMEOUT(view.layers().size(), 2, kJobTimeoutMs);
        m_context.selectVariant(int8);
        QCOMPARE(view.currentVariant(), int8);
        view.chartPanel()->setFigure(LayerFigure::OutputError);
        QCOMPARE(view.chartPanel()->chartData().series.size(), 1); // only Q4_0 is measured
        QSignalSpy finished(&m_bridge, &EngineBridge::calibrationFinished);
        QVERIFY(view.startCalibration(textA(), 128, 4) != 0);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kJobTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(view.chartPanel()->chartData().series.size(), 2, kJobTimeoutMs);
        const LayerChart& chart = view.chartPanel()->chartData();
        const int i8 = chart.series[0].variantId == int8 ? 0 : 1;
        for (qsizetype c = 0; c < chart.categories.size(); ++c)
            QVERIFY2(chart.series[i8].values[c] < chart.series[1 - i8].values[c],
                     qPrintable(chart.categories[c]));

        m_context.selectVariant(m_variant);
        view.tableView()->sortByColumn(LayersTableModel::OutputError, Qt::DescendingOrder);
        view.tableView()->setCurrentIndex(view.tableProxy()->index(0, 0));
        const QString dir = qEnvironmentVariable("QUANTLENS_SCREENSHOT_DIR");
        if (!dir.isEmpty()) {
            QTest::qWait(1500); // the tensor's histograms arrive from the engine thread
            QDir().mkpath(dir);
            QVERIFY(view.grab().save(dir + "/screenshot-layers.png"));
        }
    }
};

QTEST_MAIN(LayersOutputErrorTest)
#include "layers_output_error_test.moc"
