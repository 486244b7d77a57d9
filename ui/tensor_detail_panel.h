#pragma once
// The tensor selected in the table, and its error in every variant: where a per-layer
// bar looks bad, this says which tensor of the layer is to blame. Reacts to
// WorkbenchContext::tensorSelected and variantsChanged.
#include <QWidget>

class QLabel;
class WorkbenchContext;

class TensorDetailPanel : public QWidget {
    Q_OBJECT
public:
    explicit TensorDetailPanel(WorkbenchContext* context, QWidget* parent = nullptr);

    QString text() const; // what the panel shows, for tests

private:
    void refresh();

    WorkbenchContext* m_context;
    QLabel* m_label;
};
