// What counting a key's limits across a fleet costs a request: two `switchboard-gateway serve`
// processes as operators run them (the shipped config, a gateway key, SQLite history on, demo
// mode on the zero-latency simulator profile), under the same open-loop load of
// POST /v1/chat/completions, one with local limits (L) and one in a fleet (F) whose limits are
// counted in a real redis-server on loopback (the shipped command timeout). The key has rpm,
// tpm and budget limits far above the load, so every request is counted and none refused.
//
// Phases alternate L, F, L, F … so drift in the host's load reaches both. CPU is user + system
// time from /proc/<pid>/stat around each phase, divided by the requests sent in it: for L the
// gateway's, for F the gateway's plus redis-server's (its work is the fleet's cost too).
// Latency is the load generator's, from each request's scheduled send time.
//
// Figures and targets:
//   added p50 of fleet-wide limits at 2,000/s     median over rounds of F p50 − L p50   ≤ 0.1 ms
//   CPU per request, fleet against local          pooled over every phase of each kind   -
//
// Requests carry `Cache-Control: no-store`, as in bench_console_stream: each makes the whole trip.
// Usage: bench_fleet_limits [rounds=3] [seconds_per_phase=10]   (rounds: at least 2)
// Exits 0 when every target was met, 2 when one was missed, 1 on setup failure.
#include <QCoreApplication>
#include <QTemporaryDir>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/fleet_config.h"
#include "../support/gateway_calls.h"
#include "../support/redis_server.h"
#include "../support/serve_process.h"
#include "bench_results.h"
#include "process_cpu.h"
#include "open_loop_load.h"
#include "transport/http_client.h"

using namespace sb;
using namespace sb::bench;
using namespace std::chrono_literals;

namespace {

constexpr double kRate = 2'000;
constexpr int kConnections = 128;
constexpr double kMaxAddedP50Ms = 0.1;
constexpr const char* kAdminKey = "adm-bench-fleet-limits";

std::string chat_request(const std::string& key) {
    const std::string body =
        R"({"model":"gpt-4o-mini","messages":[)"
        R"({"role":"system","content":"You are a concise customer-service assistant."},)"
        R"({"role":"user","content":"Is item 42 in stock, and when can it ship?"}],"max_tokens":64})";
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nCache-Control: no-store\r\nAuthorization: Bearer " +
           key + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A key whose limits count every request and refuse none at this load.
std::string create_key(HttpClient& client, const std::string& base) {
    const auto created = test::fetch(
        client, "POST", base + "/admin/v1/keys",
        nlohmann::json{{"name", "bench"}, {"limits", {{"rpm", 100'000'000}, {"tpm", 100'000'000'000LL}, {"monthly_budget_usd", 1e9}}}}
            .dump(),
        kAdminKey);
    return created.status == 200 ? created.json().value("secret", "") : std::string();
}

struct Phase {
    bool fleet = false;
    LoadResult load;
    double cpu_s = 0;        // the gateway's, plus redis-server's in a fleet phase
    double redis_cpu_s = 0;  // redis-server's part
    long requests = 0;
    double cpu_us_per_request() const { return cpu_s * 1e6 / double(std::max<long>(1, requests)); }
};

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const auto n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void row(const std::string& figure, const std::string& measured, const std::string& target, std::optional<bool> pass,
         const std::string& baseline) {
    std::printf("%-46s %14s  %-10s %-4s  %s\n", figure.c_str(), measured.c_str(), target.c_str(),
                pass ? (*pass ? "PASS" : "FAIL") : "-", baseline.c_str());
    summary_row("fleet", figure, measured, target, pass, baseline);
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const int rounds = argc > 1 ? std::max(2, std::atoi(argv[1])) : 3;
    const double seconds = argc > 2 ? std::max(1.0, std::atof(argv[2])) : 10.0;

    test::RedisServer redis;
    if (!redis.error().empty()) {
        std::fprintf(stderr, "bench_fleet_limits: redis-server: %s\n", redis.error().c_str());
        return 1;
    }
    QTemporaryDir local_dir, fleet_dir;
    test::ServeProcess local(local_dir, kAdminKey, {"--config", test::write_fleet_config(local_dir.path(), 0)});
    test::ServeProcess fleet(fleet_dir, kAdminKey, {"--config", test::write_fleet_config(fleet_dir.path(), redis.port())});
    local.set_name("bench-local");
    fleet.set_name("bench-fleet");
    local.require_keys();
    fleet.require_keys();
    for (auto* gateway : {&local, &fleet})
        if (const auto error = gateway->start(); !error.isEmpty()) {
            std::fprintf(stderr, "bench_fleet_limits: %s\n", qPrintable(error));
            return 1;
        }
    HttpClient client;
    const std::string local_key = create_key(client, local.base());
    const std::string fleet_key = create_key(client, fleet.base());
    if (local_key.empty() || fleet_key.empty()) {
        std::fprintf(stderr, "bench_fleet_limits: could not create the gateway keys\n");
        return 1;
    }
    std::printf("bench_fleet_limits: serve with local limits (pid %lld) and in a fleet on redis-server (pid %d, "
                "loopback); %d rounds of L and F, %.0f s each at %.0f requests/s, %d keep-alive connections, open "
                "loop; %u cores\n\n",
                local.pid(), int(redis.pid()), rounds, seconds, kRate, kConnections, std::thread::hardware_concurrency());

    // Warm-up of both: connections, allocators, the databases, the script cache.
    for (auto [gateway, key] : {std::pair{&local, &local_key}, std::pair{&fleet, &fleet_key}}) {
        const auto warm = LoadRun(std::uint16_t(gateway->port()), chat_request(*key), kRate, 3.0, kConnections).run();
        if (warm.ok == 0 || warm.errors > 0) {
            std::fprintf(stderr, "bench_fleet_limits: warm-up failed (%ld ok, %ld errors)\n", warm.ok, warm.errors);
            return 1;
        }
    }

    std::vector<Phase> phases;
    for (int round = 1; round <= rounds; ++round)
        for (bool in_fleet : {false, true}) {
            auto& gateway = in_fleet ? fleet : local;
            Phase phase;
            phase.fleet = in_fleet;
            std::this_thread::sleep_for(1s);
            const double gateway_before = process_cpu_seconds(gateway.pid());
            const double redis_before = process_cpu_seconds(redis.pid());
            phase.load = LoadRun(std::uint16_t(gateway.port()), chat_request(in_fleet ? fleet_key : local_key), kRate,
                                 seconds, kConnections)
                             .run();
            phase.redis_cpu_s = in_fleet ? process_cpu_seconds(redis.pid()) - redis_before : 0;
            phase.cpu_s = process_cpu_seconds(gateway.pid()) - gateway_before + phase.redis_cpu_s;
            phase.requests = phase.load.ok + phase.load.errors;
            std::printf("  round %d, %s: achieved %6.0f/s, errors %ld, p50 %.3f ms, p99 %.3f ms; CPU %.1f µs per request"
                        " (redis-server %.1f µs)\n",
                        round, in_fleet ? "fleet" : "local", phase.load.achieved_rate, phase.load.errors,
                        phase.load.p50_ms, phase.load.p99_ms, phase.cpu_us_per_request(),
                        phase.redis_cpu_s * 1e6 / double(std::max<long>(1, phase.requests)));
            std::fflush(stdout);
            phases.push_back(phase);
        }

    std::vector<double> added_p50;
    double local_cpu = 0, fleet_cpu = 0;
    long local_requests = 0, fleet_requests = 0, errors = 0;
    for (std::size_t i = 0; i + 1 < phases.size(); i += 2) {
        added_p50.push_back(phases[i + 1].load.p50_ms - phases[i].load.p50_ms);
        local_cpu += phases[i].cpu_s;
        local_requests += phases[i].requests;
        fleet_cpu += phases[i + 1].cpu_s;
        fleet_requests += phases[i + 1].requests;
        errors += phases[i].load.errors + phases[i + 1].load.errors;
    }
    const double added = median(added_p50);
    const auto [lowest, highest] = std::minmax_element(added_p50.begin(), added_p50.end());
    const double local_us = local_cpu * 1e6 / double(std::max<long>(1, local_requests));
    const double fleet_us = fleet_cpu * 1e6 / double(std::max<long>(1, fleet_requests));
    std::printf("\n");
    row("added p50, fleet-wide limits (median of rounds)", fmt("%.3f ms", added), fmt("≤ %.1f ms", kMaxAddedP50Ms),
        added <= kMaxAddedP50Ms, fmt("rounds %+.3f to %+.3f ms", *lowest, *highest));
    row("CPU per request, fleet (gateway + redis)", fmt("%.1f µs", fleet_us), "-", std::nullopt,
        fmt("local limits %.1f µs in this run", local_us) + fmt(", %+.1f %%", (fleet_us / local_us - 1) * 100));
    if (errors) std::printf("note: %ld request(s) failed during the phases\n", errors);
    return bench::exit_code();
}
