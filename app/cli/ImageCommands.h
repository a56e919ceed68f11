#pragma once

#include <QStringList>

namespace Fcemu::Cli {

// `fcemu image inspect|unpack|cache|pack ...`; arguments start after "image".
int runImageCommand(const QStringList &arguments);

} // namespace Fcemu::Cli
