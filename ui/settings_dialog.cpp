#include "ui/settings_dialog.h"

#include <QButtonGroup>
#include <QDialogButtonBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace {
enum Choice { Auto, Cpu, Vulkan };
}

SettingsDialog::SettingsDialog(const QString& device, QWidget* parent)
    : QDialog(parent)
    , m_choice(new QButtonGroup(this))
    , m_vulkanIndex(new QSpinBox(this)) {
    setWindowTitle(tr("Settings"));
    auto* group = new QGroupBox(tr("Compute device"), this);
    auto* autoButton = new QRadioButton(tr("&Auto: a Vulkan GPU (discrete first), else the CPU "
                                           "(a CPU Vulkan driver such as lavapipe is slower)"),
                                        group);
    auto* cpuButton = new QRadioButton(tr("&CPU only"), group);
    auto* vulkanButton = new QRadioButton(tr("&Vulkan device:"), group);
    autoButton->setObjectName("deviceAuto");
    cpuButton->setObjectName("deviceCpu");
    vulkanButton->setObjectName("deviceVulkan");
    m_choice->addButton(autoButton, Auto);
    m_choice->addButton(cpuButton, Cpu);
    m_choice->addButton(vulkanButton, Vulkan);
    m_vulkanIndex->setRange(0, 15);
    m_vulkanIndex->setObjectName("vulkanDeviceIndex");
    auto* vulkanRow = new QHBoxLayout;
    vulkanRow->addWidget(vulkanButton);
    vulkanRow->addWidget(m_vulkanIndex);
    vulkanRow->addStretch();
    auto* groupLayout = new QVBoxLayout(group);
    groupLayout->addWidget(autoButton);
    groupLayout->addWidget(cpuButton);
    groupLayout->addLayout(vulkanRow);
    groupLayout->addWidget(new QLabel(tr("Results are identical on every device; each stored "
                                         "result records the one that computed it."),
                                      group));
    if (device == QLatin1String("cpu"))
        cpuButton->setChecked(true);
    else if (device.startsWith(QLatin1String("vulkan"))) {
        vulkanButton->setChecked(true);
        m_vulkanIndex->setValue(device.section(':', 1).toInt());
    } else
        autoButton->setChecked(true);
    m_vulkanIndex->setEnabled(vulkanButton->isChecked());
    connect(vulkanButton, &QRadioButton::toggled, m_vulkanIndex, &QSpinBox::setEnabled);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(group);
    layout->addWidget(buttons);
}

QString SettingsDialog::device() const {
    switch (m_choice->checkedId()) {
    case Cpu:
        return QStringLiteral("cpu");
    case Vulkan:
        return QStringLiteral("vulkan:%1").arg(m_vulkanIndex->value());
    default:
        return QStringLiteral("auto");
    }
}

QString SettingsDialog::savedDevice() {
    return QSettings().value("compute/device", "auto").toString();
}

void SettingsDialog::saveDevice(const QString& device) {
    QSettings().setValue("compute/device", device);
}
