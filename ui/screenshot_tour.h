#pragma once
// Saves a PNG of every page of the main window, then quits: how the README's screenshots
// are made from the real window (tools/screenshots runs it under Xvfb).
#include <QString>

class MainWindow;

// After `delay_ms`, shows each page in turn and writes <dir>/<n>-<page>.png, then quits.
void scheduleScreenshotTour(MainWindow& window, const QString& dir, int delay_ms);
