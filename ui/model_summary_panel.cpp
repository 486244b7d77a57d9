#include "ui/model_summary_panel.h"

#include "ui/format_utils.h"
#include "ui/workbench_context.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QVBoxLayout>

namespace {

// 0 means the file does not say; a dash reads better than a misleading zero.
QString orDash(qint64 value) {
    return value > 0 ? groupedCount(value) : QStringLiteral("\u2014");
}

const char* const kVariantHeader =
    "<tr><th align=left>Variant</th><th align=right>&nbsp;Size</th>"
    "<th align=right>&nbsp;Bits/w</th><th align=right>&nbsp;Rel. error</th></tr>";

QString variantRow(const VariantErrors& v, bool selected) {
    return QStringLiteral("<tr><td>%5<b>%1</b></td><td align=right>&nbsp;%2</td>"
                          "<td align=right>&nbsp;%3</td><td align=right>&nbsp;%4</td></tr>")
        .arg(v.label().toHtmlEscaped(), humanBytes(v.totalBytes))
        .arg(v.bitsPerWeight(), 0, 'f', 2)
        .arg(overallError(v.tensors, ErrorMetric::RelFrobenius), 0, 'g', 3)
        .arg(selected ? QStringLiteral("\u25b6 ") : QString());
}

} // namespace

ModelSummaryPanel::ModelSummaryPanel(WorkbenchContext* context, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_title(new QLabel(tr("No model open"), this))
    , m_form(new QFormLayout)
    , m_variants(new QLabel(this)) {
    m_title->setWordWrap(true);
    m_title->setStyleSheet("font-size: 14pt; font-weight: bold;");
    m_variants->setTextFormat(Qt::RichText);
    m_variants->setWordWrap(true);
    auto* modelBox = new QGroupBox(tr("Model"), this);
    modelBox->setLayout(m_form);
    auto* variantBox = new QGroupBox(tr("Variants in the workspace"), this);
    auto* variantLayout = new QVBoxLayout(variantBox);
    variantLayout->addWidget(m_variants);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(modelBox);
    layout->addWidget(variantBox);
    connect(context, &WorkbenchContext::modelOpened, this, &ModelSummaryPanel::showModel);
    connect(context, &WorkbenchContext::variantsChanged, this, &ModelSummaryPanel::showVariants);
    // A bar clicked in the chart marks its variant here.
    connect(context, &WorkbenchContext::variantSelected, this,
            [this] { showVariants(m_context->variants()); });
    showVariants({});
}

void ModelSummaryPanel::addRow(const QString& label, const QString& value) {
    auto* field = new QLabel(value, this);
    field->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_form->addRow(label, field);
}

void ModelSummaryPanel::showModel(const ModelSummary& m) {
    while (m_form->rowCount() > 0)
        m_form->removeRow(0);
    const QFileInfo file(m.path);
    // The file name, not general.name: names like "llama" say nothing about the file.
    m_title->setText(file.fileName());
    m_title->setToolTip(m.path);
    if (!m.name.isEmpty() && m.name != m.architecture)
        addRow(tr("Name"), m.name);
    addRow(tr("Format"), m.format);
    addRow(tr("Architecture"),
           m.architecture.isEmpty() ? QStringLiteral("\u2014") : m.architecture);
    addRow(tr("Layers"), orDash(m.layers));
    addRow(tr("Heads / KV heads"), orDash(m.heads) + QStringLiteral(" / ") + orDash(m.kvHeads));
    addRow(tr("Head dim"), orDash(m.headDim));
    addRow(tr("Embedding"), orDash(m.embedding));
    addRow(tr("Feed-forward"), orDash(m.feedForward));
    addRow(tr("Context"), orDash(m.context));
    addRow(tr("Vocabulary"), orDash(m.vocab));
    addRow(tr("Parameters"),
           tr("%1 (%2)").arg(compactCount(m.parameters), groupedCount(m.parameters)));
    addRow(tr("Tensors"), QString::number(m.tensors.size()));
    addRow(tr("File size"), humanBytes(m.fileBytes));
}

void ModelSummaryPanel::showVariants(const VariantList& variants) {
    if (variants.isEmpty()) {
        m_variants->setText(tr("<i>None yet. Quantize the model to compare formats.</i>"));
        return;
    }
    QString rows;
    for (const VariantErrors& v : variants)
        rows += variantRow(v, v.id == m_context->selectedVariant());
    m_variants->setText(
        QStringLiteral("<table cellspacing=2>%1%2</table>").arg(kVariantHeader, rows));
}
