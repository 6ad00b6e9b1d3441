#pragma once
// The alerts that fired, as a table: firing ones first, then resolved ones, newest first
// within each; rule, subject, severity, state, message (the latest value while firing),
// fired at and resolved at in local time. setEvents() is called with the engine's events
// once a second: when only values changed the rows stay and dataChanged names the cells;
// when an alert fired or resolved (rows move) the model resets.
#include <QAbstractTableModel>

#include <vector>

#include "alerts/alert_evaluator.h"

class AlertEventsModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { RuleColumn, SubjectColumn, SeverityColumn, StateColumn, MessageColumn, FiredColumn, ResolvedColumn, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1, FiringRole, RuleRole };

    explicit AlertEventsModel(QObject* parent = nullptr);

    void setEvents(std::vector<sb::AlertEvent> events);
    const sb::AlertEvent& event(int row) const { return m_rows.at(std::size_t(row)); }
    int firingCount() const;
    // The row of the newest event of `rule` (and `subject`), or -1.
    int rowOf(const QString& rule, const QString& subject = {}) const;

    static QString formatTime(std::chrono::system_clock::time_point time);  // local, "yyyy-MM-dd HH:mm:ss"

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<sb::AlertEvent> m_rows;  // in display order
};
