// The function settings' "Mounts & debugging" group: --mount folders, the NAS and OSS roots the
// config's nasConfig / ossMountConfig map to (with the folder each mount point becomes),
// --debug-port and --debug-args, and the mode the instance will run in.

#include <cmath>

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "FunctionSettingsForm.h"
#include "config/Mounts.h"
#include "config/Options.h"
#include "config/StorageMounts.h"
#include "sandbox/Cgroup.h"

namespace Fcemu::Ui {

namespace {

enum MountColumn { HostColumn, PathColumn, ReadOnlyColumn };

// A cell's text; a row being filled in may lack some cells yet.
QString cellText(const QTableWidget *table, int row, int column)
{
    const QTableWidgetItem *item = table->item(row, column);
    return item ? item->text().trimmed() : QString();
}

bool cellChecked(const QTableWidget *table, int row, int column)
{
    const QTableWidgetItem *item = table->item(row, column);
    return item && item->checkState() == Qt::Checked;
}

QLabel *hintLabel()
{
    auto *hint = new QLabel;
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    hint->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont small = hint->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    hint->setFont(small);
    return hint;
}

// A line edit with a Browse button for a folder, and a hint line under both.
QWidget *folderRow(QLineEdit *edit, QLabel *hint, QWidget *parent, const QString &title)
{
    auto *box = new QWidget;
    auto *column = new QVBoxLayout(box);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(2);
    auto *row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    auto *browse = new QPushButton(QObject::tr("Browse…"));
    row->addWidget(edit, 1);
    row->addWidget(browse);
    column->addLayout(row);
    column->addWidget(hint);
    QObject::connect(browse, &QPushButton::clicked, parent, [edit, parent, title]() {
        const QString dir = QFileDialog::getExistingDirectory(parent, title, edit->text());
        if (!dir.isEmpty())
            edit->setText(dir);
    });
    return box;
}

QString accountingText()
{
    const Sandbox::CgroupHost &host = Sandbox::cgroupHost();
    return Sandbox::accountingName(host.mode);
}

} // namespace

QString instanceModeText(const Config::FunctionConfig &c, const QString &accounting,
                         const QString &why)
{
    QStringList lines;
    lines << (c.webServerMode
                  ? QObject::tr("Web server: requests go to port %1 over HTTP.").arg(c.caPort)
                  : QObject::tr("Job: one run of the command per event; exit 0 is success."));
    if (accounting.startsWith(u"cgroup"_qs))
        lines << QObject::tr("Memory: %1 MB, a %2 limit the kernel enforces; runtimes read it "
                             "from /sys/fs/cgroup and /proc/meminfo.")
                     .arg(c.memoryMB)
                     .arg(accounting == u"cgroup-v2"_qs ? u"cgroup v2"_qs : u"cgroup v1"_qs);
    else
        lines << QObject::tr("Memory: %1 MB, polled every 10 ms (no cgroup here%2); "
                             "/proc/meminfo shows %1 MB.")
                     .arg(c.memoryMB)
                     .arg(why.isEmpty() ? QString() : u": "_qs + why);
    const double vcpu = Config::effectiveCpu(c);
    lines << QObject::tr("CPU: %1 vCPU (nproc %2).")
                 .arg(QString::number(vcpu, 'g', 4))
                 .arg(qMax(1, int(std::ceil(vcpu - 1e-9))));
    lines << (c.internetAccess ? QObject::tr("Network: outbound, and this machine as "
                                             "host.fcemu.internal.")
                               : QObject::tr("Network: loopback only."));
    if (c.debugging())
        lines << QObject::tr("Debugging: FC's timeouts are suspended.");
    return lines.join(u'\n');
}

void FunctionSettingsForm::buildMountsGroup(QFormLayout *form)
{
    auto *mountsBox = new QWidget;
    auto *mountsLayout = new QVBoxLayout(mountsBox);
    mountsLayout->setContentsMargins(0, 0, 0, 0);
    m_mounts = new QTableWidget(0, 3);
    m_mounts->setHorizontalHeaderLabels({tr("Folder here"), tr("Path inside"), tr("Read-only")});
    m_mounts->horizontalHeader()->setSectionResizeMode(HostColumn, QHeaderView::Stretch);
    m_mounts->horizontalHeader()->setSectionResizeMode(PathColumn, QHeaderView::Stretch);
    m_mounts->horizontalHeader()->setSectionResizeMode(ReadOnlyColumn,
                                                       QHeaderView::ResizeToContents);
    m_mounts->verticalHeader()->hide();
    m_mounts->setMinimumHeight(70);
    m_mounts->setMaximumHeight(130);
    m_mounts->setMinimumWidth(120);
    m_mounts->setSelectionBehavior(QAbstractItemView::SelectRows);
    mountsLayout->addWidget(m_mounts);
    auto *buttons = new QHBoxLayout;
    auto *add = new QPushButton(tr("Add…"));
    auto *remove = new QPushButton(tr("Remove"));
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch();
    mountsLayout->addLayout(buttons);
    addField(form, tr("Mounts"), u"mounts"_qs, mountsBox,
             tr("Folders of this machine bound into the instance (--mount)."));
    connect(add, &QPushButton::clicked, this, [this]() {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder to mount"));
        if (dir.isEmpty())
            return;
        addMountRow({dir, u"/mnt/"_qs + QFileInfo(dir).fileName(), false, {}, {}});
        revalidate();
    });
    connect(remove, &QPushButton::clicked, this, [this]() {
        if (const int row = m_mounts->currentRow(); row >= 0) {
            m_mounts->removeRow(row);
            revalidate();
        }
    });
    connect(m_mounts, &QTableWidget::itemChanged, this, &FunctionSettingsForm::revalidate);

    m_nasRoot = new QLineEdit;
    m_nasRoot->setPlaceholderText(tr("not mapped"));
    m_nasHint = hintLabel();
    addField(form, tr("NAS root"), u"nasRoot"_qs,
             folderRow(m_nasRoot, m_nasHint, this, tr("NAS root folder")));
    m_ossRoot = new QLineEdit;
    m_ossRoot->setPlaceholderText(tr("not mapped"));
    m_ossHint = hintLabel();
    addField(form, tr("OSS root"), u"ossRoot"_qs,
             folderRow(m_ossRoot, m_ossHint, this, tr("OSS root folder")));

    m_debugPorts = new QLineEdit;
    m_debugPorts->setPlaceholderText(tr("none, e.g. 9229"));
    addField(form, tr("Debug ports"), u"debugPorts"_qs, m_debugPorts,
             tr("127.0.0.1:PORT here reaches PORT in the instance (--debug-port)."));
    m_debugArgs = new QLineEdit;
    m_debugArgs->setPlaceholderText(tr("none, e.g. --inspect=0.0.0.0:9229"));
    addField(form, tr("Debug args"), u"debugArgs"_qs, m_debugArgs,
             tr("Inserted after the command's program (--debug-args)."));

    m_mode = new QLabel;
    m_mode->setWordWrap(true);
    m_mode->setTextInteractionFlags(Qt::TextSelectableByMouse);
    addField(form, tr("Instance mode"), u"instanceMode"_qs, m_mode);

    for (QLineEdit *edit : {m_nasRoot, m_ossRoot, m_debugPorts, m_debugArgs})
        connect(edit, &QLineEdit::textChanged, this, &FunctionSettingsForm::revalidate);
}

void FunctionSettingsForm::addMountRow(const Config::MountSpec &mount)
{
    const QSignalBlocker blocker(m_mounts);
    const int row = m_mounts->rowCount();
    m_mounts->insertRow(row);
    m_mounts->setItem(row, HostColumn, new QTableWidgetItem(mount.hostDir));
    m_mounts->setItem(row, PathColumn, new QTableWidgetItem(mount.path));
    auto *readOnly = new QTableWidgetItem;
    readOnly->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    readOnly->setCheckState(mount.readOnly ? Qt::Checked : Qt::Unchecked);
    m_mounts->setItem(row, ReadOnlyColumn, readOnly);
}

void FunctionSettingsForm::showMounts(const Config::FunctionConfig &config)
{
    {
        const QSignalBlocker blocker(m_mounts);
        m_mounts->setRowCount(0);
    }
    for (const Config::MountSpec &mount : config.mounts)
        addMountRow(mount);
    m_nasRoot->setText(config.nasRoot);
    m_ossRoot->setText(config.ossRoot);
    QStringList ports;
    for (int port : config.debugPorts)
        ports << QString::number(port);
    m_debugPorts->setText(ports.join(u','));
    m_debugArgs->setText(config.debugArgs);
}

void FunctionSettingsForm::readMounts(Config::FunctionConfig &c) const
{
    c.mounts.clear();
    for (int row = 0; row < m_mounts->rowCount(); ++row) {
        const QString host = cellText(m_mounts, row, HostColumn);
        const QString path = cellText(m_mounts, row, PathColumn);
        if (host.isEmpty() && path.isEmpty())
            continue;
        Config::MountSpec mount;
        // Canonical, as --mount makes it, when the folder exists; else as typed (the issue
        // under the table says so).
        const QString canonical = QFileInfo(host).canonicalFilePath();
        mount.hostDir = canonical.isEmpty() ? host : canonical;
        mount.path = path.startsWith(u'/') ? QDir::cleanPath(path) : path;
        mount.readOnly = cellChecked(m_mounts, row, ReadOnlyColumn);
        c.mounts.append(mount);
    }
    // The roots as --nas-root/--oss-root take them (which also drops the file's "ignored"
    // line once mapped); empty: not mapped.
    c.nasRoot.clear();
    c.ossRoot.clear();
    if (!m_nasRoot->text().trimmed().isEmpty())
        (void)Config::applyOption(c, u"--nas-root"_qs, m_nasRoot->text());
    if (!m_ossRoot->text().trimmed().isEmpty())
        (void)Config::applyOption(c, u"--oss-root"_qs, m_ossRoot->text());
    // A port list that does not read keeps the last good one (its issue is shown).
    if (m_debugPorts->text().trimmed().isEmpty())
        c.debugPorts.clear();
    else
        (void)Config::applyOption(c, u"--debug-port"_qs, m_debugPorts->text());
    c.debugArgs = m_debugArgs->text().trimmed();
}

QList<Config::ValidationIssue>
FunctionSettingsForm::mountIssues(const Config::FunctionConfig &c) const
{
    QList<Config::ValidationIssue> issues;
    for (int row = 0; row < m_mounts->rowCount(); ++row) {
        const QString host = cellText(m_mounts, row, HostColumn);
        const QString path = cellText(m_mounts, row, PathColumn);
        if (host.isEmpty() && path.isEmpty())
            continue;
        const bool readOnly = cellChecked(m_mounts, row, ReadOnlyColumn);
        if (auto mount = Config::parseMount(host + u':' + path + (readOnly ? u":ro"_qs : u""_qs));
            !mount)
            issues.append({u"mounts"_qs, mount.error().message});
    }
    if (!m_debugPorts->text().trimmed().isEmpty()) {
        Config::FunctionConfig scratch;
        if (auto ok = Config::applyOption(scratch, u"--debug-port"_qs, m_debugPorts->text()); !ok)
            issues.append({u"debugPorts"_qs, ok.error().message});
    }
    if (!c.debugPorts.isEmpty() && !c.webServerMode)
        issues.append({u"debugPorts"_qs, tr("--debug-port with web-server mode off: the app "
                                            "runs jobs side by side; debug one with fcemu "
                                            "invoke")});
    for (const Config::StorageIssue &issue : Config::storageIssues(c)) {
        if (issue.field != u"mounts"_qs) // the table's own rows are checked above
            issues.append({issue.field, issue.message});
    }
    return issues;
}

void FunctionSettingsForm::updateMountHints(const Config::FunctionConfig &c)
{
    // What each declared mount point becomes with the root typed now.
    QStringList nas;
    for (const Config::NasMountPoint &point : c.nasConfig.mountPoints) {
        const auto remote = Config::nasRemotePath(point.serverAddr);
        const QString folder = c.nasRoot.isEmpty() || !remote
                                   ? tr("(not mapped)")
                                   : QDir::cleanPath(c.nasRoot + u'/' + *remote);
        nas << tr("%1 → %2 at %3").arg(point.serverAddr, folder, point.mountDir);
    }
    if (c.nasConfig.userId)
        nas << tr("Shown as owned by %1:%2 inside.")
                   .arg(*c.nasConfig.userId)
                   .arg(c.nasConfig.groupId.value_or(*c.nasConfig.userId));
    m_nasHint->setText(nas.isEmpty() ? tr("The config declares no NAS mount points.")
                                     : nas.join(u'\n'));
    QStringList oss;
    for (const Config::OssMountPoint &point : c.ossMountConfig.mountPoints) {
        const QString folder =
            c.ossRoot.isEmpty()
                ? tr("(not mapped)")
                : QDir::cleanPath(c.ossRoot + u'/' + point.bucketName + u'/' + point.bucketPath);
        oss << tr("%1%2 → %3 at %4%5")
                   .arg(point.bucketName,
                        point.bucketPath.isEmpty() || point.bucketPath.startsWith(u'/')
                            ? point.bucketPath
                            : u'/' + point.bucketPath,
                        folder, point.mountDir, point.readOnly ? tr(" (read-only)") : QString());
    }
    m_ossHint->setText(oss.isEmpty() ? tr("The config declares no OSS mount points.")
                                     : oss.join(u'\n'));
    const Sandbox::CgroupHost &host = Sandbox::cgroupHost();
    m_mode->setText(instanceModeText(c, accountingText(), host.reason));
}

} // namespace Fcemu::Ui
