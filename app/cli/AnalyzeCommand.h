#pragma once

#include <QStringList>

namespace Fcemu::Cli {

// `fcemu image analyze IMAGE [--json] [--top N] [size-limit options]`: per layer what it adds,
// changes and deletes, its largest files and folders, the bytes a later layer wastes, the
// command that made it, and FC's size limit checked. `arguments` start with the program name.
int runAnalyzeCommand(const QStringList &arguments);

} // namespace Fcemu::Cli
