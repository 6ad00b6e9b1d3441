#pragma once
// The Instances page: every gateway of the fleet the console is attached to, as the fleet's
// registry has them — health, request rate, p99 and error rate over the last minute, version,
// last heartbeat, URL — with an instance whose heartbeat stopped marked as such. Above the
// table, whether the fleet's shared state is reachable (and why not). Any one instance is
// enough to find the others: "Open" attaches the console to the selected one.
#include <QString>
#include <QWidget>

#include <cstdint>

class EngineBridge;
class QLabel;
class QPushButton;
class QTableWidget;
class QTimer;

class InstancesPage final : public QWidget {
    Q_OBJECT
public:
    static constexpr int kRefreshMs = 1000;
    enum Column { IdColumn, HealthColumn, RateColumn, P99Column, ErrorsColumn, VersionColumn, HeartbeatColumn,
                  UrlColumn, ColumnCount };

    explicit InstancesPage(EngineBridge& bridge, QWidget* parent = nullptr);

    // `now_ms`: the clock the heartbeat ages are told against (tests pin it; 0 = now).
    void refresh(std::int64_t now_ms = 0);
    QString summaryText() const;
    QTableWidget* table() const { return m_table; }
    QPushButton* openButton() const { return m_open; }

signals:
    // The operator wants the console on this instance instead.
    void openRequested(const QString& url);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    EngineBridge& m_bridge;
    QLabel* m_summary;
    QTableWidget* m_table;
    QPushButton* m_open;
    QTimer* m_timer;
};
