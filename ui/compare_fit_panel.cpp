#include "ui/compare_fit_panel.h"

#include "ui/compare_variant_model.h"
#include "ui/engine_bridge.h"
#include "ui/fit_chart_widget.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QMenu>
#include <QSettings>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>

namespace {

const char* const kOther = "<other>";

QString normalized(const QString& s) {
    QString out;
    for (QChar c : s.toLower())
        if (c.isLetterOrNumber())
            out.append(c);
    return out;
}

QString configLabel(const QString& path) {
    QString name = QFileInfo(path).fileName();
    name.remove(QStringLiteral("_config.json"));
    return name.section(QStringLiteral("--"), -1);
}

QString dataDir() {
    const QString env = qEnvironmentVariable("QUANTLENS_DATA");
    return env.isEmpty() ? QStringLiteral(QUANTLENS_DEFAULT_DATA) : env;
}

} // namespace

QStringList dataFolderConfigs() {
    QStringList out;
    const QDir dir(dataDir() + "/model_configs");
    for (const QString& f : dir.entryList({"*_config.json"}, QDir::Files, QDir::Name))
        if (!f.contains(QLatin1String("quant_config")))
            out.append(dir.absoluteFilePath(f));
    return out;
}

QString configMatching(const QString& scorecardName, const QStringList& configs) {
    const QString want = normalized(scorecardName);
    QString best;
    qsizetype bestLength = 0;
    for (const QString& path : configs) {
        const QString model = normalized(configLabel(path));
        // "Llama-3.1-8B" is inside "Meta-Llama-3.1-8B"; the card may also add a suffix.
        const bool match = !want.isEmpty() && (model.endsWith(want) || want.startsWith(model));
        if (match && model.size() > bestLength) {
            best = path;
            bestLength = model.size();
        }
    }
    return best;
}

CompareFitPanel::CompareFitPanel(EngineBridge* bridge, CompareVariantModel* variants,
                                 QWidget* parent)
    : QWidget(parent)
    , m_bridge(bridge)
    , m_variants(variants)
    , m_chart(new FitChartWidget(this)) {
    QSettings s;
    m_gpus = s.value("compare/gpus", QStringList{"rtx-4090", "h100-sxm"}).toStringList();
    buildControls();
    m_context->setValue(s.value("compare/contextLog2", 13).toInt());
    m_batch->setValue(s.value("compare/batchLog2", 0).toInt());
    m_runtime->setCurrentIndex(
        std::max(0, m_runtime->findData(s.value("compare/runtime", "llamacpp").toString())));
    rebuildShapeChoices();
    connect(m_bridge, &EngineBridge::fitShapeLoaded, this, [this] { refresh(); });
    connect(m_bridge, &EngineBridge::fitShapeFailed, this,
            [this](const QString& path, const QString& message) {
                m_shapeNote->setText(
                    tr("Cannot read %1: %2").arg(QFileInfo(path).fileName(), message));
                m_loadedShape.clear();
            });
    connect(m_variants, &CompareVariantModel::checkedChanged, this, [this] { refresh(); });
    connect(m_variants, &CompareVariantModel::formatChosen, this, [this] { refresh(); });
    updateLabels();
}

void CompareFitPanel::buildControls() {
    m_shape = new QComboBox(this);
    m_shape->setObjectName("fitShapeCombo");
    m_shape->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_shape->setMinimumContentsLength(18);
    m_shape->setToolTip(tr("The model whose tensors and attention shape size the variants"));
    connect(m_shape, &QComboBox::activated, this, &CompareFitPanel::chooseShape);
    m_runtime = new QComboBox(this);
    m_runtime->addItem(tr("llama.cpp"), "llamacpp");
    m_runtime->addItem(tr("vLLM"), "vllm");
    m_runtime->addItem(tr("TensorRT-LLM"), "trtllm");
    connect(m_runtime, &QComboBox::currentIndexChanged, this, [this] {
        QSettings().setValue("compare/runtime", m_runtime->currentData());
        refresh();
    });
    m_gpuButton = new QToolButton(this);
    m_gpuButton->setObjectName("fitGpuButton");
    m_gpuButton->setPopupMode(QToolButton::InstantPopup);
    m_gpuButton->setMenu(new QMenu(m_gpuButton));
    rebuildGpuMenu();
    m_context = new QSlider(Qt::Horizontal, this);
    m_context->setObjectName("fitContextSlider");
    m_context->setRange(7, 17);
    m_context->setPageStep(1);
    m_batch = new QSlider(Qt::Horizontal, this);
    m_batch->setObjectName("fitBatchSlider");
    m_batch->setRange(0, 8);
    m_batch->setPageStep(1);
    m_contextLabel = new QLabel(this);
    m_batchLabel = new QLabel(this);
    for (QSlider* s : {m_context, m_batch})
        connect(s, &QSlider::valueChanged, this, [this] {
            QSettings settings;
            settings.setValue("compare/contextLog2", m_context->value());
            settings.setValue("compare/batchLog2", m_batch->value());
            updateLabels();
            refresh();
        });
    m_shapeNote = new QLabel(this);
    m_shapeNote->setWordWrap(true);
    m_shapeNote->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* form = new QFormLayout;
    form->addRow(tr("&Model shape:"), m_shape);
    form->addRow(tr("&Runtime:"), m_runtime);
    form->addRow(tr("GPUs:"), m_gpuButton);
    form->addRow(m_contextLabel, m_context);
    form->addRow(m_batchLabel, m_batch);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_chart, 1);
    layout->addLayout(form);
    layout->addWidget(m_shapeNote);
}

void CompareFitPanel::rebuildGpuMenu() {
    QMenu* menu = m_gpuButton->menu();
    menu->clear();
    QStringList names;
    for (const GpuInfo& g : EngineBridge::gpuCatalog()) {
        QAction* a = menu->addAction(
            QStringLiteral("%1 (%2 GiB)").arg(g.name).arg(double(g.bytes) / (1u << 30), 0, 'g', 4));
        a->setCheckable(true);
        a->setChecked(m_gpus.contains(g.id));
        if (a->isChecked())
            names.append(g.name);
        connect(a, &QAction::toggled, this, [this, id = g.id](bool on) {
            QStringList ids = m_gpus;
            ids.removeAll(id);
            if (on)
                ids.append(id);
            setSelectedGpus(ids);
        });
    }
    m_gpuButton->setText(names.isEmpty() ? tr("none") : names.join(QStringLiteral(", ")));
}

void CompareFitPanel::setSelectedGpus(const QStringList& ids) {
    m_gpus = ids;
    QSettings().setValue("compare/gpus", m_gpus);
    QStringList names;
    for (const GpuInfo& g : EngineBridge::gpuCatalog())
        if (m_gpus.contains(g.id))
            names.append(g.name);
    m_gpuButton->setText(names.isEmpty() ? tr("none") : names.join(QStringLiteral(", ")));
    refresh();
}

void CompareFitPanel::updateLabels() {
    m_contextLabel->setText(tr("&Context: %L1 tokens").arg(contextForPosition(m_context->value())));
    m_batchLabel->setText(tr("&Batch: %n sequence(s)", nullptr, 1 << m_batch->value()));
    m_contextLabel->setBuddy(m_context);
    m_batchLabel->setBuddy(m_batch);
}

void CompareFitPanel::rebuildShapeChoices() {
    m_shape->clear();
    if (!m_modelPath.isEmpty())
        m_shape->addItem(tr("Opened model: %1").arg(QFileInfo(m_modelPath).fileName()),
                         m_modelPath);
    for (const QString& path : dataFolderConfigs())
        m_shape->addItem(tr("%1 (config.json)").arg(configLabel(path)), path);
    m_shape->addItem(tr("Other config.json or model file\u2026"), QString::fromLatin1(kOther));
    // The remembered choice for this scorecard, else a config that names its model, else
    // the opened model.
    const QVariantMap remembered = QSettings().value("compare/shapes").toMap();
    QString want = remembered.value(m_cardName).toString();
    if (want.isEmpty())
        want = configMatching(m_cardName, dataFolderConfigs());
    if (want.isEmpty())
        want = m_modelPath;
    if (!want.isEmpty() && m_shape->findData(want) < 0 && QFileInfo::exists(want))
        m_shape->insertItem(m_shape->count() - 1, QFileInfo(want).fileName(), want);
    const int index = m_shape->findData(want);
    m_shape->setCurrentIndex(index);
    if (index >= 0)
        loadShape(want);
    else
        m_shapeNote->setText(tr("Choose the model shape that sizes these variants: a config.json "
                                "from the data folder or your own file."));
}

void CompareFitPanel::chooseShape(int index) {
    QString path = m_shape->itemData(index).toString();
    if (path == QLatin1String(kOther)) {
        path =
            QFileDialog::getOpenFileName(this, tr("Model shape"), dataDir() + "/model_configs",
                                         tr("config.json or model (*.json *.gguf *.safetensors)"));
        if (path.isEmpty()) {
            m_shape->setCurrentIndex(std::max(0, m_shape->findData(m_loadedShape)));
            return;
        }
        m_shape->insertItem(m_shape->count() - 1, QFileInfo(path).fileName(), path);
        m_shape->setCurrentIndex(m_shape->count() - 2);
    }
    if (!m_cardName.isEmpty()) {
        QSettings s;
        QVariantMap remembered = s.value("compare/shapes").toMap();
        remembered.insert(m_cardName, path);
        s.setValue("compare/shapes", remembered);
    }
    loadShape(path);
}

void CompareFitPanel::loadShape(const QString& path) {
    if (path == m_loadedShape)
        return refresh();
    m_loadedShape = path;
    m_shapeNote->setText(tr("Reading %1\u2026").arg(QFileInfo(path).fileName()));
    m_bridge->loadFitShape(path);
}

void CompareFitPanel::setScorecardName(const QString& name) {
    if (name == m_cardName)
        return;
    m_cardName = name;
    rebuildShapeChoices();
}

void CompareFitPanel::setOpenedModel(const QString& path) {
    if (path == m_modelPath)
        return;
    m_modelPath = path;
    rebuildShapeChoices();
}

void CompareFitPanel::refresh() {
    FitQuery q;
    for (const QString& v : m_variants->checkedVariants()) {
        q.variants.append(v);
        q.formats.append(m_variants->format(v));
        q.guessed.append(m_variants->formatGuessed(v));
    }
    q.context = contextForPosition(m_context->value());
    q.batch = qint64(1) << m_batch->value();
    q.gpus = m_gpus;
    q.runtime = m_runtime->currentData().toString();
    m_chart->setData(m_bridge->computeFit(q));
    const FitShapeInfo shape = m_bridge->fitShape();
    if (shape.isValid() && shape.source == m_loadedShape)
        m_shapeNote->setText(
            tr("Sized on %1 (%2 parameters, %3). Formats marked \u201cguessed\u201d "
               "come from the variant's name: double-click one to change it.")
                .arg(shape.name)
                .arg(QLocale().toString(shape.parameters))
                .arg(shape.fromModelFile ? tr("tensors of the file") : tr("config.json")));
}
