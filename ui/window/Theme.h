#pragma once

#include <QPalette>
#include <QString>

namespace Fcemu::Ui {

// Light and dark palettes. "system" keeps the platform's palette (Qt 6.4 follows the desktop's
// colour scheme through its platform theme; under a bare X server that is light).
enum class Theme { System, Light, Dark };

QString themeName(Theme theme); // "system", "light", "dark" (stored in QSettings)
Theme themeFromName(const QString &name);
QPalette darkPalette();
QPalette lightPalette();
// Applies a theme to the whole application (the Fusion style, so both palettes read well).
void applyTheme(Theme theme);

} // namespace Fcemu::Ui
