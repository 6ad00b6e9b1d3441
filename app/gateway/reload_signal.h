#pragma once
// SIGHUP as a flag `serve` polls: reload the TLS certificate.
#include <atomic>

namespace sb::cli {

// Installs the handler (once) and returns the flag it sets; the poller clears it.
std::atomic<bool>& reload_on_sighup();

}  // namespace sb::cli
