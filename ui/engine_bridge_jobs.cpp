// EngineBridge: the demo model, the workspace queries and the progress of the active job.
#include "ui/engine_bridge.h"

#include "engine/jobs/engine_thread.h"
#include "engine/model/demo_model.h"
#include "engine/store/workspace.h"
#include "ui/engine_bridge_state.h"
#include "ui/engine_values.h"

#include <array>
#include <set>

namespace {

std::filesystem::path canonicalOrSame(const std::filesystem::path& p) {
    std::error_code ec;
    const auto c = std::filesystem::weakly_canonical(p, ec);
    return ec ? p : c;
}

// The workspace's models that are the file at `modelPath`: the same canonical path.
std::set<int64_t> modelIdsFor(const ql::Workspace& ws, const std::filesystem::path& modelPath) {
    std::set<int64_t> ids;
    const auto wanted = canonicalOrSame(modelPath);
    for (const ql::ModelRecord& m : ws.models())
        if (canonicalOrSame(m.path) == wanted)
            ids.insert(m.id);
    return ids;
}

} // namespace

void EngineBridge::openDemoModel(const QString& path) {
    auto prepare = [file = toPath(path)](ql::JobContext& ctx) {
        if (std::filesystem::exists(file))
            return;
        ctx.setStage("writing the demo model");
        std::filesystem::create_directories(file.parent_path());
        ql::writeDemoModel(file);
    };
    submitOpen(tr("Opening the demo model"), path, prepare);
}

void EngineBridge::loadVariantMetrics() {
    if (m_modelPath.isEmpty() || m_workspacePath.isEmpty())
        return;
    auto result = std::make_shared<VariantList>();
    auto work = [state = m_state, ws = toPath(m_workspacePath), model = toPath(m_modelPath),
                 result](ql::JobContext&) {
        ql::Workspace& workspace = state->workspaceAt(ws);
        std::set<int64_t> ids = modelIdsFor(workspace, model);
        const auto& known = state->knownModelIds[model];
        ids.insert(known.begin(), known.end());
        for (int64_t id : ids)
            for (const ql::VariantRecord& v : workspace.variants(id))
                result->append(toVariantErrors(v, workspace.tensorMetrics(v.id)));
    };
    const QString model = m_modelPath;
    submit(tr("Reading the workspace"), work, [this, result, model](const ql::JobSnapshot& s) {
        if (model != m_modelPath)
            return; // the user opened another model meanwhile
        if (s.status == ql::JobStatus::Finished)
            emit variantsLoaded(*result);
        else if (s.status == ql::JobStatus::Failed)
            emit jobFailed(QString::fromStdString(s.error));
    });
}

void EngineBridge::startActive(uint64_t jobId, const QString& title) {
    m_activeJob = jobId;
    m_lastDone = -1;
    m_lastStage.clear();
    m_poll.start();
    emit jobStarted(title);
}

void EngineBridge::endActive() {
    pollProgress(); // the last figures, so a bar does not stop at 97 %
    m_activeJob = 0;
    if (m_tracked.isEmpty())
        m_poll.stop();
    emit jobEnded();
}

uint64_t EngineBridge::track(uint64_t jobId) {
    m_tracked.append(jobId);
    m_poll.start();
    pollJobs();
    return jobId;
}

void EngineBridge::cancelJob(quint64 jobId) {
    m_engine->cancel(jobId);
}

namespace {

JobInfo toJobInfo(const ql::JobSnapshot& s) {
    static const std::array<JobInfo::State, 5> states{
        JobInfo::State::Queued, JobInfo::State::Running, JobInfo::State::Finished,
        JobInfo::State::Failed, JobInfo::State::Cancelled};
    JobInfo j;
    j.id = s.id;
    j.title = QString::fromStdString(s.title);
    j.stage = QString::fromStdString(s.stage);
    j.done = s.done;
    j.total = s.total;
    j.state = states[size_t(s.status)];
    j.error = QString::fromStdString(s.error);
    return j;
}

} // namespace

// The job list's view: every tracked job once per poll; an ended job is reported one
// last time and then forgotten by the engine thread.
void EngineBridge::pollJobs() {
    if (m_tracked.isEmpty())
        return;
    QList<JobInfo> jobs;
    for (uint64_t id : m_tracked)
        jobs.append(toJobInfo(m_engine->snapshot(id)));
    jobs.removeIf([](const JobInfo& j) { return j.id == 0; });
    for (const JobInfo& j : jobs)
        if (j.ended() && j.id != m_activeJob) {
            m_tracked.removeAll(j.id);
            m_engine->forget(j.id);
        }
    if (m_tracked.isEmpty() && m_activeJob == 0)
        m_poll.stop();
    m_jobs = jobs;
    emit jobsChanged(jobs);
}

void EngineBridge::pollProgress() {
    pollJobs();
    if (m_activeJob == 0)
        return;
    const ql::JobSnapshot s = m_engine->snapshot(m_activeJob);
    const QString stage = QString::fromStdString(s.stage);
    if (s.done == m_lastDone && stage == m_lastStage)
        return;
    m_lastDone = s.done;
    m_lastStage = stage;
    emit jobProgress(s.done, s.total, stage);
}
