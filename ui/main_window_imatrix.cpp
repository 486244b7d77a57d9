// Quantize > Use Importance Matrix: llama-quantize's --imatrix in the workbench. The file
// (llama-imatrix's .dat or .gguf, or `quantlens-cli imatrix`'s) applies to the formats with
// an importance-weighted encoder; the engine reads it when each job starts, so a bad file
// fails that job with its file, field and offset, and nothing stored is touched. Every
// variant made while it is set is weighed by it (importance-weighted RMSE per tensor);
// Importance Matrix Weighs Only keeps it out of the encoders (quantize --weigh-with), so
// that q4_k and q4_k+imatrix can be compared under the same weights.
#include "ui/engine_bridge.h"
#include "ui/main_window.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QStatusBar>

void MainWindow::buildImportanceActions() {
    m_imatrixAction = new QAction(tr("Use &Importance Matrix\u2026"), this);
    m_imatrixAction->setObjectName("actionImportanceMatrix");
    m_imatrixAction->setStatusTip(
        tr("Quantize q2_k..q6_k, iq4_nl and q4_0..q5_1 with an imatrix, as llama-quantize "
           "--imatrix does"));
    connect(m_imatrixAction, &QAction::triggered, this, &MainWindow::showImportanceMatrixDialog);
    m_weighOnlyAction = new QAction(tr("Importance Matrix &Weighs Only"), this);
    m_weighOnlyAction->setObjectName("actionImportanceWeighsOnly");
    m_weighOnlyAction->setCheckable(true);
    m_weighOnlyAction->setEnabled(false);
    m_weighOnlyAction->setStatusTip(
        tr("Quantize without the importance matrix, and measure each tensor's "
           "importance-weighted RMSE under it, to compare with a variant made with it"));
    connect(m_weighOnlyAction, &QAction::toggled, this, [this](bool on) {
        m_bridge->setImportanceWeighsOnly(on);
        showImportanceLabel();
    });
    m_clearImatrixAction = new QAction(tr("Clear Importance Matrix"), this);
    m_clearImatrixAction->setObjectName("actionClearImportanceMatrix");
    m_clearImatrixAction->setEnabled(false);
    connect(m_clearImatrixAction, &QAction::triggered, this, [this] { setImportanceMatrix({}); });
}

void MainWindow::showImportanceMatrixDialog() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Importance Matrix"), QFileInfo(m_bridge->modelPath()).absolutePath(),
        tr("Importance matrices (*.gguf *.dat *.imatrix);;All files (*)"));
    if (!path.isEmpty())
        setImportanceMatrix(path);
}

void MainWindow::setImportanceMatrix(const QString& path) {
    const bool had = !m_bridge->importanceMatrix().isEmpty();
    m_bridge->setImportanceMatrix(path);
    m_clearImatrixAction->setEnabled(!path.isEmpty());
    m_weighOnlyAction->setEnabled(!path.isEmpty());
    m_imatrixLabel->setVisible(!path.isEmpty());
    if (path.isEmpty()) {
        m_imatrixLabel->clear();
        if (had)
            statusBar()->showMessage(tr("Quantizing without an importance matrix"), 5000);
        return;
    }
    showImportanceLabel();
    statusBar()->showMessage(
        m_bridge->importanceWeighsOnly()
            ? tr("Variants will be weighed by %1, not quantized with it").arg(path)
            : tr("Formats with an importance-weighted encoder will use %1; every variant "
                 "is weighed by it")
                  .arg(path),
        5000);
}

void MainWindow::showImportanceLabel() {
    const QString path = m_bridge->importanceMatrix();
    const QString file = QFileInfo(path).fileName();
    m_imatrixLabel->setText(m_bridge->importanceWeighsOnly()
                                ? tr("imatrix: %1 (weighs only)").arg(file)
                                : tr("imatrix: %1").arg(file));
    m_imatrixLabel->setToolTip(path);
}
