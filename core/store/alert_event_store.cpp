#include "store/alert_event_store.h"

#include <sqlite3.h>

#include "model/clock.h"

namespace sb {

StoreResult<AlertEventStore> AlertEventStore::open(const std::filesystem::path& file, const DatabaseOptions& options) {
    auto db = Database::open(file, OpenMode::ReadWrite, options);
    if (!db)
        return std::unexpected(db.error());
    return AlertEventStore(std::move(*db));
}

StoreResult<void> AlertEventStore::save(const std::vector<AlertEvent>& events) {
    if (events.empty())
        return {};
    const std::string what = "save " + std::to_string(events.size()) + " alert events";
    if (auto begun = m_db.exec("BEGIN IMMEDIATE", what); !begun)
        return begun;
    auto stmt = m_db.prepare(
        "INSERT INTO alert_events (id, rule, kind, subject, severity, fired_ms, resolved_ms, value, threshold, message)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT (id) DO UPDATE SET resolved_ms = excluded.resolved_ms, value = excluded.value,"
        " message = excluded.message",
        what);
    if (!stmt) {
        (void)m_db.exec("ROLLBACK", what);
        return std::unexpected(stmt.error());
    }
    for (const AlertEvent& event : events) {
        stmt->bind(1, static_cast<std::int64_t>(event.id));
        stmt->bind(2, std::string_view(event.rule));
        stmt->bind(3, to_string(event.kind));
        stmt->bind(4, std::string_view(event.subject));
        stmt->bind(5, std::string_view(event.severity));
        stmt->bind(6, unix_ms(event.fired_at));
        if (event.resolved_at)
            stmt->bind(7, unix_ms(*event.resolved_at));
        else
            stmt->bind_null(7);
        stmt->bind(8, event.value);
        stmt->bind(9, event.threshold);
        stmt->bind(10, std::string_view(event.message));
        if (auto ok = stmt->run(what); !ok) {
            (void)m_db.exec("ROLLBACK", what);
            return ok;
        }
    }
    return m_db.exec("COMMIT", what);
}

StoreResult<std::vector<AlertEvent>> AlertEventStore::recent(std::size_t limit) {
    auto stmt = m_db.prepare(
        "SELECT id, rule, kind, subject, severity, fired_ms, resolved_ms, value, threshold, message FROM"
        " (SELECT * FROM alert_events ORDER BY id DESC LIMIT ?1) ORDER BY id",
        "prepare alert history");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, static_cast<std::int64_t>(limit));
    std::vector<AlertEvent> events;
    for (;;) {
        auto row = stmt->step("read the alert history");
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        AlertEvent event;
        event.id = static_cast<std::uint64_t>(stmt->int64(0));
        event.rule = stmt->text(1);
        // A kind this build does not know (a newer build wrote it) reads as its nearest
        // relative rather than hiding the row.
        event.kind = alert_kind_from_string(stmt->text(2)).value_or(AlertKind::ErrorRate);
        event.subject = stmt->text(3);
        event.severity = stmt->text(4);
        event.fired_at = from_unix_ms(stmt->int64(5));
        if (!stmt->is_null(6)) {
            event.resolved_at = from_unix_ms(stmt->int64(6));
            event.state = AlertState::Resolved;
        }
        event.value = stmt->real(7);
        event.threshold = stmt->real(8);
        event.message = stmt->text(9);
        events.push_back(std::move(event));
    }
    return events;
}

StoreResult<std::size_t> AlertEventStore::close_unresolved(std::chrono::system_clock::time_point at) {
    auto stmt = m_db.prepare(
        "UPDATE alert_events SET resolved_ms = ?1, message = message || ' (closed: the engine restarted)'"
        " WHERE resolved_ms IS NULL",
        "prepare closing alerts left firing");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, unix_ms(at));
    if (auto ok = stmt->run("close alerts left firing"); !ok)
        return std::unexpected(ok.error());
    return static_cast<std::size_t>(m_db.changes());
}

}  // namespace sb
