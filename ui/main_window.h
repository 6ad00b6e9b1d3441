#pragma once
// The console's main window: a navigation list of pages, the live status bar, window state
// and the last page kept in QSettings, shortcuts (Ctrl+1…9 for pages), theme and About, and
// the File menu's choice of source (a gateway across the network, or the local engine).
#include <QKeySequence>
#include <QMainWindow>

#include "gateway_connection.h"

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

    // File → Connect to gateway…: the dialog, then sourceRequested() when it was accepted.
    void connectToGateway();

signals:
    // The operator chose another source: a gateway (with the admin key to use), or the local
    // engine (an empty URL). The application rebuilds the window on it.
    void sourceRequested(const GatewayConnection& connection, const QString& adminKey);

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
