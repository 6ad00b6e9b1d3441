#pragma once
// The status bar's live summary: mode, requests/s, error %, spend today, alerts firing, and a
// warning while the history cannot be written (disk full, I/O error). Pulled
// from the metrics snapshot and the engine's alerts on a timer, like every other live view.
#include <QTimer>
#include <QWidget>

class EngineBridge;
class QLabel;

class StatusSummary final : public QWidget {
    Q_OBJECT
public:
    explicit StatusSummary(EngineBridge& bridge, QWidget* parent = nullptr);
    void refresh();
    QString text() const;  // all fields, for tests and the accessible name

private:
    void refresh_history();
    void refresh_source();

    EngineBridge& m_bridge;
    QLabel* m_source;  // "Local engine (demo)", "gw-eu-1 (gw-eu-1:8443) (3 days up, v0.1.0)"
    QLabel* m_mode;
    QLabel* m_rate;
    QLabel* m_errors;
    QLabel* m_spend;
    QLabel* m_alerts;
    std::uint64_t m_alertsGeneration = ~std::uint64_t{0};
    QLabel* m_history;  // empty and hidden while the history is written normally
    QTimer m_timer;
};
