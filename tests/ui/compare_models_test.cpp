// The Compare view's item models and pure helpers: the variant list and the job list
// pass QAbstractItemModelTester; format guesses, config matching, the heatmap's variant
// filter, documented import mappings and CSV quoting are pinned by hand.
#include "ui/compare_fit_panel.h"
#include "ui/compare_types.h"
#include "ui/compare_variant_model.h"
#include "ui/export_utils.h"
#include "ui/import_scorecard_dialog.h"
#include "ui/job_list_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTest>

namespace {

QList<VariantGateVerdict> verdicts() {
    return {{"q4km", CellVerdict::Pass, 0},
            {"q2ks", CellVerdict::Fail, 3},
            {"opt-rtn (4bit)", CellVerdict::Inconclusive, 1}};
}

JobInfo job(quint64 id, JobInfo::State state, qint64 done, qint64 total) {
    JobInfo j;
    j.id = id;
    j.title = QStringLiteral("Quantizing to int8");
    j.state = state;
    j.done = done;
    j.total = total;
    return j;
}

HeatmapCell present(double delta) {
    HeatmapCell c;
    c.present = true;
    c.delta = delta;
    return c;
}

} // namespace

class CompareModelsTest : public QObject {
    Q_OBJECT
private slots:
    void variantModelPassesTheTester() {
        CompareVariantModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setVariants("bf16", verdicts(), {});
        QCOMPARE(model.rowCount(), 4);
        model.setVariants("", {}, {});
        QCOMPARE(model.rowCount(), 0);
        model.setVariants("bf16", verdicts(), {{"q2ks", "q3_K"}});
        QCOMPARE(model.format("q2ks"), QString("q3_K")); // the user's earlier choice
        QVERIFY(!model.formatGuessed("q2ks"));
        QCOMPARE(model.format("q4km"), QString("Q4_K_M"));
        QVERIFY(model.formatGuessed("q4km"));
        QCOMPARE(model.index(2, CompareVariantModel::GateColumn).data().toString(),
                 QString("fail (3)"));
    }

    void checkingAndFormatsSignal() {
        CompareVariantModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setVariants("bf16", verdicts(), {});
        QSignalSpy checked(&model, &CompareVariantModel::checkedChanged);
        QVERIFY(model.setData(model.index(1, 0), Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(checked.count(), 1);
        QCOMPARE(model.checkedVariants(), (QStringList{"bf16", "q2ks", "opt-rtn (4bit)"}));
        QSignalSpy chosen(&model, &CompareVariantModel::formatChosen);
        QVERIFY(model.setData(model.index(3, CompareVariantModel::FormatColumn), "int4-g128"));
        QCOMPARE(chosen.count(), 1);
        QCOMPARE(model.format("opt-rtn (4bit)"), QString("int4-g128"));
        QVERIFY(!model.setData(model.index(3, CompareVariantModel::GateColumn), "x"));
        model.setChecked({"q4km"});
        QCOMPARE(model.checkedVariants(), QStringList{"q4km"});
    }

    void jobModelPassesTheTester() {
        JobListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.update({job(1, JobInfo::State::Running, 3, 12)});
        model.update(
            {job(1, JobInfo::State::Running, 6, 12), job(2, JobInfo::State::Queued, 0, 0)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.job(0).id, quint64(2)); // newest first
        QCOMPARE(model.runningCount(), 2);
        QCOMPARE(model.index(1, JobListModel::ProgressColumn).data().toString(),
                 QString("6 / 12 (50 %)"));
        QCOMPARE(model.index(1, 0).data(JobListModel::ProgressRole).toDouble(), 0.5);
        QCOMPARE(model.index(0, 0).data(JobListModel::ProgressRole).toDouble(), -1.0);
        model.update({job(1, JobInfo::State::Cancelled, 7, 12)});
        QCOMPARE(model.index(1, JobListModel::StateColumn).data().toString(), QString("cancelled"));
        QCOMPARE(model.runningCount(), 1);
        for (quint64 id = 3; id < 3 + JobListModel::kMaxRows; ++id)
            model.update({job(id, JobInfo::State::Finished, 1, 1)});
        QCOMPARE(model.rowCount(), JobListModel::kMaxRows);
    }

    void formatsAreGuessedFromNames() {
        QCOMPARE(guessFitFormat("q4km"), QString("Q4_K_M"));
        QCOMPARE(guessFitFormat("Q4_K_M"), QString("Q4_K_M"));
        QCOMPARE(guessFitFormat("q3ks-opt-rtn"), QString("Q3_K_S"));
        QCOMPARE(guessFitFormat("Q4_K"), QString("Q4_K_M")); // llama-quantize's alias
        QCOMPARE(guessFitFormat("BF16 (Base 1)"), QString("bf16"));
        QCOMPARE(guessFitFormat("FP16"), QString("f16"));
        QCOMPARE(guessFitFormat("Q8_0"), QString("Q8_0"));
        QCOMPARE(guessFitFormat("IQ4_NL"), QString("IQ4_NL"));
        QCOMPARE(guessFitFormat("F32"), QString("f32"));
        QCOMPARE(guessFitFormat("INT4 AWQ"), QString("int4-g128"));
        QCOMPARE(guessFitFormat("GPTQ"), QString("int4-g128"));
        QCOMPARE(guessFitFormat("W8A8-FP8-Channelwise"), QString("fp8-channel"));
        QCOMPARE(guessFitFormat("INT8 W8-Channel-A8-Dynamic-Per-Token"), QString("int8"));
        QCOMPARE(guessFitFormat("opt-rtn (2bit)"), QString("q2_K"));
        QCOMPARE(guessFitFormat("unquantized (run with HF baseline script)"), QString("bf16"));
        QCOMPARE(guessFitFormat("Ours"), QString());
        QCOMPARE(guessFitFormat("HQQ"), QString());
    }

    void configsMatchScorecardNames() {
        const QStringList configs{"/d/meta-llama--Meta-Llama-3.1-70B_config.json",
                                  "/d/meta-llama--Meta-Llama-3.1-8B_config.json",
                                  "/d/Qwen--Qwen3-8B_config.json",
                                  "/d/Qwen--Qwen3-32B_config.json"};
        QCOMPARE(configMatching("Llama-3.1-8B", configs), configs[1]);
        QCOMPARE(configMatching("Llama-3.1-70B", configs), configs[0]);
        QCOMPARE(configMatching("Qwen3-8B", configs), configs[2]);
        QCOMPARE(configMatching("Qwen2.5-7B-Instruct", configs), QString());
        QCOMPARE(configMatching("perplexity", configs), QString());
        QCOMPARE(configMatching("", configs), QString());
    }

    void heatmapFollowsTheVariantSelection() {
        ComparisonData d;
        HeatmapData all;
        all.dimension = "acc";
        all.slices = {"arc", "boolq", "mmlu"};
        all.variants = {"a", "b", "c"};
        HeatmapCell missing;
        // mmlu: only "c" has a score.
        all.cells = {present(-0.01), present(0.02), present(0.0), present(-0.03), present(0.01),
                     present(0.04),  missing,       missing,      present(-0.05)};
        d.dimensions = {all};
        const HeatmapData h = heatmapFor(d, "acc", {"c", "a"});
        QCOMPARE(h.variants, (QStringList{"c", "a"}));
        QCOMPARE(h.slices, (QStringList{"arc", "boolq", "mmlu"}));
        QCOMPARE(h.cell(1, 0).delta, 0.04);
        QCOMPARE(h.cell(1, 1).delta, -0.03);
        const HeatmapData onlyA = heatmapFor(d, "acc", {"a", "zzz"});
        QCOMPARE(onlyA.slices, (QStringList{"arc", "boolq"})); // mmlu has nothing for a
        QCOMPARE(onlyA.variants, QStringList{"a"});
        QCOMPARE(heatmapFor(d, "nll", {"a"}).slices.size(), 0);
        QCOMPARE(all.largestDelta(), 0.05);
        QVERIFY(!all.scaleLimit());
    }

    void documentedImportsMatchDocsGates() {
        const auto r = documentedImport("/x/autoround_gguf_per_task_acc.csv");
        QCOMPARE(r.baseline, QString("bf16*"));
        QVERIFY(r.mapping.contains("dimension=const:acc"));
        QCOMPARE(documentedImport("/x/autoround_paper_methods_per_task_acc.csv").scoreScale, 0.01);
        QVERIFY(documentedImport("/x/mine.csv").mapping.isEmpty());
    }

    void tablesExportAsCsvAndText() {
        QCOMPARE(csvField("plain"), QString("plain"));
        QCOMPARE(csvField("a,b"), QString("\"a,b\""));
        QCOMPARE(csvField("say \"hi\""), QString("\"say \"\"hi\"\"\""));
        QStandardItemModel model(2, 2);
        model.setHorizontalHeaderLabels({"name", "note"});
        model.setItem(0, 0, new QStandardItem("BF16 (Base 1)"));
        model.setItem(0, 1, new QStandardItem("x,y"));
        model.setItem(1, 0, new QStandardItem("q4km"));
        model.setItem(1, 1, new QStandardItem("tab\there"));
        QCOMPARE(tableText(model, ','),
                 QString("name,note\nBF16 (Base 1),\"x,y\"\nq4km,tab\there\n"));
        QCOMPARE(tableText(model, '\t', {1}), QString("name\tnote\nq4km\ttab here\n"));
    }
};

QTEST_MAIN(CompareModelsTest)
#include "compare_models_test.moc"
