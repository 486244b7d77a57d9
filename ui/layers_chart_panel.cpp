#include "ui/layers_chart_panel.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLogValueAxis>
#include <QVBoxLayout>
#include <QValueAxis>
#include <cmath>

namespace {

void clearAxes(QChart* chart) {
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
}

QString figureTitle(LayerFigure f, LayerGrouping g) {
    const QString per =
        g == LayerGrouping::Block ? QObject::tr("per block") : QObject::tr("per tensor kind");
    switch (f) {
    case LayerFigure::Share:
        return QObject::tr("Share of each variant's squared weight error %1 (%)").arg(per);
    case LayerFigure::RelFrobenius:
        return QObject::tr("Relative Frobenius error %1 (log scale)").arg(per);
    case LayerFigure::OutputError:
        break;
    }
    return QObject::tr("Output error ||X(W-Q)\u1d40|| / ||XW\u1d40|| on calibration text %1 "
                       "(log scale)")
        .arg(per);
}

QString emptyTitle(LayerFigure f) {
    return f == LayerFigure::OutputError
               ? QObject::tr("No output error measured yet: press \u201cMeasure output "
                             "error\u2026\u201d to run a variant over calibration text")
               : QObject::tr("Quantize the model to see where the error sits");
}

bool logScale(LayerFigure f) {
    return f != LayerFigure::Share;
}

} // namespace

LayersChartPanel::LayersChartPanel(QWidget* parent)
    : QWidget(parent)
    , m_groupingBox(new QComboBox(this))
    , m_figureBox(new QComboBox(this))
    , m_view(new QChartView(this)) {
    m_groupingBox->addItem(tr("by block"), int(LayerGrouping::Block));
    m_groupingBox->addItem(tr("by tensor kind"), int(LayerGrouping::Kind));
    m_figureBox->addItem(tr("share of error"), int(LayerFigure::Share));
    m_figureBox->addItem(tr("relative error"), int(LayerFigure::RelFrobenius));
    m_figureBox->addItem(tr("output error"), int(LayerFigure::OutputError));
    m_groupingBox->setObjectName("layersGrouping");
    m_figureBox->setObjectName("layersFigure");
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->chart()->legend()->setAlignment(Qt::AlignBottom);
    m_view->setMinimumHeight(220);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Per-layer error"), this));
    controls->addWidget(m_groupingBox);
    controls->addWidget(m_figureBox);
    controls->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_view, 1);
    connect(m_groupingBox, &QComboBox::currentIndexChanged, this, &LayersChartPanel::rebuild);
    connect(m_figureBox, &QComboBox::currentIndexChanged, this, &LayersChartPanel::rebuild);
    rebuild();
}

QChart* LayersChartPanel::chart() const {
    return m_view->chart();
}

LayerGrouping LayersChartPanel::grouping() const {
    return LayerGrouping(m_groupingBox->currentData().toInt());
}

LayerFigure LayersChartPanel::figure() const {
    return LayerFigure(m_figureBox->currentData().toInt());
}

void LayersChartPanel::setGrouping(LayerGrouping g) {
    m_groupingBox->setCurrentIndex(m_groupingBox->findData(int(g)));
}

void LayersChartPanel::setFigure(LayerFigure f) {
    m_figureBox->setCurrentIndex(m_figureBox->findData(int(f)));
}

void LayersChartPanel::setData(const LayersData& data) {
    m_data = data;
    rebuild();
}

void LayersChartPanel::rebuild() {
    m_chart = buildLayerChart(m_data, grouping(), figure());
    QChart* c = chart();
    c->removeAllSeries();
    clearAxes(c);
    if (m_chart.isEmpty()) {
        c->setTitle(emptyTitle(figure()));
        c->legend()->setVisible(false);
        return;
    }
    // Shares are shown in percent; relative errors as they are.
    const double unit = figure() == LayerFigure::Share ? 100.0 : 1.0;
    auto* series = new QBarSeries;
    for (const LayerSeries& s : m_chart.series) {
        auto* set = new QBarSet(s.label);
        for (double v : s.values)
            set->append(unit * v);
        series->append(set);
    }
    connect(series, &QBarSeries::clicked, this, [this, series](int, QBarSet* set) {
        const qsizetype i = series->barSets().indexOf(set);
        if (i >= 0 && i < m_chart.series.size())
            emit variantClicked(m_chart.series[i].variantId);
    });
    c->addSeries(series);
    c->setTitle(figureTitle(figure(), grouping()));
    c->legend()->setVisible(true);
    attachAxes(series);
}

void LayersChartPanel::attachAxes(QBarSeries* series) {
    QChart* c = chart();
    auto* x = new QBarCategoryAxis;
    x->append(m_chart.categories);
    x->setTitleText(grouping() == LayerGrouping::Block
                        ? tr("Block (embed = token embedding, output = output head)")
                        : tr("Tensor kind"));
    QAbstractAxis* y = nullptr;
    if (logScale(figure()) && m_chart.minPositive > 0) {
        // Formats differ by orders of magnitude: a log axis keeps int8 visible by int4.
        auto* log = new QLogValueAxis;
        log->setBase(10);
        log->setLabelFormat("%g");
        log->setMin(0.999 * std::pow(10.0, std::floor(std::log10(m_chart.minPositive))));
        log->setMax(1.001 * std::pow(10.0, std::ceil(std::log10(m_chart.maxValue))));
        y = log;
    } else {
        auto* lin = new QValueAxis;
        const double unit = figure() == LayerFigure::Share ? 100.0 : 1.0;
        lin->setRange(0, unit * m_chart.maxValue * 1.1);
        lin->setLabelFormat("%.3g");
        lin->applyNiceNumbers();
        y = lin;
    }
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
}
