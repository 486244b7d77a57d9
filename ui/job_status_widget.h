#pragma once
// The status bar's view of the engine: the active job's stage, a progress bar and a
// Cancel button (shown only while a job runs), and a button that opens the job list.
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

class JobStatusWidget : public QWidget {
    Q_OBJECT
public:
    explicit JobStatusWidget(QWidget* parent = nullptr);

    QPushButton* cancelButton() const { return m_cancel; }
    QProgressBar* progressBar() const { return m_bar; }

    void jobStarted(const QString& title);
    void jobProgress(qint64 done, qint64 total, const QString& stage);
    void jobEnded();

signals:
    void cancelRequested();
    void showJobsRequested(); // the "Jobs" button: open the job list

private:
    QString m_title;
    QLabel* m_stage;
    QProgressBar* m_bar;
    QPushButton* m_cancel;
    QPushButton* m_jobs;
};
