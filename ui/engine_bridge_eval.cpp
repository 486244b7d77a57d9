// EngineBridge: per-example evaluation of a variant on an evaluation set, as a tracked
// job on the engine thread (progress per window, cancel between windows).
#include "engine/eval/eval_job.h"
#include "engine/jobs/engine_thread.h"
#include "ui/engine_bridge.h"
#include "ui/engine_values.h"

#include <memory>

quint64 EngineBridge::evaluate(const QString& set, const QString& variant,
                               const QString& baseVariant) {
    if (m_workspacePath.isEmpty() || set.isEmpty() || variant.isEmpty())
        return 0;
    auto outcome = std::make_shared<ql::EvalOutcome>();
    ql::EvalRequest request{toPath(m_workspacePath),
                            set.toStdString(),
                            variant.toStdString(),
                            baseVariant.toStdString(),
                            "",
                            0};
    auto work = [request, outcome](ql::JobContext& ctx) {
        *outcome = ql::runEvaluation(request, ctx);
    };
    const QString title = tr("Evaluating %1 on %2").arg(variant, set);
    const uint64_t id = submit(title, work, [this, outcome](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit evaluationFinished(outcome->scorecardId,
                                    QString::fromStdString(outcome->version.label()));
        else if (s.status == ql::JobStatus::Failed)
            emit jobFailed(QString::fromStdString(s.error));
        else if (s.status == ql::JobStatus::Cancelled)
            emit jobCancelled();
    });
    track(id);
    return id;
}
