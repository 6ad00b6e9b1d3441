// Routing cost per request: Router::pick() over a 10-target tier (weighted, latency-aware,
// sticky by conversation), pick() + record(), and Router::classify() with the default-like
// rule set on short, medium and long prompts. One thread, real clock and random source;
// the median of several rounds. Target: pick() < 2 µs.
//
// Usage: bench_routing [picks=1000000] [rounds=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_results.h"
#include "../routing/routing_fixture.h"
#include "routing/router.h"

using namespace sb;
using namespace std::chrono;

namespace {

constexpr int kTargets = 10;

RoutingConfig bench_routing(Balancing balancing, bool sticky) {
    RoutingConfig config = test::default_routing();
    TierConfig tier{"bench", "", balancing, false, {}};
    for (int i = 0; i < kTargets; ++i)
        tier.targets.push_back(
            test::target("provider-" + std::to_string(i % 4), "model-" + std::to_string(i), 10 + i));
    config.tiers.push_back(tier);
    config.sticky_conversations = sticky;
    return config;
}

template <typename Body>
double median_ns(int iterations, int rounds, Body body) {
    std::vector<double> results;
    for (int r = 0; r < rounds; ++r) {
        const auto start = steady_clock::now();
        for (int i = 0; i < iterations; ++i) body(i);
        results.push_back(duration<double, std::nano>(steady_clock::now() - start).count() / iterations);
    }
    std::sort(results.begin(), results.end());
    return results[results.size() / 2];
}

// Keeps the optimiser from dropping the work.
volatile std::size_t g_sink = 0;

double bench_picks(Balancing balancing, bool sticky, bool with_record, int n, int rounds) {
    Router router(bench_routing(balancing, sticky));
    // Latencies learned up front, so latency-aware picks do the full weighting.
    for (int i = 0; i < kTargets; ++i)
        router.record({"provider-" + std::to_string(i % 4), "model-" + std::to_string(i)}, ErrorClass::None,
                      microseconds(80'000 + 50'000 * i));
    std::vector<ChatRequest> requests(1024);
    for (std::size_t i = 0; i < requests.size(); ++i)
        if (sticky) requests[i].conversation_id = "conversation-" + std::to_string(i);
    return median_ns(n, rounds, [&](int i) {
        auto choice = router.pick("bench", requests[static_cast<std::size_t>(i) & 1023]);
        g_sink = g_sink + choice->reason.size();
        if (with_record) router.record(choice->target, ErrorClass::None, microseconds(100'000 + (i & 1023)));
    });
}

double bench_classify(const ChatRequest& request, int n, int rounds) {
    Router router(test::default_routing());
    return median_ns(n, rounds, [&](int) { g_sink = g_sink + router.classify(request).tier.size(); });
}

std::string repeat(std::string_view text, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out.append(text);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;

    bench_picks(Balancing::Weighted, false, false, n / 10, 1);  // warm-up
    const double weighted = bench_picks(Balancing::Weighted, false, false, n, rounds);
    const double latency = bench_picks(Balancing::LatencyAware, false, false, n, rounds);
    const double sticky = bench_picks(Balancing::Weighted, true, false, n, rounds);
    const double sticky_latency = bench_picks(Balancing::LatencyAware, true, false, n, rounds);
    const double with_record = bench_picks(Balancing::LatencyAware, false, true, n, rounds);

    std::printf("bench_routing: %d targets per tier, %d picks x %d rounds (medians), one thread\n", kTargets,
                n, rounds);
    std::printf("%-36s %10s\n", "operation", "ns/op");
    std::printf("%-36s %10.0f\n", "pick, weighted", weighted);
    std::printf("%-36s %10.0f\n", "pick, latency-aware", latency);
    std::printf("%-36s %10.0f\n", "pick, sticky (weighted)", sticky);
    std::printf("%-36s %10.0f\n", "pick, sticky (latency-aware)", sticky_latency);
    std::printf("%-36s %10.0f\n", "pick + record, latency-aware", with_record);

    const auto short_question = test::ask("What is the capital of France?");
    const auto medium = test::ask(
        "I am writing a short note to my neighbours about the parking situation on our street. Could you "
        "help me "
        "make it friendly but clear, and suggest a polite closing line? They park across our driveway most "
        "mornings.");
    auto alias = medium;
    alias.model = "fast";
    const auto cjk = test::ask("请帮我看看这段代码有什么问题，为什么运行的时候会报错？");
    const auto long_prompt =
        test::ask(repeat("Plain sentence of a long pasted document, nothing special in it. ", 100));
    const int classify_n = std::max(1, n / 100);
    const double c_short = bench_classify(short_question, classify_n, rounds);
    const double c_medium = bench_classify(medium, classify_n, rounds);
    const double c_alias = bench_classify(alias, classify_n, rounds);
    const double c_cjk = bench_classify(cjk, classify_n, rounds);
    const double c_long = bench_classify(long_prompt, classify_n, rounds);
    std::printf("%-36s %10.0f\n", "classify, short question (31 B)", c_short);
    std::printf("%-36s %10.0f\n", "classify, medium question (218 B)", c_medium);
    std::printf("%-36s %10.0f\n", "classify, model alias (no regex)", c_alias);
    std::printf("%-36s %10.0f\n", "classify, Chinese keyword", c_cjk);
    std::printf("%-36s %10.0f\n", "classify, long prompt (6.6 kB)", c_long);

    const double worst = std::max({weighted, latency, sticky, sticky_latency});
    const bool pass = worst < 2000.0;
    std::printf("target < 2 µs per pick: %s (worst %.0f ns)\n", pass ? "PASS" : "FAIL", worst);
    sb::bench::summary_row("routing", "routing pick, worst of four kinds (10 targets)", sb::bench::fmt("%.0f ns", worst),
                           "< 2,000 ns", pass, sb::bench::fmt("plain weighted pick %.0f ns; worst %.2f× it", weighted, worst / weighted));
    sb::bench::summary_row("routing", "tier classification, long prompt (6.6 kB)", sb::bench::fmt("%.0f ns", c_long), "-",
                           std::nullopt, sb::bench::fmt("short question %.0f ns; long %.1f× it", c_short, c_long / c_short));
    return pass ? 0 : 1;
}
