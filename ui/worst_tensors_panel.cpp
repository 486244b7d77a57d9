#include "ui/worst_tensors_panel.h"

#include "ui/workbench_context.h"

#include <QGroupBox>
#include <QLabel>
#include <QVBoxLayout>

WorstTensorsPanel::WorstTensorsPanel(WorkbenchContext* context, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_box(new QGroupBox(this))
    , m_label(new QLabel(m_box)) {
    m_label->setTextFormat(Qt::RichText);
    m_label->setWordWrap(true);
    auto* boxLayout = new QVBoxLayout(m_box);
    boxLayout->addWidget(m_label);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_box);
    // Links carry tensor names, so a click selects the tensor everywhere.
    connect(m_label, &QLabel::linkActivated, context, &WorkbenchContext::selectTensor);
    connect(context, &WorkbenchContext::variantsChanged, this, &WorstTensorsPanel::refresh);
    connect(context, &WorkbenchContext::variantSelected, this, &WorstTensorsPanel::refresh);
    refresh();
}

QString WorstTensorsPanel::text() const {
    return m_label->text();
}

const VariantErrors* WorstTensorsPanel::shownVariant() const {
    const VariantList& variants = m_context->variants();
    for (const VariantErrors& v : variants)
        if (v.id == m_context->selectedVariant())
            return &v;
    return variants.isEmpty() ? nullptr : &variants.back();
}

void WorstTensorsPanel::refresh() {
    const VariantErrors* v = shownVariant();
    m_box->setTitle(v ? tr("Largest errors in %1").arg(v->label()) : tr("Largest errors"));
    if (!v) {
        m_label->setText(tr("<i>Quantize the model to see which tensors lose the most. "
                            "Click a bar in the chart to pick a variant.</i>"));
        return;
    }
    QString rows;
    for (const TensorError& t : worstTensors(v->tensors, kCount)) {
        const QString name = QString::fromStdString(t.tensor).toHtmlEscaped();
        rows +=
            QStringLiteral("<tr><td><a href=\"%1\">%1</a></td><td align=right>&nbsp;%2</td></tr>")
                .arg(name)
                .arg(t.relFrobenius, 0, 'g', 3);
    }
    m_label->setText(QStringLiteral("<table><tr><th align=left>Tensor</th>"
                                    "<th align=right>&nbsp;Rel. error</th></tr>%1</table>")
                         .arg(rows));
}
