#pragma once

#include <QStringList>

namespace Fcemu::Cli {

// `fcemu invoke IMAGE [FUNCTION OPTIONS] [--event JSON | --event-file FILE] ...`; arguments
// start after "invoke".
int runInvokeCommand(const QStringList &arguments);

} // namespace Fcemu::Cli
