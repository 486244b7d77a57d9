#include "ui/error_chart_panel.h"

#include "ui/workbench_context.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QCursor>
#include <QHBoxLayout>
#include <QLabel>
#include <QLogValueAxis>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <cmath>

namespace {

// QChart keeps removed axes alive; the panel owns them until it deletes them here.
void clearAxes(QChart* chart) {
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
}

} // namespace

ErrorChartPanel::ErrorChartPanel(WorkbenchContext* context, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_metricBox(new QComboBox(this))
    , m_logBox(new QCheckBox(tr("Log scale"), this))
    , m_view(new QChartView(this)) {
    m_metricBox->addItem(metricTitle(ErrorMetric::RelFrobenius), int(ErrorMetric::RelFrobenius));
    m_metricBox->addItem(metricTitle(ErrorMetric::Rmse), int(ErrorMetric::Rmse));
    m_metricBox->setObjectName("metricBox");
    // Formats differ by an order of magnitude; a log axis keeps INT8 visible next to INT4.
    m_logBox->setChecked(true);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->chart()->legend()->setAlignment(Qt::AlignBottom);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Per-layer error:"), this));
    controls->addWidget(m_metricBox);
    controls->addWidget(m_logBox);
    controls->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_view, 1);

    connect(m_metricBox, &QComboBox::currentIndexChanged, this, &ErrorChartPanel::rebuild);
    connect(m_logBox, &QCheckBox::toggled, this, &ErrorChartPanel::rebuild);
    connect(context, &WorkbenchContext::variantsChanged, this, &ErrorChartPanel::rebuild);
    rebuild();
}

QChart* ErrorChartPanel::chart() const {
    return m_view->chart();
}

void ErrorChartPanel::setMetric(ErrorMetric metric) {
    m_metricBox->setCurrentIndex(m_metricBox->findData(int(metric)));
}

void ErrorChartPanel::setLogScale(bool on) {
    m_logBox->setChecked(on);
}

void ErrorChartPanel::rebuild() {
    const auto metric = ErrorMetric(m_metricBox->currentData().toInt());
    m_data = buildErrorChartData(m_context->variants(), metric);
    QChart* c = chart();
    c->removeAllSeries(); // deletes the old series
    m_series = nullptr;
    if (m_data.isEmpty()) {
        showEmpty(m_context->model().isValid()
                      ? tr("No variants yet: use Quantize to INT8 or INT4 to measure the error")
                      : tr("Open a model to begin"));
        return;
    }
    m_series = new QBarSeries;
    for (const ChartSeriesData& s : m_data.series) {
        auto* set = new QBarSet(s.label);
        for (double v : s.values)
            set->append(v);
        m_series->append(set);
    }
    connect(m_series, &QBarSeries::hovered, this, [this](bool on, int index, QBarSet* set) {
        showHoverTip(on, index, set->label(), set->at(index));
    });
    connect(m_series, &QBarSeries::clicked, this, [this](int, QBarSet* set) {
        const qsizetype i = m_series->barSets().indexOf(set);
        if (i >= 0 && i < m_data.series.size())
            m_context->selectVariant(m_data.series[i].variantId);
    });
    c->addSeries(m_series);
    c->setTitle(tr("%1 per layer, by variant").arg(metricTitle(metric)));
    c->legend()->setVisible(true);
    attachAxes();
}

void ErrorChartPanel::showEmpty(const QString& message) {
    QChart* c = chart();
    clearAxes(c);
    c->setTitle(message);
    c->legend()->setVisible(false);
}

void ErrorChartPanel::attachAxes() {
    QChart* c = chart();
    clearAxes(c);
    auto* x = new QBarCategoryAxis;
    x->append(m_data.categories);
    x->setTitleText(tr("Layer (embed = token embedding, 0..N = transformer block)"));
    QAbstractAxis* y = nullptr;
    if (m_logBox->isChecked() && m_data.minPositive > 0) {
        auto* log = new QLogValueAxis;
        log->setBase(10);
        log->setLabelFormat("%g");
        // Whole decades, so that every grid line is labelled; the margin keeps the
        // bottom decade's label from being lost to rounding.
        log->setMin(0.999 * std::pow(10.0, std::floor(std::log10(m_data.minPositive))));
        log->setMax(1.001 * std::pow(10.0, std::ceil(std::log10(m_data.maxValue))));
        y = log;
    } else {
        auto* lin = new QValueAxis;
        lin->setRange(0, m_data.maxValue * 1.1);
        lin->setLabelFormat("%.3g");
        lin->applyNiceNumbers();
        y = lin;
    }
    y->setTitleText(metricTitle(ErrorMetric(m_metricBox->currentData().toInt())));
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    m_series->attachAxis(x);
    m_series->attachAxis(y);
}

void ErrorChartPanel::showHoverTip(bool on, int index, const QString& setLabel, double value) {
    if (!on || index < 0 || index >= m_data.categories.size()) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(
        QCursor::pos(),
        tr("%1\nlayer %2: %3").arg(setLabel, m_data.categories[index]).arg(value, 0, 'g', 4));
}
