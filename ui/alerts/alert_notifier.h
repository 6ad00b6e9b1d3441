#pragma once
// Tells the operator when an alert fires, whichever page is showing: a desktop notification
// through the system tray when there is one, and alertFired() in any case (the Alerts page
// shows it as a non-modal notice; tests spy on it). The engine calls its listener on an
// engine thread; the listener only queues the event and posts one queued call if
// none is pending, so the event queue cannot grow with alerts.
#include <QObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "console/console_api.h"

class QSystemTrayIcon;

class AlertNotifier final : public QObject {
    Q_OBJECT
public:
    explicit AlertNotifier(sb::ConsoleApi& api, QObject* parent = nullptr);
    ~AlertNotifier() override;  // unsubscribes (waits for a listener call in progress)

    bool trayAvailable() const;
    static QString describe(const sb::AlertEvent& event);  // rule (subject): message
    static QString summary(std::size_t firing);            // 1 alert firing, or No active alerts

signals:
    void alertFired(const QString& text);

private:
    struct Inbox {
        std::mutex mutex;
        std::vector<sb::AlertEvent> fired;
        std::atomic<bool> pending{false};
    };
    void deliver();

    sb::ConsoleApi& m_api;
    std::shared_ptr<Inbox> m_inbox;
    std::uint64_t m_token = 0;
    QSystemTrayIcon* m_tray = nullptr;  // created on the first alert, when a tray exists
};
