#pragma once

#include <QStringList>

namespace Fcemu::Cli {

// fcemu config export --format fc3|fc|template FILE [--image REF] [FUNCTION OPTIONS]
// (CONTRACT §1.3): writes the function's configuration as `s deploy` or Funcraft reads it.
int runConfigCommand(const QStringList &arguments);

} // namespace Fcemu::Cli
