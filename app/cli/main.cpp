#include <QCoreApplication>

#include "CommandLine.h"

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("fcemu"));
    QCoreApplication::setOrganizationName(QStringLiteral("fcemu"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FCEMU_VERSION));
    return Fcemu::Cli::run(QCoreApplication::arguments());
}
