#pragma once

#include <QCommandLineParser>
#include <QStringList>

#include "common/Error.h"
#include "config/FunctionConfig.h"
#include "runtime/FunctionImage.h"

namespace Fcemu::Cli {

// Adds the FUNCTION OPTIONS of CONTRACT §1.1 to a command's parser.
void addFunctionOptions(QCommandLineParser &parser);

// The function's configuration from a command line (args[0] is the program name): defaults,
// --config, then the FUNCTION OPTIONS in command-line order (flags win), validated.
Result<Config::FunctionConfig> functionConfigFromArguments(const QStringList &args);

// One line on stderr ("fcemu: ..."); returns the exit status of CONTRACT §1.1 for the error.
int report(const Error &error);
// A usage error: one line pointing to --help; exit status 2.
int usage(const QString &message);

// For the commands that run a function: checks that the sandbox can start (exit 4 with the
// sysctl to change otherwise), then prepares the image with a progress line on a terminal.
Result<std::shared_ptr<Runtime::PreparedImage>> prepareForRun(const QString &imagePath,
                                                              const Config::FunctionConfig &config);

} // namespace Fcemu::Cli
