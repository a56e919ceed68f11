#pragma once

#include <QStringList>

namespace Fcemu::Cli {

// `fcemu exec INSTANCE [-- CMD...]` and `fcemu exec --list`; arguments start after "exec".
int runExecCommand(const QStringList &arguments);

} // namespace Fcemu::Cli
