#include "ui/engine_bridge.h"

#include "engine/compute/backend.h"
#include "engine/jobs/engine_thread.h"
#include "engine/jobs/quantize_job.h"
#include "engine/model/model.h"
#include "engine/quant/imatrix_quantize.h"
#include "engine/store/workspace.h"
#include "ui/engine_bridge_state.h"
#include "ui/engine_values.h"

#include <QFileInfo>
#include <QMetaObject>
#include <QPointer>

EngineBridge::EngineBridge(QObject* parent)
    : QObject(parent)
    , m_state(std::make_shared<EngineState>())
    , m_engine(std::make_unique<ql::EngineThread>()) {
    qRegisterMetaType<ModelSummary>();
    qRegisterMetaType<VariantList>();
    qRegisterMetaType<ScorecardInfoList>();
    qRegisterMetaType<ComparisonData>();
    qRegisterMetaType<FitShapeInfo>();
    qRegisterMetaType<JobInfo>();
    m_poll.setInterval(30);
    connect(&m_poll, &QTimer::timeout, this, &EngineBridge::pollProgress);
}

EngineBridge::~EngineBridge() {
    m_poll.stop();
    m_engine->cancelAll();
    // The engine objects are released by a last job, on the thread that created them.
    m_engine->submit("shutdown", [state = m_state](ql::JobContext&) {
        state->workspace.reset();
        state->backends.reset();
    });
    m_engine->waitIdle();
    m_engine.reset();
}

void EngineBridge::setWorkspacePath(const QString& path) {
    m_workspacePath = path;
}

uint64_t EngineBridge::submit(const QString& title, WorkFn work, GuiFn onGui) {
    // DoneFn runs on the engine thread; the snapshot is posted to the GUI thread, where
    // the QPointer tells whether the bridge still exists to receive it.
    auto done = [this, onGui = std::move(onGui)](const ql::JobSnapshot& snapshot) {
        QMetaObject::invokeMethod(
            this,
            [self = QPointer<EngineBridge>(this), onGui, snapshot] {
                if (self)
                    onGui(snapshot);
            },
            Qt::QueuedConnection);
    };
    return m_engine->submit(title.toStdString(), std::move(work), std::move(done));
}

namespace {

// "auto", "cpu", "vulkan:N" (N optional) -> the BackendSet's preference and device.
std::pair<ql::BackendSet::Preference, int> devicePreference(const QString& device) {
    if (device == QLatin1String("cpu"))
        return {ql::BackendSet::Preference::Cpu, -1};
    if (device.startsWith(QLatin1String("vulkan"))) {
        bool ok = false;
        const int n = device.section(':', 1).toInt(&ok);
        return {ql::BackendSet::Preference::Vulkan, ok ? n : -1};
    }
    return {ql::BackendSet::Preference::Auto, -1};
}

} // namespace

void EngineBridge::setComputeDevice(const QString& device) {
    m_computeDevice = device;
    startBackends();
}

void EngineBridge::startBackends() {
    auto summary = std::make_shared<std::string>();
    const auto [preference, index] = devicePreference(m_computeDevice);
    submit(
        tr("Starting compute backends"),
        [state = m_state, summary, preference, index](ql::JobContext&) {
            state->backends = std::make_unique<ql::BackendSet>(preference, index);
            *summary = state->backends->summary();
        },
        [this, summary](const ql::JobSnapshot& s) {
            const bool ok = s.status == ql::JobStatus::Finished;
            emit backendReady(
                ok ? QString::fromStdString(*summary)
                   : tr("no compute backend: %1").arg(QString::fromStdString(s.error)));
        });
}

void EngineBridge::openModel(const QString& path) {
    submitOpen(tr("Opening model"), path, {});
}

void EngineBridge::submitOpen(const QString& title, const QString& path, WorkFn prepare) {
    auto summary = std::make_shared<ModelSummary>();
    auto work = [file = toPath(path), summary, prepare](ql::JobContext& ctx) {
        if (prepare)
            prepare(ctx);
        ctx.setStage("reading " + file.filename().string());
        *summary = summarizeModel(*ql::Model::open(file));
    };
    submit(title, work, [this, path, summary](const ql::JobSnapshot& s) {
        if (s.status != ql::JobStatus::Finished) {
            emit openFailed(path, QString::fromStdString(s.error));
            return;
        }
        m_modelPath = summary->path;
        emit modelOpened(*summary);
    });
}

QList<QPair<QString, QString>> EngineBridge::quantFormats() {
    QList<QPair<QString, QString>> out;
    for (const auto& f : ql::quantFormats())
        out.append({QString::fromUtf8(f.name.data(), qsizetype(f.name.size())),
                    QString::fromUtf8(f.convention.data(), qsizetype(f.convention.size()))});
    return out;
}

QList<QPair<QString, QString>> EngineBridge::llamaPresets() {
    QList<QPair<QString, QString>> out;
    for (const auto& p : ql::llamaPresets()) {
        const auto& base = ql::quantFormatInfo(p.base).name;
        out.append({QString::fromUtf8(p.name.data(), qsizetype(p.name.size())),
                    QString::fromUtf8(base.data(), qsizetype(base.size()))});
    }
    return out;
}

bool EngineBridge::quantize(const QString& formatName) {
    const auto format = ql::quantFormatFromName(formatName.toStdString());
    if (!format)
        return false;
    ql::QuantizeRequest request;
    request.format = *format;
    return submitQuantize(request, formatName, ql::takesImportance(*format));
}

bool EngineBridge::quantizePreset(const QString& presetName) {
    const auto preset = ql::llamaPresetFromName(presetName.toStdString());
    if (!preset)
        return false;
    ql::QuantizeRequest request;
    request.preset = *preset;
    return submitQuantize(request, presetName,
                          ql::takesImportance(ql::llamaPresetInfo(*preset).base));
}

bool EngineBridge::submitQuantize(ql::QuantizeRequest request, const QString& formatName,
                                  bool takesImportance) {
    if (m_modelPath.isEmpty() || isBusy())
        return false;
    auto outcome = std::make_shared<ql::QuantizeOutcome>();
    request.modelPath = toPath(m_modelPath);
    const bool encodes = !m_imatrixPath.isEmpty() && !m_imatrixWeighsOnly && takesImportance;
    const bool weighs = !m_imatrixPath.isEmpty() && !encodes;
    if (encodes)
        request.imatrixPath = toPath(m_imatrixPath);
    else if (weighs)
        request.weighingImatrixPath = toPath(m_imatrixPath);
    auto work = [state = m_state, request, ws = toPath(m_workspacePath),
                 outcome](ql::JobContext& ctx) {
        *outcome = ql::quantizeModel(request, state->workspaceAt(ws), state->backendSet(), ctx);
        state->knownModelIds[request.modelPath].insert(outcome->modelId);
    };
    const QString imatrixFile = QFileInfo(m_imatrixPath).fileName();
    const QString title = encodes ? tr("Quantizing to %1 with %2").arg(formatName, imatrixFile)
                          : weighs
                              ? tr("Quantizing to %1, weighed by %2").arg(formatName, imatrixFile)
                              : tr("Quantizing to %1").arg(formatName);
    const uint64_t id = submit(title, work, [this, outcome](const ql::JobSnapshot& s) {
        endActive();
        if (!s.warning.empty())
            emit jobWarning(QString::fromStdString(s.warning));
        if (s.status == ql::JobStatus::Finished)
            emit variantStored(outcome->variantId);
        else if (s.status == ql::JobStatus::Cancelled)
            emit jobCancelled();
        else
            emit jobFailed(QString::fromStdString(s.error));
    });
    track(id);
    startActive(id, title);
    return true;
}

bool EngineBridge::takesImportance(const QString& formatName) {
    const auto format = ql::quantFormatFromName(formatName.toStdString());
    return format && ql::takesImportance(*format);
}

void EngineBridge::cancel() {
    if (m_activeJob != 0)
        m_engine->cancel(m_activeJob);
}
