#pragma once

#include <QCommandLineParser>
#include <QStringList>

#include "common/Error.h"
#include "config/FunctionConfig.h"

namespace Fcemu::Cli {

// Adds the FUNCTION OPTIONS of SPEC §1.1 to a command's parser.
void addFunctionOptions(QCommandLineParser &parser);

// The function's configuration from a command line (args[0] is the program name): defaults,
// --config, then the FUNCTION OPTIONS in command-line order (flags win), validated.
Result<Config::FunctionConfig> functionConfigFromArguments(const QStringList &args);

} // namespace Fcemu::Cli
