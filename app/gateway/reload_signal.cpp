// SIGHUP as a flag: the handler only sets it, the waiting command does the work.
#include "reload_signal.h"

#include <csignal>

namespace sb::cli {
namespace {

std::atomic<bool> g_reload{false};

void request_reload(int) { g_reload = true; }

}  // namespace

std::atomic<bool>& reload_on_sighup() {
    std::signal(SIGHUP, request_reload);
    return g_reload;
}

}  // namespace sb::cli
