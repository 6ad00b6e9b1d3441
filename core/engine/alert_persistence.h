#pragma once
// Ties the engine's alert monitor to the history database: the stored alert history is
// restored at start (alerts a previous process left firing are closed first — nobody can
// say when they ended), and every alert that fires, changes or resolves is saved by the
// alert thread through its own connection.
#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>

#include "alerts/alert_monitor.h"

namespace sb {

std::expected<AlertHistory, std::string> open_alert_history(const std::filesystem::path& database, std::size_t limit);

}  // namespace sb
