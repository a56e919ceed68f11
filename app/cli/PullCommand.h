#pragma once

#include <QStringList>

#include "common/Error.h"

namespace Fcemu::Cli {

// `fcemu image pull REF [--insecure-registry] [--json]`; arguments start with the program name.
int runPullCommand(const QStringList &arguments);

// The path to open for IMAGE: IMAGE itself, or for a registry reference the OCI layout it was
// pulled into (image inspect; invoke and serve pull through runtime::prepareImage).
Result<QString> resolveImage(const QString &image, bool insecure);

} // namespace Fcemu::Cli
