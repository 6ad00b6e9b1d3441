#include "alerts/alert_notifier.h"

#include <QApplication>
#include <QIcon>
#include <QMetaObject>
#include <QSystemTrayIcon>

AlertNotifier::AlertNotifier(sb::ConsoleApi& api, QObject* parent)
    : QObject(parent), m_api(api), m_inbox(std::make_shared<Inbox>()) {
    m_token = m_api.subscribe_alerts([this, inbox = m_inbox](const sb::AlertEvent& event) {
        {
            std::lock_guard lock(inbox->mutex);
            inbox->fired.push_back(event);
        }
        // `this` is alive: the destructor unsubscribes, which waits for this call to return.
        if (!inbox->pending.exchange(true)) QMetaObject::invokeMethod(this, &AlertNotifier::deliver, Qt::QueuedConnection);
    });
}

AlertNotifier::~AlertNotifier() { m_api.unsubscribe_alerts(m_token); }

bool AlertNotifier::trayAvailable() const { return QSystemTrayIcon::isSystemTrayAvailable(); }

QString AlertNotifier::describe(const sb::AlertEvent& event) {
    QString text = QString::fromStdString(event.rule);
    if (!event.subject.empty()) text += QStringLiteral(" (%1)").arg(QString::fromStdString(event.subject));
    return text + QStringLiteral(": ") + QString::fromStdString(event.message);
}

QString AlertNotifier::summary(std::size_t firing) {
    if (firing == 0) return tr("No active alerts");
    return firing == 1 ? tr("1 alert firing") : tr("%1 alerts firing").arg(firing);
}

void AlertNotifier::deliver() {
    std::vector<sb::AlertEvent> fired;
    {
        std::lock_guard lock(m_inbox->mutex);
        fired.swap(m_inbox->fired);
        m_inbox->pending = false;
    }
    for (const auto& event : fired) {
        const QString text = describe(event);
        if (trayAvailable()) {
            if (!m_tray) {
                m_tray = new QSystemTrayIcon(QApplication::windowIcon(), this);
                m_tray->setToolTip(tr("Switchboard"));
                m_tray->show();
            }
            const auto icon = event.severity == "critical" ? QSystemTrayIcon::Critical : QSystemTrayIcon::Warning;
            m_tray->showMessage(tr("Alert firing: %1").arg(QString::fromStdString(event.rule)), text, icon);
        }
        emit alertFired(text);
    }
}
