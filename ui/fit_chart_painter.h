#pragma once
// STABLE PUBLIC API (shared with the report export): the VRAM-fit chart, painted onto
// any QPainter and rectangle (a widget, a QImage for PNG, a QSvgGenerator, a QPdfWriter).
// One stacked bar per variant (weights, quantization metadata, KV cache, activations,
// runtime overhead, per GPU) and one horizontal line per selected GPU at the memory the
// runtime may use. Add members and functions; do not change or remove existing ones.
#include "ui/fit_chart_math.h"
#include <QColor>
#include <QFont>
#include <QList>
#include <QString>
#include <array>

class QPainter;
class QRectF;
struct FitChartLayout;

enum class FitPart { Weights, Metadata, KvCache, Activations, Overhead };
constexpr int kFitPartCount = 5;
QString fitPartName(FitPart part); // "weights", "quantization metadata", ...

struct FitBar {
    QString variant;
    QString format;             // the weight format the bar was sized for ("q4_K")
    bool formatGuessed = false; // inferred from the variant's name, not chosen by the user
    // Bytes per GPU, in FitPart order. Weights are codes plus unquantized tensors;
    // overhead is the runtime's fixed allowance plus llama.cpp's logits buffer.
    std::array<quint64, kFitPartCount> parts{};
    QString error; // why there is no bar (a format the model cannot take, ...)

    quint64 part(FitPart p) const { return parts[size_t(p)]; }
    quint64 total() const;
};

struct FitGpuLine {
    QString name; // "NVIDIA H100 SXM"
    quint64 cardBytes = 0;
    quint64 usableBytes = 0; // card minus what the runtime reserves (vLLM: 10 %)
};

struct FitChartData {
    QString title; // "Llama-3.1-8B at 8192 tokens x 1 sequence (llama.cpp)"
    QList<FitBar> bars;
    QList<FitGpuLine> gpus;

    double largestBytes() const; // the y axis must reach this
    double largestBar() const;
    // A GPU more than kOffScaleFactor times the largest bar is named above the chart
    // instead of stretching the axis until the bars vanish.
    static constexpr double kOffScaleFactor = 8.0;
    bool offScale(const FitGpuLine& gpu) const;
};

class FitChartPainter {
public:
    explicit FitChartPainter(const FitChartData& data);

    void paint(QPainter& painter, const QRectF& rect) const;
    // The bar under `point` when painted into `rect`, or -1.
    int barAt(const QRectF& rect, const QPointF& point) const;
    QString tooltip(int bar) const;
    static QColor partColor(FitPart part);
    static QColor gpuColor(int index);

    QColor background = QColor(Qt::white);
    QColor foreground = QColor(0x20, 0x20, 0x20);
    QColor grid = QColor(0xe0, 0xe0, 0xe0);
    QFont font;

private:
    FitChartLayout layout(const QRectF& rect) const;
    void paintAxis(QPainter& p, const FitChartLayout& l) const;
    void paintBars(QPainter& p, const FitChartLayout& l) const;
    void paintGpuLines(QPainter& p, const FitChartLayout& l) const;
    void paintLabels(QPainter& p, const FitChartLayout& l) const;
    void paintLegend(QPainter& p, const FitChartLayout& l) const;
    double yOf(const FitChartLayout& l, double bytes) const;

    const FitChartData& m_data;
    double m_top = 1;
    QList<double> m_ticks;
    ByteUnit m_unit;
};
