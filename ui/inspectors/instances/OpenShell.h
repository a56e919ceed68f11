#pragma once

// Instances ▸ Open shell: the desktop's terminal running `fcemu exec ID` (docs/exec-and-debug.md).

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

class QPoint;
class QWidget;

namespace Fcemu::Ui {

struct TerminalLaunch
{
    QString program; // empty: no terminal found
    QStringList arguments;
};

// `fcemu` next to this executable, else the one on PATH.
QString fcemuCommandPath();

// The terminal to run `fcemu exec ID` in: $TERMINAL, else x-terminal-emulator (Debian's
// alternative), else the first of the usual ones on PATH. gnome-terminal takes the command
// after "--", the others after "-e".
TerminalLaunch
shellInTerminal(const QString &instanceId,
                const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());

// The context menu of an instance's lane at globalPos: Open shell (for a running instance) and
// Copy instance ID.
void showInstanceMenu(QWidget *parent, const QString &instanceId, bool running,
                      const QPoint &globalPos);

} // namespace Fcemu::Ui
