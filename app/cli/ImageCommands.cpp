#include "ImageCommands.h"

#include <QTextStream>

namespace Fcemu::Cli {

int runImageCommand(const QStringList &arguments)
{
    QTextStream(stderr) << "fcemu image: not yet available (" << arguments.join(u' ') << ")\n";
    return 2;
}

} // namespace Fcemu::Cli
