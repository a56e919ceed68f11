#include "CommandLine.h"

#include <QTextStream>

#include "ImageCommands.h"
#include "InvokeCommand.h"
#include "ServeCommand.h"

namespace Fcemu::Cli {

namespace {

const char usageText[] =
    "usage:\n"
    "  fcemu image inspect IMAGE [--json]\n"
    "  fcemu image unpack  IMAGE DIR [--max-uncompressed SIZE]\n"
    "  fcemu image cache   [list|prune]\n"
    "  fcemu image pack    DIR OUT.tar [--entrypoint JSON] [--cmd JSON] [--env K=V]... "
    "[--workdir D] [--user U]\n"
    "  fcemu invoke IMAGE [FUNCTION OPTIONS] [--event JSON | --event-file FILE]\n"
    "                     [--http METHOD PATH [-H 'Name: value']... [--data BODY]]\n"
    "                     [--repeat N] [--json] [--har FILE [--har-secrets]]\n"
    "  fcemu serve  IMAGE [FUNCTION OPTIONS] [--listen HOST:PORT]\n"
    "  fcemu --version | --help\n";

} // namespace

int run(const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    const QStringList args = arguments.mid(1);
    if (args.isEmpty()) {
        err << usageText;
        return 2;
    }
    const QString &command = args.first();
    if (command == u"--help"_qs || command == u"-h"_qs || command == u"help"_qs) {
        out << usageText;
        return 0;
    }
    if (command == u"--version"_qs) {
        out << "fcemu " << FCEMU_VERSION << '\n';
        return 0;
    }
    if (command == u"image"_qs)
        return runImageCommand(args.mid(1));
    if (command == u"invoke"_qs)
        return runInvokeCommand(args.mid(1));
    if (command == u"serve"_qs)
        return runServeCommand(args.mid(1));
    err << "fcemu: unknown command '" << command << "' (see fcemu --help)\n";
    return 2;
}

} // namespace Fcemu::Cli
