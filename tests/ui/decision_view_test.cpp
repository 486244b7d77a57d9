// The Decision view offscreen on the real AutoRound scorecards, gated by the engine:
// the form refuses an incomplete decision, records one with a flagged variant, a second
// supersedes it (the history keeps both), and Export Report writes the HTML report.
#include "engine/score/importer.h"
#include "engine/store/score_store.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"
#include "ui/decision_models.h"
#include "ui/decision_view.h"
#include "ui/engine_bridge.h"
#include "ui/workbench_context.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <nlohmann/json.hpp>

namespace {

constexpr int kTimeoutMs = 30000;

// Imports the CSV and gates scorecard 1 (Qwen3-8B) with mmlu critical, as the CLI does.
void prepare(const std::filesystem::path& workspace) {
    ql::Workspace ws(workspace);
    ql::score::ImportOptions o;
    o.mapping = ql::score::parseMapping(
        "group=model,variant=variant,slice=task,score=score,dimension=const:acc,"
        "evaluator=eval_setup");
    o.baseline = "bf16*";
    const auto csv = ql::test::dataDir() / "scorecards" / "autoround_gguf_per_task_acc.csv";
    for (const auto& card : ql::score::importLongTable(csv, o))
        ql::addScorecard(ws, card);
    const auto body = nlohmann::json::parse(
        R"({"name": "release-2026", "max_regression": 0.01, "critical_slices": ["mmlu"]})");
    const auto policy = ql::score::parseGatePolicy(body, "policy");
    const int64_t id = ql::addGatePolicy(ws, policy.name, body.dump());
    ql::addGateVerdicts(ws, id, 1, ql::score::evaluateGate(*ql::loadScorecard(ws, 1), policy));
}

} // namespace

class DecisionViewTest : public QObject {
    Q_OBJECT
private slots:
    void recordsSupersedesAndExports();
};

void DecisionViewTest::recordsSupersedesAndExports() {
    if (!ql::test::dataAvailable())
        QSKIP(ql::test::dataMissingMessage().c_str());
    ql::test::TempDir dir;
    prepare(dir / "w.ql");
    EngineBridge bridge;
    bridge.setWorkspacePath(QString::fromStdString((dir / "w.ql").string()));
    WorkbenchContext context;
    QSignalSpy loaded(&bridge, &EngineBridge::scoreDataLoaded);
    DecisionView view(&context, &bridge);
    QVERIFY(loaded.wait(kTimeoutMs));
    QAbstractItemModelTester t1(view.historyModel(),
                                QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(view.flaggedModel(),
                                QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(view.historyModel()->rowCount(), 0);
    QCOMPARE(view.flaggedModel()->rowCount(), 7); // Qwen3-8B's variants

    QPushButton* record = nullptr;
    for (auto* b : view.findChildren<QPushButton*>())
        if (b->text() == "Record Decision")
            record = b;
    QVERIFY(record);
    QVERIFY(!view.missing().isEmpty()); // no rationale yet
    QVERIFY(!record->isEnabled());
    auto* defaultBox = view.findChild<QComboBox*>("defaultVariantBox");
    QVERIFY(defaultBox);
    defaultBox->setCurrentText("q4km");
    auto* flagged = view.flaggedModel();
    QVERIFY(flagged->setData(flagged->index(0, FlaggedVariantModel::Variant), Qt::Checked,
                             Qt::CheckStateRole));
    QVERIFY(view.missing().contains("surfaces")); // a flagged variant needs surfaces
    QVERIFY(flagged->setData(flagged->index(0, FlaggedVariantModel::Variant), Qt::Unchecked,
                             Qt::CheckStateRole));
    int q3 = -1;
    for (int r = 0; r < flagged->rowCount(); ++r)
        if (flagged->data(flagged->index(r, 0)).toString() == "q3ks")
            q3 = r;
    QVERIFY(q3 >= 0);
    QVERIFY(flagged->setData(flagged->index(q3, FlaggedVariantModel::Surfaces), "batch, offline"));
    view.findChild<QPlainTextEdit*>()->setPlainText(
        "q4km stays within a point of bf16 on every task; q3ks only where latency is free");
    const auto edits = view.findChildren<QLineEdit*>();
    for (auto* e : edits)
        if (e->placeholderText() == "who decides")
            e->setText("release-board");
    QCOMPARE(view.missing(), QString());
    QVERIFY(record->isEnabled());
    const DecisionInput in = view.input();
    QCOMPARE(in.defaultVariant, QString("q4km"));
    QCOMPARE(in.flagged.size(), 1);
    QCOMPARE(in.flagged[0].second, QStringList({"batch", "offline"}));
    QCOMPARE(in.scorecards, QList<qint64>{1});

    view.record();
    QVERIFY(loaded.wait(kTimeoutMs));
    QCOMPARE(view.historyModel()->rowCount(), 1);
    const auto* first = view.historyModel()->decisionAt(0);
    QCOMPARE(first->defaultVariant, QString("q4km"));
    QCOMPARE(first->author, QString("release-board"));
    QVERIFY(first->gatePolicyId > 0); // rests on the last gate run
    QVERIFY(view.findChild<QPlainTextEdit*>()->toPlainText().isEmpty());

    view.findChild<QPlainTextEdit*>()->setPlainText("bf16 until q4km's truthfulqa is rerun");
    defaultBox->setCurrentText("bf16");
    view.record();
    QVERIFY(loaded.wait(kTimeoutMs));
    auto* history = view.historyModel();
    QCOMPARE(history->rowCount(), 2);
    QCOMPARE(history->data(history->index(0, DecisionHistoryModel::Status)).toString(),
             QString("current"));
    QCOMPARE(history->data(history->index(1, DecisionHistoryModel::Status)).toString(),
             QString("superseded by #2"));

    view.resize(1280, 760);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy exported(&bridge, &EngineBridge::reportExported);
    const QString html = QString::fromStdString((dir / "report.html").string());
    view.exportReportTo(html);
    QVERIFY(exported.wait(kTimeoutMs));
    QFile f(html);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(f.readAll());
    QVERIFY(text.contains("bf16 until q4km&#x27;s truthfulqa is rerun") ||
            text.contains("bf16 until q4km's truthfulqa is rerun"));
    QVERIFY(text.contains("superseded by #2"));
    if (const QByteArray shots = qgetenv("QUANTLENS_SCREENSHOTS"); !shots.isEmpty())
        QVERIFY(view.grab().save(QString::fromLocal8Bit(shots) + "/screenshot-decision.png"));
}

QTEST_MAIN(DecisionViewTest)
#include "decision_view_test.moc"
