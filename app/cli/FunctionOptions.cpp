#include "FunctionOptions.h"

#include "config/Options.h"

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
    return Config::resolveFunctionConfig(options);
}

} // namespace Fcemu::Cli
