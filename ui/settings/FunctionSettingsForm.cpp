// The function settings form. A little over 500 lines: one form, every FUNCTION OPTION a field
// in the order `fcemu --help` lists them, each checked as the command line checks it; the
// Mounts & debugging group is in FunctionSettingsMounts.cpp.

#include "FunctionSettingsForm.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFormLayout>
#include <QFrame>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include "common/Format.h"

namespace Fcemu::Ui {

namespace {

QString jsonArrayText(const QStringList &list)
{
    if (list.isEmpty())
        return {};
    nlohmann::json array = nlohmann::json::array();
    for (const QString &item : list)
        array.push_back(item.toStdString());
    return QString::fromStdString(array.dump());
}

// The FC2 --command/--args syntax: a JSON array of strings; empty text is "the image's".
std::optional<QStringList> parseJsonArray(const QString &text)
{
    if (text.trimmed().isEmpty())
        return QStringList();
    const auto json = nlohmann::json::parse(text.toStdString(), nullptr, false);
    if (json.is_discarded() || !json.is_array())
        return std::nullopt;
    QStringList list;
    for (const auto &item : json) {
        if (!item.is_string())
            return std::nullopt;
        list.append(QString::fromStdString(item.get<std::string>()));
    }
    return list;
}

const QString kPreFreezeField = u"instanceLifecycleConfig.preFreeze"_qs;
const QString kPreStopField = u"instanceLifecycleConfig.preStop"_qs;

} // namespace

FunctionSettingsForm::FunctionSettingsForm(QWidget *parent) : QWidget(parent)
{
    auto *content = new QWidget;
    auto *contentLayout = new QVBoxLayout(content);

    auto group = [&](const QString &title) {
        auto *box = new QGroupBox(title);
        auto *form = new QFormLayout(box);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        form->setLabelAlignment(Qt::AlignRight | Qt::AlignTop);
        contentLayout->addWidget(box);
        return form;
    };

    // Basics
    QFormLayout *basics = group(tr("Basics"));
    m_name = new QLineEdit;
    addField(basics, tr("Name"), u"functionName"_qs, m_name);
    m_serviceName = new QLineEdit;
    addField(basics, tr("Service"), u"serviceName"_qs, m_serviceName,
             tr("FC 2.0 service; sent as x-fc-service-name."));
    m_memory = spinBox(0, 1'000'000, tr(" MB"), Config::kMemoryStepMB);
    addField(basics, tr("Memory"), u"memorySize"_qs, m_memory,
             tr("A multiple of 64 MB, 128 MB to 32 GB."));
    m_cpu = new QDoubleSpinBox;
    m_cpu->setRange(0, 64);
    m_cpu->setDecimals(2);
    m_cpu->setSingleStep(0.05);
    m_cpu->setSuffix(tr(" vCPU"));
    addField(basics, tr("vCPU"), u"cpu"_qs, m_cpu);
    m_timeout = spinBox(0, 10'000'000, tr(" s"));
    addField(basics, tr("Timeout"), u"timeout"_qs, m_timeout);

    // Runtime
    QFormLayout *runtime = group(tr("Runtime"));
    m_webServerMode = new QCheckBox(tr("Web server mode"));
    addField(runtime, QString(), u"webServerMode"_qs, m_webServerMode,
             tr("On: the container serves HTTP on the port below. Off: it runs as a job per "
                "event and exits."));
    m_port = spinBox(0, 999'999, {});
    addField(runtime, tr("Port (CAPort)"), u"caPort"_qs, m_port,
             tr("Listen on 0.0.0.0, not 127.0.0.1."));
    m_internetAccess = new QCheckBox(tr("Internet access"));
    addField(runtime, QString(), u"internetAccess"_qs, m_internetAccess,
             tr("On: the function reaches what this machine reaches, and this machine as "
                "host.fcemu.internal. Off: loopback only (FC3's internetAccess)."));
    m_command = new QLineEdit;
    // Short hints that fit a 1280 px screen's dock; the examples are in the tooltips.
    m_command->setPlaceholderText(tr("the image's Entrypoint"));
    m_command->setToolTip(tr("A JSON array, e.g. [\"python3\", \"app.py\"]; empty: the image's "
                             "Entrypoint"));
    addField(runtime, tr("Command"), u"command"_qs, m_command);
    m_args = new QLineEdit;
    m_args->setPlaceholderText(tr("the image's Cmd"));
    m_args->setToolTip(tr("A JSON array, e.g. [\"--port\", \"9000\"]; empty: the image's Cmd"));
    addField(runtime, tr("Args"), u"args"_qs, m_args);

    auto *envBox = new QWidget;
    auto *envLayout = new QVBoxLayout(envBox);
    envLayout->setContentsMargins(0, 0, 0, 0);
    m_env = new QTableWidget(0, 2);
    m_env->setHorizontalHeaderLabels({tr("Name"), tr("Value")});
    m_env->horizontalHeader()->setStretchLastSection(true);
    m_env->verticalHeader()->hide();
    m_env->setMinimumHeight(90);
    m_env->setMaximumHeight(160);
    m_env->setSelectionBehavior(QAbstractItemView::SelectRows);
    envLayout->addWidget(m_env);
    auto *envButtons = new QHBoxLayout;
    auto *addEnv = new QPushButton(tr("Add"));
    auto *removeEnv = new QPushButton(tr("Remove"));
    m_envBytes = new QLabel;
    envButtons->addWidget(addEnv);
    envButtons->addWidget(removeEnv);
    envButtons->addStretch();
    envButtons->addWidget(m_envBytes);
    envLayout->addLayout(envButtons);
    addField(runtime, tr("Environment"), u"environmentVariables"_qs, envBox);
    connect(addEnv, &QPushButton::clicked, this, [this]() {
        addEnvRow({}, {});
        m_env->setCurrentCell(m_env->rowCount() - 1, 0);
        m_env->editItem(m_env->item(m_env->rowCount() - 1, 0));
    });
    connect(removeEnv, &QPushButton::clicked, this, [this]() {
        const int row = m_env->currentRow();
        if (row >= 0) {
            m_env->removeRow(row);
            revalidate();
        }
    });
    connect(m_env, &QTableWidget::itemChanged, this, &FunctionSettingsForm::revalidate);

    // Lifecycle hooks
    QFormLayout *hooks = group(tr("Lifecycle hooks"));
    auto hook = [&](HookWidgets &w, const QString &label, const QString &field,
                    const QString &timeoutLabel, const QString &timeoutField,
                    const QString &defaultHandler, const QString &help) {
        w.defaultHandler = defaultHandler;
        auto *row = new QWidget;
        auto *layout = new QHBoxLayout(row);
        layout->setContentsMargins(0, 0, 0, 0);
        w.enabled = new QCheckBox(tr("On"));
        w.handler = new QLineEdit;
        w.handler->setPlaceholderText(tr("default: %1").arg(defaultHandler));
        w.handler->setToolTip(tr("The handler text (default \"%1\")").arg(defaultHandler));
        layout->addWidget(w.enabled);
        layout->addWidget(w.handler, 1);
        addField(hooks, label, field, row, help);
        w.timeout = spinBox(0, 100'000, tr(" s"));
        addField(hooks, timeoutLabel, timeoutField, w.timeout);
        connect(w.enabled, &QCheckBox::toggled, w.handler, &QLineEdit::setEnabled);
        connect(w.enabled, &QCheckBox::toggled, this, &FunctionSettingsForm::revalidate);
        connect(w.handler, &QLineEdit::textChanged, this, &FunctionSettingsForm::revalidate);
    };
    hook(m_initializer, tr("Initializer"), u"initializer"_qs, tr("Initializer timeout"),
         u"initializationTimeout"_qs, u"initializer"_qs,
         tr("POST /initialize once per instance, before its first request."));
    hook(m_preFreeze, tr("Pre-freeze"), kPreFreezeField, tr("Pre-freeze timeout"),
         kPreFreezeField + u".timeout"_qs, u"preFreeze"_qs,
         tr("GET /pre-freeze after each request (FC 2.0)."));
    hook(m_preStop, tr("Pre-stop"), kPreStopField, tr("Pre-stop timeout"),
         kPreStopField + u".timeout"_qs, u"preStop"_qs,
         tr("GET /pre-stop before an instance is reclaimed."));

    // Scaling
    QFormLayout *scaling = group(tr("Scaling"));
    m_concurrency = spinBox(0, 100'000, {});
    addField(scaling, tr("Instance concurrency"), u"instanceConcurrency"_qs, m_concurrency,
             tr("Requests one instance takes at a time."));
    m_maxInstances = spinBox(0, 100'000, {});
    addField(scaling, tr("Max instances"), u"maxInstances"_qs, m_maxInstances,
             tr("Beyond this, requests get 429 ResourceExhausted."));
    m_provisioned = spinBox(0, 100'000, {});
    addField(scaling, tr("Provisioned"), u"provisioned"_qs, m_provisioned,
             tr("Instances kept started; they have no cold start."));
    m_idleTimeout = spinBox(0, 10'000'000, tr(" s"));
    addField(scaling, tr("Idle timeout"), u"idleTimeout"_qs, m_idleTimeout,
             tr("An idle on-demand instance is reclaimed after this."));
    m_instanceType = new QComboBox;
    m_instanceType->addItem(tr("Elastic (CPU)"), u"elastic"_qs);
    m_instanceType->addItem(tr("GPU"), u"gpu"_qs);
    addField(scaling, tr("Instance type"), u"instanceType"_qs, m_instanceType);

    buildMountsGroup(group(tr("Mounts && debugging")));

    // Simulation & billing
    QFormLayout *simulation = group(tr("Simulation && billing"));
    m_diskSize = new QComboBox;
    m_diskSize->addItem(tr("512 MB"), 512);
    m_diskSize->addItem(tr("10 GB (10240 MB)"), 10240);
    addField(simulation, tr("Disk size"), u"diskSize"_qs, m_diskSize);
    m_startupTimeout = spinBox(0, 10'000'000, tr(" s"));
    addField(simulation, tr("Startup timeout"), u"startupTimeout"_qs, m_startupTimeout,
             tr("How long the server may take to answer on its port."));
    m_pullBandwidth = new QDoubleSpinBox;
    m_pullBandwidth->setRange(0, 100'000);
    m_pullBandwidth->setDecimals(1);
    m_pullBandwidth->setSuffix(tr(" MB/s"));
    m_pullBandwidth->setSpecialValueText(tr("Off (image is local)"));
    addField(simulation, tr("Pull bandwidth"), u"pullBandwidth"_qs, m_pullBandwidth,
             tr("Simulates pulling the image from a registry on a cold start."));
    m_imageAcceleration = new QCheckBox(tr("Image acceleration"));
    addField(simulation, QString(), u"imageAcceleration"_qs, m_imageAcceleration,
             tr("Once the start-up profile is known, pull only what the start-up reads."));
    m_profileStartup = new QCheckBox(tr("Profile start-up reads"));
    addField(simulation, QString(), u"profileStartup"_qs, m_profileStartup,
             tr("Record the files the next cold start reads (Timing inspector)."));
    m_billing = new QComboBox;
    m_billing->addItem(tr("FC 2.0 (fc2)"), u"fc2"_qs);
    m_billing->addItem(tr("FC 3.0 (fc3)"), u"fc3"_qs);
    addField(simulation, tr("Billing model"), u"billing"_qs, m_billing);

    contentLayout->addStretch();

    auto *scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    // Up and down only: the form is never narrower than its fields (its help lines were cut
    // at the right edge); a dock narrower than that scrolls as a whole (MainWindow's frame).
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(content->minimumSizeHint().width() +
                            scroll->verticalScrollBar()->sizeHint().width());

    m_summary = new QLabel;
    m_summary->setObjectName(u"summary"_qs);
    m_revert = new QPushButton(tr("Revert"));
    m_apply = new QPushButton(tr("Apply"));
    m_apply->setDefault(true);
    connect(m_apply, &QPushButton::clicked, this, &FunctionSettingsForm::apply);
    connect(m_revert, &QPushButton::clicked, this, &FunctionSettingsForm::revert);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_summary, 1);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_apply);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll, 1);
    auto *bottom = new QWidget;
    bottom->setLayout(buttons);
    layout->addWidget(bottom);

    for (QLineEdit *edit : {m_name, m_serviceName, m_command, m_args})
        connect(edit, &QLineEdit::textChanged, this, &FunctionSettingsForm::revalidate);
    for (QSpinBox *spin : {m_memory, m_timeout, m_port, m_concurrency, m_maxInstances,
                           m_provisioned, m_idleTimeout, m_startupTimeout})
        connect(spin, &QSpinBox::valueChanged, this, &FunctionSettingsForm::revalidate);
    for (QDoubleSpinBox *spin : {m_cpu, m_pullBandwidth})
        connect(spin, &QDoubleSpinBox::valueChanged, this, &FunctionSettingsForm::revalidate);
    for (QComboBox *combo : {m_instanceType, m_diskSize, m_billing})
        connect(combo, &QComboBox::currentIndexChanged, this, &FunctionSettingsForm::revalidate);
    connect(m_webServerMode, &QCheckBox::toggled, this, &FunctionSettingsForm::revalidate);
    connect(m_internetAccess, &QCheckBox::toggled, this, &FunctionSettingsForm::revalidate);
    connect(m_imageAcceleration, &QCheckBox::toggled, this, &FunctionSettingsForm::revalidate);
    connect(m_profileStartup, &QCheckBox::toggled, this, &FunctionSettingsForm::revalidate);

    setConfig(Config::FunctionConfig());
}

FunctionSettingsForm::~FunctionSettingsForm() = default;

QSpinBox *FunctionSettingsForm::spinBox(int min, int max, const QString &suffix, int step)
{
    auto *spin = new QSpinBox;
    spin->setRange(min, max);
    spin->setSuffix(suffix);
    spin->setSingleStep(step);
    spin->setAccelerated(true);
    return spin;
}

QWidget *FunctionSettingsForm::addField(QFormLayout *form, const QString &label,
                                        const QString &field, QWidget *input, const QString &help)
{
    // The frame's 1 px margin is always there, so outlining a field does not move anything.
    auto *frame = new QFrame;
    frame->setObjectName(u"fieldFrame"_qs);
    auto *frameLayout = new QVBoxLayout(frame);
    frameLayout->setContentsMargins(1, 1, 1, 1);
    frameLayout->addWidget(input);

    auto *message = new QLabel;
    message->setObjectName(u"message:"_qs + field);
    message->setWordWrap(true);
    message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    message->hide();

    auto *cell = new QWidget;
    auto *cellLayout = new QVBoxLayout(cell);
    cellLayout->setContentsMargins(0, 0, 0, 0);
    cellLayout->setSpacing(2);
    cellLayout->addWidget(frame);
    if (!help.isEmpty()) {
        auto *hint = new QLabel(help);
        hint->setWordWrap(true);
        hint->setForegroundRole(QPalette::PlaceholderText);
        QFont small = hint->font();
        small.setPointSizeF(small.pointSizeF() * 0.9);
        hint->setFont(small);
        cellLayout->addWidget(hint);
    }
    cellLayout->addWidget(message);
    if (label.isEmpty())
        form->addRow(cell);
    else
        form->addRow(label, cell);
    input->setObjectName(field);
    m_fields.insert(field, {input, frame, message});
    return cell;
}

void FunctionSettingsForm::addEnvRow(const QString &key, const QString &value)
{
    const QSignalBlocker blocker(m_env);
    const int row = m_env->rowCount();
    m_env->insertRow(row);
    m_env->setItem(row, 0, new QTableWidgetItem(key));
    m_env->setItem(row, 1, new QTableWidgetItem(value));
}

void FunctionSettingsForm::setConfig(const Config::FunctionConfig &config)
{
    m_loading = true;
    m_base = config;
    m_name->setText(config.name);
    m_serviceName->setText(config.serviceName);
    m_memory->setValue(config.memoryMB);
    m_cpu->setValue(config.cpu.value_or(0));
    m_timeout->setValue(config.timeoutS);
    m_port->setValue(config.caPort);
    m_webServerMode->setChecked(config.webServerMode);
    m_internetAccess->setChecked(config.internetAccess);
    m_imageAcceleration->setChecked(config.imageAcceleration);
    m_profileStartup->setChecked(config.profileStartup);
    m_command->setText(jsonArrayText(config.command));
    m_args->setText(jsonArrayText(config.args));
    {
        const QSignalBlocker blocker(m_env);
        m_env->setRowCount(0);
    }
    for (const Config::EnvVar &var : config.env)
        addEnvRow(var.key, var.value);
    auto setHook = [](HookWidgets &w, const Config::LifecycleHook &hook) {
        w.enabled->setChecked(hook.isSet());
        w.handler->setText(hook.handler == w.defaultHandler ? QString() : hook.handler);
        w.handler->setEnabled(hook.isSet());
        // The timeout stays editable with the hook off: validate() checks it either way.
        w.timeout->setValue(hook.timeoutS);
    };
    setHook(m_initializer, config.initializer);
    setHook(m_preFreeze, config.preFreeze);
    setHook(m_preStop, config.preStop);
    m_concurrency->setValue(config.instanceConcurrency);
    m_maxInstances->setValue(config.maxInstances);
    m_provisioned->setValue(config.provisioned);
    m_idleTimeout->setValue(config.idleTimeoutS);
    m_instanceType->setCurrentIndex(
        m_instanceType->findData(Config::instanceTypeName(config.instanceType)));
    int disk = m_diskSize->findData(config.diskSizeMB);
    if (disk < 0) {
        // A config file may name a size FC refuses; show it so its message has a widget.
        m_diskSize->addItem(tr("%1 MB").arg(config.diskSizeMB), config.diskSizeMB);
        disk = m_diskSize->count() - 1;
    }
    m_diskSize->setCurrentIndex(disk);
    m_startupTimeout->setValue(config.startupTimeoutS);
    m_pullBandwidth->setValue(config.pullBandwidthMBps.value_or(0));
    m_billing->setCurrentIndex(m_billing->findData(Config::billingModelName(config.billing)));
    showMounts(config);
    m_loading = false;
    revalidate();
}

Config::FunctionConfig FunctionSettingsForm::config() const
{
    Config::FunctionConfig c = m_base;
    c.name = m_name->text();
    c.serviceName = m_serviceName->text();
    c.memoryMB = m_memory->value();
    c.cpu = m_cpu->value() > 0 ? std::optional<double>(m_cpu->value()) : std::nullopt;
    c.timeoutS = m_timeout->value();
    c.caPort = m_port->value();
    c.webServerMode = m_webServerMode->isChecked();
    c.internetAccess = m_internetAccess->isChecked();
    c.imageAcceleration = m_imageAcceleration->isChecked();
    c.profileStartup = m_profileStartup->isChecked();
    if (auto command = parseJsonArray(m_command->text()))
        c.command = *command;
    if (auto args = parseJsonArray(m_args->text()))
        c.args = *args;
    c.env.clear();
    for (int row = 0; row < m_env->rowCount(); ++row) {
        const QString key = m_env->item(row, 0) ? m_env->item(row, 0)->text() : QString();
        const QString value = m_env->item(row, 1) ? m_env->item(row, 1)->text() : QString();
        if (key.isEmpty() && value.isEmpty())
            continue; // a row just added and not filled in yet
        c.setEnv(key, value);
    }
    auto hook = [](const HookWidgets &w) {
        Config::LifecycleHook h;
        if (w.enabled->isChecked())
            h.handler = w.handler->text().isEmpty() ? w.defaultHandler : w.handler->text();
        h.timeoutS = w.timeout->value();
        return h;
    };
    c.initializer = hook(m_initializer);
    c.preFreeze = hook(m_preFreeze);
    c.preStop = hook(m_preStop);
    c.instanceConcurrency = m_concurrency->value();
    c.maxInstances = m_maxInstances->value();
    c.provisioned = m_provisioned->value();
    c.idleTimeoutS = m_idleTimeout->value();
    c.instanceType = Config::instanceTypeFromString(m_instanceType->currentData().toString())
                         .value_or(Config::InstanceType::Elastic);
    c.diskSizeMB = m_diskSize->currentData().toInt();
    c.startupTimeoutS = m_startupTimeout->value();
    c.pullBandwidthMBps = m_pullBandwidth->value() > 0
                              ? std::optional<double>(m_pullBandwidth->value())
                              : std::nullopt;
    c.billing = Config::billingModelFromString(m_billing->currentData().toString())
                    .value_or(Config::BillingModel::Fc2);
    readMounts(c);
    return c;
}

bool FunctionSettingsForm::isValid() const
{
    return m_issues.isEmpty();
}

QString FunctionSettingsForm::messageFor(const QString &field) const
{
    const auto it = m_fields.constFind(field);
    return it == m_fields.cend() || it->message->isHidden() ? QString() : it->message->text();
}

QWidget *FunctionSettingsForm::fieldWidget(const QString &field) const
{
    return m_fields.value(field).input;
}

void FunctionSettingsForm::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        revalidate(); // the red depends on the palette
}

void FunctionSettingsForm::updateCpuHint()
{
    Config::FunctionConfig c;
    c.memoryMB = m_memory->value();
    m_cpu->setSpecialValueText(
        tr("Auto (%1 vCPU for %2 MB)")
            .arg(QString::number(Config::effectiveCpu(c), 'g', 4), QString::number(c.memoryMB)));
}

void FunctionSettingsForm::revalidate()
{
    if (m_loading)
        return;
    updateCpuHint();
    const Config::FunctionConfig c = config();
    m_issues = Config::validate(c);
    // The form's own syntax checks, which validate() cannot see: config() kept the last good
    // value for these.
    if (!parseJsonArray(m_command->text()))
        m_issues.append({u"command"_qs, tr("--command must be a JSON array of strings, "
                                           "e.g. [\"python3\", \"app.py\"]")});
    if (!parseJsonArray(m_args->text()))
        m_issues.append(
            {u"args"_qs,
             tr("--args must be a JSON array of strings, e.g. [\"--port\", \"9000\"]")});
    m_issues += mountIssues(c);
    updateMountHints(c);

    QHash<QString, QStringList> byField;
    QStringList unplaced;
    for (const Config::ValidationIssue &issue : std::as_const(m_issues)) {
        if (m_fields.contains(issue.field))
            byField[issue.field].append(issue.message);
        else
            unplaced.append(issue.message);
    }
    const QColor red = errorTextColor(palette());
    for (auto it = m_fields.begin(); it != m_fields.end(); ++it) {
        const QStringList messages = byField.value(it.key());
        it->message->setText(messages.join(u'\n'));
        it->message->setVisible(!messages.isEmpty());
        QPalette p = it->message->palette();
        p.setColor(QPalette::WindowText, red);
        it->message->setPalette(p);
        it->frame->setStyleSheet(
            messages.isEmpty()
                ? QString()
                : u"QFrame#fieldFrame { border: 1px solid %1; border-radius: 3px; }"_qs.arg(
                      red.name()));
    }

    const qsizetype envBytes = Config::environmentBytes(c);
    m_envBytes->setText(tr("%1 of %2 bytes").arg(envBytes).arg(Config::kMaxEnvBytes));

    const bool changed = !(c == m_base);
    if (m_issues.isEmpty()) {
        m_summary->setText(changed ? tr("Valid; not applied yet") : tr("Valid"));
        m_summary->setPalette(palette());
    } else {
        QString text = m_issues.size() == 1 ? tr("1 problem to fix")
                                            : tr("%1 problems to fix").arg(m_issues.size());
        if (!unplaced.isEmpty())
            text += u": "_qs + unplaced.join(u"; "_qs);
        m_summary->setText(text);
        QPalette p = m_summary->palette();
        p.setColor(QPalette::WindowText, red);
        m_summary->setPalette(p);
    }
    m_apply->setEnabled(m_issues.isEmpty() && changed);
    m_revert->setEnabled(changed);
}

void FunctionSettingsForm::apply()
{
    if (!isValid())
        return;
    const Config::FunctionConfig c = config();
    m_base = c;
    revalidate();
    emit applied(c);
}

void FunctionSettingsForm::revert()
{
    setConfig(m_base);
}

} // namespace Fcemu::Ui
