// The Evaluate dialog without a model run: its item models under QAbstractItemModelTester,
// the default baseline rule, and the empty states that say what to do next (no
// workspace, nothing to score, no evaluation sets) on real, temporary workspaces.
#include "engine/eval/eval_set.h"
#include "engine/store/evalset_store.h"
#include "tests/common/temp_dir.h"
#include "ui/engine_bridge.h"
#include "ui/eval_set_model.h"
#include "ui/eval_target_model.h"
#include "ui/evaluate_dialog.h"

#include <QAbstractItemModelTester>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

namespace {

constexpr int kTimeoutMs = 20000;

EvalSetInfo setInfo(const QString& name, qint64 version, QList<QPair<QString, qint64>> slices) {
    EvalSetInfo s;
    s.id = version;
    s.name = name;
    s.version = version;
    s.contentHash = QStringLiteral("0123456789abcdef");
    s.label = s.spec() + ":" + s.contentHash;
    s.exampleCount = 40;
    s.nCtx = 128;
    s.scoring = QStringLiteral("document");
    s.slices = std::move(slices);
    s.sourcePath = QStringLiteral("/data/sets/tiny.jsonl");
    return s;
}

EvalTargetInfo target(qint64 modelId, qint64 variantId, const QString& format, bool exists = true) {
    EvalTargetInfo t;
    t.modelId = modelId;
    t.variantId = variantId;
    t.format = format;
    t.modelPath = QStringLiteral("/models/m%1.gguf").arg(modelId);
    t.spec = variantId ? QString::number(variantId) : t.modelPath;
    t.label = variantId ? QStringLiteral("%1#%2").arg(format).arg(variantId)
                        : QStringLiteral("m%1").arg(modelId);
    t.fileExists = exists;
    return t;
}

QString qpath(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

} // namespace

class EvaluateDialogTest : public QObject {
    Q_OBJECT
private slots:
    void setModelPassesTheTester() {
        EvalSetTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSets({setInfo("tiny", 1, {{"a", 12}, {"b", 28}}), setInfo("tiny", 2, {})});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), int(EvalSetTableModel::ColumnCount));
        QCOMPARE(model.index(0, EvalSetTableModel::Slices).data().toString(),
                 QStringLiteral("a (12), b (28)"));
        QCOMPARE(model.index(1, EvalSetTableModel::Slices).data().toString(),
                 QStringLiteral("none"));
        QCOMPARE(model.index(1, EvalSetTableModel::Version).data().toString(),
                 QStringLiteral("v2"));
        QVERIFY(model.index(0, 0).data(Qt::ToolTipRole).toString().contains("tiny@v1:0123"));
        model.setSets({});
        QCOMPARE(model.rowCount(), 0);
    }

    void targetModelPassesTheTester() {
        EvalTargetListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTargets({target(1, 0, {}), target(1, 3, "int8"), target(2, 4, "q4_0", false)});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(1).data(EvalTargetListModel::SpecRole).toString(),
                 QStringLiteral("3"));
        QCOMPARE(model.index(1).data(EvalTargetListModel::LabelRole).toString(),
                 QStringLiteral("int8#3"));
        QVERIFY(model.index(0).data().toString().contains("original"));
        // A variant whose source file is gone cannot be rebuilt, so it cannot be picked.
        QVERIFY(!(model.flags(model.index(2)) & Qt::ItemIsEnabled));
        QVERIFY(model.index(2).data().toString().contains("missing"));
    }

    void baselineDefaultsToTheOriginalThenF16ThenItself() {
        const QList<EvalTargetInfo> all{target(1, 0, {}),          target(2, 0, {}, false),
                                        target(1, 3, "int8"),      target(2, 4, "f16"),
                                        target(2, 5, "int4-g128"), target(3, 6, "int8")};
        QCOMPARE(defaultBaselineIndex(all, 2), 0); // int8 of model 1: its original
        QCOMPARE(defaultBaselineIndex(all, 0), 0); // the original: itself
        QCOMPARE(defaultBaselineIndex(all, 4), 3); // model 2's file is gone: its f16
        QCOMPARE(defaultBaselineIndex(all, 5), 5); // nothing else of model 3
        QCOMPARE(defaultBaselineIndex(all, 6), -1);
        QCOMPARE(defaultBaselineIndex({}, 0), -1);
    }

    void withoutAWorkspaceItSaysToOpenOne() {
        EngineBridge bridge;
        EvaluateDialog dialog(&bridge);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isLoaded(), kTimeoutMs);
        QVERIFY(dialog.emptyState().contains("No workspace is open"));
        QVERIFY(!dialog.isReady());
    }

    void anEmptyWorkspaceSaysToOpenAModel() {
        ql::test::TempDir dir;
        EngineBridge bridge;
        bridge.setWorkspacePath(qpath(dir / "ws.sqlite"));
        EvaluateDialog dialog(&bridge);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isLoaded(), kTimeoutMs);
        QVERIFY2(dialog.emptyState().contains("Nothing to score"), qPrintable(dialog.emptyState()));
        QVERIFY(!dialog.isReady());
    }

    void aModelWithoutSetsSaysToImportOne() {
        ql::test::TempDir dir;
        EngineBridge bridge;
        bridge.setWorkspacePath(qpath(dir / "ws.sqlite"));
        const QString demo = qpath(dir / "demo.gguf");
        QSignalSpy opened(&bridge, &EngineBridge::modelOpened);
        bridge.openDemoModel(demo);
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        EvaluateDialog dialog(&bridge);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isLoaded(), kTimeoutMs);
        QCOMPARE(dialog.targetModel()->rowCount(), 1); // the opened model's own weights
        QVERIFY2(dialog.emptyState().contains("No evaluation sets"),
                 qPrintable(dialog.emptyState()));
        QSignalSpy import(&dialog, &EvaluateDialog::importRequested);
        auto* button = dialog.findChild<QPushButton*>("evaluateImportButton");
        QVERIFY(button);
        button->click();
        QCOMPARE(import.count(), 1);
    }

    void aSetAndAModelMakeItReady() {
        ql::test::TempDir dir;
        const auto ws = dir / "ws.sqlite";
        {
            ql::Workspace workspace(ws);
            ql::EvalSettings settings;
            settings.nCtx = 64;
            ql::importEvalSet(workspace, "tiny",
                              {{"1", "Once upon a time", {"a"}, ""},
                               {"2", "there was a cat", {"b"}, ""},
                               {"3", "who liked fish", {"a", "b"}, ""}},
                              settings, "tiny.jsonl", "h");
        }
        EngineBridge bridge;
        bridge.setWorkspacePath(qpath(ws));
        QSignalSpy opened(&bridge, &EngineBridge::modelOpened);
        bridge.openDemoModel(qpath(dir / "demo.gguf"));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        EvaluateDialog dialog(&bridge);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isLoaded(), kTimeoutMs);
        QVERIFY2(dialog.emptyState().isEmpty(), qPrintable(dialog.emptyState()));
        QVERIFY(dialog.isReady());
        const EvaluateRequest r = dialog.request();
        QCOMPARE(r.set, QStringLiteral("tiny@v1"));
        QVERIFY(r.setLabel.startsWith("tiny@v1:"));
        QCOMPARE(r.variant, qpath(dir / "demo.gguf"));
        QCOMPARE(r.baseline, r.variant); // an original alone: absolute scores
        QCOMPARE(dialog.setModel()->index(0, EvalSetTableModel::Slices).data().toString(),
                 QStringLiteral("a (2), b (2)"));
        const QString summary = dialog.summary();
        QVERIFY2(summary.contains("3 examples") && summary.contains("windows of 64 tokens") &&
                     summary.contains("no deltas") && summary.contains("eval tiny@v1"),
                 qPrintable(summary));
    }
};

QTEST_MAIN(EvaluateDialogTest)
#include "evaluate_dialog_test.moc"
