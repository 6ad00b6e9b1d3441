// Engine overhead and throughput against a zero-latency simulator in a separate process.
//
// Three runs of the same N requests at 256 in flight, measured in this process only
// (getrusage: user + system CPU), so the simulator's own work is not counted:
//   baseline  the transport alone: prebuilt OpenAI request bodies sent with HttpClient
//   engine    Engine::submit (validate, route, limit, adapt, transport, parse, retry policy)
//   engine+db the same with the SQLite history writer on
// "engine itself" = engine CPU per request − baseline CPU per request. Target: ≤ 50 µs.
//
// Usage: bench_engine [requests=20000] [rounds=3]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

#include "bench_results.h"
#include "bench_upstream.h"
#include "engine/engine.h"
#include "simulator_process.h"
#include "providers/provider_adapter.h"
#include "simulator/simulator.h"
#include "simulator/simulator_profile.h"
#include "store/history_writer.h"
#include "transport/http_client.h"

using namespace sb;
using namespace std::chrono;

namespace {

constexpr int kInFlight = 256;

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Measurement {
    double cpu_us_per_request = 0;
    double requests_per_second = 0;
    int failures = 0;
};

// Keeps `kInFlight` requests outstanding until `total` have completed.
template <typename Send>
Measurement measure(int total, Send send) {
    std::mutex mutex;
    std::condition_variable cv;
    int in_flight = 0;
    int completed = 0;
    std::atomic<int> failures{0};
    auto on_complete = [&](bool ok) {
        if (!ok) ++failures;
        std::lock_guard lock(mutex);
        --in_flight;
        ++completed;
        cv.notify_one();
    };
    const double cpu_start = cpu_seconds();
    const auto wall_start = steady_clock::now();
    int sent = 0;
    std::unique_lock lock(mutex);
    while (completed < total) {
        while (sent < total && in_flight < kInFlight) {
            ++in_flight;
            ++sent;
            lock.unlock();
            send(sent, on_complete);
            lock.lock();
        }
        cv.wait(lock, [&] { return (sent < total && in_flight < kInFlight) || completed >= total; });
    }
    const double wall = duration<double>(steady_clock::now() - wall_start).count();
    const double cpu = cpu_seconds() - cpu_start;
    return {cpu / total * 1e6, total / wall, failures.load()};
}

ChatRequest make_request(int i) {
    ChatRequest request;
    request.messages = {{Role::System, "You are a concise customer-service assistant."},
                        {Role::User, "Is item " + std::to_string(i) + " in stock, and when can it ship?"}};
    request.max_tokens = 64;
    request.source = "bench";
    return request;
}

Config bench_config(std::uint16_t port) {
    return bench::loopback_upstream_config(port, kInFlight);
}

void print_row(const char* name, const Measurement& m) {
    std::printf("%-28s %12.1f %14.0f %10d\n", name, m.cpu_us_per_request, m.requests_per_second, m.failures);
}

Measurement median_of(std::vector<Measurement> runs) {
    auto middle = [&](auto field) {
        std::vector<double> values;
        for (const auto& run : runs) values.push_back(run.*field);
        std::sort(values.begin(), values.end());
        return values[values.size() / 2];
    };
    Measurement m;
    m.cpu_us_per_request = middle(&Measurement::cpu_us_per_request);
    m.requests_per_second = middle(&Measurement::requests_per_second);
    for (const auto& run : runs) m.failures += run.failures;
    return m;
}

// The transport alone, with request bodies built before the clock starts.
Measurement run_baseline(const Config& config, int total) {
    HttpClient http;
    const auto adapter = make_provider_adapter(ProviderKind::OpenAI);
    std::vector<HttpRequest> prebuilt;
    for (int i = 0; i <= total; ++i)
        prebuilt.push_back(adapter->build_request(make_request(i), config.providers[0], "gpt-4o-mini"));
    return measure(total, [&](int i, auto& done) {
        http.send(std::move(prebuilt[static_cast<std::size_t>(i)]),
                  [&done](HttpResponse&& r) { done(r.curl_code == 0 && r.status == 200); });
    });
}

Measurement run_engine(const Config& config, int total, bool history) {
    const auto db = std::filesystem::temp_directory_path() / ("bench_engine_" + std::to_string(getpid()) + ".db");
    EngineOptions options;
    options.config = config;
    options.history = history;
    options.database = db;
    auto engine = Engine::create(std::move(options));
    if (!engine) {
        std::fprintf(stderr, "bench_engine: %s\n", engine.error().c_str());
        std::exit(1);
    }
    auto send = [&](int i, auto& done) { (*engine)->submit(make_request(i), [&done](RequestResult&& r) { done(r.ok()); }); };
    const auto m = measure(total, send);
    if (history) (*engine)->history()->flush(seconds(60));
    engine->reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    const int total = argc > 1 ? std::atoi(argv[1]) : 20000;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
    std::uint16_t port = 0;
    // Zero latency, no errors; before any thread exists here, so fork is safe.
    const pid_t simulator = bench::start_simulator_process(SimulatorProfile{}, "", port);
    if (simulator < 0 || port == 0) {
        std::fprintf(stderr, "bench_engine: could not start the simulator process\n");
        return 1;
    }
    const Config config = bench_config(port);

    // Rounds interleave the three runs so machine noise hits them alike; medians are reported.
    run_engine(config, std::min(total, 2000), false);  // warm-up: connections, allocator, page cache
    std::vector<Measurement> baselines, engines, engines_db;
    for (int round = 0; round < rounds; ++round) {
        baselines.push_back(run_baseline(config, total));
        engines.push_back(run_engine(config, total, false));
        engines_db.push_back(run_engine(config, total, true));
    }
    bench::stop_simulator_process(simulator);

    const Measurement baseline = median_of(baselines), engine = median_of(engines), engine_db = median_of(engines_db);
    std::printf("bench_engine: %d requests x %d rounds (medians), %d in flight, zero-latency simulator in another process\n",
                total, rounds, kInFlight);
    std::printf("%-28s %12s %14s %10s\n", "run", "cpu µs/req", "requests/s", "failures");
    print_row("baseline (transport only)", baseline);
    print_row("engine", engine);
    print_row("engine + SQLite history", engine_db);
    const double own = engine.cpu_us_per_request - baseline.cpu_us_per_request;
    const double own_db = engine_db.cpu_us_per_request - baseline.cpu_us_per_request;
    std::printf("engine itself: %.1f µs/request (%.2fx the transport alone); with history: %.1f µs/request\n", own,
                engine.cpu_us_per_request / baseline.cpu_us_per_request, own_db);
    std::printf("target ≤ 50 µs/request in the engine itself: %s\n", own <= 50.0 ? "PASS" : "FAIL");
    bench::summary_row("engine", "engine CPU per request, 256 in flight", bench::fmt("%.1f µs", own), "≤ 50 µs", own <= 50.0,
                       bench::fmt("transport alone %.1f µs; engine %.2f× it", baseline.cpu_us_per_request,
                                  engine.cpu_us_per_request / baseline.cpu_us_per_request));
    bench::summary_row("engine", "  … with SQLite history", bench::fmt("%.1f µs", own_db), "-", std::nullopt,
                       bench::fmt("%.0f requests/s with history", engine_db.requests_per_second));
    return baseline.failures + engine.failures + engine_db.failures == 0 && own <= 50.0 ? 0 : 1;
}
