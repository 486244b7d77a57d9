// The Scorecards view on the real AutoRound GGUF scorecards, offscreen: deltas against a
// hand computation from the CSV, the policy editor's limits, a gate run stored in the
// workspace, and every item model under QAbstractItemModelTester.
#include "engine/score/importer.h"
#include "engine/store/policy_store.h"
#include "engine/store/score_store.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"
#include "ui/engine_bridge.h"
#include "ui/gate_policy_editor.h"
#include "ui/gate_policy_model.h"
#include "ui/heatmap_math.h"
#include "ui/scorecards_table_model.h"
#include "ui/scorecards_verdict_model.h"
#include "ui/scorecards_view.h"
#include "ui/workbench_context.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>
#include <fstream>
#include <memory>

namespace {

constexpr int kTimeoutMs = 30000;

std::filesystem::path autoroundCsv() {
    return ql::test::dataDir() / "scorecards" / "autoround_gguf_per_task_acc.csv";
}

// The CSV's own number for (model, variant, task): the first four fields are plain.
double csvScore(const std::string& model, const std::string& variant, const std::string& task) {
    std::ifstream in(autoroundCsv());
    const std::string key = model + "," + variant + "," + task + ",";
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key, 0) == 0)
            return std::stod(line.substr(key.size()));
    return -1;
}

// The three scorecards of the CSV, imported as quantlens-cli import does (docs/gates.md).
void importAutoround(const std::filesystem::path& workspace) {
    ql::Workspace ws(workspace);
    ql::score::ImportOptions o;
    o.mapping = ql::score::parseMapping(
        "group=model,variant=variant,slice=task,score=score,dimension=const:acc,"
        "evaluator=eval_setup");
    o.baseline = "bf16*";
    for (const auto& card : ql::score::importLongTable(autoroundCsv(), o))
        ql::addScorecard(ws, card);
}

int columnOf(const QAbstractItemModel& m, const QString& label) {
    for (int c = 0; c < m.columnCount(); ++c)
        if (m.headerData(c, Qt::Horizontal).toString() == label)
            return c;
    return -1;
}

int rowOf(const QAbstractItemModel& m, const QString& label, int column = -1) {
    for (int r = 0; r < m.rowCount(); ++r) {
        const QVariant v = column < 0 ? m.headerData(r, Qt::Vertical) : m.data(m.index(r, column));
        if (v.toString() == label)
            return r;
    }
    return -1;
}

} // namespace

class ScorecardsViewTest : public QObject {
    Q_OBJECT
private slots:
    void showsDeltasEditsPolicyAndGates();
    void policyModelRoundTripsLimits();
};

void ScorecardsViewTest::policyModelRoundTripsLimits() {
    GatePolicyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QJsonObject in = QJsonDocument::fromJson(R"({"name": "r", "max_regression": 0.02,
        "dimensions": {"acc": {"relative": 0.05}}, "slices": {"mmlu": {"absolute": 0.01}},
        "critical_slices": ["mmlu"], "aggregate": {"min": 0.5}})")
                               .object();
    model.setPolicy(in, {"acc"}, {"mmlu", "piqa"});
    QCOMPARE(model.rowCount(), 4); // default, acc, mmlu, piqa
    const int piqa = rowOf(model, "piqa", GatePolicyModel::Name);
    QVERIFY(model.setData(model.index(piqa, GatePolicyModel::Relative), "2.5"));
    QVERIFY(!model.setData(model.index(piqa, GatePolicyModel::Absolute), "-1")); // refused
    QVERIFY(!model.setData(model.index(piqa, GatePolicyModel::Absolute), "two"));
    QVERIFY(model.setData(model.index(piqa, GatePolicyModel::Required), Qt::Checked,
                          Qt::CheckStateRole));
    const QJsonObject out = model.policy();
    QCOMPARE(out["max_regression"].toObject()["absolute"].toDouble(), 0.02);
    QCOMPARE(out["dimensions"].toObject()["acc"].toObject()["relative"].toDouble(), 0.05);
    QCOMPARE(out["slices"].toObject()["mmlu"].toObject()["absolute"].toDouble(), 0.01);
    QCOMPARE(out["slices"].toObject()["piqa"].toObject()["relative"].toDouble(), 0.025);
    QCOMPARE(out["critical_slices"].toArray().first().toString(), QString("mmlu"));
    QCOMPARE(out["required_slices"].toArray().first().toString(), QString("piqa"));
    QCOMPARE(out["aggregate"].toObject()["min"].toDouble(), 0.5); // kept as it came
    QCOMPARE(out["name"].toString(), QString("r"));
}

void ScorecardsViewTest::showsDeltasEditsPolicyAndGates() {
    if (!ql::test::dataAvailable())
        QSKIP(ql::test::dataMissingMessage().c_str());
    ql::test::TempDir dir;
    importAutoround(dir / "w.ql");
    EngineBridge bridge;
    bridge.setWorkspacePath(QString::fromStdString((dir / "w.ql").string()));
    WorkbenchContext context;
    QSignalSpy loaded(&bridge, &EngineBridge::scoreDataLoaded);
    ScorecardsView view(&context, &bridge);
    QVERIFY(loaded.wait(kTimeoutMs));
    QAbstractItemModelTester t1(view.tableModel(),
                                QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(view.verdictModel(),
                                QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t3(view.policyEditor()->model(),
                                QAbstractItemModelTester::FailureReportingMode::QtTest);

    // Scorecard 1 is Qwen3-8B: 11 tasks (Average included) x 7 variants, bf16 first.
    auto* table = view.tableModel();
    QCOMPARE(table->rowCount(), 11);
    QCOMPARE(table->columnCount(), 7);
    QCOMPARE(table->headerData(0, Qt::Horizontal).toString(), QString("bf16 (baseline)"));
    const int q2 = columnOf(*table, "q2ks");
    const int mmlu = rowOf(*table, "mmlu");
    QVERIFY(q2 > 0 && mmlu >= 0);
    const double delta =
        csvScore("Qwen3-8B", "q2ks", "mmlu") - csvScore("Qwen3-8B", "bf16", "mmlu");
    const QString text = table->data(table->index(mmlu, q2)).toString();
    QVERIFY2(text.startsWith(formatDelta(delta)), qPrintable(text));
    QVERIFY(text.contains(QStringLiteral(" %)")));
    QVERIFY(rowOf(*table, "Average (reported average)") >= 0);
    QCOMPARE(view.verdictModel()->rowCount(), 0); // not gated yet

    // A policy: at most one point of accuracy anywhere, mmlu critical.
    auto* policy = view.policyEditor()->model();
    QVERIFY(policy->setData(policy->index(0, GatePolicyModel::Absolute), "0.01"));
    const int mmluRow = rowOf(*policy, "mmlu", GatePolicyModel::Name);
    QVERIFY(policy->setData(policy->index(mmluRow, GatePolicyModel::Critical), Qt::Checked,
                            Qt::CheckStateRole));
    view.resize(1280, 760);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.runGate();
    QVERIFY(loaded.wait(kTimeoutMs));
    auto* verdicts = view.verdictModel();
    QVERIFY(verdicts->rowCount() > 0);
    const int failRow = rowOf(*verdicts, "mmlu", VerdictTableModel::Slice);
    QVERIFY(failRow >= 0);
    QCOMPARE(verdicts->data(verdicts->index(failRow, VerdictTableModel::Verdict)).toString(),
             QString("FAIL"));
    // The failing cell is tinted and its tooltip carries the gate's words.
    const QModelIndex cell = table->index(mmlu, q2);
    QVERIFY(table->data(cell, Qt::BackgroundRole).isValid());
    QVERIFY(table->data(cell, Qt::ToolTipRole).toString().contains("FAIL"));
    {
        ql::Workspace ws(dir / "w.ql");
        QCOMPARE(ql::gatePolicies(ws).size(), size_t(1));
        QVERIFY(ql::gatePolicies(ws)[0].body.find("\"critical_slices\":[\"mmlu\"]") !=
                std::string::npos);
        QCOMPARE(ql::gateVerdicts(ws, 1).size(), size_t(6));
    }
    QTest::qWait(50);
    if (const QByteArray shots = qgetenv("QUANTLENS_SCREENSHOTS"); !shots.isEmpty())
        QVERIFY(view.grab().save(QString::fromLocal8Bit(shots) + "/screenshot-scorecards.png"));
    // A policy the engine refuses names the field, and nothing is stored.
    QSignalSpy failed(&bridge, &EngineBridge::scoreActionFailed);
    bridge.runGate(1, R"({"confidence": 2})");
    QVERIFY(failed.wait(kTimeoutMs));
    QVERIFY(failed.first().first().toString().contains("confidence"));
}

QTEST_MAIN(ScorecardsViewTest)
#include "scorecards_view_test.moc"
