#pragma once
// Light and dark palettes. "System" keeps the platform's palette (Qt 6.4 has no colour
// scheme hint, so that is how the console follows the desktop).
#include <QPalette>
#include <QString>

enum class Theme { System, Light, Dark };

QString themeName(Theme theme);
Theme themeFromName(const QString& name);
void applyTheme(Theme theme);  // on the QApplication; widgets get a PaletteChange event
bool isDarkPalette(const QPalette& palette);
