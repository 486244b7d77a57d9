// quantlens_ui_bench (QT_QPA_PLATFORM=offscreen): how the workbench feels.
//  - BM_HeatmapRepaint: the regression heatmap with 200 slices x 20 variants painted into
//    a 1400 x 900 image, as a repaint of the Compare view does. Budget: 16 ms (one frame
//    at 60 Hz). BM_ImageFill, the same image only cleared, is the baseline of the run.
//  - BM_EventLoopStallDuringQuantize: a 1 ms QTimer measures the longest gap between its
//    ticks while EngineBridge quantizes the demo model on the engine thread (the progress
//    poll, the job list and the status bar all run meanwhile). Budget: 50 ms.
#include "ui/engine_bridge.h"
#include "ui/heatmap_painter.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QImage>
#include <QPainter>
#include <QTemporaryDir>
#include <QTimer>
#include <benchmark/benchmark.h>
#include <cmath>

namespace {

const QSize kSize(1400, 900);

HeatmapData largeHeatmap(int slices, int variants) {
    HeatmapData d;
    d.title = QStringLiteral("benchmark: acc");
    d.dimension = QStringLiteral("acc");
    d.baseline = QStringLiteral("bf16");
    for (int s = 0; s < slices; ++s)
        d.slices.append(QStringLiteral("slice_%1_mmlu_subject").arg(s));
    for (int v = 0; v < variants; ++v)
        d.variants.append(QStringLiteral("variant-%1-int4-g128").arg(v));
    for (int i = 0; i < slices * variants; ++i) {
        HeatmapCell c;
        c.present = i % 97 != 0;
        c.delta = 0.05 * std::sin(i * 0.37);
        c.limit = 0.02;
        c.significance = i % 3 ? CellSignificance::Significant : CellSignificance::NotSignificant;
        c.verdict = c.delta < -0.02 ? CellVerdict::Fail : CellVerdict::Pass;
        d.cells.append(c);
    }
    return d;
}

void BM_ImageFill(benchmark::State& state) {
    QImage image(kSize, QImage::Format_ARGB32_Premultiplied);
    for (auto _ : state) {
        image.fill(Qt::white);
        benchmark::DoNotOptimize(image.bits());
    }
}
BENCHMARK(BM_ImageFill)->Unit(benchmark::kMillisecond);

void BM_HeatmapRepaint(benchmark::State& state) {
    const HeatmapData data = largeHeatmap(int(state.range(0)), int(state.range(1)));
    QImage image(kSize, QImage::Format_ARGB32_Premultiplied);
    const HeatmapPainter painter(data);
    for (auto _ : state) {
        QPainter p(&image);
        painter.paint(p, QRectF(QPointF(0, 0), QSizeF(kSize)));
        p.end();
        benchmark::DoNotOptimize(image.bits());
    }
}
BENCHMARK(BM_HeatmapRepaint)->Args({200, 20})->Args({10, 7})->Unit(benchmark::kMillisecond);

// Runs the event loop until `done`, returning the longest gap between 1 ms ticks.
double maxTickGapMs(const std::function<bool()>& done) {
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.nsecsElapsed(), worst = 0;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(1);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        worst = std::max(worst, now - last);
        last = now;
    });
    tick.start();
    while (!done())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
    return double(worst) / 1e6;
}

void BM_EventLoopStallDuringQuantize(benchmark::State& state) {
    QTemporaryDir dir;
    EngineBridge bridge;
    bridge.setWorkspacePath(dir.filePath("bench.sqlite"));
    bool opened = false;
    QObject::connect(&bridge, &EngineBridge::modelOpened, [&] { opened = true; });
    bridge.openDemoModel(dir.filePath("demo.gguf"));
    maxTickGapMs([&] { return opened; });
    double worst = 0, jobMs = 0;
    for (auto _ : state) {
        bool ended = false;
        auto c = QObject::connect(&bridge, &EngineBridge::jobEnded, [&] { ended = true; });
        QElapsedTimer t;
        t.start();
        if (!bridge.quantize(QStringLiteral("int4-g128"))) {
            state.SkipWithError("quantize refused");
            break;
        }
        worst = std::max(worst, maxTickGapMs([&] { return ended; }));
        jobMs = double(t.nsecsElapsed()) / 1e6;
        QObject::disconnect(c);
    }
    state.counters["max_stall_ms"] = worst;
    state.counters["job_ms"] = jobMs;
}
BENCHMARK(BM_EventLoopStallDuringQuantize)->Iterations(3)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM",
            qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
