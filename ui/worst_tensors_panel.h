#pragma once
// The tensors that lose the most in one variant: the selected one (a bar clicked in the
// chart), else the most recent. Reacts to WorkbenchContext::variantsChanged and
// variantSelected; clicking a name selects that tensor.
#include <QWidget>

class QGroupBox;
class QLabel;
class WorkbenchContext;
struct VariantErrors;

class WorstTensorsPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kCount = 5;
    explicit WorstTensorsPanel(WorkbenchContext* context, QWidget* parent = nullptr);

    QString text() const;

private:
    void refresh();
    const VariantErrors* shownVariant() const;

    WorkbenchContext* m_context;
    QGroupBox* m_box;
    QLabel* m_label;
};
