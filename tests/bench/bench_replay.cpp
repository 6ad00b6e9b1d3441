// The baseline replay of the reference case's experiment (docs/PERFORMANCE.md): customer-service
// traffic (a workload file) against upstreams that behave like the reference case's (a simulator
// profile), through four clients — raw calls (no retries: the reference case's row), raw calls
// with the official OpenAI SDKs' default retries (what apps really run), batching (the engine's
// adaptive concurrency, retries and failover) and batching + cache + tiers (the engine as
// shipped) — reported next to the reference case's table, the warm-up (a cold start) apart
// from the steady state.
//
// Real requests over loopback HTTP, in real time: every mode gets its own simulators (one per
// configured provider, in this process) and replays the same conversations on the same
// schedule. By default every mode of every workload runs at the same time (the replay is I/O
// bound: its CPU use is printed; --sequential runs them one after another).
//
// SB_REPLAY_TRACE=1 prints each provider's concurrency limit, calls in flight and calls waiting
// every 2 s while the engine modes run.
//
// Usage: bench_replay [--workload FILE]... [--upstream FILE] [--config FILE] [--prices FILE]
//                     [--out DIR] [--modes LIST] [--sequential] [--describe]
//   --workload  default: resources/replay/workload-reference-case.json and workload-half-repetition.json
//   --upstream  default: resources/replay/upstream-reference-case.json (a simulator profile)
//   --config    an engine config (routing, retries, limits, cache rules); default: the shipped one
//   --prices    a price file like resources/pricing.json; default: the built-in table
//   --out       where replay-<workload>.json goes; default: $SB_BENCH_RESULTS, else none
//   --modes     some of raw,sdk,batching,cache (default: all four; cost saved needs raw)
//   --judged    questions judged without reference to the rules, for the tier accuracy;
//               default: resources/replay/questions-judged.json
//   --describe  print what the workloads look like and stop
// Exit code: 0 when every target was met, 2 when one was missed, 1 on a setup error.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_results.h"
#include "config/config.h"
#include "cost/price_table.h"
#include "replay/replay.h"
#include "replay/tier_accuracy.h"
#include "replay/workload.h"
#include "simulator/simulator_profile.h"

using namespace sb;
using namespace sb::replay;

namespace {

// The reference case's results table — a published write-up of an e-commerce customer-service
// system on the ChatGPT API (AWS t3.xlarge, an East Asia API endpoint) — one row per mode:
//   strategy                      mean latency   success   cost saving
//   raw calls                        1,200 ms       92%        0%
//   batch processing                   800 ms       95%       22%
//   batch processing + cache           350 ms     99.5%       45%
struct ReferenceRow {
    double mean_ms, success, saved;
};
constexpr ReferenceRow kReferenceCase[] = {{1200, 0.92, 0.0}, {800, 0.95, 0.22}, {350, 0.995, 0.45}};
constexpr double kCacheSuccessTarget = 0.999;

// The reference case's row of a mode; null for the SDK client, which the reference case lacks.
const ReferenceRow* reference_row(Mode mode) {
    switch (mode) {
    case Mode::Raw: return &kReferenceCase[0];
    case Mode::SdkRetries: return nullptr;
    case Mode::Batching:
    case Mode::Hedging: return &kReferenceCase[1];
    case Mode::CacheTiers:
    case Mode::Semantic: return &kReferenceCase[2];
    }
    return nullptr;
}

struct Options {
    std::vector<std::filesystem::path> workloads;
    std::filesystem::path upstream = SB_RESOURCES_DIR "/replay/upstream-reference-case.json";
    std::filesystem::path config;
    std::filesystem::path prices;
    std::filesystem::path out;
    std::filesystem::path judged = SB_RESOURCES_DIR "/replay/questions-judged.json";
    bool sequential = false;
    bool describe_only = false;
    std::vector<Mode> modes{std::begin(kModes), std::end(kModes)};
};

std::optional<Options> parse_args(int argc, char** argv) {
    Options options;
    options.out = bench::results_dir();
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) return std::nullopt;
            return std::string(argv[++i]);
        };
        std::optional<std::string> v;
        if (arg == "--sequential")
            options.sequential = true;
        else if (arg == "--describe")
            options.describe_only = true;
        else if (arg == "--workload" && (v = value()))
            options.workloads.emplace_back(*v);
        else if (arg == "--upstream" && (v = value()))
            options.upstream = *v;
        else if (arg == "--config" && (v = value()))
            options.config = *v;
        else if (arg == "--prices" && (v = value()))
            options.prices = *v;
        else if (arg == "--out" && (v = value()))
            options.out = *v;
        else if (arg == "--judged" && (v = value()))
            options.judged = *v;
        else if (arg == "--modes" && (v = value())) {
            options.modes.clear();
            for (const Mode mode : kModes)
                if (("," + *v + ",").find("," + std::string(to_string(mode)) + ",") != std::string::npos)
                    options.modes.push_back(mode);
            if (options.modes.empty()) {
                std::fprintf(stderr, "bench_replay: --modes takes raw,sdk,batching,hedge,cache,semantic\n");
                return std::nullopt;
            }
        } else {
            std::fprintf(
                stderr,
                "usage: bench_replay [--workload FILE]... [--upstream FILE] [--config FILE] [--prices FILE]"
                " [--out DIR] [--modes raw,sdk,batching,hedge,cache,semantic] [--judged FILE] [--sequential]"
                " [--describe]\n");
            return std::nullopt;
        }
    }
    if (options.workloads.empty())
        options.workloads = {SB_RESOURCES_DIR "/replay/workload-reference-case.json",
                             SB_RESOURCES_DIR "/replay/workload-half-repetition.json"};
    return options;
}

std::string percent(double share) {
    return bench::fmt("%.1f%%", share * 100.0);
}
std::string percent2(double share) {
    return bench::fmt("%.2f%%", share * 100.0);
}

void print_workload(const Workload& workload, const WorkloadStats& stats) {
    const auto& p = workload.params;
    std::printf(
        "workload %s: %zu conversations (%d warm-up), %zu requests (%zu measured), %.0f conversations/s "
        "over %.0f s\n",
        p.name.c_str(), stats.conversations, p.warmup_conversations, stats.requests, stats.measured_requests,
        p.arrival_per_s, stats.span_s);
    std::printf(
        "  turns per conversation %.2f; difficulty simple/medium/hard %s/%s/%s; one-off %s; Zipf s=%.2f\n",
        stats.mean_turns, percent(stats.difficulty_share[0]).c_str(),
        percent(stats.difficulty_share[1]).c_str(), percent(stats.difficulty_share[2]).c_str(),
        percent(stats.one_off_share).c_str(), p.zipf_s);
    std::printf(
        "  repetition (request sent before): %s of all, %s of the measured; first questions %s; "
        "top first question %s\n",
        percent(stats.repetition).c_str(), percent(stats.measured_repetition).c_str(),
        percent(stats.opener_repetition).c_str(), percent(stats.top_opener_share).c_str());
}

void print_table(const std::vector<ModeSummary>& summaries) {
    const ModeSummary* raw = nullptr;
    for (const auto& s : summaries)
        if (s.mode == Mode::Raw) raw = &s;
    std::printf("  %-26s %9s %9s %8s %9s %9s %10s %9s %7s %7s %7s   | reference case: %7s %7s %6s\n",
                "mode", "mean ms", "× raw", "p50 ms", "p99 ms", "success", "$/1k ans.", "saved", "saved$", "cache",
                "hedged", "mean", "success", "saved");
    for (const auto& s : summaries) {
        const ReferenceRow* b = reference_row(s.mode);
        std::printf("  %-26s %9.0f %8.2f× %8.0f %9.0f %9s %10.4f %9s %7s %7s %7s   | %21s %7s %6s\n",
                    label(s.mode), s.mean_ms, raw && raw->mean_ms > 0 ? s.mean_ms / raw->mean_ms : 0.0, s.p50_ms,
                    s.p99_ms, percent2(s.success).c_str(), s.cost_per_1k_answered, percent(s.saved_vs_raw).c_str(),
                    percent(s.saved_total_vs_raw).c_str(), percent(s.cache_hit_ratio).c_str(),
                    s.mode == Mode::Hedging ? percent(s.hedge_share).c_str() : "-",
                    b ? bench::fmt("%.0f", b->mean_ms).c_str() : "-", b ? percent(b->success).c_str() : "-",
                    b ? percent(b->saved).c_str() : "-");
    }
}

struct Verdicts {
    bool all = true;
    void add(const std::string& bench, const std::string& figure, const std::string& measured,
             const std::string& target, bool pass, const std::string& baseline) {
        all = all && pass;
        std::printf("  %-4s %-52s %-12s target %s\n", pass ? "PASS" : "FAIL", figure.c_str(),
                    measured.c_str(), target.c_str());
        bench::summary_row(bench, figure, measured, target, pass, baseline);
    }
};

// What hedging bought against batching without it: the latency gained and what it cost.
void report_hedging(const std::string& bench, const std::vector<ModeSummary>& summaries, const std::string& phase) {
    const ModeSummary* plain = nullptr;
    const ModeSummary* hedged = nullptr;
    for (const auto& s : summaries) {
        if (s.mode == Mode::Batching) plain = &s;
        if (s.mode == Mode::Hedging) hedged = &s;
    }
    if (!plain || !hedged || plain->requests == 0 || hedged->requests == 0) return;
    const double cost_per_answer = plain->cost_per_1k_answered > 0
                                       ? hedged->cost_per_1k_answered / plain->cost_per_1k_answered - 1.0
                                       : 0.0;
    bench::summary_row(bench, "hedging: latency gained for its cost" + phase,
                       bench::fmt("mean %+.0f ms, ", hedged->mean_ms - plain->mean_ms) +
                           bench::fmt("p99 %+.0f ms; ", hedged->p99_ms - plain->p99_ms) +
                           bench::fmt("cost per answer %+.1f%%", cost_per_answer * 100.0),
                       "-", std::nullopt,
                       percent(hedged->hedge_share) + " hedged, " + percent(hedged->hedge_won_share) +
                           " of them answered first; losing attempts " + percent(hedged->hedge_cost_share) +
                           " of spend; batching " + bench::fmt("%.0f ms mean", plain->mean_ms));
}

// The targets: every engine mode beats its row of the reference case on success, cost saved and mean
// latency; batching + cache + tiers reaches 99.9 %; and in the warm-up (a cold engine) no engine
// mode is slower on average than raw calls.
void judge(const std::string& workload, const std::vector<ModeSummary>& summaries,
           const std::vector<ModeSummary>& warmups, Verdicts& verdicts) {
    const ModeSummary* raw = nullptr;
    const ModeSummary* raw_warmup = nullptr;
    for (const auto& s : summaries)
        if (s.mode == Mode::Raw) raw = &s;
    for (const auto& s : warmups)
        if (s.mode == Mode::Raw) raw_warmup = &s;
    const std::string short_name = workload.starts_with("workload-") ? workload.substr(9) : workload;
    const std::string bench = "replay " + short_name;
    for (const auto& s : warmups) {
        if (s.requests == 0) continue;
        const std::string figure = std::string(label(s.mode)) + ": warm-up mean latency";
        const std::string measured = bench::fmt("%.0f ms", s.mean_ms) + " (" + percent2(s.success) + ")";
        if (s.mode == Mode::Raw || s.mode == Mode::SdkRetries || !raw_warmup) {
            bench::summary_row(bench, figure, measured, "-", std::nullopt, "cold start; the warm-up's requests only");
            continue;
        }
        verdicts.add(bench, figure, measured, bench::fmt("≤ %.0f ms", raw_warmup->mean_ms),
                     s.mean_ms <= raw_warmup->mean_ms,
                     bench::fmt("raw warm-up %.0f ms; %.2f× raw", raw_warmup->mean_ms,
                                s.mean_ms / std::max(raw_warmup->mean_ms, 1e-9)));
    }
    for (const auto& s : summaries) {
        if (s.mode == Mode::Raw || s.mode == Mode::SdkRetries) {
            bench::summary_row(bench, std::string(label(s.mode)) + ": mean latency / success",
                               bench::fmt("%.0f ms", s.mean_ms) + " / " + percent2(s.success), "-", std::nullopt,
                               s.mode == Mode::Raw ? "reference case: 1200 ms / 92%"
                                                   : bench::fmt("p99 %.0f ms; ", s.p99_ms) +
                                                         bench::fmt("%.2f upstream calls per request",
                                                                    s.upstream_calls_per_request));
            continue;
        }
        const ReferenceRow& b = *reference_row(s.mode);
        const std::string name = label(s.mode);
        const std::string vs_raw =
            raw ? bench::fmt("raw %.0f ms; %.2f× raw", raw->mean_ms, s.mean_ms / std::max(raw->mean_ms, 1e-9))
                : "";
        const bool cached = s.mode == Mode::CacheTiers || s.mode == Mode::Semantic;
        const double success_target = cached ? kCacheSuccessTarget : b.success;
        verdicts.add(bench, name + ": success", percent2(s.success),
                     (cached ? "≥ " : "> ") + percent(success_target),
                     cached ? s.success >= success_target : s.success > success_target,
                     raw ? "raw " + percent2(raw->success) : "");
        verdicts.add(bench, name + ": cost saved per answer", percent(s.saved_vs_raw),
                     "> " + percent(b.saved), s.saved_vs_raw > b.saved,
                     raw ? bench::fmt("raw $%.4f per 1k answers", raw->cost_per_1k_answered) : "");
        verdicts.add(bench, name + ": mean latency", bench::fmt("%.0f ms", s.mean_ms),
                     bench::fmt("< %.0f ms", b.mean_ms), s.mean_ms < b.mean_ms, vs_raw);
    }
    report_hedging(bench, summaries, "");
    report_hedging(bench, warmups, " (warm-up)");
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
    return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
    const auto options = parse_args(argc, argv);
    if (!options) return 1;

    auto profile = load_simulator_profile(options->upstream);
    if (!profile) {
        std::fprintf(stderr, "bench_replay: %s\n", profile.error().c_str());
        return 1;
    }
    const EnvLookup no_environment = [](const std::string&) { return std::optional<std::string>(); };
    auto base = options->config.empty() ? default_config(no_environment)
                                        : load_config(options->config, no_environment);
    if (!base) {
        for (const auto& error : base.error())
            std::fprintf(stderr, "bench_replay: config: %s\n", error.to_string().c_str());
        return 1;
    }
    std::optional<PriceTable> prices;
    if (options->prices.empty()) {
        prices = PriceTable::built_in();
    } else if (auto loaded = PriceTable::load(options->prices)) {
        prices = std::move(*loaded);
    } else {
        std::fprintf(stderr, "bench_replay: prices: %s\n", loaded.error().c_str());
        return 1;
    }

    std::printf("bench_replay: upstream %s; engine config %s; prices %s (as of %s); modes %s\n",
                options->upstream.filename().c_str(),
                options->config.empty() ? "shipped (resources/default-config.json)" : options->config.c_str(),
                options->prices.empty() ? "built-in" : options->prices.c_str(), prices->as_of().c_str(),
                options->sequential ? "one after another" : "all at the same time");
    std::fflush(stdout);

    // Every workload is generated and described first; then all their modes run at once (each
    // mode with its own simulators), so the suite takes one workload's time, not the sum.
    std::vector<Workload> workloads;
    for (const auto& file : options->workloads) {
        auto workload = load_and_generate(file);
        if (!workload) {
            std::fprintf(stderr, "bench_replay: %s\n", workload.error().c_str());
            return 1;
        }
        std::printf("\n");
        print_workload(*workload, describe(*workload));
        std::fflush(stdout);
        workloads.push_back(std::move(*workload));
    }
    if (options->describe_only) return 0;

    // How the routing's tier rules agree with a person's judgement, on the replay's own questions
    // (labelled beside the rules) and on a set written without them.
    std::printf("\ntier chosen by the routing rules against the difficulty a person judged (each question alone):\n");
    for (const auto& loaded : {load_pool_as_judged_set(SB_RESOURCES_DIR "/replay/questions.json"),
                               load_judged_set(options->judged)}) {
        if (!loaded) {
            std::fprintf(stderr, "bench_replay: %s\n", loaded.error().c_str());
            return 1;
        }
        const auto accuracy = measure_tier_accuracy(base->routing, *loaded);
        std::printf("%s (%zu questions):\n%s", accuracy.set.c_str(), accuracy.questions,
                    format_tier_accuracy(accuracy).c_str());
        const auto hard = accuracy.matrix.find("hard");
        std::size_t hard_total = 0, hard_strongest = 0;
        if (hard != accuracy.matrix.end())
            for (const auto& [tier, count] : hard->second) {
                hard_total += count;
                if (!accuracy.tiers.empty() && tier == accuracy.tiers.back()) hard_strongest += count;
            }
        bench::summary_row("tier accuracy", accuracy.set + ": tier = judged difficulty",
                           bench::fmt("%.1f%%", accuracy.accuracy() * 100.0), "-", std::nullopt,
                           bench::fmt("%.0f questions; ", double(accuracy.questions)) +
                               bench::fmt("hard ones to the strongest tier: %.0f of %.0f", double(hard_strongest),
                                          double(hard_total)));
    }
    std::fflush(stdout);

    const auto& modes = options->modes;
    std::vector<std::vector<ModeRun>> all_runs(workloads.size(), std::vector<ModeRun>(modes.size()));
    std::vector<std::vector<Upstreams>> all_upstreams(workloads.size());
    for (std::size_t w = 0; w < workloads.size(); ++w)
        for (std::size_t m = 0; m < modes.size(); ++m) {
            auto started = Upstreams::start(*base, *profile);
            if (!started) {
                std::fprintf(stderr, "bench_replay: %s\n", started.error().c_str());
                return 1;
            }
            all_upstreams[w].push_back(std::move(*started));
        }
    auto run_one = [&](std::size_t w, std::size_t m) {
        const Config config =
            replay_config(*base, all_upstreams[w][m].ports(), workloads[w].params.client, modes[m]);
        all_runs[w][m] = run_mode(workloads[w], modes[m], config, *prices);
    };
    if (options->sequential) {
        for (std::size_t w = 0; w < workloads.size(); ++w)
            for (std::size_t m = 0; m < modes.size(); ++m) run_one(w, m);
    } else {
        std::vector<std::thread> threads;
        for (std::size_t w = 0; w < workloads.size(); ++w)
            for (std::size_t m = 0; m < modes.size(); ++m) threads.emplace_back(run_one, w, m);
        for (auto& thread : threads) thread.join();
    }
    all_upstreams.clear();

    Verdicts verdicts;
    for (std::size_t w = 0; w < workloads.size(); ++w) {
        const Workload* workload = &workloads[w];
        const WorkloadStats stats = describe(*workload);
        const auto& runs = all_runs[w];
        std::printf("\nworkload %s:\n", workload->params.name.c_str());

        std::vector<ModeSummary> summaries, warmups;
        double cpu = 0, wall = 0;
        bool complete = true;
        for (const auto& run : runs) {
            summaries.push_back(summarize(run, true));
            warmups.push_back(summarize_warmup(run));
            cpu = options->sequential ? cpu + run.cpu_s : std::max(cpu, run.cpu_s);
            wall = options->sequential ? wall + run.wall_s : std::max(wall, run.wall_s);
            complete = complete && run.complete;
        }
        compare_with_raw(summaries);
        compare_with_raw(warmups);
        std::printf("  replayed in %.0f s; this process used %.1f s of CPU (%.1f%% of one core%s)%s\n", wall,
                    cpu, cpu / std::max(wall, 1e-9) * 100.0,
                    options->sequential || workloads.size() < 2 ? "" : ", every workload's modes together",
                    complete ? "" : "; SOME REQUESTS DID NOT FINISH");
        std::printf("measured requests (after the warm-up):\n");
        print_table(summaries);
        std::printf("warm-up only (cold cache, limits still learning):\n");
        print_table(warmups);
        judge(workload->params.name, summaries, warmups, verdicts);
        std::fflush(stdout);

        if (!options->out.empty()) {
            nlohmann::json report = {
                {"workload", to_json(workload->params)},
                {"workload_stats", to_json(stats)},
                {"upstream",
                 {{"file", options->upstream.filename().string()},
                  {"median_ms", profile->latency_median_ms},
                  {"p99_ms", profile->latency_p99_ms},
                  {"error_total", profile->errors.total()},
                  {"retry_after_s", profile->retry_after_s},
                  {"reply_words", profile->reply_words}}},
                {"prices_as_of", prices->as_of()},
                {"concurrent_modes", !options->sequential},
                {"wall_s", wall},
                {"cpu_s", cpu},
                {"machine", {{"cpus", std::thread::hardware_concurrency()}, {"cpu_model", cpu_model()}}},
                {"reference_case", nlohmann::json::array()},
                {"modes", nlohmann::json::array()},
                {"warmup_modes", nlohmann::json::array()}};
            for (const auto& row : kReferenceCase)  // raw calls, batching, batching + cache + tiers
                report["reference_case"].push_back(
                    {{"mean_ms", row.mean_ms}, {"success", row.success}, {"saved", row.saved}});
            for (const auto& s : summaries) report["modes"].push_back(to_json(s));
            for (const auto& s : warmups) report["warmup_modes"].push_back(to_json(s));
            std::error_code ignored;
            std::filesystem::create_directories(options->out, ignored);
            std::ofstream(options->out / ("replay-" + workload->params.name + ".json"))
                << report.dump(1) << "\n";
        }
    }
    return verdicts.all ? 0 : 2;
}
