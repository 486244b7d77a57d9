#include "ui/tensor_detail_panel.h"

#include "ui/format_utils.h"
#include "ui/workbench_context.h"

#include <QGroupBox>
#include <QLabel>
#include <QVBoxLayout>

namespace {

const char* const kHeader = "<tr><th align=left>Variant</th><th align=right>&nbsp;Rel. error</th>"
                            "<th align=right>&nbsp;RMSE</th><th align=right>&nbsp;SNR</th></tr>";

QString errorRow(const VariantErrors& v, const TensorError* t) {
    if (!t)
        return QStringLiteral(
                   "<tr><td>%1</td><td colspan=3 align=right><i>kept as is</i></td></tr>")
            .arg(v.label().toHtmlEscaped());
    return QStringLiteral(
               "<tr><td>%1</td><td align=right>&nbsp;%2</td><td align=right>&nbsp;%3</td>"
               "<td align=right>&nbsp;%4 dB</td></tr>")
        .arg(v.label().toHtmlEscaped())
        .arg(t->relFrobenius, 0, 'g', 3)
        .arg(t->rmse, 0, 'g', 3)
        .arg(t->snrDb, 0, 'f', 1);
}

// Variants quantized with an importance matrix: the error their encoders minimise, which
// can fall while the plain RMSE above stays or rises; and variants only weighed by one
// (Quantize > Importance Matrix Weighs Only, or a format that takes none), to compare with.
QString weightedNotes(const QList<VariantErrors>& variants, const QString& name) {
    QString notes;
    for (const VariantErrors& v : variants)
        if (const TensorError* t = v.findTensor(name); t && t->weightedRmse)
            notes += QStringLiteral("<br>%1: importance-weighted RMSE %2%3")
                         .arg(v.label().toHtmlEscaped())
                         .arg(*t->weightedRmse, 0, 'g', 3)
                         .arg(v.weighedBy.isEmpty()
                                  ? QString()
                                  : QObject::tr(" (weighed by %1, not quantized with it)")
                                        .arg(v.weighedBy.toHtmlEscaped()));
    return notes;
}

QString tensorHeading(const ModelSummary& model, const QString& name) {
    for (const TensorRow& row : model.tensors)
        if (row.name == name)
            return QStringLiteral("<b>%1</b><br>%2 %3, %4<br>")
                .arg(name.toHtmlEscaped(), shapeText(row.shape), row.dtype, humanBytes(row.bytes));
    return QStringLiteral("<b>%1</b><br>").arg(name.toHtmlEscaped());
}

} // namespace

TensorDetailPanel::TensorDetailPanel(WorkbenchContext* context, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_label(new QLabel(this)) {
    m_label->setTextFormat(Qt::RichText);
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* box = new QGroupBox(tr("Selected tensor"), this);
    auto* boxLayout = new QVBoxLayout(box);
    boxLayout->addWidget(m_label);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(box);
    connect(context, &WorkbenchContext::tensorSelected, this, &TensorDetailPanel::refresh);
    connect(context, &WorkbenchContext::variantsChanged, this, &TensorDetailPanel::refresh);
    refresh();
}

QString TensorDetailPanel::text() const {
    return m_label->text();
}

void TensorDetailPanel::refresh() {
    const QString name = m_context->selectedTensor();
    if (name.isEmpty()) {
        m_label->setText(tr("<i>Select a tensor in the table to compare its error across "
                            "variants.</i>"));
        return;
    }
    QString rows;
    for (const VariantErrors& v : m_context->variants())
        rows += errorRow(v, v.findTensor(name));
    const QString table = rows.isEmpty() ? tr("<i>No variants yet.</i>")
                                         : QStringLiteral("<table>%1%2</table>").arg(kHeader, rows);
    m_label->setText(tensorHeading(m_context->model(), name) + table +
                     weightedNotes(m_context->variants(), name));
}
