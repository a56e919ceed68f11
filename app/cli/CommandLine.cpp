#include "CommandLine.h"

#include <QTextStream>

#include "ConfigCommand.h"
#include "ExecCommand.h"
#include "ImageCommands.h"
#include "config/Options.h"
#include "InvokeCommand.h"
#include "ServeCommand.h"

namespace Fcemu::Cli {

namespace {

const char usageText[] =
    "usage:\n"
    "  fcemu image inspect IMAGE [--json] [--insecure-registry] [--registry-edition EDITION]\n"
    "  fcemu image analyze IMAGE [--json] [--top N] [--registry-edition EDITION]\n"
    "  fcemu image unpack  IMAGE DIR [--max-uncompressed SIZE]\n"
    "  fcemu image cache   [list|prune|verify]\n"
    "  fcemu image pull    REF [--insecure-registry] [--json]\n"
    "  fcemu image pack    DIR OUT.tar [--entrypoint JSON] [--cmd JSON] [--env K=V]... "
    "[--workdir D] [--user U]\n"
    "  fcemu invoke IMAGE [FUNCTION OPTIONS] [--event JSON | --event-file FILE]\n"
    "                     [--http METHOD PATH [-H 'Name: value']... [--data BODY]]\n"
    "                     [--repeat N] [--json] [--har FILE [--har-secrets]]\n"
    "  fcemu serve  IMAGE [FUNCTION OPTIONS] [--listen HOST:PORT]\n"
    "                     [--access-key-id ID --access-key-secret SECRET]\n"
    "  fcemu serve  --config s.yaml [FUNCTION OPTIONS] ...   every function the file declares\n"
    "  fcemu config export --format fc3|fc|template FILE [--image REF] [FUNCTION OPTIONS]\n"
    "  fcemu exec   INSTANCE [-- CMD...]    a shell (or CMD) inside a running instance\n"
    "  fcemu exec   --list                  the running instances of this user\n"
    "  fcemu --version | --help\n";

const char exitText[] =
    "\nexit status: 0 success; 1 the function ran and failed; 2 bad usage or configuration;\n"
    "3 the image was refused; 4 the platform could not run it (see fcemu(1))\n";

// The usage lines, then every FUNCTION OPTION from the one table the parser uses too, so
// --help (and the man page, which a test holds to it) cannot miss one.
void printUsage(QTextStream &stream)
{
    stream << usageText << "\nFUNCTION OPTIONS (invoke and serve; flags win over --config):\n";
    for (const Config::OptionSpec &o : Config::functionOptions()) {
        QString flag = o.flag();
        if (o.takesValue())
            flag += u' ' + o.valueName;
        stream << "  " << flag.leftJustified(32) << ' ' << o.help << '\n';
    }
    stream << exitText;
}

} // namespace

int run(const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    const QStringList args = arguments.mid(1);
    if (args.isEmpty()) {
        printUsage(err);
        return 2;
    }
    const QString &command = args.first();
    if (command == u"--help"_qs || command == u"-h"_qs || command == u"help"_qs) {
        printUsage(out);
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
    if (command == u"config"_qs)
        return runConfigCommand(args.mid(1));
    if (command == u"exec"_qs)
        return runExecCommand(args.mid(1));
    err << "fcemu: unknown command '" << command << "' (see fcemu --help)\n";
    return 2;
}

} // namespace Fcemu::Cli
