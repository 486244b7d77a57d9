// The baseline record of an evaluation set chosen in the window (Evaluate > Import
// Evaluation Set…, "Baseline kept"): the dialog's request carries the top-k, the import job
// stores it in the set's settings (a new version: the hash covers it), the set's tooltip and
// the Evaluate dialog's summary name it, and a value the engine refuses fails the job with
// the engine's words while the sets already stored stay.
#include "engine/eval/eval_set.h"
#include "engine/store/evalset_store.h"
#include "tests/common/temp_dir.h"
#include "ui/engine_bridge.h"
#include "ui/eval_import_dialog.h"
#include "ui/eval_set_model.h"

#include <QDir>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <fstream>

namespace {

constexpr int kJobTimeoutMs = 60000;

QString qpath(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

void writeJsonl(const std::filesystem::path& path) {
    std::ofstream out(path, std::ios::binary);
    out << "{\"id\": \"a\", \"text\": \"Once upon a time\", \"slice\": \"short\"}\n";
    out << "{\"id\": \"b\", \"text\": \"there was a cat who liked fish\", \"slice\": \"long\"}\n";
}

} // namespace

class EvalImportTopKTest : public QObject {
    Q_OBJECT
private slots:
    void dialogRequestCarriesTheTopK() {
        EvalImportDialog dialog;
        auto* topK = dialog.findChild<QSpinBox*>("evalImportBaselineTopK");
        QVERIFY(topK);
        QCOMPARE(topK->value(), 0);
        QCOMPARE(topK->maximum(), int(ql::kMaxBaselineTopK));
        QCOMPARE(topK->text(), topK->specialValueText());
        QCOMPARE(dialog.request().options.baselineTopK, 0);
        // Every label shows its mnemonic underlined, never a literal '&'.
        for (const QLabel* label : dialog.findChildren<QLabel*>())
            if (label->text().startsWith('&'))
                QVERIFY2(label->buddy(), qPrintable(label->text()));
        topK->setValue(32);
        QCOMPARE(dialog.request().options.baselineTopK, 32);
        QVERIFY(topK->text().contains("32"));
        const QString shots = qEnvironmentVariable("QUANTLENS_SCREENSHOT_DIR");
        if (!shots.isEmpty()) {
            dialog.show();
            QTest::qWait(200);
            QDir().mkpath(shots);
            QVERIFY(dialog.grab().save(shots + "/screenshot-eval-import-dialog.png"));
        }
    }

    void importStoresTheTopKAsANewVersion() {
        ql::test::TempDir dir;
        const auto ws = dir / "ws.quantlens";
        const auto file = dir / "tiny.jsonl";
        writeJsonl(file);
        EngineBridge bridge;
        bridge.setWorkspacePath(qpath(ws));
        QSignalSpy imported(&bridge, &EngineBridge::evalSetImported);
        QSignalSpy failed(&bridge, &EngineBridge::evalSetImportFailed);

        EvalSetImportOptions full;
        full.nCtx = 64;
        QVERIFY(bridge.importEvalSet(qpath(file), full) != 0);
        QTRY_COMPARE_WITH_TIMEOUT(imported.count(), 1, kJobTimeoutMs);
        EvalSetImportOptions top = full;
        top.baselineTopK = 32;
        QVERIFY(bridge.importEvalSet(qpath(file), top) != 0);
        QTRY_COMPARE_WITH_TIMEOUT(imported.count(), 2, kJobTimeoutMs);

        const auto first = imported.at(0).at(0).value<EvalSetInfo>();
        const auto second = imported.at(1).at(0).value<EvalSetInfo>();
        QCOMPARE(first.baselineTopK, 0);
        QCOMPARE(second.baselineTopK, 32);
        QVERIFY(imported.at(1).at(1).toBool()); // created: the settings are in the hash
        QCOMPARE(second.version, first.version + 1);
        QVERIFY(second.contentHash != first.contentHash);
        QCOMPARE(baselineRecordText(first), QStringLiteral("full log-prob record"));
        QVERIFY(baselineRecordText(second).startsWith("top 32 tokens and a tail bucket"));
        EvalSetTableModel model;
        model.setSets({first, second});
        const QString tip = model.data(model.index(1, 0), Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains("baseline: top 32 tokens"), qPrintable(tip));

        {
            const ql::Workspace workspace(ws);
            const auto versions = ql::evalSetVersions(workspace);
            QCOMPARE(versions.size(), size_t(2));
            QCOMPARE(versions[0].settings.baselineTopK, 0);
            QCOMPARE(versions[1].settings.baselineTopK, 32);
        }

        EvalSetImportOptions tooMany = full;
        tooMany.baselineTopK = ql::kMaxBaselineTopK + 1;
        QVERIFY(bridge.importEvalSet(qpath(file), tooMany) != 0);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kJobTimeoutMs);
        const QString why = failed.at(0).at(1).toString();
        QVERIFY2(why.contains(QString::number(ql::kMaxBaselineTopK + 1)), qPrintable(why));
        const ql::Workspace workspace(ws);
        QCOMPARE(ql::evalSetVersions(workspace).size(), size_t(2));
    }
};

QTEST_MAIN(EvalImportTopKTest)
#include "eval_import_topk_test.moc"
