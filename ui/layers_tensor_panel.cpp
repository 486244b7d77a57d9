#include "ui/layers_tensor_panel.h"

#include <QLabel>
#include <QVBoxLayout>

namespace {

QString percent(double share) {
    return QStringLiteral("%1 %").arg(100.0 * share, 0, 'f', share < 0.001 ? 3 : 2);
}

QList<LayersHistogramWidget::Marker> sigmaMarkers() {
    return {{-6, QStringLiteral("-6\u03c3")},
            {-3, QStringLiteral("-3\u03c3")},
            {3, QStringLiteral("3\u03c3")},
            {6, QStringLiteral("6\u03c3")}};
}

QString summaryOf(const TensorAnalysisData& d) {
    return QObject::tr("<b>%1</b> in %2: %3 \u00d7 %4, mean %5, \u03c3 %6; "
                       "%7 bits per weight = %8 code + %9 scales and metadata")
        .arg(d.tensor.toHtmlEscaped(), d.variantLabel.toHtmlEscaped())
        .arg(d.rows)
        .arg(d.cols)
        .arg(d.weightMean, 0, 'g', 3)
        .arg(d.weightSigma, 0, 'g', 3)
        .arg(d.bitsPerWeight, 0, 'f', 3)
        .arg(d.codeBits)
        .arg(d.metadataBitsPerWeight, 0, 'f', 3);
}

QString outliersOf(const TensorAnalysisData& d) {
    return QObject::tr("Outliers (|w \u2212 mean| > k\u03c3): %1 beyond 3\u03c3 (%2), %3 beyond "
                       "6\u03c3 (%4) in %5 rows and %6 columns.<br>%7<br>%8")
        .arg(d.beyondK3)
        .arg(percent(d.shareK3))
        .arg(d.beyondK6)
        .arg(percent(d.shareK6))
        .arg(d.rowsWithK6)
        .arg(d.colsWithK6)
        .arg(channelList(QObject::tr("Output rows"), d.topRows),
             channelList(QObject::tr("Input columns"), d.topCols));
}

} // namespace

QString channelList(const QString& noun, const QList<OutlierChannel>& channels) {
    if (channels.isEmpty())
        return QObject::tr("%1: none beyond 3\u03c3").arg(noun);
    QStringList parts;
    for (const OutlierChannel& c : channels)
        parts << (c.beyondK6 > 0 ? QStringLiteral("<b>%1</b> (%2/%3)")
                                 : QStringLiteral("%1 (%2/%3)"))
                     .arg(c.index)
                     .arg(c.beyondK6)
                     .arg(c.beyondK3);
    return QObject::tr("%1 with most (beyond 6\u03c3/3\u03c3): %2").arg(noun, parts.join(", "));
}

LayersTensorPanel::LayersTensorPanel(QWidget* parent)
    : QWidget(parent)
    , m_summary(new QLabel(this))
    , m_error(new LayersHistogramWidget(this))
    , m_weights(new LayersHistogramWidget(this))
    , m_outliers(new QLabel(this)) {
    for (QLabel* label : {m_summary, m_outliers}) {
        label->setTextFormat(Qt::RichText);
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_error, 1);
    layout->addWidget(m_weights, 1);
    layout->addWidget(m_outliers);
    showMessage(tr("Select a tensor in the table to see its error histogram and weights."));
}

void LayersTensorPanel::showMessage(const QString& message) {
    m_summary->setText(QStringLiteral("<i>%1</i>").arg(message.toHtmlEscaped()));
    m_error->clear(tr("No tensor selected"));
    m_weights->clear(QString());
    m_outliers->clear();
}

void LayersTensorPanel::showAnalysis(const TensorAnalysisData& d) {
    if (!d.analysed) {
        showMessage(tr("%1 in %2 was stored before Quantlens kept error histograms; quantize "
                       "again to see them.")
                        .arg(d.tensor, d.variantLabel));
        return;
    }
    m_summary->setText(summaryOf(d));
    m_error->setHistogram(tr("Error histogram: weights per bin (log scale)"),
                          tr("|error| / \u03c3 of the weights, bins of a quarter decade"),
                          d.errorEdges, d.errorHistogram, true, {}, {});
    m_weights->setHistogram(tr("Weight distribution: weights per bin (log scale); "
                               "outlier bins in red"),
                            tr("(w \u2212 mean) / \u03c3"), d.weightEdges, d.weightHistogram, false,
                            outlierBins(d.weightEdges, 3), sigmaMarkers());
    m_outliers->setText(outliersOf(d));
}

QString LayersTensorPanel::summaryText() const {
    return m_summary->text();
}

QString LayersTensorPanel::outlierText() const {
    return m_outliers->text();
}
