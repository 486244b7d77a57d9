// The workbench driven as a user would, offscreen: open a model, quantize it twice,
// read the chart; open a damaged file and see the engine's message; cancel a job.
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"
#include "ui/engine_bridge.h"
#include "ui/error_chart_panel.h"
#include "ui/main_window.h"
#include "ui/recent_files.h"
#include "ui/tensor_detail_panel.h"
#include "ui/tensor_table_panel.h"
#include "ui/workbench_context.h"
#include "ui/worst_tensors_panel.h"

#include "engine/compute/backend.h"
#include "engine/model/safetensors_writer.h"
#include "engine/quant/imatrix_file.h"
#include "tests/common/golden_files.h"

#include <QAction>
#include <QApplication>
#include <QBarSeries>
#include <QBarSet>
#include <QDir>
#include <QDropEvent>
#include <QFileInfo>
#include <QLabel>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTest>
#include <QUrl>
#include <cstring>
#include <fstream>

namespace {

constexpr int kJobTimeoutMs = 60000;

QString qpath(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

// A GGUF header that promises tensors and metadata, then ends.
void writeTruncatedGguf(const std::filesystem::path& path) {
    std::ofstream out(path, std::ios::binary);
    const uint32_t version = 3;
    const uint64_t tensors = 12, kvs = 20;
    out.write("GGUF", 4);
    out.write(reinterpret_cast<const char*>(&version), sizeof version);
    out.write(reinterpret_cast<const char*>(&tensors), sizeof tensors);
    out.write(reinterpret_cast<const char*>(&kvs), sizeof kvs);
    const uint64_t keyLength = 1000; // longer than what follows
    out.write(reinterpret_cast<const char*>(&keyLength), sizeof keyLength);
    out.write("general.arch", 12);
}

struct ErrorLog {
    QStringList titles;
    QStringList messages;
};

} // namespace

class MainWindowTest : public QObject {
    Q_OBJECT
private:
    ql::test::TempDir m_tmp;

    std::unique_ptr<MainWindow> makeWindow(ErrorLog& errors, const QString& workspace) {
        auto w = std::make_unique<MainWindow>(MainWindowOptions{workspace});
        w->setErrorPresenter([&errors](const QString& title, const QString& message) {
            errors.titles << title;
            errors.messages << message;
        });
        w->resize(1400, 900);
        w->show();
        return w;
    }

    bool skipWithoutData() {
        if (ql::test::dataAvailable())
            return false;
        if (ql::test::dataRequired())
            qFatal("%s", ql::test::dataMissingMessage().c_str());
        ql::test::dataMissingMessage(); // prints the loud banner
        return true;
    }

    void quantizeAndWait(MainWindow& w, const char* action, int expectedVariants) {
        auto* a = w.findChild<QAction*>(action);
        QVERIFY(a);
        QTRY_VERIFY_WITH_TIMEOUT(a->isEnabled(), kJobTimeoutMs);
        a->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.context()->variants().size(), expectedVariants, kJobTimeoutMs);
    }

    void dropFile(MainWindow& w, const QString& path) {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        const QPointF at(w.width() / 2.0, w.height() / 2.0);
        QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &drop);
        QVERIFY(drop.isAccepted());
    }

    // Clicks the table row of `name`, as a user would.
    void selectTensor(MainWindow& w, const QString& name) {
        auto* panel = w.findChild<TensorTablePanel*>();
        QVERIFY(panel);
        QAbstractItemModel* model = panel->view()->model();
        for (int r = 0; r < model->rowCount(); ++r)
            if (model->index(r, 0).data().toString() == name)
                panel->view()->setCurrentIndex(model->index(r, 0));
        QCOMPARE(w.context()->selectedTensor(), name);
    }

    void saveScreenshot(MainWindow& w) {
        const QString dir = qEnvironmentVariable("QUANTLENS_SCREENSHOT_DIR");
        if (dir.isEmpty())
            return;
        QTest::qWait(300); // let the chart's animations and layout settle
        QDir().mkpath(dir);
        QVERIFY(w.grab().save(dir + "/screenshot-main.png"));
    }

private slots:
    void initTestCase() {
        // Keep the user's settings, recent files and demo folder out of tests.
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("QuantlensTest");
        QCoreApplication::setApplicationName("QuantlensUiTest");
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                           qpath(m_tmp / "settings"));
    }

    // Quantize > llama.cpp Presets: a variant named after llama-quantize's file type, its
    // tensors in the types llama-quantize gives them.
    void quantizesWithALlamaCppPreset() {
        if (skipWithoutData())
            QSKIP("shared data not found (set QUANTLENS_DATA); this test did NOT run");
        ErrorLog errors;
        auto w = makeWindow(errors, qpath(m_tmp / "preset.sqlite"));
        QSignalSpy opened(w->context(), &WorkbenchContext::modelOpened);
        w->openModel(qpath(ql::test::stories260K()));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kJobTimeoutMs);
        quantizeAndWait(*w, "actionQuantizePreset_Q4_K_M", 1);
        QVERIFY2(errors.messages.isEmpty(), qPrintable(errors.messages.join('\n')));
        const VariantErrors& v = w->context()->variants().front();
        QCOMPARE(v.format, QString("Q4_K_M"));
        // Bytes of each tensor in its type: output.weight 512 x 64 in q8_0 (Q6_K's
        // fallback, 34 B per 32), attn_v 32 x 64 in q8_0 in layer 2 (use_more_bits) and in
        // q5_0 (Q4_K's fallback, 22 B per 32) in layer 1, ffn_down 64 x 172 in f16.
        const auto bytesOf = [&](const char* name) {
            const auto* t = v.findTensor(name);
            return t ? t->bytes : 0;
        };
        QCOMPARE(bytesOf("output.weight"), uint64_t(512 * 2 * 34));
        QCOMPARE(bytesOf("blk.2.attn_v.weight"), uint64_t(32 * 2 * 34));
        QCOMPARE(bytesOf("blk.1.attn_v.weight"), uint64_t(32 * 2 * 22));
        QCOMPARE(bytesOf("blk.0.ffn_down.weight"), uint64_t(64 * 172 * 2));
    }

    void opensQuantizesAndChartsStories() {
        if (skipWithoutData())
            QSKIP("shared data not found (set QUANTLENS_DATA); this test did NOT run");
        ErrorLog errors;
        auto w = makeWindow(errors, qpath(m_tmp / "stories.sqlite"));
        QSignalSpy opened(w->context(), &WorkbenchContext::modelOpened);
        w->openModel(qpath(ql::test::stories260K()));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kJobTimeoutMs);
        QVERIFY2(errors.messages.isEmpty(), qPrintable(errors.messages.join('\n')));
        QCOMPARE(w->context()->model().layers, 5);
        QVERIFY(RecentFiles::load().contains(
            QFileInfo(qpath(ql::test::stories260K())).absoluteFilePath()));
        QVERIFY(!w->chartPanel()->barSeries()); // nothing to draw yet

        quantizeAndWait(*w, "actionQuantizeInt8", 1);
        quantizeAndWait(*w, "actionQuantizeInt4", 2);
        QVERIFY2(errors.messages.isEmpty(), qPrintable(errors.messages.join('\n')));

        QBarSeries* series = w->chartPanel()->barSeries();
        QVERIFY(series);
        QCOMPARE(series->count(), 2);
        const QStringList categories = w->chartPanel()->chartData().categories;
        QVERIFY2(categories.size() >= 5, qPrintable(categories.join(',')));
        for (int layer = 0; layer < 5; ++layer)
            QVERIFY(categories.contains(QString::number(layer)));
        for (QBarSet* set : series->barSets()) {
            QCOMPARE(set->count(), categories.size());
            for (int i = 0; i < set->count(); ++i)
                QVERIFY2(set->at(i) > 0, qPrintable(set->label() + " " + categories[i]));
        }
        // Four bits lose more than eight, layer by layer.
        const QList<QBarSet*> sets = series->barSets();
        for (int i = 0; i < sets[0]->count(); ++i)
            QVERIFY(sets[1]->at(i) > sets[0]->at(i));

        selectTensor(*w, "blk.2.ffn_down.weight");
        const QString detail = w->findChild<TensorDetailPanel*>()->text();
        QVERIFY2(detail.contains("int4-g128") && detail.contains("dB"), qPrintable(detail));
        // The most recent variant (INT4) is the one whose worst tensors are listed.
        const QString worst = w->findChild<WorstTensorsPanel*>()->text();
        QVERIFY2(worst.contains("blk."), qPrintable(worst));
        w->context()->selectTensor("blk.4.ffn_up.weight"); // as a click on a link does
        auto* view = w->findChild<TensorTablePanel*>()->view();
        QCOMPARE(view->currentIndex().data().toString(), QString("blk.4.ffn_up.weight"));
        selectTensor(*w, "blk.2.ffn_down.weight");
        saveScreenshot(*w);
    }

    // Quantize > Use Importance Matrix: llama-quantize's --imatrix. golden/quant's gauss
    // weight with its imatrix; the variant made with it says so in its legend label and
    // differs from the plain one; a format without an importance encoder is quantized
    // without it (and the status bar says so); a damaged file fails the job with its name;
    // clearing and opening a model drop it.
    void quantizesWithAnImportanceMatrix() {
        if (skipWithoutData())
            QSKIP("shared data not found (set QUANTLENS_DATA); this test did NOT run");
        const auto golden = ql::test::dataDir() / "golden" / "quant";
        const auto x = ql::test::readFloats(golden / "gauss.f32");
        std::vector<std::byte> bytes(x.size() * 4);
        std::memcpy(bytes.data(), x.data(), bytes.size());
        const auto model = m_tmp / "gauss.safetensors";
        ql::writeSafetensors(model, {{"gauss.weight", "F32", {8, 512}, bytes}});
        ql::Imatrix m;
        m.format = ql::ImatrixFormat::Legacy;
        m.entries.push_back(
            {"gauss.weight", ql::test::readFloats(golden / "gauss.imatrix.f32"), 1, {}});
        ql::writeImatrixLegacy(m_tmp / "g.imatrix", m);
        ql::writeImatrixLegacy(m_tmp / "broken.imatrix", m);
        std::filesystem::resize_file(m_tmp / "broken.imatrix", 100);

        ErrorLog errors;
        auto w = makeWindow(errors, qpath(m_tmp / "imatrix.sqlite"));
        QSignalSpy opened(w->context(), &WorkbenchContext::modelOpened);
        w->openModel(qpath(model));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kJobTimeoutMs);
        auto* label = w->findChild<QLabel*>("importanceMatrixLabel");
        auto* clear = w->findChild<QAction*>("actionClearImportanceMatrix");
        QVERIFY(label && clear && w->findChild<QAction*>("actionImportanceMatrix"));
        QVERIFY(!label->isVisible() && !clear->isEnabled());

        quantizeAndWait(*w, "actionQuantize_q4_k", 1);
        w->setImportanceMatrix(qpath(m_tmp / "g.imatrix"));
        QVERIFY(label->isVisible() && clear->isEnabled());
        QCOMPARE(label->text(), QString("imatrix: g.imatrix"));
        quantizeAndWait(*w, "actionQuantize_q4_k", 2);
        quantizeAndWait(*w, "actionQuantize_q8_0", 3);
        QVERIFY2(errors.messages.isEmpty(), qPrintable(errors.messages.join('\n')));
        const VariantErrors* plain = nullptr;
        const VariantErrors* weighted = nullptr;
        const VariantErrors* q8 = nullptr;
        for (const VariantErrors& v : w->context()->variants()) {
            if (v.format == "q4_k")
                (v.imatrix.isEmpty() ? plain : weighted) = &v;
            if (v.format == "q8_0")
                q8 = &v;
        }
        QVERIFY(plain && weighted && q8);
        // q8_0 takes no imatrix: quantized without it, but weighed by it.
        QVERIFY2(q8->imatrix.isEmpty(), qPrintable(q8->imatrix));
        QCOMPARE(q8->weighedBy, QString("g.imatrix"));
        QVERIFY(q8->tensors[0].weightedRmse.has_value());
        QCOMPARE(weighted->imatrix, QString("g.imatrix"));
        QVERIFY2(weighted->label().startsWith("q4_k+imatrix #"), qPrintable(weighted->label()));
        QVERIFY2(!plain->label().contains("imatrix"), qPrintable(plain->label()));
        QCOMPARE(weighted->tensors.size(), size_t(1));
        QVERIFY(weighted->tensors[0].rmse != plain->tensors[0].rmse);
        // The error the imatrix minimises, shown for the variants made or weighed with it
        // (the one made before it was set has none).
        QVERIFY(weighted->tensors[0].weightedRmse && !plain->tensors[0].weightedRmse);
        const double plainRmse = plain->tensors[0].rmse;
        const double imatrixWeightedRmse = *weighted->tensors[0].weightedRmse;
        selectTensor(*w, "gauss.weight");
        QString detail = w->findChild<TensorDetailPanel*>()->text();
        const QString note = weighted->label() + ": importance-weighted RMSE " +
                             QString::number(imatrixWeightedRmse, 'g', 3);
        QVERIFY2(detail.contains(note), qPrintable(detail));
        QVERIFY2(detail.contains(q8->label() + ": importance-weighted RMSE " +
                                 QString::number(*q8->tensors[0].weightedRmse, 'g', 3) +
                                 " (weighed by g.imatrix, not quantized with it)"),
                 qPrintable(detail));
        QCOMPARE(detail.count("importance-weighted"), 2);

        // Weighs Only: q4_k again without the imatrix in its encoder, its error weighed by
        // it: the plain variant's RMSE, and a higher weighted RMSE than q4_k+imatrix's.
        auto* weighOnly = w->findChild<QAction*>("actionImportanceWeighsOnly");
        QVERIFY(weighOnly && weighOnly->isEnabled() && !weighOnly->isChecked());
        weighOnly->trigger();
        QCOMPARE(label->text(), QString("imatrix: g.imatrix (weighs only)"));
        quantizeAndWait(*w, "actionQuantize_q4_k", 4);
        const VariantErrors* weighed = nullptr;
        for (const VariantErrors& v : w->context()->variants())
            if (v.format == "q4_k" && !v.weighedBy.isEmpty())
                weighed = &v;
        QVERIFY(weighed);
        QVERIFY2(!weighed->label().contains("imatrix"), qPrintable(weighed->label()));
        QCOMPARE(weighed->tensors[0].rmse, plainRmse);
        QVERIFY(weighed->tensors[0].weightedRmse.has_value());
        QVERIFY(*weighed->tensors[0].weightedRmse > imatrixWeightedRmse);
        selectTensor(*w, "gauss.weight");
        detail = w->findChild<TensorDetailPanel*>()->text();
        QCOMPARE(detail.count("importance-weighted"), 3);
        if (const QString dir = qEnvironmentVariable("QUANTLENS_SCREENSHOT_DIR"); !dir.isEmpty()) {
            QDir().mkpath(dir);
            QTest::qWait(300); // let the detail panel's layout grow to its new text
            QVERIFY(w->grab().save(dir + "/screenshot-imatrix.png"));
        }

        w->setImportanceMatrix(qpath(m_tmp / "broken.imatrix"));
        w->findChild<QAction*>("actionQuantize_q4_k")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(errors.messages.size(), 1, kJobTimeoutMs);
        QVERIFY2(errors.messages[0].contains("broken.imatrix"), qPrintable(errors.messages[0]));
        QCOMPARE(w->context()->variants().size(), 4); // nothing stored, nothing lost
        weighOnly->trigger();
        QCOMPARE(label->text(), QString("imatrix: broken.imatrix"));

        clear->trigger();
        QVERIFY(!label->isVisible() && w->bridge()->importanceMatrix().isEmpty());
        w->setImportanceMatrix(qpath(m_tmp / "g.imatrix"));
        QTRY_VERIFY_WITH_TIMEOUT(w->findChild<QAction*>("actionQuantize_q4_k")->isEnabled(),
                                 kJobTimeoutMs);
        w->openModel(qpath(model));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 2, kJobTimeoutMs);
        QVERIFY(w->bridge()->importanceMatrix().isEmpty() && !label->isVisible());
    }

    // The status bar names the compute device (the whole summary, with why a device was
    // left out, in the tooltip), as EngineBridge made it for the saved choice (auto).
    void statusBarNamesTheComputeDevice() {
        ErrorLog errors;
        auto w = makeWindow(errors, qpath(m_tmp / "device.sqlite"));
        auto* label = w->findChild<QLabel*>("computeDeviceLabel");
        QVERIFY(label);
        QTRY_VERIFY_WITH_TIMEOUT(label->toolTip().startsWith("Compute: "), kJobTimeoutMs);
        const QString full = label->toolTip();
        QVERIFY2(full.contains("cpu (") || full.contains("vulkan ("), qPrintable(full));
        QVERIFY(label->fontMetrics().horizontalAdvance(label->text()) <= 520);
        const ql::VulkanProbe probe = ql::makeVulkanBackend(-1, false);
        const bool cpuDriverOnly =
            !probe.backend && probe.message.find("CPU driver") != std::string::npos;
        if (cpuDriverOnly) { // auto left lavapipe to the CPU backend and says why
            QVERIFY2(full.startsWith("Compute: cpu ("), qPrintable(full));
            QVERIFY2(full.contains("is a CPU driver"), qPrintable(full));
        }
    }

    void damagedFileShowsTheEnginesMessage() {
        const auto bad = m_tmp / "truncated.gguf";
        writeTruncatedGguf(bad);
        ErrorLog errors;
        auto w = makeWindow(errors, qpath(m_tmp / "bad.sqlite"));
        QSignalSpy failed(w->bridge(), &EngineBridge::openFailed);
        dropFile(*w, qpath(bad)); // the drag-and-drop path, as from a file manager
        QTRY_COMPARE_WITH_TIMEOUT(errors.messages.size(), 1, kJobTimeoutMs);
        QCOMPARE(failed.count(), 1);
        QVERIFY(errors.titles[0].contains("truncated.gguf"));
        QVERIFY2(errors.messages[0].contains("truncated.gguf"), qPrintable(errors.messages[0]));
        QVERIFY(!w->context()->model().isValid());
        qInfo("error shown: %s", qPrintable(errors.messages[0]));
        QVERIFY(!w->findChild<QAction*>("actionQuantizeInt8")->isEnabled());
    }

    void demoModelOpensAndCancelStoresNothing() {
        ErrorLog errors;
        auto w = makeWindow(errors, qpath(m_tmp / "demo.sqlite"));
        QSignalSpy opened(w->context(), &WorkbenchContext::modelOpened);
        w->bridge()->openDemoModel(qpath(m_tmp / "demo" / "demo.gguf"));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kJobTimeoutMs);
        QVERIFY2(errors.messages.isEmpty(), qPrintable(errors.messages.join('\n')));
        QVERIFY(w->context()->model().layers > 0);

        QSignalSpy stored(w->bridge(), &EngineBridge::variantStored);
        QSignalSpy cancelled(w->bridge(), &EngineBridge::jobCancelled);
        QSignalSpy ended(w->bridge(), &EngineBridge::jobEnded);
        w->findChild<QAction*>("actionQuantizeInt8")->trigger();
        QVERIFY(w->bridge()->isBusy());
        w->findChild<QAction*>("actionCancel")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, kJobTimeoutMs);
        // The job may win the race on a fast machine; then it must have stored exactly one.
        if (cancelled.count() == 1) {
            QCOMPARE(stored.count(), 0);
            w->bridge()->loadVariantMetrics();
            QTest::qWait(500);
            QCOMPARE(w->context()->variants().size(), 0);
        } else {
            QCOMPARE(stored.count(), 1);
            qWarning("the INT8 job finished before the cancel arrived; cancel not exercised");
        }
        QVERIFY(errors.messages.isEmpty());
        QVERIFY(w->findChild<QAction*>("actionQuantizeInt8")->isEnabled());
    }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
