#include "FunctionOptions.h"

#include <unistd.h>

#include <QTextStream>

#include "config/Options.h"
#include "sandbox/Sandbox.h"

namespace Fcemu::Cli {

void addFunctionOptions(QCommandLineParser &parser)
{
    for (const Config::OptionSpec &o : Config::functionOptions())
        parser.addOption(o.takesValue() ? QCommandLineOption(o.name, o.help, o.valueName)
                                        : QCommandLineOption(o.name, o.help));
}

Result<Config::FunctionConfig> functionConfigFromArguments(const QStringList &args)
{
    QList<Config::OptionValue> options;
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        if (!a.startsWith(u"--"_qs))
            continue;
        const QString name = a.mid(2).section(u'=', 0, 0);
        const Config::OptionSpec *spec = Config::findFunctionOption(name);
        if (!spec)
            continue;
        QString value;
        if (spec->takesValue())
            value = a.contains(u'=') ? a.section(u'=', 1) : args.value(++i);
        options.append({spec->flag(), value});
    }
    auto config = Config::resolveFunctionConfig(options);
    if (config && config->seccompUnconfined)
        QTextStream(stderr) << "fcemu: warning: --seccomp unconfined: the function runs without "
                               "a seccomp filter (kernel keyrings, bpf, io_uring, new user "
                               "namespaces are open to it)\n";
    if (config) {
        // Never silently: every property of the file that fcemu does not apply, by name.
        for (const QString &line : config->ignoredProperties)
            QTextStream(stderr) << "fcemu: warning: " << line << '\n';
    }
    return config;
}

int report(const Error &error)
{
    QTextStream(stderr) << "fcemu: " << error.message << '\n';
    return exitCodeFor(error.kind);
}

int usage(const QString &message)
{
    QTextStream(stderr) << "fcemu: " << message << " (see fcemu --help)\n";
    return 2;
}

Result<std::shared_ptr<Runtime::PreparedImage>> prepareForRun(const QString &imagePath,
                                                              const Config::FunctionConfig &config)
{
    if (auto userns = Sandbox::checkUserNamespaces(); !userns)
        return std::unexpected(userns.error());
    QTextStream err(stderr);
    Runtime::PrepareOptions options;
    const bool tty = ::isatty(STDERR_FILENO);
    options.progress = [&](qint64 done, qint64 total) {
        if (tty && total > 0)
            err << "\rpreparing image " << (done * 100 / total) << "%   " << Qt::flush;
    };
    auto image = Runtime::prepareImage(imagePath, config, options);
    if (tty)
        err << "\r\033[K" << Qt::flush;
    return image;
}

} // namespace Fcemu::Cli
