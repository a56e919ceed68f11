#pragma once

#include <QList>
#include <QString>

#include "common/Error.h"

namespace Fcemu::Config {

// The image a config file names for one of its custom-container functions (`fcemu serve
// --config s.yaml` serves every function with its own image).
struct ConfigFunctionImage
{
    QString functionName; // as listConfigFunctions() names it
    QString resourceKey;  // the key it sits under in the file
    // customContainerConfig.image (fc3, fc) or CustomContainerConfig.Image (Funcraft), as
    // written; empty when the file names none. A registry reference stays as it is; a file
    // path is made absolute against the file's folder.
    QString image;
};

// Every custom-container function of a config file with its image, in file order (the order
// of listConfigFunctions()). A function JSON names no image: its one entry has an empty one.
Result<QList<ConfigFunctionImage>> listConfigImages(const QString &path,
                                                    const QString &accountId = {});

} // namespace Fcemu::Config
