#pragma once

#include <QHash>
#include <QList>
#include <QWidget>

#include "config/FunctionConfig.h"
#include "config/Validation.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QFrame;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace Fcemu::Ui {

// Every FUNCTION OPTION of CONTRACT §1.1 as a form, grouped (Basics, Runtime, Lifecycle hooks,
// Scaling, Mounts & debugging, Simulation & billing) in a scroll area, with the mode the
// instance will run in. Config::validate runs on every edit and each
// issue is shown in red under the widget of its toJson() field, with a count at the bottom. The
// widgets accept out-of-range numbers on purpose: FC's message says what is allowed, a spin box
// that silently clamps does not. Apply hands the config to whoever loads the function.
class FunctionSettingsForm final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FunctionSettingsForm)

public:
    explicit FunctionSettingsForm(QWidget *parent = nullptr);
    ~FunctionSettingsForm() override;

    // Shows config and makes it the "unchanged" state that Apply compares against and Revert
    // returns to. Options the form has no widget for (region, handler) are kept as given.
    void setConfig(const Config::FunctionConfig &config);
    // What the widgets say now (valid or not).
    Config::FunctionConfig config() const;
    bool isValid() const;

    // The current problems: validate()'s issues plus the form's own (command/args not a JSON
    // array of strings), each under the toJson() field it is shown at.
    QList<Config::ValidationIssue> issues() const { return m_issues; }
    // The message shown under a field ("" when it is fine); for tests and tooltips.
    QString messageFor(const QString &field) const;
    // The input widget of a field ("memorySize", "instanceLifecycleConfig.preStop", ...).
    QWidget *fieldWidget(const QString &field) const;

signals:
    void applied(const Fcemu::Config::FunctionConfig &config);

protected:
    void changeEvent(QEvent *event) override;

private:
    struct Field
    {
        QWidget *input = nullptr;
        QFrame *frame = nullptr;
        QLabel *message = nullptr;
    };

    QWidget *addField(QFormLayout *form, const QString &label, const QString &field, QWidget *input,
                      const QString &help = {});
    QSpinBox *spinBox(int min, int max, const QString &suffix, int step = 1);
    void addEnvRow(const QString &key, const QString &value);
    // Mounts & debugging (FunctionSettingsMounts.cpp): --mount, --nas-root, --oss-root,
    // --debug-port, --debug-args, and the instance's mode.
    void buildMountsGroup(QFormLayout *form);
    void addMountRow(const Config::MountSpec &mount);
    void showMounts(const Config::FunctionConfig &config);
    void readMounts(Config::FunctionConfig &c) const;
    QList<Config::ValidationIssue> mountIssues(const Config::FunctionConfig &c) const;
    void updateMountHints(const Config::FunctionConfig &c);
    void revalidate();
    void updateCpuHint();
    void apply();
    void revert();

    Config::FunctionConfig m_base;
    QHash<QString, Field> m_fields;
    QList<Config::ValidationIssue> m_issues;
    bool m_loading = false;

    QLineEdit *m_name = nullptr;
    QLineEdit *m_serviceName = nullptr;
    QSpinBox *m_memory = nullptr;
    QDoubleSpinBox *m_cpu = nullptr;
    QSpinBox *m_timeout = nullptr;

    QSpinBox *m_port = nullptr;
    QCheckBox *m_webServerMode = nullptr;
    QCheckBox *m_internetAccess = nullptr;
    QCheckBox *m_imageAcceleration = nullptr;
    QCheckBox *m_profileStartup = nullptr;
    QLineEdit *m_command = nullptr;
    QLineEdit *m_args = nullptr;
    QTableWidget *m_env = nullptr;
    QLabel *m_envBytes = nullptr;

    struct HookWidgets
    {
        QCheckBox *enabled = nullptr;
        QLineEdit *handler = nullptr;
        QSpinBox *timeout = nullptr;
        QString defaultHandler;
    };
    HookWidgets m_initializer;
    HookWidgets m_preFreeze;
    HookWidgets m_preStop;

    QSpinBox *m_concurrency = nullptr;
    QSpinBox *m_maxInstances = nullptr;
    QSpinBox *m_provisioned = nullptr;
    QSpinBox *m_idleTimeout = nullptr;
    QComboBox *m_instanceType = nullptr;

    QComboBox *m_diskSize = nullptr;
    QSpinBox *m_startupTimeout = nullptr;
    QDoubleSpinBox *m_pullBandwidth = nullptr;
    QComboBox *m_billing = nullptr;

    QTableWidget *m_mounts = nullptr;
    QLineEdit *m_nasRoot = nullptr;
    QLineEdit *m_ossRoot = nullptr;
    QLabel *m_nasHint = nullptr;
    QLabel *m_ossHint = nullptr;
    QLineEdit *m_debugPorts = nullptr;
    QLineEdit *m_debugArgs = nullptr;
    QLabel *m_mode = nullptr;

    QLabel *m_summary = nullptr;
    QPushButton *m_apply = nullptr;
    QPushButton *m_revert = nullptr;
};

// The mode an instance of config runs in, one line per aspect: web server or job, how memory
// is limited and measured (a cgroup the kernel enforces, or polling with /proc/meminfo
// emulated), vCPUs, network, debugging. `accounting` is "cgroup-v2", "cgroup-v1" or "polling"
// (the sandbox's choice on this machine), `why` the reason a cgroup is not used.
QString instanceModeText(const Config::FunctionConfig &config, const QString &accounting,
                         const QString &why = {});

} // namespace Fcemu::Ui
