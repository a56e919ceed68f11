#include "ExecCommand.h"

#include <unistd.h>

#include <QDateTime>
#include <QTextStream>

#include "FunctionOptions.h"
#include "sandbox/Exec.h"
#include "sandbox/InstanceRegistry.h"
#include "sandbox/Sandbox.h"

namespace Fcemu::Cli {

namespace {

int listLiveInstances()
{
    QTextStream out(stdout);
    for (const Sandbox::InstanceRecord &r : Sandbox::listInstances()) {
        if (r.endedMs != 0)
            continue;
        out << r.id << "  started "
            << QDateTime::fromMSecsSinceEpoch(r.startedMs).toString(u"HH:mm:ss"_qs)
            << "  fcemu pid " << r.ownerPid << "  " << r.argv.join(u' ') << '\n';
    }
    return 0;
}

} // namespace

int runExecCommand(const QStringList &arguments)
{
    // Everything after "--" is the command, untouched (its own options included).
    const qsizetype dashes = arguments.indexOf(u"--"_qs);
    const QStringList own = dashes < 0 ? arguments : arguments.mid(0, dashes);
    const QStringList command = dashes < 0 ? QStringList() : arguments.mid(dashes + 1);
    if (own == QStringList{u"--list"_qs} && command.isEmpty())
        return listLiveInstances();
    if (own.isEmpty())
        return usage(u"exec needs an INSTANCE (fcemu exec --list shows the running ones)"_qs);
    for (const QString &a : own)
        if (a.startsWith(u'-'))
            return usage(u"exec: unknown option '"_qs + a + u"'; put the command after --"_qs);
    if (own.size() > 1)
        return usage(u"exec takes one INSTANCE; put the command after --, e.g. fcemu exec "_qs +
                     own.first() + u" -- "_qs + own.mid(1).join(u' '));
    if (dashes >= 0 && command.isEmpty())
        return usage(u"exec: no command after --"_qs);

    if (auto userns = Sandbox::checkUserNamespaces(); !userns)
        return report(userns.error());
    const auto instance = Sandbox::findLiveInstance(own.first());
    if (!instance)
        return report(instance.error());
    Sandbox::ExecOptions options;
    options.command = command;
    options.tty = ::isatty(STDIN_FILENO) == 1;
    const auto outcome = Sandbox::execInInstance(*instance, options);
    if (!outcome)
        return report(outcome.error());
    if (!outcome->message.isEmpty())
        QTextStream(stderr) << "fcemu: " << outcome->message << '\n';
    return outcome->exitCode;
}

} // namespace Fcemu::Cli
