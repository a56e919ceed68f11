#pragma once

#include <QList>
#include <QString>

#include "common/Error.h"
#include "config/FunctionConfig.h"

namespace Fcemu::Config {

// One FUNCTION OPTION of CONTRACT §1.1, described so the CLI can build its QCommandLineParser
// and the GUI can map validation issues onto widgets.
struct OptionSpec
{
    QString name;      // without dashes, as QCommandLineOption wants: "memory"
    QString valueName; // "MB"; empty for a flag that takes no value
    QString help;      // one line for --help
    QString field;     // the toJson() key it sets (ValidationIssue::field); empty for --config
    bool repeatable = false;

    bool takesValue() const { return !valueName.isEmpty(); }
    QString flag() const { return u"--"_qs + name; }
};

// All FUNCTION OPTIONS in CONTRACT §1.1 order, starting with --config (which names a file and
// is handled by resolveFunctionConfig()/loadConfigFile(), not by applyOption()).
const QList<OptionSpec> &functionOptions();

// The option called `option` ("--memory" or "memory"), or nullptr.
const OptionSpec *findFunctionOption(const QString &option);

// Applies one command-line option on top of config ("flags win", CONTRACT §1.1). Only the
// syntax is checked here (a number where a number is expected, elastic|gpu, JSON arrays);
// ranges are validate()'s job. --env KEY=VALUE replaces the value of an existing KEY in
// place or appends it. The flags --initializer, --pre-freeze and --pre-stop take no value
// (an empty value or "true" turns the hook on, "false" off, any other text is the handler).
// Errors are ErrorKind::Usage and name the option.
Status applyOption(FunctionConfig &config, const QString &option, const QString &value = {});

struct OptionValue
{
    QString option; // "--memory" or "memory"
    QString value;  // empty for flags
};

// The whole CONTRACT §1.1 pipeline for the CLI and the GUI: defaults, then the --config file
// (when given; with --name, the file's function of that name if it has one), then every
// other option in order, then validate(). The first validation issue becomes the error,
// prefixed with the file name when the offending value came from the file.
Result<FunctionConfig> resolveFunctionConfig(const QList<OptionValue> &options);

} // namespace Fcemu::Config
