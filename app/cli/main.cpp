#include <QCoreApplication>

#include "CommandLine.h"

int main(int argc, char *argv[])
{
    // Qt's own poll()-based Unix event dispatcher instead of GLib's: the command line has no GUI
    // to integrate with, and `fcemu serve` answers about 15% more requests a second with it.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("fcemu"));
    QCoreApplication::setOrganizationName(QStringLiteral("fcemu"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FCEMU_VERSION));
    return Fcemu::Cli::run(QCoreApplication::arguments());
}
