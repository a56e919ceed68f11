#include "OpenShell.h"

#include <QClipboard>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QStandardPaths>

namespace Fcemu::Ui {

QString fcemuCommandPath()
{
    const QString beside = QCoreApplication::applicationDirPath() + u"/fcemu"_qs;
    if (QFileInfo(beside).isExecutable())
        return beside;
    const QString onPath = QStandardPaths::findExecutable(u"fcemu"_qs);
    return onPath.isEmpty() ? u"fcemu"_qs : onPath;
}

TerminalLaunch shellInTerminal(const QString &instanceId, const QProcessEnvironment &env)
{
    const QStringList paths = env.value(u"PATH"_qs).split(u':', Qt::SkipEmptyParts);
    const auto find = [&paths](const QString &name) {
        if (name.contains(u'/'))
            return QFileInfo(name).isExecutable() ? name : QString();
        return QStandardPaths::findExecutable(name, paths);
    };
    QString terminal;
    const QString chosen = env.value(u"TERMINAL"_qs);
    if (!chosen.isEmpty())
        terminal = find(chosen);
    for (const QString &name : {u"x-terminal-emulator"_qs, u"gnome-terminal"_qs, u"konsole"_qs,
                                u"xfce4-terminal"_qs, u"kitty"_qs, u"alacritty"_qs, u"xterm"_qs})
        if (terminal.isEmpty())
            terminal = find(name);
    if (terminal.isEmpty())
        return {};
    const QStringList command{fcemuCommandPath(), u"exec"_qs, instanceId};
    const bool dashDash = QFileInfo(terminal).fileName() == u"gnome-terminal"_qs;
    return {terminal, QStringList{dashDash ? u"--"_qs : u"-e"_qs} + command};
}

void showInstanceMenu(QWidget *parent, const QString &instanceId, bool running,
                      const QPoint &globalPos)
{
    QMenu menu(parent);
    QAction *shell = menu.addAction(QObject::tr("Open shell"));
    shell->setEnabled(running);
    shell->setToolTip(QObject::tr("A terminal running fcemu exec %1").arg(instanceId));
    QAction *copy = menu.addAction(QObject::tr("Copy instance ID"));
    QAction *chosen = menu.exec(globalPos);
    if (chosen == copy) {
        QGuiApplication::clipboard()->setText(instanceId);
    } else if (chosen == shell) {
        const TerminalLaunch launch = shellInTerminal(instanceId);
        if (launch.program.isEmpty() ||
            !QProcess::startDetached(launch.program, launch.arguments, QDir::homePath()))
            QMessageBox::warning(
                parent, QObject::tr("Open shell"),
                QObject::tr("No terminal could be started (set $TERMINAL, or install "
                            "x-terminal-emulator). In a terminal, run:\n\nfcemu exec %1")
                    .arg(instanceId));
    }
}

} // namespace Fcemu::Ui
