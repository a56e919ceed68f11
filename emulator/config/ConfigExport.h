#pragma once

// `fcemu config export` (CONTRACT §1.3): a function's configuration written in the form
// `s deploy` reads (Serverless Devs, component fc3 or fc) or Funcraft's template.yml, so that
// what was tried locally can be deployed. Reading the export back (loadConfigFile()) gives
// the same FunctionConfig: settings the format has no place for (--max-instances,
// --idle-timeout, --startup-timeout, --pull-bandwidth, --seccomp, --account-id, ...) are
// kept in fcemu's own block, vars.fcemu.NAME in an s.yaml, Metadata.fcemu.NAME in a
// template.yml, which `s` and Funcraft leave alone.

#include <optional>

#include <QByteArray>
#include <QString>

#include "common/Error.h"
#include "config/FunctionConfig.h"

namespace Fcemu::Config {

enum class ExportFormat { Fc3, Fc, Funcraft };

// "fc3", "fc" or "template"; std::nullopt otherwise.
std::optional<ExportFormat> exportFormatFromString(const QString &text);

// The image reference written when none is given: a placeholder to replace before deploying.
QString placeholderImage(const FunctionConfig &config);

// The YAML text of config in the format, with imageRef as the image (empty: the placeholder).
Result<QByteArray> exportConfig(const FunctionConfig &config, ExportFormat format,
                                const QString &imageRef = {});

} // namespace Fcemu::Config
