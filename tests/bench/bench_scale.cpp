// Overhead and scale: how the engine's and the gateway's latency, CPU and memory grow with load,
// against the same zero-latency upstream, each next to a baseline measured in the same run.
//
// Sweep 1, requests in flight (closed loop: each request is sent again as soon as it is
// answered) at 1, 10, 100, 1,000 and 10,000:
//   direct     load generator → simulator                 (baseline of the gateway)
//   gateway    load generator → Engine + GatewayServer → simulator
//   transport  HttpClient alone in a child, N transfers    (baseline of the engine)
//   engine     Engine::submit in a child, N requests
// Sweep 2, request rate (open loop, fixed schedule) at 500 … 10,000/s: direct and gateway.
//
// Every process is forked before this one starts a thread; CPU and RSS are each process's own.
// The provider's concurrency is pinned at 4,096 (the most the config allows): beyond that,
// requests wait in the engine's queue, as they would in production.
//
// Usage: bench_scale [seconds_per_step=2]
// Writes scale.json to $SB_BENCH_RESULTS when set. Exits 0 when every target was met, 2 when one
// was missed.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_results.h"
#include "bench_upstream.h"
#include "child_process.h"
#include "engine/engine.h"
#include "open_loop_load.h"
#include "providers/provider_adapter.h"
#include "transport/http_client.h"

using namespace sb;
using namespace sb::bench;
using namespace std::chrono;

namespace {

constexpr int kLevels[] = {1, 10, 100, 1'000, 10'000};
constexpr double kRates[] = {500, 1'000, 2'000, 5'000, 10'000};
constexpr int kProviderLimit = 4'096;
constexpr int kRateConnections = 128;
// "Negligible": under 1% of the reference case's upstream mean latency (1,200 ms; docs/PERFORMANCE.md).
constexpr double kNegligibleMs = 12.0;

Config upstream_config(std::uint16_t port) {
    Config config = bench::loopback_upstream_config(port, kProviderLimit);
    config.providers[0].timeouts.total = seconds(60);
    return config;
}

std::string http_request() {
    const std::string body =
        R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a concise customer-service assistant."},)"
        R"({"role":"user","content":"Is item 42 in stock, and when can it ship?"}],"max_tokens":64})";
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-bench-dummy\r\n"
           "Content-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

// ---- closed loop inside a child ---------------------------------------------------------

// Keeps `in_flight` requests outstanding for `seconds_long` from this thread; `send(done)`
// starts one and calls done(ok) when it finishes (on any thread). RSS is sampled at the end
// of the sending phase, while everything is still in flight.
template <typename Send>
Reply closed_loop(int in_flight, double seconds_long, Send send) {
    std::mutex mutex;
    std::condition_variable cv;
    int outstanding = 0;
    long completed = 0, failed = 0;
    std::vector<float> latencies_us;
    latencies_us.reserve(1'000'000);
    const ProcessUsage before = own_usage();
    const auto start = steady_clock::now();
    const auto end = start + duration_cast<nanoseconds>(duration<double>(seconds_long));
    auto finished = [&](steady_clock::time_point sent, bool ok) {
        const float us = float(duration<double, std::micro>(steady_clock::now() - sent).count());
        std::lock_guard lock(mutex);
        --outstanding;
        ++completed;
        if (!ok) ++failed;
        latencies_us.push_back(us);
        cv.notify_one();
    };
    std::unique_lock lock(mutex);
    while (steady_clock::now() < end) {
        while (outstanding < in_flight) {
            ++outstanding;
            lock.unlock();
            const auto sent = steady_clock::now();
            send([&finished, sent](bool ok) { finished(sent, ok); });
            lock.lock();
        }
        cv.wait_until(lock, end, [&] { return outstanding < in_flight; });
    }
    lock.unlock();
    const ProcessUsage loaded = own_usage();
    lock.lock();
    cv.wait_for(lock, seconds(60), [&] { return outstanding == 0; });
    const ProcessUsage after = own_usage();
    Reply reply;
    reply.completed = completed;
    reply.failed = failed + outstanding;
    reply.usage.cpu_s = after.cpu_s - before.cpu_s;
    reply.usage.rss_kb = loaded.rss_kb;
    reply.usage.hwm_kb = after.hwm_kb;
    reply.usage.context_switches = after.context_switches - before.context_switches;
    if (!latencies_us.empty()) {
        std::sort(latencies_us.begin(), latencies_us.end());
        const auto n = latencies_us.size();
        reply.p50_ms = latencies_us[n / 2] / 1e3;
        reply.p99_ms = latencies_us[std::min(n - 1, n * 99 / 100)] / 1e3;
    }
    reply.wall_s = duration<double>(steady_clock::now() - start).count();  // sending phase plus the drain
    return reply;
}

// The transport alone: request bodies built once, sent with HttpClient.
ChildBody transport_child(Config config) {
    return [config](int command_fd, int reply_fd) {
        HttpClient http;
        const auto adapter = make_provider_adapter(ProviderKind::OpenAI);
        const HttpRequest prototype =
            adapter->build_request(bench::engine_request(), config.providers[0], "gpt-4o-mini");
        Reply hello;
        hello.port = 1;
        write_all(reply_fd, &hello, sizeof hello);
        serve_usage(command_fd, reply_fd, [&](const Command& command) {
            return closed_loop(command.in_flight, command.seconds, [&](auto done) {
                http.send(HttpRequest(prototype),
                          [done](HttpResponse&& r) { done(r.curl_code == 0 && r.status == 200); });
            });
        });
        _exit(0);
    };
}

ChildBody engine_child(Config config) {
    return [config](int command_fd, int reply_fd) {
        EngineOptions options;
        options.config = config;
        options.history = false;
        auto engine = Engine::create(std::move(options));
        Reply hello;
        hello.port = engine ? 1 : 0;
        if (!engine) std::fprintf(stderr, "bench_scale: engine: %s\n", engine.error().c_str());
        write_all(reply_fd, &hello, sizeof hello);
        if (!engine) return;
        serve_usage(command_fd, reply_fd, [&](const Command& command) {
            return closed_loop(command.in_flight, command.seconds, [&](auto done) {
                (*engine)->submit(bench::engine_request(), [done](RequestResult&& r) { done(r.ok()); });
            });
        });
        _exit(0);
    };
}

// ---- figures ------------------------------------------------------------------------------

struct Figures {
    double rate = 0, p50_ms = 0, p99_ms = 0;
    double cpu_us = -1;  // per request, of the process under test (-1: not measured)
    double rss_mb = -1;
    long requests = 0, errors = 0;
};

nlohmann::json to_json(const Figures& f) {
    nlohmann::json j = {{"rate", f.rate},
                        {"p50_ms", f.p50_ms},
                        {"p99_ms", f.p99_ms},
                        {"requests", f.requests},
                        {"errors", f.errors}};
    if (f.cpu_us >= 0) j["cpu_us"] = f.cpu_us;
    if (f.rss_mb >= 0) j["rss_mb"] = f.rss_mb;
    return j;
}

Figures from_load(const LoadResult& r) {
    return {r.achieved_rate, r.p50_ms, r.p99_ms, -1, -1, r.ok + r.errors, r.errors};
}

Figures from_child(const std::optional<Reply>& reply) {
    Figures f;
    if (!reply) {
        f.errors = 1;
        return f;
    }
    const double wall_s = reply->wall_s;
    f.requests = reply->completed;
    f.errors = reply->failed;
    f.rate = wall_s > 0 ? double(reply->completed) / wall_s : 0;
    f.p50_ms = reply->p50_ms;
    f.p99_ms = reply->p99_ms;
    f.cpu_us = reply->usage.cpu_s / double(std::max<long>(1, reply->completed)) * 1e6;
    f.rss_mb = double(reply->usage.rss_kb) / 1024.0;
    return f;
}

// A closed-loop run against a child server, with the server's CPU and mid-run RSS.
Figures through(const Child& server, int connections, double seconds_long, bool measure_server) {
    const ProcessUsage before = measure_server ? server.usage() : ProcessUsage{};
    LoadResult result;
    std::thread load([&] {
        result = LoadRun(LoadRun::Closed{}, server.port, http_request(), connections, seconds_long).run();
    });
    ProcessUsage middle;
    if (measure_server) {
        std::this_thread::sleep_for(duration<double>(seconds_long * 0.8));
        middle = server.usage();
    }
    load.join();
    Figures f = from_load(result);
    if (measure_server) {
        const ProcessUsage after = server.usage();
        f.cpu_us = cpu_us_per_request(before, after, f.requests);
        f.rss_mb = double(middle.rss_kb) / 1024.0;
    }
    return f;
}

Figures at_rate(const Child& server, double rate, double seconds_long, bool measure_server) {
    const ProcessUsage before = measure_server ? server.usage() : ProcessUsage{};
    const auto result = LoadRun(server.port, http_request(), rate, seconds_long, kRateConnections).run();
    Figures f = from_load(result);
    if (measure_server) {
        const ProcessUsage after = server.usage();
        f.cpu_us = cpu_us_per_request(before, after, f.requests);
        f.rss_mb = double(after.rss_kb) / 1024.0;
    }
    return f;
}

void print(const char* label, const Figures& f) {
    std::printf("  %-10s %9.0f/s  p50 %9.3f ms  p99 %9.3f ms", label, f.rate, f.p50_ms, f.p99_ms);
    if (f.cpu_us >= 0) std::printf("  cpu %7.1f µs/req", f.cpu_us);
    if (f.rss_mb >= 0) std::printf("  rss %7.1f MB", f.rss_mb);
    if (f.errors) std::printf("  errors %ld/%ld", f.errors, f.requests);
    std::printf("\n");
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    const double step_seconds = argc > 1 ? std::max(0.5, std::atof(argv[1])) : 2.0;

    // Up to 10,000 client sockets here and in the gateway, plus its upstream ones: raise the
    // soft limit to the hard one before forking, so every child inherits it.
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    const long fd_limit = static_cast<long>(files.rlim_cur);
    // The gateway holds a client socket per request in flight plus up to kProviderLimit upstream.
    auto fits = [&](int n) { return long(n) + std::min(n, kProviderLimit) + 256 <= fd_limit; };

    Child simulator = fork_child(simulator_child(SimulatorProfile{}));
    const Config config = upstream_config(simulator.port);
    Child gateway = fork_child(gateway_child(config, {}, "bench_scale"));
    Child transport = fork_child(transport_child(config));
    Child engine = fork_child(engine_child(config));
    std::vector<Child*> children = {&simulator, &gateway, &transport, &engine};
    auto stop_all = [&] {
        for (auto* child : children) child->stop();
    };
    if (!all_started(children, "bench_scale")) {
        stop_all();
        return 1;
    }

    std::printf(
        "bench_scale: %.1f s per step; zero-latency simulator, gateway, engine and load generator on this "
        "%u-core machine; open files limit %ld; provider concurrency pinned at %d\n\n",
        step_seconds, std::thread::hardware_concurrency(), fd_limit, kProviderLimit);

    // Warm-up: connections, allocators, the engine's connection pool.
    through(simulator, 64, 0.5, false);
    through(gateway, 64, 0.5, false);
    transport.ask({'r', 0, 0.5, 64});
    engine.ask({'r', 0, 0.5, 64});

    nlohmann::json report = {{"machine", {{"cpus", std::thread::hardware_concurrency()}}},
                             {"fd_limit", fd_limit},
                             {"provider_limit", kProviderLimit},
                             {"step_seconds", step_seconds},
                             {"in_flight", nlohmann::json::array()},
                             {"rate", nlohmann::json::array()}};
    struct Level {
        int n;
        Figures direct, gateway, transport, engine;
        bool skipped = false;
    };
    std::vector<Level> levels;
    std::printf("requests in flight (closed loop)\n");
    for (const int n : kLevels) {
        Level level{n, {}, {}, {}, {}};
        std::printf("%d in flight\n", n);
        if (!fits(n)) {
            level.skipped = true;
            std::printf("  skipped: needs about %d open files per process, the limit is %ld\n",
                        n + std::min(n, kProviderLimit) + 256, fd_limit);
            levels.push_back(level);
            continue;
        }
        level.direct = through(simulator, n, step_seconds, false);
        print("direct", level.direct);
        level.gateway = through(gateway, n, step_seconds, true);
        print("gateway", level.gateway);
        level.transport = from_child(transport.ask({'r', 0, step_seconds, n}));
        print("transport", level.transport);
        level.engine = from_child(engine.ask({'r', 0, step_seconds, n}));
        print("engine", level.engine);
        levels.push_back(level);
        report["in_flight"].push_back({{"n", n},
                                       {"direct", to_json(level.direct)},
                                       {"gateway", to_json(level.gateway)},
                                       {"transport", to_json(level.transport)},
                                       {"engine", to_json(level.engine)}});
        std::this_thread::sleep_for(milliseconds(300));
    }

    std::printf("\nrequest rate (open loop, %d connections)\n", kRateConnections);
    std::vector<std::pair<Figures, Figures>> rates;
    for (const double rate : kRates) {
        std::printf("%.0f requests/s\n", rate);
        const Figures direct = at_rate(simulator, rate, step_seconds, false);
        print("direct", direct);
        const Figures through_gateway = at_rate(gateway, rate, step_seconds, true);
        print("gateway", through_gateway);
        rates.emplace_back(direct, through_gateway);
        report["rate"].push_back(
            {{"target", rate}, {"direct", to_json(direct)}, {"gateway", to_json(through_gateway)}});
    }
    const ProcessUsage gateway_final = gateway.usage();
    stop_all();

    // ---- the table ----
    std::printf("\n%-9s %-34s %-34s %-12s %-12s %-12s %-12s\n", "in flight", "gateway − direct p50/p99 (ms)",
                "engine − transport p50/p99 (ms)", "gw req/s", "engine µs", "gw RSS MB", "engine RSS");
    for (const auto& l : levels) {
        if (l.skipped) {
            std::printf("%-9d skipped (open files limit)\n", l.n);
            continue;
        }
        std::printf(
            "%-9d %8.3f / %-8.3f (%5.2f× / %5.2f×)  %8.3f / %-8.3f (%5.2f× / %5.2f×)  %-12.0f %-12.1f "
            "%-12.1f %-12.1f\n",
            l.n, l.gateway.p50_ms - l.direct.p50_ms, l.gateway.p99_ms - l.direct.p99_ms,
            l.gateway.p50_ms / std::max(l.direct.p50_ms, 1e-9),
            l.gateway.p99_ms / std::max(l.direct.p99_ms, 1e-9), l.engine.p50_ms - l.transport.p50_ms,
            l.engine.p99_ms - l.transport.p99_ms, l.engine.p50_ms / std::max(l.transport.p50_ms, 1e-9),
            l.engine.p99_ms / std::max(l.transport.p99_ms, 1e-9), l.gateway.rate,
            l.engine.cpu_us - l.transport.cpu_us, l.gateway.rss_mb, l.engine.rss_mb);
    }
    std::printf("gateway peak RSS over the whole run: %.1f MB\n", double(gateway_final.hwm_kb) / 1024.0);

    // Headline rows for tools/bench.
    const char* bench = "scale";
    auto level_of = [&](int n) -> const Level* {
        for (const auto& l : levels)
            if (l.n == n && !l.skipped) return &l;
        return nullptr;
    };
    if (const Level* l = level_of(100)) {
        const double own = l->engine.cpu_us - l->transport.cpu_us;
        summary_row(bench, "engine CPU per request, 100 in flight", fmt("%.1f µs", own), "≤ 50 µs", own <= 50,
                    fmt("transport alone %.1f µs; engine %.2f× it", l->transport.cpu_us,
                        l->engine.cpu_us / std::max(l->transport.cpu_us, 1e-9)));
    }
    if (const Level* l = level_of(1)) {
        const double added = l->gateway.p50_ms - l->direct.p50_ms;
        summary_row(bench, "gateway added p50, 1 in flight", fmt("%.3f ms", added),
                    fmt("< %.0f ms", kNegligibleMs), added < kNegligibleMs,
                    fmt("direct %.3f ms; gateway %.2f× direct", l->direct.p50_ms,
                        l->gateway.p50_ms / std::max(l->direct.p50_ms, 1e-9)));
    }
    // At 1,000/s: ten times the replay's load, well within one core.
    for (std::size_t i = 0; i < rates.size(); ++i) {
        if (kRates[i] != 1'000) continue;
        const auto& [direct, through_gateway] = rates[i];
        const double added = through_gateway.p99_ms - direct.p99_ms;
        summary_row(bench, "gateway added p99 at 1,000/s", fmt("%.3f ms", added),
                    fmt("< %.0f ms", kNegligibleMs), added < kNegligibleMs && through_gateway.errors == 0,
                    fmt("direct p99 %.3f ms; gateway %.2f× direct", direct.p99_ms,
                        through_gateway.p99_ms / std::max(direct.p99_ms, 1e-9)));
    }
    for (const int n : {1'000, 10'000}) {
        const Level* l = level_of(n);
        if (!l) {
            summary_row(bench, fmt("%.0f in flight through the gateway", n), "skipped", "-", std::nullopt,
                        fmt("open files limit %.0f", double(fd_limit)));
            continue;
        }
        summary_row(bench, fmt("%.0f in flight through the gateway", n),
                    fmt("%.0f req/s", l->gateway.rate) + fmt(", %.0f MB", l->gateway.rss_mb), "no errors",
                    l->gateway.errors == 0,
                    fmt("direct %.0f req/s; gateway %.2f× direct", l->direct.rate,
                        l->gateway.rate / std::max(l->direct.rate, 1e-9)));
    }
    if (const auto dir = results_dir(); !dir.empty())
        std::ofstream(dir / "scale.json") << report.dump(1) << "\n";
    return bench::exit_code();
}
