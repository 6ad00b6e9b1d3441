#include "screenshot_tour.h"

#include <QApplication>
#include <QDir>
#include <QTimer>

#include <cstdio>

#include "main_window.h"

namespace {
void capture(MainWindow* window, QString dir, int index, int count) {
    if (index >= count) {
        QApplication::quit();
        return;
    }
    window->setCurrentPage(index);
    // Give the page a few timer ticks to draw its current data before grabbing it.
    QTimer::singleShot(1500, window, [window, dir, index, count] {
        const QString name = window->page(index)->objectName().toLower();
        const QString path = QDir(dir).filePath(QString("%1-%2.png").arg(index + 1).arg(name));
        const bool saved = window->grab().save(path);
        std::fprintf(stderr, "%s %s\n", saved ? "saved" : "could not save", qPrintable(path));
        capture(window, dir, index + 1, count);
    });
}
}  // namespace

void scheduleScreenshotTour(MainWindow& window, const QString& dir, int delay_ms) {
    QDir().mkpath(dir);
    QTimer::singleShot(delay_ms, &window, [&window, dir] { capture(&window, dir, 0, window.pageCount()); });
}
