#pragma once
// The console's main window: a navigation list of pages, the live status bar, window state
// and the last page kept in QSettings, shortcuts (Ctrl+1…9 for pages), theme and About.
#include <QKeySequence>
#include <QMainWindow>

class EngineBridge;
class QListWidget;
class QStackedWidget;
class StatusSummary;

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(EngineBridge& bridge, QWidget* parent = nullptr);

    // Pages are added in navigation order; page N (from 1) gets Ctrl+N.
    void addPage(const QString& title, QWidget* page);
    // Restores geometry, dock/toolbar state and the last page. Call after adding pages.
    void restoreSettings();

    int currentPage() const;
    void setCurrentPage(int index);
    QWidget* page(const QString& title) const;
    QWidget* page(int index) const;
    int pageCount() const;
    StatusSummary* statusSummary() const { return m_summary; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void saveSettings() const;
    void showAbout();

    EngineBridge& m_bridge;
    QListWidget* m_navigation;
    QStackedWidget* m_pages;
    StatusSummary* m_summary;
};
