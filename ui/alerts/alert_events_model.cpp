#include "alerts/alert_events_model.h"
#include "common/qt_text.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QLocale>

#include <algorithm>

#include "model/clock.h"

namespace {


bool firing(const sb::AlertEvent& e) { return e.state == sb::AlertState::Firing; }

QString stateText(sb::AlertState state) {
    switch (state) {
    case sb::AlertState::Pending: return QObject::tr("pending");
    case sb::AlertState::Firing: return QObject::tr("firing");
    case sb::AlertState::Resolved: return QObject::tr("resolved");
    }
    return {};
}

}  // namespace

AlertEventsModel::AlertEventsModel(QObject* parent) : QAbstractTableModel(parent) {}

QString AlertEventsModel::formatTime(std::chrono::system_clock::time_point time) {
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(sb::unix_ms(time)).toLocalTime(),
                              QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

void AlertEventsModel::setEvents(std::vector<sb::AlertEvent> events) {
    std::stable_sort(events.begin(), events.end(), [](const sb::AlertEvent& a, const sb::AlertEvent& b) {
        if (firing(a) != firing(b)) return firing(a);
        return a.id > b.id;  // newest first
    });
    const bool sameRows = events.size() == m_rows.size() &&
                          std::equal(events.begin(), events.end(), m_rows.begin(), [](const auto& a, const auto& b) {
                              return a.id == b.id && a.state == b.state;
                          });
    if (!sameRows) {
        beginResetModel();
        m_rows = std::move(events);
        endResetModel();
        return;
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
        auto& row = m_rows[i];
        if (row.message == events[i].message && row.severity == events[i].severity && row.value == events[i].value) continue;
        row = std::move(events[i]);
        emit dataChanged(index(int(i), SeverityColumn), index(int(i), MessageColumn),
                         {Qt::DisplayRole, Qt::ToolTipRole, Qt::ForegroundRole});
    }
}

int AlertEventsModel::firingCount() const { return int(std::count_if(m_rows.begin(), m_rows.end(), firing)); }

int AlertEventsModel::rowOf(const QString& rule, const QString& subject) const {
    int best = -1;
    for (int i = 0; i < int(m_rows.size()); ++i) {
        const auto& e = m_rows[std::size_t(i)];
        if (qs(e.rule) != rule || qs(e.subject) != subject) continue;
        if (best < 0 || e.id > m_rows[std::size_t(best)].id) best = i;
    }
    return best;
}

int AlertEventsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int AlertEventsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant AlertEventsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const sb::AlertEvent& e = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case RuleColumn: return qs(e.rule);
        case SubjectColumn: return e.subject.empty() ? tr("all traffic") : qs(e.subject);
        case SeverityColumn: return qs(e.severity);
        case StateColumn: return stateText(e.state);
        case MessageColumn: return qs(e.message);
        case FiredColumn: return formatTime(e.fired_at);
        case ResolvedColumn: return e.resolved_at ? formatTime(*e.resolved_at) : QString();
        }
        return {};
    case Qt::ToolTipRole: return qs(e.message);
    case Qt::ForegroundRole:
        if (firing(e) && (index.column() == StateColumn || index.column() == RuleColumn))
            return QBrush(QColor(0xd3, 0x2f, 0x2f));
        return {};
    case IdRole: return QVariant::fromValue<qulonglong>(e.id);
    case FiringRole: return firing(e);
    case RuleRole: return qs(e.rule);
    default: return {};
    }
}

QVariant AlertEventsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case RuleColumn: return tr("Rule");
    case SubjectColumn: return tr("Subject");
    case SeverityColumn: return tr("Severity");
    case StateColumn: return tr("State");
    case MessageColumn: return tr("Value");
    case FiredColumn: return tr("Fired at");
    case ResolvedColumn: return tr("Resolved at");
    }
    return {};
}
