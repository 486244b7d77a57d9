#pragma once
// The opened model's tensors: a filter box over a sortable table. Selecting a row
// tells the WorkbenchContext which tensor the user looks at.
#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class TensorTableModel;
class WorkbenchContext;

class TensorTablePanel : public QWidget {
    Q_OBJECT
public:
    explicit TensorTablePanel(WorkbenchContext* context, QWidget* parent = nullptr);

    QTableView* view() const { return m_view; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }

private:
    void publishSelection();
    void followSelection(const QString& name);

    WorkbenchContext* m_context;
    TensorTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_filter;
    QTableView* m_view;
};
