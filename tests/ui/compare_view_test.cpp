// The Compare view on real data, offscreen: the AutoRound GGUF scorecard imported through
// File > Import Scorecard's path (an engine-thread job) next to Llama-3.1-8B's config, and
// stories260K's perplexity scorecard next to the opened model. Every number checked here
// comes from an independent source: the CSV itself, llama.cpp's size table and memory
// figures, or a KV cache size worked by hand.
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"
#include "ui/compare_fit_panel.h"
#include "ui/compare_variant_model.h"
#include "ui/compare_view.h"
#include "ui/engine_bridge.h"
#include "ui/fit_chart_widget.h"
#include "ui/heatmap_widget.h"
#include "ui/job_list_model.h"
#include "ui/job_list_widget.h"
#include "ui/main_window.h"
#include "ui/workbench_context.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>
#include <cmath>
#include <fstream>

namespace {

constexpr int kTimeoutMs = 120000;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

QString qpath(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

// model,variant,task -> score, straight from the CSV.
QHash<QString, double> csvScores(const QString& path) {
    QHash<QString, double> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return out;
    f.readLine(); // header
    while (!f.atEnd()) {
        const QStringList cols = QString::fromUtf8(f.readLine()).split(',');
        if (cols.size() >= 4)
            out.insert(cols[0] + "|" + cols[1] + "|" + cols[2], cols[3].toDouble());
    }
    return out;
}

// reference/llama31_8b_quant_sizes_speed.csv: llama.cpp's size of a quant type in GiB.
double llamaCppSizeGib(const QString& quantType) {
    QFile f(qpath(ql::test::dataDir() / "reference" / "llama31_8b_quant_sizes_speed.csv"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QStringList header = QString::fromUtf8(f.readLine()).trimmed().split(',');
    const auto typeCol = header.indexOf("quant_type"), sizeCol = header.indexOf("size_gib");
    while (!f.atEnd()) {
        const QStringList cols = QString::fromUtf8(f.readLine()).trimmed().split(',');
        if (cols.value(typeCol) == quantType)
            return cols.value(sizeCol).toDouble();
    }
    return -1;
}

const FitBar* barOf(const FitChartData& d, const QString& variant) {
    for (const FitBar& b : d.bars)
        if (b.variant == variant)
            return &b;
    return nullptr;
}

void saveGrab(QWidget* w, const QString& name) {
    QTest::qWait(200);
    const QString dir = qEnvironmentVariable("QUANTLENS_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
        QDir().mkpath(dir);
        QVERIFY(w->grab().save(dir + "/" + name));
    }
}

} // namespace

class CompareViewTest : public QObject {
    Q_OBJECT
private:
    ql::test::TempDir m_tmp;

    bool skipWithoutData() {
        if (ql::test::dataAvailable())
            return false;
        if (ql::test::dataRequired())
            qFatal("%s", ql::test::dataMissingMessage().c_str());
        ql::test::dataMissingMessage();
        return true;
    }

    std::unique_ptr<MainWindow> makeWindow(const QString& workspace, QStringList& errors) {
        auto w = std::make_unique<MainWindow>(MainWindowOptions{workspace});
        w->setErrorPresenter(
            [&errors](const QString& t, const QString& m) { errors << t + ": " + m; });
        w->resize(1600, 900);
        w->show();
        return w;
    }

    // quantlens-cli beside this test's build tree when ctest did not name one.
    bool findCli() {
        if (!qEnvironmentVariableIsEmpty("QUANTLENS_CLI"))
            return true;
        const QString cli = QCoreApplication::applicationDirPath() + "/../app/quantlens-cli";
        if (!QFile::exists(cli))
            return false;
        qputenv("QUANTLENS_CLI", cli.toUtf8());
        return true;
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("QuantlensTest");
        QCoreApplication::setApplicationName("QuantlensCompareTest");
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                           qpath(m_tmp / "settings"));
    }

    void emptyWorkspaceSaysWhatToDo() {
        QStringList errors;
        auto w = makeWindow(qpath(m_tmp / "empty.sqlite"), errors);
        w->tabs()->setCurrentWidget(w->compareView());
        QTRY_VERIFY_WITH_TIMEOUT(w->compareView()->showsEmptyState(), kTimeoutMs);
        QTest::qWait(300);
        QVERIFY(w->compareView()->showsEmptyState());
        // Ctrl+1..N switch tabs in order: Tensors, Layers, Compare, ...
        w->findChild<QAction*>("actionTab1")->trigger();
        QCOMPARE(w->tabs()->currentIndex(), 0);
        w->findChild<QAction*>("actionTab3")->trigger();
        QCOMPARE(w->tabs()->currentWidget(), w->compareView());
        QCOMPARE(w->findChild<QAction*>("actionTab3")->shortcut(), QKeySequence("Ctrl+3"));
        QCOMPARE(w->tabs()->count(), 5); // Tensors, Layers, Compare, Scorecards, Decision
        w->findChild<QAction*>("actionTab5")->trigger();
        QCOMPARE(w->tabs()->currentIndex(), 4);
        w->findChild<QAction*>("actionTab3")->trigger();
        QVERIFY(errors.isEmpty());
    }

    void autoRoundScorecardBesideLlamaConfig() {
        if (skipWithoutData())
            QSKIP("shared data not found (set QUANTLENS_DATA); this test did NOT run");
        const QString csv =
            qpath(ql::test::dataDir() / "scorecards" / "autoround_gguf_per_task_acc.csv");
        QStringList errors;
        auto w = makeWindow(qpath(m_tmp / "autoround.sqlite"), errors);
        CompareView* view = w->compareView();
        QSignalSpy imported(w->bridge(), &EngineBridge::scorecardsImported);
        QVERIFY(w->importScorecard(csv,
                                   "group=model,variant=variant,slice=task,score=score,"
                                   "dimension=const:acc,evaluator=eval_setup",
                                   "bf16*"));
        QVERIFY(w->jobList()->model()->rowCount() >= 1); // the import shows in the job list
        QTRY_COMPARE_WITH_TIMEOUT(imported.count(), 1, kTimeoutMs);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
        QTRY_COMPARE_WITH_TIMEOUT(view->scorecardCombo()->count(), 3, kTimeoutMs);
        QCOMPARE(w->tabs()->currentWidget(), view);
        const int llama = view->scorecardCombo()->findText("Llama-3.1-8B", Qt::MatchStartsWith);
        QVERIFY(llama >= 0);
        view->scorecardCombo()->setCurrentIndex(llama);
        QTRY_COMPARE_WITH_TIMEOUT(view->comparison().card.name, QString("Llama-3.1-8B"),
                                  kTimeoutMs);

        // Heatmap: every cell's delta is the CSV's variant minus baseline; the reported
        // Average is not a slice; with no n the default 0.02 limit makes a larger
        // regression inconclusive (significance unknown), never a pass or a fail.
        const HeatmapData& h = view->heatmap()->data();
        QCOMPARE(h.dimension, QString("acc"));
        QCOMPARE(h.baseline, QString("BF16 (Base 1)"));
        QCOMPARE(h.variants.size(), 7);
        QCOMPARE(h.slices.size(), 10);
        QVERIFY(!h.slices.contains("Average"));
        const auto scores = csvScores(csv);
        for (int r = 0; r < h.slices.size(); ++r)
            for (int c = 0; c < h.variants.size(); ++c) {
                const HeatmapCell& cell = h.cell(r, c);
                const double base = scores.value("Llama-3.1-8B|BF16 (Base 1)|" + h.slices[r]);
                const double value =
                    scores.value("Llama-3.1-8B|" + h.variants[c] + "|" + h.slices[r]);
                QVERIFY(cell.present);
                QCOMPARE(cell.delta, value - base);
                QCOMPARE(cell.significance, CellSignificance::Unknown);
                QCOMPARE(cell.verdict, -cell.delta > 0.02 + 1e-12 ? CellVerdict::Inconclusive
                                                                  : CellVerdict::Pass);
            }

        // Fit: the config matching the scorecard is picked; BF16 weights are llama.cpp's
        // F16 size (same bytes per weight); the KV cache at 8192 tokens is worked by hand:
        // 32 layers x 8192 cells x 8 KV heads x 128 x (K + V) x 2 bytes = 1 GiB.
        CompareFitPanel* fit = view->fitPanel();
        QTRY_VERIFY_WITH_TIMEOUT(fit->shapeCombo()->currentData().toString().endsWith(
                                     "meta-llama--Meta-Llama-3.1-8B_config.json"),
                                 kTimeoutMs);
        fit->contextSlider()->setValue(13);
        fit->batchSlider()->setValue(0);
        QTRY_VERIFY_WITH_TIMEOUT(barOf(fit->chart()->data(), "q4km") &&
                                     barOf(fit->chart()->data(), "q4km")->error.isEmpty(),
                                 kTimeoutMs);
        const FitBar* bf16 = barOf(fit->chart()->data(), "BF16 (Base 1)");
        QVERIFY(bf16 && bf16->error.isEmpty());
        QCOMPARE(bf16->format, QString("bf16"));
        const double weightsGib =
            double(bf16->part(FitPart::Weights) + bf16->part(FitPart::Metadata)) / kGiB;
        QCOMPARE(std::round(weightsGib * 100) / 100, llamaCppSizeGib("F16"));
        QCOMPARE(bf16->part(FitPart::KvCache), quint64(1) << 30);
        const FitBar* q4 = barOf(fit->chart()->data(), "q4km");
        // "q4km" is llama-quantize's Q4_K_M layout, whose size llama.cpp published.
        QCOMPARE(q4->format, QString("Q4_K_M"));
        QVERIFY(q4->formatGuessed);
        QVERIFY(q4->part(FitPart::Metadata) > 0);
        const double q4Gib =
            double(q4->part(FitPart::Weights) + q4->part(FitPart::Metadata)) / kGiB;
        QCOMPARE(std::round(q4Gib * 100) / 100, llamaCppSizeGib("Q4_K_M"));
        QVERIFY(q4->total() < bf16->total());
        // The slider redraws live: twice the context, twice the KV cache.
        fit->contextSlider()->setValue(14);
        QCOMPARE(barOf(fit->chart()->data(), "BF16 (Base 1)")->part(FitPart::KvCache), quint64(2)
                                                                                           << 30);
        fit->batchSlider()->setValue(1);
        QCOMPARE(barOf(fit->chart()->data(), "BF16 (Base 1)")->part(FitPart::KvCache), quint64(4)
                                                                                           << 30);
        QCOMPARE(fit->chart()->data().gpus.size(), 2);
        QCOMPARE(fit->chart()->data().gpus[1].cardBytes, quint64(80) << 30); // H100 SXM

        // Both charts follow one selection.
        view->variantModel()->setChecked({"BF16 (Base 1)", "q4km", "q2ks"});
        QStringList shown = view->heatmap()->data().variants; // in scorecard order
        shown.sort();
        QCOMPARE(shown, (QStringList{"q2ks", "q4km"}));
        QCOMPARE(fit->chart()->data().bars.size(), 3);
        QCOMPARE(w->context()->comparedVariants().size(), 3);
        view->variantModel()->setChecked(view->comparison().card.variants);
        fit->contextSlider()->setValue(13);
        fit->batchSlider()->setValue(0);
        saveGrab(view, "compare-autoround.png");
        saveGrab(w.get(), "screenshot-compare.png");
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
    }

    void storiesPerplexityBesideTheOpenedModel() {
        if (skipWithoutData())
            QSKIP("shared data not found (set QUANTLENS_DATA); this test did NOT run");
        if (!findCli())
            QSKIP("quantlens-cli not built beside this test (build it, or set QUANTLENS_CLI); "
                  "this test did NOT run");
        const auto ws = m_tmp / "stories.sqlite";
        const auto data = ql::test::dataDir();
        for (const char* quant : {"Q8_0", "Q4_0"}) {
            const auto r = ql::test::runCli(
                "perplexity " +
                ql::test::shellQuote(data / "golden" /
                                     (std::string("stories260K-") + quant + ".gguf")) +
                " -f " + ql::test::shellQuote(data / "text" / "tinystories_valid_501-1000.txt") +
                " -c 128 --chunks 12 --kl-divergence-base " +
                ql::test::shellQuote(ql::test::stories260K()) + " --workspace " +
                ql::test::shellQuote(ws) + " --variant " + quant + " --base-variant F32");
            QVERIFY2(r.exitCode == 0, r.err.c_str());
        }
        const auto policy = m_tmp / "stories-policy.json";
        std::ofstream(policy) << R"({"name": "stories", "lower_is_better": ["nll", "kld"],
            "dimensions": {"nll": {"absolute": 0.01}, "kld": {"absolute": 0.005},
                           "same_top": {"absolute": 0.03}}})";
        QStringList errors;
        auto w = makeWindow(qpath(ws), errors);
        CompareView* view = w->compareView();
        view->setPolicyPath(qpath(policy));
        w->openModel(qpath(ql::test::stories260K()));
        QTRY_VERIFY_WITH_TIMEOUT(w->context()->model().isValid(), kTimeoutMs);
        w->tabs()->setCurrentWidget(view);
        QTRY_VERIFY_WITH_TIMEOUT(
            view->comparison().isValid() && view->comparison().policyName == "stories", kTimeoutMs);
        view->dimensionCombo()->setCurrentText("kld");
        const HeatmapData& h = view->heatmap()->data();
        QCOMPARE(h.dimension, QString("kld"));
        QVERIFY(h.lowerIsBetter);
        const int q8 = int(h.variants.indexOf("Q8_0")), q4 = int(h.variants.indexOf("Q4_0"));
        QVERIFY(q8 >= 0 && q4 >= 0);
        // The CLI gate test's verdicts: Q4_0's KL divergence fails, Q8_0's passes.
        QCOMPARE(h.cell(0, q4).verdict, CellVerdict::Fail);
        QCOMPARE(h.cell(0, q8).verdict, CellVerdict::Pass);
        QVERIFY(h.cell(0, q4).ciLow && h.cell(0, q4).ciHigh);
        QVERIFY(h.cell(0, q4).method.startsWith("paired bootstrap"));
        QVERIFY(h.cell(0, q4).baselineN > 0);

        // The opened model sizes the bars: F32 is every tensor as stored, the model
        // buffer llama.cpp printed (1 171 200 B); the compute buffer at n_ctx 128, 256,
        // 512 and 2048 is llama.cpp's CPU figure (golden/memory.csv).
        CompareFitPanel* fit = view->fitPanel();
        QTRY_VERIFY_WITH_TIMEOUT(fit->shapeCombo()->currentData().toString() ==
                                     qpath(ql::test::stories260K()),
                                 kTimeoutMs);
        fit->batchSlider()->setValue(0);
        const QList<QPair<int, quint64>> compute{
            {7, 722432}, {8, 2624512}, {9, 9967616}, {11, 38279168}};
        for (const auto& [position, bytes] : compute) {
            fit->contextSlider()->setValue(position);
            QTRY_VERIFY_WITH_TIMEOUT(barOf(fit->chart()->data(), "F32") &&
                                         barOf(fit->chart()->data(), "F32")->error.isEmpty(),
                                     kTimeoutMs);
            const FitBar* f32 = barOf(fit->chart()->data(), "F32");
            QCOMPARE(f32->part(FitPart::Weights) + f32->part(FitPart::Metadata), quint64(1171200));
            QCOMPARE(f32->part(FitPart::Activations), bytes);
        }
        const FitBar* q8bar = barOf(fit->chart()->data(), "Q8_0");
        QVERIFY(q8bar && q8bar->error.isEmpty());
        QVERIFY(q8bar->part(FitPart::Metadata) > 0);
        fit->contextSlider()->setValue(9);
        saveGrab(view, "compare-stories.png");
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
    }
};

QTEST_MAIN(CompareViewTest)
#include "compare_view_test.moc"
