// The evaluation workflow as a user runs it in the workbench, offscreen, on stories260K:
// open the model, quantize it, import a small evaluation set (Evaluate > Import
// Evaluation Set…), score the variant through the Evaluate dialog, and land on its
// scorecard. The stored numbers are checked against an independent runEvaluation on a
// second workspace; a malformed file fails with the engine's file:line (byte offset)
// message and leaves the sets already stored alone. Screenshots when asked for.
#include "engine/eval/eval_job.h"
#include "engine/eval/eval_set_import.h"
#include "engine/jobs/engine_thread.h"
#include "engine/jobs/quantize_job.h"
#include "engine/store/evalset_store.h"
#include "engine/store/score_store.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"
#include "ui/engine_bridge.h"
#include "ui/evaluate_dialog.h"
#include "ui/main_window.h"
#include "ui/scorecards_view.h"
#include "ui/workbench_context.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>
#include <fstream>
#include <nlohmann/json.hpp>

namespace {

constexpr int kJobTimeoutMs = 180000;
constexpr int64_t kCtx = 64;

QString qpath(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

// Six stories of text A with slices, one of them in two, as the JSONL a user would write.
void writeStoriesJsonl(const std::filesystem::path& path) {
    auto stories = ql::readSeparatedExamples(
        ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt", "<|endoftext|>");
    const char* slices[][2] = {{"short", ""},     {"dialogue", ""},  {"short", "dialogue"},
                               {"narrative", ""}, {"narrative", ""}, {"short", ""}};
    std::ofstream out(path, std::ios::binary);
    for (size_t i = 0; i < 6; ++i) {
        nlohmann::json j{{"id", "story-" + std::to_string(i + 1)}, {"text", stories[i].text}};
        j["slice"] = *slices[i][1] ? nlohmann::json{slices[i][0], slices[i][1]}
                                   : nlohmann::json(slices[i][0]);
        out << j.dump() << "\n";
    }
}

void writeMalformedJsonl(const std::filesystem::path& path) {
    std::ofstream out(path, std::ios::binary);
    out << "{\"id\": \"a\", \"text\": \"Once upon a time\"}\n";
    out << "{\"id\": \"b\", \"text\": \"there was a cat\"}\n";
    out << "{\"id\": \"c\", \"text\": \"who liked fish\n"; // unterminated string
}

// The same set and variant on a fresh workspace, scored by the engine alone.
ql::score::Scorecard independentScorecard(const std::filesystem::path& ws,
                                          const std::filesystem::path& jsonl) {
    ql::JobContext ctx;
    {
        ql::Workspace workspace(ws);
        ql::BackendSet backends(ql::BackendSet::Preference::Cpu);
        ql::QuantizeRequest q;
        q.modelPath = ql::test::stories260K();
        q.format = ql::QuantFormat::Int8PerChannel;
        ql::quantizeModel(q, workspace, backends, ctx);
        ql::EvalSettings settings;
        settings.nCtx = kCtx;
        ql::importEvalSet(workspace, "stories-slices", ql::readJsonlExamples(jsonl), settings,
                          jsonl.string(), ql::hashFiles({jsonl}));
    }
    const ql::EvalOutcome outcome = ql::runEvaluation(
        {ws, "stories-slices@v1", "1", ql::test::stories260K().string(), "", 0}, ctx);
    return *ql::loadScorecard(ql::Workspace(ws), outcome.scorecardId);
}

void saveScreenshot(QWidget* widget, const QString& name) {
    const QString dir = qEnvironmentVariable("QUANTLENS_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QTest::qWait(300);
    QDir().mkpath(dir);
    QVERIFY(widget->grab().save(dir + "/" + name));
}

} // namespace

class EvalWorkflowTest : public QObject {
    Q_OBJECT
private:
    ql::test::TempDir m_tmp;
    QStringList m_errorTitles, m_errors;

    std::unique_ptr<MainWindow> makeWindow(const QString& workspace) {
        auto w = std::make_unique<MainWindow>(MainWindowOptions{workspace});
        w->setErrorPresenter([this](const QString& title, const QString& message) {
            m_errorTitles << title;
            m_errors << message;
        });
        w->resize(1400, 900);
        w->show();
        return w;
    }

    EvalSetupData evalSets(EngineBridge& bridge) {
        QSignalSpy loaded(&bridge, &EngineBridge::evalSetsLoaded);
        bridge.loadEvalSets();
        if (!QTest::qWaitFor([&] { return loaded.count() > 0; }, kJobTimeoutMs))
            return {};
        return loaded.takeFirst().at(0).value<EvalSetupData>();
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("QuantlensTest");
        QCoreApplication::setApplicationName("QuantlensEvalWorkflowTest");
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                           qpath(m_tmp / "settings"));
    }

    void importsEvaluatesAndShowsTheScorecard() {
        if (!ql::test::dataAvailable()) {
            if (ql::test::dataRequired())
                qFatal("%s", ql::test::dataMissingMessage().c_str());
            ql::test::dataMissingMessage(); // prints the loud banner
            QSKIP("shared data not found (set QUANTLENS_DATA); this test did NOT run");
        }
        const auto jsonl = m_tmp / "stories-slices.jsonl";
        writeStoriesJsonl(jsonl);
        auto w = makeWindow(qpath(m_tmp / "ws.sqlite"));
        EngineBridge* bridge = w->bridge();
        QSignalSpy opened(w->context(), &WorkbenchContext::modelOpened);
        w->openModel(qpath(ql::test::stories260K()));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kJobTimeoutMs);
        auto* int8 = w->findChild<QAction*>("actionQuantizeInt8");
        QTRY_VERIFY_WITH_TIMEOUT(int8->isEnabled(), kJobTimeoutMs);
        int8->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w->context()->variants().size(), 1, kJobTimeoutMs);

        QSignalSpy imported(bridge, &EngineBridge::evalSetImported);
        EvalSetImportOptions options;
        options.nCtx = kCtx;
        QVERIFY(w->importEvalSet(qpath(jsonl), options));
        QTRY_COMPARE_WITH_TIMEOUT(imported.count(), 1, kJobTimeoutMs);
        const auto set = imported.at(0).at(0).value<EvalSetInfo>();
        QCOMPARE(set.spec(), QStringLiteral("stories-slices@v1"));
        QCOMPARE(set.exampleCount, 6);

        auto* evaluate = w->findChild<QAction*>("actionEvaluate");
        QVERIFY(evaluate);
        QCOMPARE(evaluate->shortcut(), QKeySequence(QStringLiteral("Ctrl+E")));
        evaluate->trigger();
        EvaluateDialog* dialog = w->evaluateDialog();
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->isLoaded() && dialog->isReady(), kJobTimeoutMs);
        QVERIFY(dialog->selectSet(set.spec()));
        QVERIFY(dialog->selectVariant(QStringLiteral("1")));
        const EvaluateRequest request = dialog->request();
        // The default baseline is the variant's source model, by its file.
        QCOMPARE(QFileInfo(request.baseline).canonicalFilePath(),
                 QFileInfo(qpath(ql::test::stories260K())).canonicalFilePath());
        QCOMPARE(request.variantLabel, QStringLiteral("int8#1"));
        QVERIFY2(dialog->summary().contains("6 examples"), qPrintable(dialog->summary()));
        saveScreenshot(dialog, "screenshot-evaluate-dialog.png");

        QSignalSpy finished(bridge, &EngineBridge::evaluationFinished);
        QSignalSpy scoreData(bridge, &EngineBridge::scoreDataLoaded);
        dialog->accept();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kJobTimeoutMs);
        QVERIFY2(m_errors.isEmpty(), qPrintable(m_errors.join('\n')));
        const qint64 cardId = finished.at(0).at(0).toLongLong();
        QCOMPARE(finished.at(0).at(1).toString(), set.label);
        QCOMPARE(w->tabs()->currentWidget(), w->scorecardsView());
        QTRY_COMPARE_WITH_TIMEOUT(w->scorecardsView()->currentScorecard(), cardId, kJobTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(scoreData.count() > 0, kJobTimeoutMs);
        const auto shown = scoreData.last().at(0).value<ScoreViewData>();
        const ScorecardData* card = shown.scorecard(cardId);
        QVERIFY(card);
        QVERIFY(card->evalSetVersion.startsWith(set.label));
        saveScreenshot(w.get(), "screenshot-scorecards-eval.png");

        // The same evaluation by the engine alone, on a workspace of its own.
        const ql::score::Scorecard direct = independentScorecard(m_tmp / "direct.sqlite", jsonl);
        QCOMPARE(card->evalSetVersion, QString::fromStdString(direct.evalSetVersion));
        int compared = 0;
        for (const auto& c : direct.cells) {
            const ScoreCellData* mine =
                card->find(QString::fromStdString(c.variant), QString::fromStdString(c.dimension),
                           QString::fromStdString(c.slice));
            QVERIFY2(mine, (c.variant + " " + c.dimension + " " + c.slice).c_str());
            QCOMPARE(mine->score, c.score);
            QCOMPARE(mine->n, c.n);
            ++compared;
        }
        for (const char* slice : {"short", "dialogue", "narrative"})
            QVERIFY(card->find("int8#1", "kld", slice));
        QVERIFY2(compared >= 2 * 3 * 4, qPrintable(QString::number(compared)));
    }

    void aMalformedSetNamesTheLineAndKeepsTheStoredSets() {
        ql::test::TempDir dir;
        const auto ws = dir / "ws.sqlite";
        {
            ql::Workspace workspace(ws);
            ql::importEvalSet(workspace, "kept", {{"1", "Once upon a time", {"a"}, ""}}, {},
                              "kept.jsonl", "h");
        }
        const auto bad = dir / "broken-set.jsonl";
        writeMalformedJsonl(bad);
        m_errors.clear();
        m_errorTitles.clear();
        auto w = makeWindow(qpath(ws));
        const EvalSetupData before = evalSets(*w->bridge());
        QCOMPARE(before.sets.size(), 1);

        QSignalSpy failed(w->bridge(), &EngineBridge::evalSetImportFailed);
        QVERIFY(w->importEvalSet(qpath(bad), {}));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kJobTimeoutMs);
        QCOMPARE(failed.at(0).at(0).toString(), qpath(bad));
        QCOMPARE(m_errors.size(), 1);
        QVERIFY2(m_errors[0].contains("broken-set.jsonl:3 (byte ") &&
                     m_errors[0].contains("bad JSON"),
                 qPrintable(m_errors[0]));
        QVERIFY(m_errorTitles[0].contains("broken-set.jsonl"));

        const EvalSetupData after = evalSets(*w->bridge());
        QCOMPARE(after.sets.size(), 1);
        QCOMPARE(after.sets[0].label, before.sets[0].label);
        QCOMPARE(after.sets[0].exampleCount, 1);
    }
};

QTEST_MAIN(EvalWorkflowTest)
#include "eval_workflow_test.moc"
