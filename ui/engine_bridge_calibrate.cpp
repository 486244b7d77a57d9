// EngineBridge: the output-aware error per layer of a workspace variant, measured on
// calibration text as a tracked job on the engine thread (engine/eval/calibrate_job.h:
// progress per chunk, cancel between chunks, nothing stored when cancelled).
#include "engine/eval/calibrate_job.h"
#include "engine/jobs/engine_thread.h"
#include "ui/engine_bridge.h"
#include "ui/engine_values.h"

#include <QFileInfo>
#include <memory>

quint64 EngineBridge::calibrate(qint64 variantId, const QString& textPath, int nCtx, int chunks) {
    if (m_workspacePath.isEmpty() || textPath.isEmpty() || variantId <= 0)
        return 0;
    ql::CalibrationRequest request;
    request.workspace = toPath(m_workspacePath);
    request.variant = std::to_string(variantId);
    request.text = toPath(textPath);
    request.nCtx = nCtx;
    request.maxChunks = chunks > 0 ? chunks : -1;
    auto outcome = std::make_shared<ql::CalibrationOutcome>();
    auto work = [request, outcome](ql::JobContext& ctx) {
        *outcome = ql::runCalibration(request, ctx);
    };
    const QString title = tr("Measuring output error of variant #%1 on %2")
                              .arg(variantId)
                              .arg(QFileInfo(textPath).fileName());
    const uint64_t id = submit(title, work, [this, outcome, variantId](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit calibrationFinished(variantId, int(outcome->layers.size()));
        else if (s.status == ql::JobStatus::Failed)
            emit jobFailed(QString::fromStdString(s.error));
        else if (s.status == ql::JobStatus::Cancelled)
            emit jobCancelled();
    });
    track(id);
    return id;
}
