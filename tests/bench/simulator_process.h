#pragma once
// Benchmarks run the simulator in a child process so that getrusage and the UI thread
// measure only the side under test. Fork before the parent starts any thread.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "simulator/simulator.h"

namespace sb::bench {

// Returns the child's pid (or -1) and the port it listens on (0 if it failed to start).
inline pid_t start_simulator_process(const SimulatorProfile& profile, const std::string& api_key, std::uint16_t& port) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    const pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        SimulatorOptions options;
        options.api_key = api_key;
        Simulator simulator(profile, options);
        const auto bound = simulator.start(0);
        const std::uint16_t value = bound ? *bound : 0;
        if (write(fds[1], &value, sizeof value) != sizeof value) _exit(1);
        close(fds[1]);
        pause();  // until stop_simulator_process
        _exit(0);
    }
    close(fds[1]);
    if (read(fds[0], &port, sizeof port) != sizeof port) port = 0;
    close(fds[0]);
    return child;
}

inline void stop_simulator_process(pid_t child) {
    if (child <= 0) return;
    kill(child, SIGTERM);
    waitpid(child, nullptr, 0);
}

}  // namespace sb::bench
