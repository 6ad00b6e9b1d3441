#pragma once
// SIGINT and SIGTERM as a flag the long-running commands (serve, simulate, demo, batch) poll.
#include <atomic>

namespace sb::cli {

// Installs the handlers (once) and returns the flag they set.
std::atomic<bool>& stop_on_signals();

}  // namespace sb::cli
