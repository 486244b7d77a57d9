// MainWindow: the Evaluate menu. Evaluation sets are imported and variants scored on the
// engine thread (through EngineBridge); a finished evaluation opens its scorecard in the
// Scorecards view, a failure or cancel is told in the status bar and the Jobs dock, and
// nothing already stored is touched by either.
#include "ui/engine_bridge.h"
#include "ui/eval_import_dialog.h"
#include "ui/evaluate_dialog.h"
#include "ui/main_window.h"
#include "ui/scorecards_view.h"

#include <QAction>
#include <QDockWidget>
#include <QFileInfo>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>

void MainWindow::buildEvaluateActions() {
    m_evaluateAction = new QAction(tr("&Evaluate\u2026"), this);
    m_evaluateAction->setObjectName("actionEvaluate");
    m_evaluateAction->setShortcut(QKeySequence(tr("Ctrl+E")));
    m_evaluateAction->setToolTip(tr("Score a model or variant per example on an evaluation set "
                                    "version against a baseline (Ctrl+E)"));
    connect(m_evaluateAction, &QAction::triggered, this, &MainWindow::showEvaluateDialog);

    m_importEvalSetAction = new QAction(tr("Import Evaluation &Set\u2026"), this);
    m_importEvalSetAction->setObjectName("actionImportEvalSet");
    m_importEvalSetAction->setToolTip(
        tr("Read a JSONL or separated plain-text file into the workspace as a versioned set"));
    connect(m_importEvalSetAction, &QAction::triggered, this, &MainWindow::showImportEvalSetDialog);
}

void MainWindow::connectEvaluation() {
    connect(
        m_bridge, &EngineBridge::evaluationFinished, this,
        [this](qint64 scorecardId, const QString& setVersion) {
            m_scorecards->showScorecardWhenLoaded(scorecardId);
            m_scorecards->reload();
            m_bridge->loadScorecards(); // the Compare view's list
            m_tabs->setCurrentWidget(m_scorecards);
            statusBar()->showMessage(
                tr("Evaluation stored in scorecard #%1 (set %2)").arg(scorecardId).arg(setVersion),
                10000);
        });
    connect(m_bridge, &EngineBridge::evaluationFailed, this, [this](const QString& message) {
        statusBar()->showMessage(tr("Evaluation failed: %1").arg(message.section('\n', 0, 0)),
                                 15000);
        m_jobDock->show(); // the job list keeps the failed job with the engine's words
        m_jobDock->raise();
    });
    connect(m_bridge, &EngineBridge::evalSetImported, this,
            [this](const EvalSetInfo& set, bool created) {
                statusBar()->showMessage(
                    (created ? tr("Imported evaluation set %1 (%2 examples)")
                             : tr("Evaluation set %1 is already stored (%2 examples)"))
                        .arg(set.label)
                        .arg(set.exampleCount),
                    10000);
            });
    connect(m_bridge, &EngineBridge::evalSetImportFailed, this,
            [this](const QString& file, const QString& message) {
                showError(tr("Cannot import evaluation set %1").arg(QFileInfo(file).fileName()),
                          message);
            });
}

bool MainWindow::importEvalSet(const QString& file, const EvalSetImportOptions& options) {
    if (m_bridge->workspacePath().isEmpty())
        openWorkspace(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                      "/workspace.sqlite");
    return m_bridge->importEvalSet(file, options) != 0;
}

void MainWindow::showImportEvalSetDialog() {
    EvalImportDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const EvalSetImportRequest r = dialog.request();
    if (!importEvalSet(r.file, r.options))
        showError(tr("Cannot import"), tr("Choose a .jsonl or .txt file to import."));
}

void MainWindow::showEvaluateDialog() {
    if (m_evaluateDialog) {
        m_evaluateDialog->raise();
        m_evaluateDialog->activateWindow();
        return;
    }
    m_evaluateDialog = new EvaluateDialog(m_bridge, this);
    m_evaluateDialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_evaluateDialog, &EvaluateDialog::importRequested, this,
            &MainWindow::showImportEvalSetDialog);
    connect(m_evaluateDialog, &QDialog::accepted, this, &MainWindow::startEvaluation);
    connect(m_evaluateDialog, &QObject::destroyed, this, [this] { m_evaluateDialog = nullptr; });
    m_evaluateDialog->open();
}

void MainWindow::startEvaluation() {
    const EvaluateRequest r = m_evaluateDialog->request();
    if (m_bridge->evaluate(r.set, r.variant, r.baseline) == 0) {
        showError(tr("Cannot evaluate"), tr("Open a workspace and choose a set and a variant."));
        return;
    }
    statusBar()->showMessage(
        tr("Evaluating %1 on %2 against %3\u2026").arg(r.variantLabel, r.set, r.baselineLabel),
        5000);
    m_jobDock->show(); // the evaluation's progress and its Cancel button
}
