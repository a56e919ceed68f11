#pragma once

#include <QStringList>

namespace Fcemu::Cli {

// `fcemu serve IMAGE [FUNCTION OPTIONS] [--listen HOST:PORT]`; arguments start after "serve".
int runServeCommand(const QStringList &arguments);

} // namespace Fcemu::Cli
