#pragma once
// The opened model at a glance (architecture, sizes) and the variants stored for it.
// Reacts to WorkbenchContext::modelOpened and variantsChanged.
#include "ui/bridge_types.h"

#include <QWidget>

class QFormLayout;
class QLabel;
class WorkbenchContext;

class ModelSummaryPanel : public QWidget {
    Q_OBJECT
public:
    explicit ModelSummaryPanel(WorkbenchContext* context, QWidget* parent = nullptr);

private:
    void showModel(const ModelSummary& model);
    void showVariants(const VariantList& variants);
    void addRow(const QString& label, const QString& value);

    WorkbenchContext* m_context;
    QLabel* m_title;
    QFormLayout* m_form;
    QLabel* m_variants;
};
