// Cache-hit latency and throughput through the whole engine (validate → route → rules →
// key → lookup → answer), in-process and with Redis on loopback, against baselines measured
// in the same run: the backend lookup alone, and a miss (a real HTTP round trip to a
// zero-latency simulator in another process).
// Targets: hit ≤ 20 µs in-process, ≤ 300 µs with Redis.
//
// Usage: bench_cache_hit [hits=20000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>
#include <vector>

#include "bench_results.h"
#include "../support/redis_server.h"
#include "cache/cache_key.h"
#include "cache/memory_cache.h"
#include "cache/redis_cache.h"
#include "engine/engine.h"
#include "simulator_process.h"

using namespace sb;
using namespace std::chrono;

namespace {

constexpr const char* kKey = "sk-bench";

struct Latencies {
    double p50_us = 0, p99_us = 0, mean_us = 0, per_second = 0;
};

Latencies summarise(std::vector<double> us, double wall_s) {
    std::sort(us.begin(), us.end());
    Latencies l;
    l.p50_us = us[us.size() / 2];
    l.p99_us = us[us.size() * 99 / 100];
    double sum = 0;
    for (double v : us) sum += v;
    l.mean_us = sum / double(us.size());
    l.per_second = double(us.size()) / wall_s;
    return l;
}

ChatRequest faq(int i = 0) {
    ChatRequest request;
    request.provider = "openai";
    request.messages = {{Role::System, "You are the support assistant of an online shop."},
                        {Role::User, "What are your opening hours on public holidays? (" + std::to_string(i) + ")"}};
    return request;
}

// Sequential submits; a hit finishes inside submit(), so this times the whole hit path.
Latencies time_requests(Engine& engine, int n, bool distinct) {
    std::vector<double> us;
    us.reserve(n);
    const auto wall = steady_clock::now();
    for (int i = 0; i < n; ++i) {
        const auto t0 = steady_clock::now();
        auto future = engine.submit(faq(distinct ? i + 1'000'000 : 0));
        const auto result = future.get();
        us.push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
        if (!result.ok()) {
            std::fprintf(stderr, "request failed: %s\n", result.outcome.error().message.c_str());
            std::exit(1);
        }
    }
    return summarise(std::move(us), duration<double>(steady_clock::now() - wall).count());
}

// Hits from two threads at once: the throughput the engine's hit path sustains on 2 cores.
double parallel_hits_per_second(Engine& engine, int n) {
    const auto wall = steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < n / 2; ++i) engine.submit(faq(0)).get();
        });
    for (auto& thread : threads) thread.join();
    return double(n) / duration<double>(steady_clock::now() - wall).count();
}

Latencies time_lookups(CacheBackend& backend, const std::string& key, int n) {
    std::vector<double> us;
    us.reserve(n);
    const auto wall = steady_clock::now();
    for (int i = 0; i < n; ++i) {
        const auto t0 = steady_clock::now();
        const auto found = backend.get(key);
        us.push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
        if (!found || !*found) {
            std::fprintf(stderr, "lookup missed\n");
            std::exit(1);
        }
    }
    return summarise(std::move(us), duration<double>(steady_clock::now() - wall).count());
}

std::unique_ptr<Engine> make_engine(std::uint16_t port, CacheBackendKind backend, int redis_port) {
    EngineOptions options;
    ProviderConfig p;
    p.name = "openai";
    p.kind = ProviderKind::OpenAI;
    p.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    p.api_key = kKey;
    p.default_model = "gpt-4o-mini";
    p.models = {"gpt-4o-mini"};
    options.config.providers = {p};
    options.config.default_provider = "openai";
    options.config.cache.enabled = true;
    options.config.cache.backend = backend;
    options.config.cache.redis.port = redis_port;
    options.config.cache.redis.key_prefix = "bench:";
    options.config.cache.redis.command_timeout = milliseconds(500);
    options.history = false;
    auto engine = Engine::create(std::move(options));
    if (!engine) {
        std::fprintf(stderr, "engine: %s\n", engine.error().c_str());
        std::exit(1);
    }
    return std::move(*engine);
}

void print(const char* name, const Latencies& l, double baseline_p50 = 0) {
    std::printf("  %-34s p50 %8.1f µs  p99 %8.1f µs  mean %8.1f µs  %9.0f /s", name, l.p50_us, l.p99_us, l.mean_us,
                l.per_second);
    if (baseline_p50 > 0) std::printf("  (%.3f× the miss)", l.p50_us / baseline_p50);
    std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
    const int hits = argc > 1 ? std::max(1000, std::atoi(argv[1])) : 20'000;
    std::uint16_t port = 0;
    const pid_t simulator = bench::start_simulator_process(SimulatorProfile{}, kKey, port);  // before any thread
    if (port == 0) {
        std::fprintf(stderr, "simulator did not start\n");
        return 1;
    }
    std::printf("bench_cache_hit: %d hits per run, zero-latency simulator in another process\n\n", hits);

    std::printf("in-process cache (memory backend)\n");
    auto memory_engine = make_engine(port, CacheBackendKind::Memory, 0);
    const auto miss = time_requests(*memory_engine, 2'000, true);  // distinct questions: every one a miss
    time_requests(*memory_engine, 1, false);                        // stores the FAQ answer
    const auto hit = time_requests(*memory_engine, hits, false);
    const double hit_throughput = parallel_hits_per_second(*memory_engine, hits);
    MemoryCache lookup_only;
    lookup_only.put("k", CacheEntry{std::string(600, 'a'), std::nullopt, {}});
    const auto raw = time_lookups(lookup_only, "k", hits);
    print("miss (HTTP round trip, baseline)", miss);
    print("hit through the engine", hit, miss.p50_us);
    print("MemoryCache::get alone", raw, miss.p50_us);
    std::printf("  hit throughput, 2 threads: %.0f hits/s\n", hit_throughput);
    std::printf("  target hit p50 ≤ 20 µs: %s\n\n", hit.p50_us <= 20 ? "PASS" : "FAIL");
    bench::summary_row("cache", "cache hit p50 through the engine (memory)", bench::fmt("%.1f µs", hit.p50_us), "≤ 20 µs",
                       hit.p50_us <= 20, bench::fmt("miss %.0f µs; hit %.3f× the miss", miss.p50_us, hit.p50_us / miss.p50_us));

    std::printf("Redis cache (redis-server on loopback)\n");
    bool redis_pass = false;
    {
        test::RedisServer server;
        if (!server.error().empty()) {
            std::printf("  skipped: %s\n", server.error().c_str());
            bench::summary_row("cache", "cache hit p50 through the engine (Redis)", "skipped", "≤ 300 µs", std::nullopt,
                               server.error());
        } else {
            auto redis_engine = make_engine(port, CacheBackendKind::Redis, server.port());
            const auto redis_miss = time_requests(*redis_engine, 2'000, true);
            time_requests(*redis_engine, 1, false);
            std::this_thread::sleep_for(milliseconds(300));  // the writer stores in the background
            const auto redis_hit = time_requests(*redis_engine, hits, false);
            const double redis_throughput = parallel_hits_per_second(*redis_engine, hits);
            RedisCacheOptions options;
            options.port = server.port();
            options.key_prefix = "raw:";
            options.command_timeout = milliseconds(500);
            auto backend = RedisCache::create(options);
            backend->put("k", CacheEntry{std::string(600, 'a'), std::nullopt, {}});
            std::this_thread::sleep_for(milliseconds(300));
            const auto redis_raw = time_lookups(*backend, "k", hits);
            print("miss (HTTP round trip, baseline)", redis_miss);
            print("hit through the engine", redis_hit, redis_miss.p50_us);
            print("RedisCache::get alone", redis_raw, redis_miss.p50_us);
            std::printf("  hit throughput, 2 threads: %.0f hits/s\n", redis_throughput);
            redis_pass = redis_hit.p50_us <= 300;
            std::printf("  target hit p50 ≤ 300 µs: %s\n", redis_pass ? "PASS" : "FAIL");
            bench::summary_row("cache", "cache hit p50 through the engine (Redis)", bench::fmt("%.1f µs", redis_hit.p50_us),
                               "≤ 300 µs", redis_pass,
                               bench::fmt("miss %.0f µs; hit %.3f× the miss", redis_miss.p50_us, redis_hit.p50_us / redis_miss.p50_us));
        }
    }
    memory_engine.reset();
    bench::stop_simulator_process(simulator);
    return hit.p50_us <= 20 && redis_pass ? 0 : 2;
}
