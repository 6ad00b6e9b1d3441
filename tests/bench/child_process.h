#pragma once
// Benchmark children: processes forked before the parent starts any thread, each set up by a
// body (a simulator, a gateway…) and then serving commands over a pipe — "usage" (its own
// getrusage CPU, RSS and context switches), "run" (a measurement of its own) and "quit" — so
// CPU and memory figures belong to one process each.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "gateway/gateway_options.h"
#include "gateway/gateway_server.h"
#include "simulator/simulator.h"
#include "simulator/simulator_profile.h"

namespace sb::bench {

struct ProcessUsage {
    double cpu_s = 0;  // user + system
    long rss_kb = 0;
    long hwm_kb = 0;
    long context_switches = 0;  // voluntary + involuntary, every thread
};

struct Command {
    char op = 0;  // 'u' usage, 'r' run (what a child runs is its own), 'q' quit
    double rate = 0;
    double seconds = 0;
    int in_flight = 0;
};

struct Reply {
    std::uint16_t port = 0;
    ProcessUsage usage;
    long completed = 0;
    long failed = 0;
    double p50_ms = 0, p99_ms = 0;  // of a run, where the child measures latency
    double wall_s = 0;              // of a run
};

inline long status_kb(const std::string& status, const char* key) {
    const auto at = status.find(key);
    return at == std::string::npos ? 0 : std::atol(status.c_str() + at + std::strlen(key));
}

inline ProcessUsage own_usage() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
    std::ifstream file("/proc/self/status");
    const std::string status((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    return {seconds(usage.ru_utime) + seconds(usage.ru_stime), status_kb(status, "VmRSS:"),
            status_kb(status, "VmHWM:"), usage.ru_nvcsw + usage.ru_nivcsw};
}

inline bool write_all(int fd, const void* data, std::size_t size) {
    return write(fd, data, size) == static_cast<ssize_t>(size);
}
inline bool read_all(int fd, void* data, std::size_t size) {
    auto* out = static_cast<char*>(data);
    while (size > 0) {
        const ssize_t n = read(fd, out, size);
        if (n <= 0) return false;
        out += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

struct Child {
    pid_t pid = -1;
    int command_fd = -1;
    int reply_fd = -1;
    std::uint16_t port = 0;

    std::optional<Reply> ask(Command command) const {
        Reply reply;
        if (!write_all(command_fd, &command, sizeof command) || !read_all(reply_fd, &reply, sizeof reply))
            return std::nullopt;
        return reply;
    }
    ProcessUsage usage() const {
        auto reply = ask({'u', 0, 0});
        return reply ? reply->usage : ProcessUsage{};
    }
    void stop() {
        if (pid <= 0) return;
        kill(pid, SIGKILL);  // nothing of theirs needs flushing: databases are scratch files
        waitpid(pid, nullptr, 0);
        close(command_fd);
        close(reply_fd);
        pid = -1;
    }
};

// `body` runs in the child: it sets up, then serves commands until 'q' or the parent is gone.
using ChildBody = std::function<void(int command_fd, int reply_fd)>;

inline Child fork_child(const ChildBody& body) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) return {};
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // no orphans if this process dies mid-run
        close(to_child[1]);
        close(from_child[0]);
        body(to_child[0], from_child[1]);
        _exit(0);
    }
    close(to_child[0]);
    close(from_child[1]);
    Child child{pid, to_child[1], from_child[0], 0};
    Reply hello;
    if (pid > 0 && read_all(child.reply_fd, &hello, sizeof hello)) child.port = hello.port;
    return child;  // port 0: it did not start (the caller stops it)
}

// CPU microseconds per request between two usage samples of one process.
inline double cpu_us_per_request(const ProcessUsage& before, const ProcessUsage& after, long requests) {
    return (after.cpu_s - before.cpu_s) * 1e6 / double(std::max<long>(1, requests));
}

// Whether every child runs and reported its port; if not, says so for `bench` (the caller stops them).
inline bool all_started(const std::vector<Child*>& children, const char* bench) {
    for (const Child* child : children)
        if (child->pid <= 0 || child->port == 0) {
            std::fprintf(stderr, "%s: a child process did not start\n", bench);
            return false;
        }
    return true;
}

// Answers usage requests; `run` serves the 'r' command.
inline void serve_usage(int command_fd, int reply_fd, const std::function<Reply(const Command&)>& run = {}) {
    Command command;
    while (read_all(command_fd, &command, sizeof command)) {
        Reply reply;
        if (command.op == 'q') return;
        if (command.op == 'r' && run)
            reply = run(command);  // its usage is the run's CPU
        else
            reply.usage = own_usage();
        if (!write_all(reply_fd, &reply, sizeof reply)) return;
    }
}

inline ChildBody simulator_child(SimulatorProfile profile) {
    return [profile](int command_fd, int reply_fd) {
        Simulator simulator(profile);
        const auto bound = simulator.start(0);
        Reply hello;
        hello.port = bound ? *bound : 0;
        write_all(reply_fd, &hello, sizeof hello);
        if (!bound) return;
        serve_usage(command_fd, reply_fd);
        _exit(0);
    };
}

// Engine (history in `database`, none if empty) + GatewayServer without auth; reports its
// port, then usage on request.
inline ChildBody gateway_child(Config config, std::filesystem::path database, const char* name) {
    return [config, database, name](int command_fd, int reply_fd) {
        EngineOptions engine_options;
        engine_options.config = config;
        engine_options.history = !database.empty();
        engine_options.database = database;
        auto engine = Engine::create(std::move(engine_options));
        Reply hello;
        std::unique_ptr<GatewayServer> server;
        if (!engine) {
            std::fprintf(stderr, "%s: engine: %s\n", name, engine.error().c_str());
        } else {
            GatewayOptions options;
            options.port = 0;
            options.allow_unauthenticated = true;
            auto started = GatewayServer::start(**engine, options);
            if (started) {
                server = std::move(*started);
                hello.port = server->port();
            } else {
                std::fprintf(stderr, "%s: %s\n", name, started.error().c_str());
            }
        }
        write_all(reply_fd, &hello, sizeof hello);
        if (hello.port == 0) return;
        serve_usage(command_fd, reply_fd);
        _exit(0);  // no orderly shutdown needed; skips joining threads blocked in I/O
    };
}

}  // namespace sb::bench
