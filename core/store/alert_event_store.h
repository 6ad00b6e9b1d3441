#pragma once
// The alert history in the history database: one row per alert that fired, updated when it
// resolves, so the Alerts page still lists last night's alerts after a restart. Written by
// the engine's alert thread; opens its own connection (one AlertEventStore per thread).
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <vector>

#include "alerts/alert_evaluator.h"
#include "store/database.h"

namespace sb {

class AlertEventStore final {
public:
    static StoreResult<AlertEventStore> open(const std::filesystem::path& file, const DatabaseOptions& options = {});

    // Inserts or updates each event by id, in one transaction.
    StoreResult<void> save(const std::vector<AlertEvent>& events);
    // The newest `limit` events, oldest first.
    StoreResult<std::vector<AlertEvent>> recent(std::size_t limit);
    // Events a previous process left firing cannot be judged any more: they are resolved at
    // `at`, their message saying so. Returns how many.
    StoreResult<std::size_t> close_unresolved(std::chrono::system_clock::time_point at);

private:
    explicit AlertEventStore(Database db) : m_db(std::move(db)) {}

    Database m_db;
};

}  // namespace sb
