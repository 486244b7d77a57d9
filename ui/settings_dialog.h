#pragma once
// Settings…: the compute device (Auto, CPU, or Vulkan device N), kept in QSettings and
// applied through EngineBridge::setComputeDevice.
#include <QDialog>

class QButtonGroup;
class QSpinBox;

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(const QString& device, QWidget* parent = nullptr);

    QString device() const; // "auto", "cpu", "vulkan:N"

    static QString savedDevice();
    static void saveDevice(const QString& device);

private:
    QButtonGroup* m_choice;
    QSpinBox* m_vulkanIndex;
};
