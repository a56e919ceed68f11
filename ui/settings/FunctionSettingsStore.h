#pragma once

#include <optional>

#include <QString>

#include "config/FunctionConfig.h"

namespace Fcemu::Ui {

// The function settings the user last applied for an image, kept in QSettings under the group
// "functions/<key>" as Config::toJson()'s text, so a reopened image comes back as it was left.
// `imageKey` is the image's digest or path; '/', '\\' and '%' in it are percent-encoded so a
// path stays one group instead of a tree of them.
void saveFunctionSettings(const QString &imageKey, const Config::FunctionConfig &config);
// The saved settings, or nullopt when none were saved or the saved text no longer reads.
std::optional<Config::FunctionConfig> loadFunctionSettings(const QString &imageKey);
// The QSettings group used for imageKey ("functions/sha256:ab12", "functions/%2Ftmp%2Fx.tar").
QString functionSettingsGroup(const QString &imageKey);

} // namespace Fcemu::Ui
