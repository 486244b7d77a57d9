#include "ui/gate_policy_editor.h"

#include "ui/gate_policy_model.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>

GatePolicyEditor::GatePolicyEditor(QWidget* parent)
    : QWidget(parent)
    , m_model(new GatePolicyModel(this))
    , m_table(new QTableView(this))
    , m_name(new QLineEdit(this))
    , m_confidence(new QDoubleSpinBox(this))
    , m_significance(new QCheckBox(tr("A regression must be significant to fail"), this))
    , m_adjustment(new QComboBox(this)) {
    m_confidence->setRange(0.51, 0.999);
    m_confidence->setDecimals(3);
    m_confidence->setSingleStep(0.01);
    m_adjustment->addItem(tr("none"), QStringLiteral("none"));
    m_adjustment->addItem(tr("Holm"), QStringLiteral("holm"));
    m_adjustment->addItem(tr("Benjamini-Hochberg"), QStringLiteral("bh"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::AllEditTriggers);
    m_table->setObjectName(QStringLiteral("policyTable"));

    auto* form = new QFormLayout;
    form->addRow(tr("Policy name"), m_name);
    form->addRow(tr("Confidence"), m_confidence);
    form->addRow(QString(), m_significance);
    form->addRow(tr("Multiple comparisons"), m_adjustment);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    layout->addWidget(m_table, 1);

    connect(m_model, &QAbstractItemModel::dataChanged, this, &GatePolicyEditor::edited);
    connect(m_name, &QLineEdit::textEdited, this, &GatePolicyEditor::edited);
    connect(m_confidence, &QDoubleSpinBox::valueChanged, this, &GatePolicyEditor::edited);
    connect(m_significance, &QCheckBox::toggled, this, &GatePolicyEditor::edited);
    connect(m_adjustment, &QComboBox::currentIndexChanged, this, &GatePolicyEditor::edited);
}

void GatePolicyEditor::setPolicy(const QString& json, const QStringList& dimensions,
                                 const QStringList& slices) {
    const QJsonObject p = QJsonDocument::fromJson(json.toUtf8()).object();
    const QSignalBlocker b1(m_name), b2(m_confidence), b3(m_significance), b4(m_adjustment);
    m_name->setText(p.value(QLatin1String("name")).toString(QStringLiteral("release")));
    m_confidence->setValue(p.value(QLatin1String("confidence")).toDouble(0.95));
    m_significance->setChecked(p.value(QLatin1String("require_significance")).toBool(true));
    const int adj = m_adjustment->findData(p.value(QLatin1String("adjustment")).toString("none"));
    m_adjustment->setCurrentIndex(adj < 0 ? 0 : adj);
    m_model->setPolicy(p, dimensions, slices);
}

QString GatePolicyEditor::policyJson() const {
    QJsonObject p = m_model->policy();
    p.insert(QLatin1String("name"), m_name->text().trimmed().isEmpty() ? QStringLiteral("release")
                                                                       : m_name->text().trimmed());
    p.insert(QLatin1String("confidence"), m_confidence->value());
    p.insert(QLatin1String("require_significance"), m_significance->isChecked());
    p.insert(QLatin1String("adjustment"), m_adjustment->currentData().toString());
    return QString::fromUtf8(QJsonDocument(p).toJson(QJsonDocument::Compact));
}
