// EngineBridge::evaluate as the workbench runs it: a tracked job on the engine thread
// whose progress advances per window, that a cancel stops between windows (storing
// nothing), and that otherwise ends with the scorecard it stored.
#include "engine/eval/eval_set_import.h"
#include "engine/store/evalset_store.h"
#include "engine/store/score_store.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"
#include "ui/engine_bridge.h"

#include <QSignalSpy>
#include <QTest>

namespace {

constexpr int kJobTimeoutMs = 120000;

// The first `count` stories of text A as a set scored at -c 32: several windows each.
void importStories(const std::filesystem::path& ws, size_t count) {
    auto examples = ql::readSeparatedExamples(
        ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt", "<|endoftext|>");
    examples.resize(count);
    ql::EvalSettings settings;
    settings.nCtx = 32;
    ql::Workspace workspace(ws);
    ql::importEvalSet(workspace, "stories", examples, settings, "text A", "h");
}

JobInfo jobOf(const EngineBridge& bridge, quint64 id) {
    for (const JobInfo& j : bridge.jobs())
        if (j.id == id)
            return j;
    return {};
}

} // namespace

class EvalBridgeTest : public QObject {
    Q_OBJECT
private slots:
    void cancelStopsBetweenWindows() {
        if (!ql::test::dataAvailable())
            QSKIP("shared data not found (set QUANTLENS_DATA)");
        ql::test::TempDir dir;
        const auto ws = dir / "ws.quantlens";
        importStories(ws, 200);
        EngineBridge bridge;
        bridge.setWorkspacePath(QString::fromStdString(ws.string()));
        QSignalSpy cancelled(&bridge, &EngineBridge::jobCancelled);
        QSignalSpy finished(&bridge, &EngineBridge::evaluationFinished);
        const quint64 id = bridge.evaluate(
            "stories", QString::fromStdString(ql::test::stories260K().string()), {});
        QVERIFY(id != 0);
        QTRY_VERIFY_WITH_TIMEOUT(jobOf(bridge, id).done > 0, kJobTimeoutMs);
        bridge.cancelJob(id);
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kJobTimeoutMs);
        QCOMPARE(finished.count(), 0);
        const JobInfo job = jobOf(bridge, id);
        QVERIFY(job.total > job.done);
        ql::Workspace workspace(ws);
        QVERIFY(ql::scorecardList(workspace).empty());
    }

    void finishedEvaluationNamesItsScorecard() {
        if (!ql::test::dataAvailable())
            QSKIP("shared data not found (set QUANTLENS_DATA)");
        ql::test::TempDir dir;
        const auto ws = dir / "ws.quantlens";
        importStories(ws, 2);
        EngineBridge bridge;
        bridge.setWorkspacePath(QString::fromStdString(ws.string()));
        QSignalSpy finished(&bridge, &EngineBridge::evaluationFinished);
        QVERIFY(bridge.evaluate("stories@v1",
                                QString::fromStdString(ql::test::stories260K().string()), {}) != 0);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kJobTimeoutMs);
        const qint64 card = finished.at(0).at(0).toLongLong();
        QVERIFY(finished.at(0).at(1).toString().startsWith("stories@v1:"));
        ql::Workspace workspace(ws);
        const auto stored = ql::loadScorecard(workspace, card);
        QVERIFY(stored.has_value());
        QCOMPARE(stored->variants().size(), size_t(1));
    }
};

QTEST_GUILESS_MAIN(EvalBridgeTest)
#include "eval_bridge_test.moc"
