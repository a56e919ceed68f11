#pragma once

#include <memory>

#include <QStringList>

#include "common/Error.h"
#include "config/FunctionConfig.h"
#include "image/ImageManifest.h"
#include "image/ImageSource.h"

class QCommandLineParser;

namespace Fcemu::Cli {

// `fcemu image inspect|analyze|unpack|cache|pack|pull ...`; arguments start after "image".
int runImageCommand(const QStringList &arguments);

// An image opened as `image inspect` opens it: a registry reference is pulled first.
struct OpenedImage
{
    std::unique_ptr<Image::ImageSource> source;
    Image::ImageInfo info;
};
Result<OpenedImage> openImage(const QString &image, qint64 maxUncompressed, bool insecure = false);

// --instance-type, --registry-edition, --max-uncompressed and --insecure-registry, shared by
// `image inspect` and `image analyze`; sizeLimitOf() reads them (FC's limit from
// config/FcLimits.h, or --max-uncompressed) or returns a usage error.
void addSizeLimitOptions(QCommandLineParser *parser);
Result<Config::ImageSizeLimit> sizeLimitOf(const QCommandLineParser &parser);

} // namespace Fcemu::Cli
