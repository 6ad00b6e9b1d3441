// SIGINT and SIGTERM as a flag the long-running commands poll.
#include "stop_signal.h"

#include <csignal>

namespace sb::cli {
namespace {

std::atomic<bool> g_stop{false};

void request_stop(int) { g_stop = true; }

}  // namespace

std::atomic<bool>& stop_on_signals() {
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    return g_stop;
}

}  // namespace sb::cli
