// Settings > Compute device: the dialog reads and writes the device string the engine
// takes ("auto", "cpu", "vulkan:N"), and EngineBridge makes the backends that string
// names: the status bar's summary says which device computes, and why Auto leaves a CPU
// Vulkan driver (lavapipe) to the CPU backend.
#include "engine/compute/backend.h"
#include "tests/common/test_data.h"
#include "ui/engine_bridge.h"
#include "ui/settings_dialog.h"

#include <QRadioButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

class SettingsDialogTest : public QObject {
    Q_OBJECT
private slots:
    void readsEachDeviceString() {
        for (const QString& device : {QStringLiteral("auto"), QStringLiteral("cpu")}) {
            SettingsDialog dialog(device);
            QCOMPARE(dialog.device(), device);
            QVERIFY(!dialog.findChild<QSpinBox*>("vulkanDeviceIndex")->isEnabled());
        }
        SettingsDialog vulkan(QStringLiteral("vulkan:2"));
        QCOMPARE(vulkan.device(), QStringLiteral("vulkan:2"));
        QVERIFY(vulkan.findChild<QRadioButton*>("deviceVulkan")->isChecked());
        QVERIFY(vulkan.findChild<QSpinBox*>("vulkanDeviceIndex")->isEnabled());
        if (const QByteArray dir = qgetenv("QUANTLENS_UI_GRAB_DIR"); !dir.isEmpty()) {
            vulkan.adjustSize(); // for a person to look at (docs/screenshot-*.png)
            QVERIFY(vulkan.grab().save(QString::fromLocal8Bit(dir) + "/settings-dialog.png"));
        }
        SettingsDialog unknown(QStringLiteral("tpu"));
        QCOMPARE(unknown.device(), QStringLiteral("auto"));
    }

    void choosingAVulkanDeviceEnablesItsIndex() {
        SettingsDialog dialog(QStringLiteral("auto"));
        auto* index = dialog.findChild<QSpinBox*>("vulkanDeviceIndex");
        dialog.findChild<QRadioButton*>("deviceVulkan")->click();
        QVERIFY(index->isEnabled());
        index->setValue(1);
        QCOMPARE(dialog.device(), QStringLiteral("vulkan:1"));
        dialog.findChild<QRadioButton*>("deviceCpu")->click();
        QVERIFY(!index->isEnabled());
        QCOMPARE(dialog.device(), QStringLiteral("cpu"));
    }

    // The summary shown in the status bar for each choice, on the device this runs on.
    void theBridgeMakesTheChosenBackends() {
        const ql::VulkanProbe probe = ql::makeVulkanBackend();
        if (!probe.backend && !ql::test::vulkanRequired())
            QSKIP("no Vulkan device");
        QVERIFY2(probe.backend, probe.message.c_str());
        const bool cpuDriver = !ql::makeVulkanBackend(-1, false).backend;
        EngineBridge bridge;
        QSignalSpy ready(&bridge, &EngineBridge::backendReady);
        const auto summaryFor = [&](const QString& device) {
            ready.clear();
            bridge.setComputeDevice(device);
            if (!ready.wait(60000))
                return QString();
            return ready.takeFirst().at(0).toString();
        };
        QVERIFY(summaryFor(QStringLiteral("cpu")).startsWith(QStringLiteral("cpu (")));
        const QString onVulkan = summaryFor(QStringLiteral("vulkan:0"));
        QVERIFY2(onVulkan.startsWith(QStringLiteral("vulkan (")), qPrintable(onVulkan));
        const QString onAuto = summaryFor(QStringLiteral("auto"));
        if (cpuDriver) {
            QVERIFY2(onAuto.startsWith(QStringLiteral("cpu (")), qPrintable(onAuto));
            QVERIFY2(onAuto.contains(QStringLiteral("is a CPU driver")), qPrintable(onAuto));
        } else {
            QVERIFY2(onAuto.startsWith(QStringLiteral("vulkan (")), qPrintable(onAuto));
        }
    }
};

QTEST_MAIN(SettingsDialogTest)
#include "settings_dialog_test.moc"
