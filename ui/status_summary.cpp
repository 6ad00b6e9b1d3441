#include "status_summary.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>

#include "alerts/alert_notifier.h"
#include "engine_bridge.h"
#include "store/history_writer.h"

using namespace std::chrono_literals;

StatusSummary::StatusSummary(EngineBridge& bridge, QWidget* parent)
    : QWidget(parent),
      m_bridge(bridge),
      m_source(new QLabel(this)),
      m_mode(new QLabel(this)),
      m_rate(new QLabel(this)),
      m_errors(new QLabel(this)),
      m_spend(new QLabel(this)),
      m_alerts(new QLabel(this)),
      m_history(new QLabel(this)) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(16);
    m_source->setObjectName(QStringLiteral("statusSource"));
    for (auto* label : {m_source, m_mode, m_rate, m_errors, m_spend, m_alerts, m_history}) layout->addWidget(label);
    m_history->setObjectName(QStringLiteral("statusHistory"));
    m_history->setStyleSheet(QStringLiteral("color: #c0392b"));
    m_history->hide();
    m_mode->setText(bridge.demoMode() ? tr("Demo mode (simulated providers)") : tr("Live"));
    m_mode->setToolTip(bridge.demoMode() ? tr("Providers without an API key are served by the built-in simulator")
                                         : tr("Every provider is a real upstream"));
    m_alerts->setObjectName(QStringLiteral("statusAlerts"));
    connect(&m_timer, &QTimer::timeout, this, &StatusSummary::refresh);
    m_timer.start(500);
    refresh();
}

void StatusSummary::refresh() {
    refresh_source();
    const auto recent = m_bridge.snapshot(5s, 1s);
    const auto minute = m_bridge.snapshot(60s, 60s);
    const QLocale locale;
    m_rate->setText(tr("%1 req/s").arg(locale.toString(static_cast<double>(recent.requests) / 5.0, 'f', 1)));
    const double error_pct = minute.requests ? 100.0 * static_cast<double>(minute.errors) / static_cast<double>(minute.requests) : 0.0;
    m_errors->setText(tr("errors %1% (1 min)").arg(locale.toString(error_pct, 'f', 1)));
    m_spend->setText(tr("spend today $%1").arg(locale.toString(minute.cost_today_usd, 'f', 4)));
    const auto firing = m_bridge.api().alerts(m_alertsGeneration);  // the events only when they changed
    m_alertsGeneration = firing.generation;
    const QString alerts = AlertNotifier::summary(firing.firing);
    if (m_alerts->text() != alerts) m_alerts->setText(alerts);
    refresh_history();
}

// Which engine the figures come from, and whether a gateway across the network still answers.
void StatusSummary::refresh_source() {
    const auto source = m_bridge.api().source();
    const bool lost = source.link == sb::ConsoleSource::Link::Disconnected;
    QString text = QString::fromStdString(source.name);
    if (source.link != sb::ConsoleSource::Link::Local) text += QStringLiteral(" (%1)").arg(QString::fromStdString(source.detail));
    // A fleet: how many instances, and whether their shared state is out of reach.
    const auto fleet = m_bridge.api().fleet();
    if (fleet) text += tr(" · fleet of %1").arg(fleet->live_instances);
    const bool degraded = fleet && fleet->degraded;
    if (degraded) text += tr(" · fleet degraded: %1").arg(QString::fromStdString(fleet->reason));
    if (m_source->text() != text) m_source->setText(text);
    m_source->setStyleSheet(lost || degraded ? QStringLiteral("color: #c0392b; font-weight: bold") : QString());
    m_mode->setVisible(source.link == sb::ConsoleSource::Link::Local);
}

// Requests go on while the history cannot be written; the operator must still know it.
void StatusSummary::refresh_history() {
    QString text;
    QString detail;
    if (const auto stats = m_bridge.api().history_stats()) {
        const QLocale locale;
        if (stats->failing) {
            text = tr("History not saved (%1 waiting)").arg(locale.toString(static_cast<qulonglong>(stats->queue_depth)));
            detail = QString::fromStdString(stats->last_error);
        }
        if (stats->dropped > 0) {
            const QString dropped = tr("%1 history rows dropped").arg(locale.toString(static_cast<qulonglong>(stats->dropped)));
            text = text.isEmpty() ? dropped : text + QStringLiteral(", ") + dropped;
        }
    }
    if (m_history->text() != text) m_history->setText(text);
    m_history->setToolTip(detail);
    m_history->setVisible(!text.isEmpty());
}

QString StatusSummary::text() const {
    QStringList fields{m_source->text(), m_mode->text(), m_rate->text(), m_errors->text(), m_spend->text(), m_alerts->text()};
    if (!m_history->text().isEmpty()) fields << m_history->text();
    return fields.join(" | ");
}
