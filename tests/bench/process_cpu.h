#pragma once
// Another process's CPU time, for benchmarks that charge a server's work to the requests it
// answered.
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace sb::bench {

// User + system CPU seconds of a process: fields 14 and 15 of /proc/<pid>/stat, in clock ticks.
inline double process_cpu_seconds(long long pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    const std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const auto name_end = stat.rfind(')');  // the command name may hold spaces and parentheses
    if (name_end == std::string::npos) return 0;
    std::istringstream fields(stat.substr(name_end + 1));
    std::string skipped;
    for (int field = 3; field <= 13; ++field) fields >> skipped;
    unsigned long long user = 0, system = 0;
    fields >> user >> system;
    return double(user + system) / double(sysconf(_SC_CLK_TCK));
}

}  // namespace sb::bench
