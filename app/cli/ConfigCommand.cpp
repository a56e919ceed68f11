#include "ConfigCommand.h"

#include <QCommandLineParser>
#include <QSaveFile>
#include <QTextStream>

#include "FunctionOptions.h"
#include "config/ConfigExport.h"

namespace Fcemu::Cli {

int runConfigCommand(const QStringList &arguments)
{
    if (arguments.isEmpty() || arguments.first() != u"export"_qs)
        return usage(u"config takes a subcommand: export"_qs);
    const QStringList args = QStringList{u"fcemu config export"_qs} + arguments.mid(1);
    QCommandLineParser parser;
    parser.addPositionalArgument(u"FILE"_qs, u"the file to write"_qs);
    addFunctionOptions(parser);
    parser.addOption({u"format"_qs, u"fc3, fc or template"_qs, u"FORMAT"_qs});
    parser.addOption({u"image"_qs, u"the image reference to deploy"_qs, u"REF"_qs});
    if (!parser.parse(args))
        return usage(parser.errorText());
    if (parser.positionalArguments().size() != 1)
        return usage(u"config export takes one FILE"_qs);
    if (!parser.isSet(u"format"_qs))
        return usage(u"config export needs --format fc3, fc or template"_qs);
    const auto format = Config::exportFormatFromString(parser.value(u"format"_qs));
    if (!format)
        return usage(u"--format takes fc3, fc or template (got '"_qs + parser.value(u"format"_qs) +
                     u"')");
    const QString path = parser.positionalArguments().first();

    auto config = functionConfigFromArguments(args);
    if (!config)
        return report(config.error());
    const QString image = parser.value(u"image"_qs);
    auto text = Config::exportConfig(*config, *format, image);
    if (!text)
        return report(text.error());

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(*text) != text->size() || !file.commit())
        return report({ErrorKind::Usage,
                       path + u": cannot write the configuration: "_qs + file.errorString()});
    QTextStream err(stderr);
    if (image.isEmpty())
        err << "fcemu: warning: no --image given: " << path << " names "
            << Config::placeholderImage(*config)
            << "; set the image you pushed before `s deploy`\n";
    err << "fcemu: wrote " << config->name << " to " << path << '\n';
    return 0;
}

} // namespace Fcemu::Cli
