#pragma once

#include <QStringList>

namespace Fcemu::Cli {

// Runs one `fcemu` command line; returns the process exit status (CONTRACT §1.1).
int run(const QStringList &arguments);

} // namespace Fcemu::Cli
