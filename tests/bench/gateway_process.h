#pragma once
// `switchboard-gateway` as a benchmark's child process, as operators run it: fork and exec of
// the real binary with an environment of the benchmark's choosing. No Qt (QProcess) here: the
// benchmark forks other children and measures its own CPU. The gateway's CPU, memory and
// context switches are read from /proc, the same fields getrusage would give it.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "child_process.h"
#include "process_cpu.h"

extern char** environ;

namespace sb::bench {

// "NAME=value" entries: this process's environment without `drop`, then `add`.
inline std::vector<std::string> environment_with(const std::vector<std::string>& drop,
                                                 const std::vector<std::string>& add) {
    std::vector<std::string> out;
    for (char** entry = environ; *entry; ++entry) {
        const std::string_view text(*entry);
        const auto name = text.substr(0, text.find('='));
        bool dropped = false;
        for (const auto& d : drop) dropped = dropped || name == d;
        if (!dropped) out.emplace_back(text);
    }
    out.insert(out.end(), add.begin(), add.end());
    return out;
}

// Starts `binary args…` with `environment`; its stdout goes to `out_fd`, its stderr to `err_fd`.
inline pid_t spawn(const std::string& binary, const std::vector<std::string>& args,
                   const std::vector<std::string>& environment, int out_fd, int err_fd) {
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // no orphaned gateway if the benchmark dies mid-run
        dup2(out_fd, STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
        execve(binary.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    return pid;
}

// Runs `binary args…` to the end; its stdout (read through a pipe, never written to a file:
// `keys create` prints a secret there), or nullopt when it failed.
inline std::optional<std::string> run_for_stdout(const std::string& binary, const std::vector<std::string>& args,
                                                 const std::vector<std::string>& environment,
                                                 const std::filesystem::path& stderr_file) {
    int fds[2];
    if (pipe(fds) != 0) return std::nullopt;
    const int err_fd = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    const pid_t pid = spawn(binary, args, environment, fds[1], err_fd < 0 ? STDERR_FILENO : err_fd);
    close(fds[1]);
    if (err_fd >= 0) close(err_fd);
    std::string out;
    char chunk[4096];
    for (ssize_t n; (n = read(fds[0], chunk, sizeof chunk)) > 0;) out.append(chunk, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    if (pid <= 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return std::nullopt;
    return out;
}

// `switchboard-gateway keys create NAME --db DB`: the new key's secret, kept in memory only.
inline std::optional<std::string> create_gateway_key(const std::string& binary, const std::filesystem::path& db,
                                                     const std::vector<std::string>& environment,
                                                     const std::filesystem::path& log) {
    const auto out = run_for_stdout(binary, {"keys", "create", "bench", "--db", db.string()}, environment, log);
    if (!out) return std::nullopt;
    std::smatch match;
    static const std::regex key("sk-sb-[A-Za-z0-9]{40}");
    if (!std::regex_search(*out, match, key)) return std::nullopt;
    return match.str();
}

inline std::string read_file_text(const std::filesystem::path& path) {
    std::ifstream file(path);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// A running gateway: its pid, its port, and where its stdout and stderr go.
struct GatewayProcess {
    pid_t pid = -1;
    std::uint16_t port = 0;
    std::filesystem::path log;

    // CPU (user + system, every thread), VmRSS, VmHWM and the context switches of every live thread.
    ProcessUsage usage() const {
        ProcessUsage usage;
        if (pid <= 0) return usage;
        const std::string proc = "/proc/" + std::to_string(pid);
        usage.cpu_s = process_cpu_seconds(pid);
        const std::string status = read_file_text(proc + "/status");
        usage.rss_kb = status_kb(status, "VmRSS:");
        usage.hwm_kb = status_kb(status, "VmHWM:");
        if (DIR* tasks = opendir((proc + "/task").c_str())) {
            while (const dirent* task = readdir(tasks)) {
                if (task->d_name[0] == '.') continue;
                const std::string thread = read_file_text(proc + "/task/" + task->d_name + "/status");
                usage.context_switches +=
                    status_kb(thread, "\nvoluntary_ctxt_switches:") + status_kb(thread, "nonvoluntary_ctxt_switches:");
            }
            closedir(tasks);
        }
        return usage;
    }

    // SIGTERM, as a service manager stops it (history flushed); SIGKILL after 10 s.
    void stop() {
        if (pid <= 0) return;
        kill(pid, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (waitpid(pid, nullptr, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                kill(pid, SIGKILL);
                waitpid(pid, nullptr, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        pid = -1;
    }
};

// `switchboard-gateway serve args…`, its output in `log`; waits for its "listening on" line.
// Port 0 in the result: it did not start (the log says why; the caller stops it).
inline GatewayProcess start_gateway(const std::string& binary, const std::vector<std::string>& args,
                                    const std::vector<std::string>& environment, const std::filesystem::path& log) {
    GatewayProcess gateway;
    gateway.log = log;
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return gateway;
    std::vector<std::string> serve{"serve"};
    serve.insert(serve.end(), args.begin(), args.end());
    gateway.pid = spawn(binary, serve, environment, fd, fd);
    close(fd);
    static const std::regex listening("listening on http://127\\.0\\.0\\.1:(\\d+)");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (gateway.pid > 0 && std::chrono::steady_clock::now() < deadline) {
        const std::string text = read_file_text(log);
        std::smatch match;
        if (std::regex_search(text, match, listening)) {
            gateway.port = static_cast<std::uint16_t>(std::stoi(match.str(1)));
            break;
        }
        if (waitpid(gateway.pid, nullptr, WNOHANG) == gateway.pid) {
            gateway.pid = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return gateway;
}

}  // namespace sb::bench
