#pragma once
// The Jobs panel: every long job of the session with its progress, and Cancel for the
// selected running one. Fed by EngineBridge::jobsChanged (polled every 30 ms).
#include <QWidget>

class EngineBridge;
class JobListModel;
class QPushButton;
class QTableView;

class JobListWidget : public QWidget {
    Q_OBJECT
public:
    JobListWidget(EngineBridge* bridge, QWidget* parent = nullptr);

    JobListModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    QPushButton* cancelButton() const { return m_cancel; }

private:
    void cancelSelected();
    void updateButton();

    EngineBridge* m_bridge;
    JobListModel* m_model;
    QTableView* m_view;
    QPushButton* m_cancel;
};
